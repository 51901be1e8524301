"""When one machine is not enough: the platform on a three-node NATS cluster with every stream at
three replicas, secured as the single server is (operator, accounts, a full resolver on every
node). One node is killed with SIGKILL in the middle of a stream of sign-ups: nothing is lost and
nothing is counted twice. deploy/nats/cluster as shipped forms the cluster, and a partner
revocation pushed to one node holds on all three."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
import pytest
from dinet_contracts.topology import STREAMS
from nats.js.api import StreamConfig

from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.embedded import EmbeddedNatsCluster, _die_with_parent, free_port, nats_server_binary, wait_for_port
from dinet_chassis.testing import mail_tally, mails_per_address, wait_until
from dinet_chassis.natsauth import ADMIN_USER, NatsAuth
from dinet_contracts.generate import CLUSTER_NODES, CLUSTER_REPLICAS, cluster_client_url, repo_root

ROOT = repo_root()

SIGN_UPS = 120
KILL_AFTER = 40


@pytest.fixture
async def nats_cluster(tmp_path):
    # Secured as in production: one operator and set of accounts, a full resolver on every node.
    cluster = EmbeddedNatsCluster(tmp_path / "cluster", auth=NatsAuth(tmp_path / "nats-auth")).start()
    try:
        nc = await connect(cluster.url, creds=cluster.creds(ADMIN_USER))
        await _formed(nc)
        await nc.close()
        yield cluster
    finally:
        cluster.stop()


async def test_a_node_killed_under_load_loses_nothing_and_counts_nothing_twice(
    nats_cluster, start_service, http, mail_sink, hulp
):
    from kpi.main import DEFINITION as KPI
    from meldingen.main import DEFINITION as MELDINGEN
    from registratie.main import DEFINITION as REGISTRATIE

    settings = {"nats_url": nats_cluster.url, "stream_replicas": 3, "ack_wait": 2, "smtp_url": mail_sink.url}
    async with (
        start_service(
            REGISTRATIE, **settings, nats_creds=str(nats_cluster.creds("registratie")),
            nats_partner_issuer=str(nats_cluster.auth.partner_issuer_path),
        ) as registratie,
        start_service(KPI, **settings, nats_creds=str(nats_cluster.creds("kpi"))) as kpi,
        start_service(MELDINGEN, **settings, nats_creds=str(nats_cluster.creds("meldingen"))) as meldingen,
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

        async def all_arrived() -> bool:
            count = mails_per_address(mail_sink.mail_dir)
            return await hulp.leden(kpi_client) == len(accepted) and all(count[e] for e in accepted)

        try:
            await wait_until(all_arrived, timeout=60, interval=0.25)
        finally:
            figures = {
                "aanmeldingen verstuurd": len(results),
                "aanvaard": len(accepted),
                "geteld in KPI": await hulp.leden(kpi_client),
                **mail_tally(mails_per_address(mail_sink.mail_dir), accepted),
                "gedode node": leader,
                "alles aangekomen na (s)": round(time.monotonic() - began, 1),
            }
            print("NATS-cluster, één node kill -9:", json.dumps(figures, ensure_ascii=False))
        assert figures["aanvaard"] == SIGN_UPS, results
        assert figures["geteld in KPI"] == SIGN_UPS and figures["mails"] == SIGN_UPS, figures
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


# --------------------------------------------------------------------------- deploy/nats/cluster as shipped


@dataclass
class DeployNode:
    name: str
    conf: Path
    log: Path
    client: int = field(default_factory=free_port)
    monitor: int = field(default_factory=free_port)
    route: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client}"

    def start(self, routes: str) -> None:
        # The addresses are given on the command line (they win over the file), except the route
        # port: `--cluster` would also replace the file's route user (the fixture edits `listen`).
        argv = [nats_server_binary(), "-c", str(self.conf), "-a", "127.0.0.1", "-p", str(self.client),
                "-m", str(self.monitor), "--routes", routes]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                argv, env={**os.environ, "NATS_SERVER_NAME": self.name}, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass
class DeployCluster:
    auth: NatsAuth
    nodes: list[DeployNode]

    @property
    def routes(self) -> str:
        return ",".join(self.auth.route_url("127.0.0.1", node.route) for node in self.nodes)

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self, node: DeployNode) -> None:
        node.start(self.routes)
        wait_for_port(node.client)


@pytest.fixture
def deploy_cluster(tmp_path: Path) -> Iterator[DeployCluster]:
    """deploy/nats/cluster as shipped, on three loopback nodes: the keys made by the one-time
    command of production, whose server/ part every node includes as auth/ beside the single
    server's config; each node gets its own store and resolver folder (no flag overrides those)."""
    deploy = ROOT / "deploy" / "nats"
    secrets = tmp_path / "secrets"
    made = subprocess.run([sys.executable, "-m", "dinet_chassis.natsauth", str(secrets)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    auth = NatsAuth(secrets)
    nodes = []
    for name in CLUSTER_NODES:
        base = tmp_path / name
        (base / "cluster").mkdir(parents=True)
        single = (deploy / "nats-server.conf").read_text(encoding="utf-8")
        for pattern, replacement in {
            r"^(\s*)store_dir: .*$": rf'\g<1>store_dir: "{base / "js"}"',
            r'^(\s*)dir: "/data/jwt"$': rf'\g<1>dir: "{base / "jwt"}"',
        }.items():
            single, n = re.subn(pattern, replacement, single, flags=re.M)
            assert n == 1, pattern
        (base / "nats-server.conf").write_text(single, encoding="utf-8")
        (base / "auth").symlink_to(auth.server_conf.parent, target_is_directory=True)
        conf = base / "cluster" / "nats-server.conf"
        node = DeployNode(name, conf, tmp_path / f"{name}.log")
        text, n = re.subn(r"(?m)^(\s*)listen: 0\.0\.0\.0:6222$", rf"\g<1>listen: 127.0.0.1:{node.route}",
                          (deploy / "cluster" / "nats-server.conf").read_text(encoding="utf-8"))
        assert n == 1
        conf.write_text(text, encoding="utf-8")
        nodes.append(node)
    cluster = DeployCluster(auth, nodes)
    try:
        for node in nodes:
            node.start(cluster.routes)
        for node in nodes:
            wait_for_port(node.client)
        yield cluster
    finally:
        for node in nodes:
            node.kill()


async def _formed(nc) -> None:
    """Until the three have found each other and chosen a meta leader, a replicated stream
    cannot be made."""
    js = nc.jetstream()

    async def replicated_stream_possible() -> bool:
        try:
            await js.add_stream(StreamConfig(name="PROBE", subjects=["probe.>"], num_replicas=3))
        except Exception:
            return False
        await js.delete_stream("PROBE")
        return True

    await wait_until(replicated_stream_possible, timeout=30, interval=0.3)


def test_the_cluster_configuration_names_no_user_or_password():
    text = (ROOT / "deploy" / "nats" / "cluster" / "nats-server.conf").read_text(encoding="utf-8")
    # The route user's password is a variable of auth/cluster.conf, made once per deployment.
    assert re.findall(r"(?im)^\s*(?:user|password)\s*:\s*(\S+)", text) == ["$DINET_ROUTE_USER", "$DINET_ROUTE_PASSWORD"]
    assert "routes: $DINET_ROUTES" in text and 'include "../auth/cluster.conf"' in text
    assert 'include "../nats-server.conf"' in text
    assert cluster_client_url() == "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222"
    assert cluster_client_url() in text


def test_the_single_servers_include_of_auth_is_read_beside_the_single_servers_config(tmp_path: Path):
    """NATS resolves an include relative to the file that holds it: the cluster file includes
    ../nats-server.conf, whose `include "auth/auth.conf"` must find auth/ beside itself, not
    beside the cluster file."""
    deploy = ROOT / "deploy" / "nats"
    auth = NatsAuth(tmp_path / "secrets").ensure()
    (tmp_path / "etc" / "cluster").mkdir(parents=True)
    (tmp_path / "etc" / "nats-server.conf").write_text((deploy / "nats-server.conf").read_text(encoding="utf-8"))
    cluster = tmp_path / "etc" / "cluster" / "nats-server.conf"
    cluster.write_text((deploy / "cluster" / "nats-server.conf").read_text(encoding="utf-8"))
    env = {**os.environ, "NATS_SERVER_NAME": "nats-1"}

    def check() -> subprocess.CompletedProcess:
        return subprocess.run([nats_server_binary(), "-c", str(cluster), "-t"], capture_output=True, text=True, env=env)

    (tmp_path / "etc" / "cluster" / "auth").symlink_to(auth.server_conf.parent, target_is_directory=True)
    wrong = check()
    assert wrong.returncode != 0 and "auth.conf" in wrong.stderr + wrong.stdout
    (tmp_path / "etc" / "auth").symlink_to(auth.server_conf.parent, target_is_directory=True)
    right = check()
    assert right.returncode == 0, right.stderr + right.stdout


async def test_the_deploy_cluster_configuration_forms_a_cluster_that_keeps_every_stream_three_times(
    deploy_cluster: DeployCluster,
):
    """streams.json beside the cluster config creates every stream, kept on all three nodes; the
    operator CLI's user gets in, nobody gets in without a user, on any node."""
    nc = await connect(deploy_cluster.url, creds=deploy_cluster.auth.admin_creds)
    try:
        await _formed(nc)
        doc = json.loads((ROOT / "deploy" / "nats" / "cluster" / "streams.json").read_text(encoding="utf-8"))
        for config in doc["streams"]:
            reply = await nc.request(f"$JS.API.STREAM.CREATE.{config['name']}", json.dumps(config).encode(), timeout=5)
            assert "error" not in json.loads(reply.data), reply.data
        js = nc.jetstream()
        for config in doc["streams"]:
            info = await js.stream_info(config["name"])
            assert info.config.num_replicas == CLUSTER_REPLICAS
            names = {info.cluster.leader, *(r.name for r in info.cluster.replicas)}
            assert names == set(CLUSTER_NODES), info.cluster
    finally:
        await nc.close()
    for node in deploy_cluster.nodes:
        with pytest.raises(Exception, match="(?i)authorization"):
            await nats.connect(node.url, allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=2)


def _routes(monitor: int) -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{monitor}/routez", timeout=2) as reply:
        return json.loads(reply.read())["routes"] or []


async def test_a_server_without_the_route_password_cannot_join_the_cluster(deploy_cluster: DeployCluster, tmp_path: Path):
    """The route port knows no JWT: whoever joins the cluster reads every account's messages. A
    server that routes to a node without the route user, or with a wrong password, is refused;
    the nodes keep only each other as routes."""
    admin = await connect(deploy_cluster.url, creds=deploy_cluster.auth.admin_creds)
    try:
        await _formed(admin)
    finally:
        await admin.close()
    target = deploy_cluster.nodes[0]
    wrong = deploy_cluster.auth.route_url("127.0.0.1", target.route).replace(
        deploy_cluster.auth.route_password(), "geraden"
    )
    for attempt, route in enumerate((f"nats-route://127.0.0.1:{target.route}", wrong)):
        monitor = free_port()
        log = tmp_path / f"indringer-{attempt}.log"
        argv = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(free_port()), "-m", str(monitor),
                "-n", f"indringer-{attempt}", "--cluster_name", "dinet",
                "--cluster", f"nats://127.0.0.1:{free_port()}", "--routes", route]
        with open(log, "ab") as out:
            rogue = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        try:
            wait_for_port(monitor)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and "Authorization Violation" not in log.read_text(errors="replace"):
                await asyncio.sleep(0.1)
            assert "Authorization Violation" in log.read_text(errors="replace")
            assert _routes(monitor) == []
            assert {r.get("remote_name") for r in _routes(target.monitor)} == {n.name for n in deploy_cluster.nodes[1:]}
        finally:
            rogue.kill()
            rogue.wait()


async def _partner(url: str, creds: Path) -> tuple[nats.NATS, asyncio.Event]:
    closed = asyncio.Event()

    async def on_closed() -> None:
        closed.set()

    async def on_error(exc: Exception) -> None:
        pass  # the revocation's -ERR; closed tells the rest

    nc = await nats.connect(url, user_credentials=str(creds), allow_reconnect=False, closed_cb=on_closed, error_cb=on_error)
    return nc, closed


async def _refused(url: str, creds: Path) -> bool:
    try:
        nc = await nats.connect(url, user_credentials=str(creds), allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=2)
    except Exception as exc:
        return "authorization" in str(exc).lower()
    await nc.close()
    return False


async def test_a_partner_revocation_pushed_to_one_node_holds_on_every_node(deploy_cluster: DeployCluster, tmp_path: Path):
    """registratie pushes the PARTNER account to whichever node it reaches; the full resolvers
    pass it on, so the partner is disconnected and refused everywhere; a node that was down
    during the push refuses it too once registratie pushes again."""
    first, second, third = deploy_cluster.nodes
    admin = await connect(deploy_cluster.url, creds=deploy_cluster.auth.admin_creds)
    try:
        await _formed(admin)
    finally:
        await admin.close()
    issuer = deploy_cluster.auth.partner_issuer()
    een, twee = issuer.issue("partner-een", str(uuid.uuid4())), issuer.issue("partner-twee", str(uuid.uuid4()))
    creds = {}
    for user in (een, twee):
        creds[user.name] = tmp_path / f"{user.name}.creds"
        creds[user.name].write_text(user.creds)

    # 1. All three up: pushed to the first, the partner's connections to the other two close.
    connections = [await _partner(node.url, creds["partner-een"]) for node in (second, third)]
    began = time.monotonic()
    await issuer.push(first.url, {een.public_key: int(time.time())})
    await asyncio.wait_for(asyncio.gather(*(closed.wait() for _, closed in connections)), timeout=5)
    propagated = time.monotonic() - began
    for node in deploy_cluster.nodes:
        assert await _refused(node.url, creds["partner-een"]), node.name

    # 2. The third is down while the second partner is revoked; the push is given the whole
    # cluster URL, the dead node first, as registratie has it.
    twee_nc, twee_closed = await _partner(second.url, creds["partner-twee"])
    assert not await _refused(first.url, creds["partner-twee"])
    third.kill()
    revoked = {een.public_key: int(time.time()), twee.public_key: int(time.time())}
    await issuer.push(",".join([third.url, first.url, second.url]), revoked)
    await asyncio.wait_for(twee_closed.wait(), timeout=5)
    # Back, it knows only the first revocation (the resolvers' own reconciling is not to be
    # counted on) until registratie's next push, made every minute, reaches any node.
    deploy_cluster.start(third)
    assert await _refused(third.url, creds["partner-een"])
    await issuer.push(first.url, revoked)
    began = time.monotonic()
    await wait_until(lambda: _refused(third.url, creds["partner-twee"]), timeout=5, interval=0.1)
    caught_up = time.monotonic() - began
    print("Intrekking in de cluster:", json.dumps({
        "andere nodes verbroken na (s)": round(propagated, 2),
        "teruggekeerde node weigert na volgende push (s)": round(caught_up, 2),
    }, ensure_ascii=False))
    if not twee_nc.is_closed:
        await twee_nc.close()
