"""Benchmark: partner events ingested over HTTP, against raw JetStream publishing.

registratie runs in this process with its real HTTP server (uvicorn on loopback) and without its
workers, so the figure is the ingest path alone: a partner POSTs batches of 100 activity events
(`application/cloudevents-batch+json`) with its bearer token; registratie checks the token (one
database lookup), parses and validates every CloudEvent, checks the organisation, publishes each
to DINET_PARTNERS with its id as `Nats-Msg-Id` and answers 202 once JetStream has acknowledged
all of them. `CONCURRENT` requests are in flight at a time. Timed until the last 202.

Baseline: the very same subjects and bodies (fresh `Nats-Msg-Id`s, so nothing is dropped as a
duplicate) published with nats-py's `publish_async` to the same stream, then every ack awaited:
what a partner publishing straight on NATS could reach with one connection.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
from dinet_chassis.embedded import free_port
from dinet_chassis.runtime import Runtime
from dinet_chassis.settings import Settings

from .common import log
from .relay import raw_publish
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database, reset_streams

BATCH = 100
CONCURRENT = 4
PAD = "/registratie/api/v1/partner/gebeurtenissen"


def partner_events(organisatie_id: uuid.UUID, count: int) -> list[dict[str, Any]]:
    from registratie.toegang.web.handleiding import voorbeeld

    basis = voorbeeld(organisatie_id)
    events = []
    for _ in range(count):
        e = json.loads(json.dumps(basis))
        e["id"] = str(uuid.uuid4())
        a_id = str(uuid.uuid4())
        e["subject"] = a_id
        e["data"]["activiteit_id"] = a_id
        e["data"]["activiteit"]["activiteit_id"] = a_id
        events.append(e)
    return events


async def post_all(base_url: str, token: str, events: list[dict[str, Any]]) -> float:
    """Seconds to POST every event in batches of BATCH, CONCURRENT at a time, each answered 202."""
    bodies = [json.dumps(events[i : i + BATCH]).encode() for i in range(0, len(events), BATCH)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cloudevents-batch+json"}
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                r = await client.post(PAD, content=body, headers=headers)
                if r.status_code != 202 or r.json()["al_ontvangen"]:
                    raise RuntimeError(f"partner-API antwoordde {r.status_code}: {r.text[:300]}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
        return time.perf_counter() - start


async def bench_partners(servers: Servers, report: Report, count: int, rounds: int) -> None:
    from registratie.kernel.organisaties import organisatie_id_voor_sleutel
    from registratie.main import DEFINITION
    from registratie.toegang import store as opslag
    from registratie.toegang.domain.cloudevents import partner_subject

    nats_url = servers.shipped_nats_url
    organisatie_id = organisatie_id_voor_sleutel("mediawijs")
    async with fresh_database(servers.admin_database_url) as url:
        port = free_port()
        settings = Settings(
            service="registratie", nats_url=nats_url, database_url=url, http_port=port, data_dir=servers.work_dir
        )
        runtime = Runtime(DEFINITION, settings)
        await runtime.start(serve_http=True, run_workers=False)
        try:
            await asyncio.to_thread(_wait_for_port, port)
            _, sleutel = await opslag.maak_sleutel(runtime.db, organisatie_id, "benchmark", "benchmark")
            base_url = f"http://127.0.0.1:{port}"
            log(f"partners: {rounds} x {count} activiteiten, batches van {BATCH}, {CONCURRENT} tegelijk")
            await post_all(base_url, sleutel.token, partner_events(organisatie_id, min(count, 1000)))  # warm-up

            http_times: list[float] = []
            raw_times: list[float] = []
            for r in range(rounds):
                events = partner_events(organisatie_id, count)
                messages = [
                    (partner_subject(organisatie_id, e["type"]), json.dumps(e).encode(), {}) for e in events
                ]
                await checkpoint(url)
                for which in ("raw", "http") if r % 2 == 0 else ("http", "raw"):
                    await reset_streams(nats_url)
                    if which == "raw":
                        log(f"partners: ronde {r + 1}, basislijn (ruw publish_async)")
                        raw_times.append(await raw_publish(nats_url, messages))
                    else:
                        log(f"partners: ronde {r + 1}, HTTP")
                        http_times.append(await post_all(base_url, sleutel.token, events))
        finally:
            await runtime.stop()
    http_rate = count * rounds / sum(http_times)
    raw_rate = count * rounds / sum(raw_times)
    report.add(
        Row(
            f"partners HTTP (batch {BATCH})",
            http_rate,
            "ev/s",
            raw_rate,
            "msg/s",
            ">= 0.5x",
            detail=(
                f"{rounds} x {count} activiteiten, {CONCURRENT} verzoeken tegelijk; per ronde HTTP "
                f"{'/'.join(f'{count / t:.0f}' for t in http_times)}, ruw "
                f"{'/'.join(f'{count / t:.0f}' for t in raw_times)} (fsync always)"
            ),
        )
    )


def _wait_for_port(port: int) -> None:
    from dinet_chassis.embedded import wait_for_port

    wait_for_port(port)
