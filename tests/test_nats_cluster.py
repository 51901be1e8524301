"""When one machine is not enough: the platform on a three-node NATS cluster with every stream at
three replicas. One node is killed with SIGKILL in the middle of a stream of sign-ups: nothing is
lost and nothing is counted twice."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from collections import Counter
from datetime import date
from email.utils import parseaddr

import pytest
from dinet_contracts.topology import STREAMS
from nats.js.api import StreamConfig

from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.embedded import EmbeddedNatsCluster, _die_with_parent, free_port, nats_server_binary, read_mails, wait_for_port
from dinet_chassis.testing import wait_until
from dinet_contracts.generate import CLUSTER_NODES, CLUSTER_REPLICAS, OPERATOR_USER, password_variable, repo_root

ROOT = repo_root()

SIGN_UPS = 120
KILL_AFTER = 40


@pytest.fixture
async def nats_cluster(tmp_path):
    cluster = EmbeddedNatsCluster(tmp_path / "cluster").start()
    try:
        nc = await connect(cluster.url)
        js = nc.jetstream()

        async def replicated_stream_possible() -> bool:
            # The nodes must have found each other and elected a meta leader first.
            try:
                await js.add_stream(StreamConfig(name="PROBE", subjects=["probe.>"], num_replicas=3))
            except Exception:
                return False
            await js.delete_stream("PROBE")
            return True

        await wait_until(replicated_stream_possible, timeout=30, interval=0.2)
        await nc.close()
        yield cluster
    finally:
        cluster.stop()


async def _leden(kpi) -> int:
    answer = await kpi.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})
    return next(k["waarde"] for k in answer.json()["kpis"] if k["id"] == "od11_leden")


async def test_a_node_killed_under_load_loses_nothing_and_counts_nothing_twice(
    nats_cluster, start_service, http, mail_sink
):
    from kpi.main import DEFINITION as KPI
    from meldingen.main import DEFINITION as MELDINGEN
    from registratie.main import DEFINITION as REGISTRATIE

    settings = {"nats_url": nats_cluster.url, "stream_replicas": 3, "ack_wait": 2, "smtp_url": mail_sink.url}
    async with (
        start_service(REGISTRATIE, **settings) as registratie,
        start_service(KPI, **settings) as kpi,
        start_service(MELDINGEN, **settings) as meldingen,
    ):
        js = registratie.js
        # One instance (or a tool) started without the setting must not take copies away.
        await ensure_streams(js)
        for stream in STREAMS:
            info = await js.stream_info(stream.name)
            assert info.config.num_replicas == 3, stream.name
            assert len(info.cluster.replicas) == 2, (stream.name, info.cluster)
        # The node that leads the events stream: the hardest one to lose.
        leader = (await js.stream_info("DINET_EVENTS")).cluster.leader
        victim = nats_cluster.node(leader)

        site, kpi_client = http(registratie), http(kpi)
        organisaties = (await site.get("/registratie/api/v1/organisaties")).json()["organisaties"]
        gent = next(o for o in organisaties if o["naam"] == "Gent")["id"]
        run = uuid.uuid4().hex[:8]

        async def sign_up(n: int) -> tuple[str, int]:
            email = f"lid{n}.{run}@cluster.example"
            answer = await site.post(
                "/registratie/api/v1/leden",
                json={"naam": f"Lid {n}", "email": email, "organisatie_id": gent, "functie": "Medewerker",
                      "nieuwsbrief": False},
            )
            return email, answer.status_code

        began = time.monotonic()
        results: list[tuple[str, int]] = []
        for first in range(0, SIGN_UPS, 10):  # ten at a time, as fast as they are answered
            if first == KILL_AFTER:
                victim.process.send_signal(signal.SIGKILL)
                victim.process.wait()
            results += await asyncio.gather(*(sign_up(n) for n in range(first, first + 10)))
        accepted = {email for email, status in results if status == 201}

        def mails() -> Counter:
            return Counter(parseaddr(m["to"])[1] for m in read_mails(mail_sink.mail_dir))

        async def all_arrived() -> bool:
            count = mails()
            return await _leden(kpi_client) == len(accepted) and all(count[e] for e in accepted)

        try:
            await wait_until(all_arrived, timeout=60, interval=0.25)
        finally:
            count = mails()
            figures = {
                "aanmeldingen verstuurd": len(results),
                "aanvaard": len(accepted),
                "geteld in KPI": await _leden(kpi_client),
                "welkomstmails": sum(count.values()),
                "dubbel": sum(n - 1 for n in count.values() if n > 1),
                "verloren": sum(1 for e in accepted if not count[e]),
                "gedode node": leader,
                "alles aangekomen na (s)": round(time.monotonic() - began, 1),
            }
            print("NATS-cluster, één node kill -9:", json.dumps(figures, ensure_ascii=False))
        assert figures["aanvaard"] == SIGN_UPS, results
        assert figures["geteld in KPI"] == SIGN_UPS and figures["welkomstmails"] == SIGN_UPS, figures
        assert figures["dubbel"] == 0 and figures["verloren"] == 0, figures
        # Each consumer saw every event exactly once in effect (the inbox holds one row per event).
        async with kpi.db.engine.connect() as conn:
            from sqlalchemy import text

            counted = await conn.scalar(
                text("SELECT count(*) FROM inbox WHERE consumer = 'kpi-projectie' AND event_type = 'be.dinet.lid.geregistreerd.v1'")
            )
        assert counted == SIGN_UPS
        # The stream kept its two surviving copies and has a leader among them.
        info = await js.stream_info("DINET_EVENTS")
        assert info.cluster.leader and info.cluster.leader != leader
        assert meldingen.failed.is_set() is False and registratie.failed.is_set() is False


async def test_the_deploy_cluster_configuration_forms_a_cluster_that_keeps_every_stream_three_times(tmp_path):
    """deploy/nats/cluster as shipped, on three loopback nodes: the addresses are given on the
    command line (they win over the file) and each node gets its own store folder; streams.json
    beside it creates every stream."""
    deploy = ROOT / "deploy" / "nats"
    conf = deploy / "cluster" / "nats-server.conf"
    passwords = {password_variable(u): secrets.token_hex(8) for u in ("registratie", "kpi", "meldingen", "beleidsplan", OPERATOR_USER)}
    ports = {node: (free_port(), free_port(), free_port()) for node in CLUSTER_NODES}  # client, http, route
    routes = ",".join(f"nats-route://127.0.0.1:{route}" for _, _, route in ports.values())
    processes = []
    try:
        for node, (client, monitor, route) in ports.items():
            # The same two files, the store folder (which no flag may override) made the node's own.
            single = (deploy / "nats-server.conf").read_text(encoding="utf-8")
            own = re.sub(r'^(\s*)store_dir: .*$', rf'\g<1>store_dir: "{tmp_path / node / "js"}"', single, flags=re.M)
            (tmp_path / node / "cluster").mkdir(parents=True)
            (tmp_path / node / "nats-server.conf").write_text(own, encoding="utf-8")
            (tmp_path / node / "cluster" / "nats-server.conf").write_text(conf.read_text(encoding="utf-8"), encoding="utf-8")
            processes.append(
                subprocess.Popen(
                    [nats_server_binary(), "-c", str(tmp_path / node / "cluster" / "nats-server.conf"), "-a", "127.0.0.1",
                     "-p", str(client), "-m", str(monitor), "--cluster", f"nats://127.0.0.1:{route}", "--routes", routes],
                    env={**os.environ, **passwords, "NATS_SERVER_NAME": node},
                    stdout=open(tmp_path / f"{node}.log", "wb"), stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                )
            )
        for client, _, _ in ports.values():
            wait_for_port(client)
        operator = passwords[password_variable(OPERATOR_USER)]
        nc = await connect(",".join(f"nats://{OPERATOR_USER}:{operator}@127.0.0.1:{c}" for c, _, _ in ports.values()))
        try:
            doc = json.loads((conf.parent / "streams.json").read_text(encoding="utf-8"))

            async def create(config: dict) -> dict:
                reply = await nc.request(f"$JS.API.STREAM.CREATE.{config['name']}", json.dumps(config).encode(), timeout=5)
                return json.loads(reply.data)

            first = doc["streams"][0]
            # Until the three have found each other and chosen a meta leader, creating fails.
            await wait_until(lambda: _no_error(create(first)), timeout=30, interval=0.3)
            for config in doc["streams"][1:]:
                assert "error" not in await create(config)
            js = nc.jetstream()
            for config in doc["streams"]:
                info = await js.stream_info(config["name"])
                assert info.config.num_replicas == CLUSTER_REPLICAS
                names = {info.cluster.leader, *(r.name for r in info.cluster.replicas)}
                assert names == set(CLUSTER_NODES), info.cluster
        finally:
            await nc.close()
    finally:
        for process in processes:
            process.kill()
            process.wait()


async def _no_error(reply) -> bool:
    try:
        return "error" not in await reply
    except Exception:
        return False
