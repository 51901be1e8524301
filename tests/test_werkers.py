"""Several worker processes per service (DINET_WORKERS): what must happen once still happens once.

Real processes (`python -m <service>`, forked workers on one port) on a real NATS and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from datetime import date
from pathlib import Path

import asyncpg
import httpx
from dinet_contracts import wrap
from dinet_contracts.events.registratie import LidGeregistreerd

from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.db import asyncpg_connect_kwargs
from dinet_chassis.embedded import free_port
from dinet_chassis.testing import start_process, wait_until

WERKERS = 2


def kinderen(pid: int) -> list[int]:
    gevonden = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            velden = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(velden[1]) == pid and velden[0] != "Z":
            gevonden.append(int(stat.parent.name))
    return sorted(gevonden)


async def klaar(port: int, dienst: str) -> None:
    """The parent binds the port before its workers run: wait until one answers ready."""

    async def probe() -> bool:
        async with httpx.AsyncClient(timeout=2) as client:
            try:
                return (await client.get(f"http://127.0.0.1:{port}/{dienst}/health/ready")).status_code == 200
            except httpx.HTTPError:
                return False

    await wait_until(probe, timeout=60, interval=0.2)


def leeft(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def gestopt(proc: subprocess.Popen, timeout: float = 30) -> int:
    return await asyncio.to_thread(proc.wait, timeout)


async def test_registratie_with_two_workers_migrates_once_relays_once_and_stops_whole(
    nats_server, database_url, tmp_path
):
    nc = await connect(nats_server.url)
    js = nc.jetstream()
    await ensure_streams(js)
    port = free_port()
    proc = start_process("registratie", nats_server.url, database_url, port, tmp_path, DINET_WORKERS=str(WERKERS))
    db = await asyncpg.connect(**asyncpg_connect_kwargs(database_url))
    try:
        await klaar(port, "registratie")
        werkers = kinderen(proc.pid)
        assert len(werkers) == WERKERS - 1  # the process itself is the first worker
        # Both workers started on a fresh database at the same moment: each migration once.
        dubbel = await db.fetchval(
            "SELECT count(*) FROM (SELECT bron, naam FROM registratie.schema_migrations"
            " GROUP BY 1, 2 HAVING count(*) > 1) d"
        )
        assert dubbel == 0

        # Every worker runs a relay; exactly one holds the lock, the other stands by.
        async def relays() -> tuple[int, int]:
            verbonden = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dinet-registratie-relay'"
            )
            actief = await db.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND objid::int = hashtext('outbox-relay:registratie')"
            )
            return verbonden, actief

        await wait_until(lambda: _is(relays, (WERKERS, 1)), timeout=30)

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            organisaties = (await client.get("/registratie/api/v1/organisaties")).json()["organisaties"]

            async def aanmelden(n: int) -> None:
                r = await client.post(
                    "/registratie/api/v1/leden",
                    json={"naam": f"Lid {n}", "email": f"lid{n}@werkers.be", "organisatie_id": organisaties[0]["id"]},
                )
                assert r.status_code == 201, r.text

            await asyncio.gather(*(aanmelden(n) for n in range(30)))

        async def alles_gepubliceerd() -> bool:
            return await db.fetchval("SELECT count(*) FROM registratie.outbox WHERE published_at IS NULL") == 0

        await wait_until(alles_gepubliceerd, timeout=30)
        ids = [r["event_id"] for r in await db.fetch("SELECT event_id FROM registratie.outbox ORDER BY seq")]
        assert len(ids) >= 30
        op_de_bus = sum(s.state.messages for s in await js.streams_info())
        assert op_de_bus == len(ids)  # each outbox row on the bus once, whichever worker relayed

        # A forked worker dies: the first stops too and exits 1, so the supervisor restarts the
        # service whole instead of leaving it at half strength.
        os.kill(werkers[0], signal.SIGKILL)
        assert await gestopt(proc) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
        await db.close()
        await nc.close()


async def test_kpi_with_two_workers_counts_every_event_once(nats_server, database_url, tmp_path):
    nc = await connect(nats_server.url)
    js = nc.jetstream()
    await ensure_streams(js)
    port = free_port()
    proc = start_process("kpi", nats_server.url, database_url, port, tmp_path, DINET_WORKERS=str(WERKERS))
    try:
        await klaar(port, "kpi")
        (werker,) = kinderen(proc.pid)
        aantal = 60
        for n in range(aantal):
            event = LidGeregistreerd(
                lid_id=uuid.uuid4(),
                organisatie_id=uuid.uuid4(),
                organisatie_type="lokaal_bestuur",
                lid_sinds=date.today(),
                nieuwsbrief=False,
            )
            envelope = wrap(event, source="/dinet/registratie")
            body = envelope.model_dump_json().encode()
            await js.publish(event.nats_subject(), body, headers={"Nats-Msg-Id": envelope.id})
            if n % 3 == 0:  # the same event again, past JetStream's dedup: only the inbox stops it
                await js.publish(event.nats_subject(), body, headers={"Nats-Msg-Id": f"{envelope.id}-opnieuw"})

        async def verwerkt() -> bool:
            info = await js.consumer_info("DINET_EVENTS", "kpi-projectie")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await wait_until(verwerkt, timeout=30)
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/kpi/api/v1/kpis", params={"jaar": date.today().year})
        leden = next(k for k in response.json()["kpis"] if k["id"] == "od11_leden")
        assert leden["waarde"] == aantal

        proc.send_signal(signal.SIGTERM)  # reaches every worker: all stop cleanly
        assert await gestopt(proc) == 0
        await wait_until(lambda: not leeft(werker), timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        await nc.close()


async def test_a_worker_does_not_outlive_the_first_process(nats_server, database_url, tmp_path):
    """Killed outright (a supervisor's SIGKILL, the OOM killer), the first process takes its
    forked workers along: no orphan keeps the port, a relay or a consumer."""
    port = free_port()
    proc = start_process("kpi", nats_server.url, database_url, port, tmp_path, DINET_WORKERS=str(WERKERS))
    try:
        await klaar(port, "kpi")
        (werker,) = kinderen(proc.pid)
        proc.kill()
        await gestopt(proc)
        await wait_until(lambda: not leeft(werker), timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()


async def _is(probe, expected) -> bool:
    return await probe() == expected
