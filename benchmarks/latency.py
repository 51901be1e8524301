"""Benchmark 3: from the commit of an HTTP sign-up to the member being counted in the KPI
projection.

`registratie` and `kpi` run in this process as the test fixtures run them (`Runtime.start` with
`serve_http=False`: migrations, relay, consumers, no socket). Sign-ups are POSTed to
`/registratie/api/v1/leden` through httpx's ASGI transport on an open-loop schedule (`--rate`
per second for `--seconds`: a slow response does not delay the next request). The moment the
201 arrives is taken as the commit time: the response is sent after the transaction commits, so
the figure errs on the short side by the response's trip through the ASGI stack (the POST
durations are printed alongside).

Visibility is observed with SQL, not the KPI HTTP API: one asyncpg connection polls
`kpi.lidmaatschap` for the ids still outstanding every POLL_INTERVAL. A member counts as
visible at the start of the first query that sees it, so the figure errs on the long side by
at most one poll interval plus a query.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import asyncpg
import httpx
import nats
from dinet_chassis.db import asyncpg_connect_kwargs
from dinet_chassis.embedded import free_port
from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.settings import Settings
from dinet_contracts.events.registratie import LidGeregistreerd

from .common import log
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database, reset_streams

POLL_INTERVAL = 0.002  # seconds between visibility queries
WARMUP = 5  # sign-ups before measuring: first requests pay for imports, caches, prepared statements


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class VisibilityWatch:
    """Polls the KPI projection and records when each awaited member first shows up; also notes
    when its LidGeregistreerd passes on the bus, to split the latency into relay and consumer."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.waiting: dict[uuid.UUID, float] = {}  # lid_id -> commit time
        self.on_bus: dict[uuid.UUID, float] = {}  # lid_id -> when a core subscriber saw the event
        self.latencies: list[float] = []
        self.to_bus: list[float] = []  # commit -> on the bus (the relay)
        self.from_bus: list[float] = []  # on the bus -> visible (JetStream, the consumer, the poll)
        self._stop = asyncio.Event()

    def expect(self, lid_id: uuid.UUID, committed_at: float) -> None:
        self.waiting[lid_id] = committed_at

    async def seen_on_bus(self, msg: Any) -> None:
        self.on_bus[uuid.UUID(json.loads(msg.data)["data"]["lid_id"])] = time.perf_counter()

    def clear(self) -> None:
        self.latencies.clear()
        self.to_bus.clear()
        self.from_bus.clear()

    async def run(self) -> None:
        while not self._stop.is_set():
            if self.waiting:
                asked_at = time.perf_counter()
                rows = await self.conn.fetch(
                    "SELECT lid_id FROM lidmaatschap WHERE lid_id = ANY($1::uuid[])", list(self.waiting)
                )
                for row in rows:
                    committed_at = self.waiting.pop(row["lid_id"], None)
                    if committed_at is None:
                        continue
                    self.latencies.append(max(0.0, asked_at - committed_at))
                    on_bus = self.on_bus.pop(row["lid_id"], None)
                    if on_bus is not None:
                        self.to_bus.append(on_bus - committed_at)
                        self.from_bus.append(asked_at - on_bus)
            await asyncio.sleep(POLL_INTERVAL)

    def stop(self) -> None:
        self._stop.set()


def service_definitions() -> tuple[ServiceDefinition, ServiceDefinition]:
    from kpi.main import DEFINITION as KPI
    from registratie.main import DEFINITION as REGISTRATIE

    return REGISTRATIE, KPI


def settings_for(name: str, servers: Servers, nats_url: str, database_url: str) -> Settings:
    return Settings(
        service=name,
        nats_url=nats_url,
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{free_port()}",  # meldingen is not started; nothing sends mail
        data_dir=servers.work_dir / f"data-{name}",
        public_url="http://bench",
        secret_key="bench-" + "x" * 32,
        http_port=free_port(),
    )


async def sign_up(client: httpx.AsyncClient, organisatie_id: str, n: int) -> tuple[httpx.Response, float]:
    sent = time.perf_counter()
    response = await client.post(
        "/registratie/api/v1/leden",
        json={
            "naam": f"Lid {n}",
            "email": f"lid-{n}-{uuid.uuid4().hex[:8]}@bench.dinet.be",
            "organisatie_id": organisatie_id,
            "nieuwsbrief": n % 2 == 0,
        },
    )
    return response, sent


async def drive(
    client: httpx.AsyncClient, watch: VisibilityWatch, organisatie_id: str, rate: float, count: int, first: int
) -> tuple[list[float], int]:
    """POST `count` sign-ups, the i-th at start + i / rate; returns POST durations and failures."""
    durations: list[float] = []
    failures = 0

    async def one(n: int) -> None:
        nonlocal failures
        response, sent = await sign_up(client, organisatie_id, n)
        committed_at = time.perf_counter()
        if response.status_code != 201:
            failures += 1
            return
        durations.append(committed_at - sent)
        watch.expect(uuid.UUID(response.json()["id"]), committed_at)

    start = time.perf_counter()
    tasks: list[asyncio.Task] = []
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(first + i)))
    await asyncio.gather(*tasks)
    return durations, failures


async def wait_drained(watch: VisibilityWatch, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while watch.waiting:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(watch.waiting)} leden niet zichtbaar in de KPI-projectie na {timeout} s")
        await asyncio.sleep(0.01)


async def bench_latency(servers: Servers, report: Report, rate: float, seconds: float) -> None:
    registratie_def, kpi_def = service_definitions()
    nats_url = servers.shipped_nats_url
    await reset_streams(nats_url)
    count = max(1, int(rate * seconds))
    async with fresh_database(servers.admin_database_url) as url:
        log("latentie: registratie en kpi starten")
        runtimes: list[Runtime] = []
        poll_conn = None
        watch_task = None
        bus = None
        try:
            for definition in (registratie_def, kpi_def):
                runtime = Runtime(definition, settings_for(definition.name, servers, nats_url, url))
                runtimes.append(runtime)
                await runtime.start(serve_http=False)
            registratie = runtimes[0]
            poll_conn = await asyncpg.connect(**asyncpg_connect_kwargs(url), server_settings={"search_path": "kpi"})
            watch = VisibilityWatch(poll_conn)
            watch_task = asyncio.create_task(watch.run())
            bus = await nats.connect(nats_url)
            await bus.subscribe(LidGeregistreerd.subject_template, cb=watch.seen_on_bus)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=registratie.app), base_url="http://bench"
            ) as client:
                response = await client.get("/registratie/api/v1/organisaties")
                response.raise_for_status()
                organisatie_id = response.json()["organisaties"][0]["id"]

                await drive(client, watch, organisatie_id, rate, WARMUP, first=0)
                await wait_drained(watch)
                watch.clear()
                await checkpoint(url)

                log(f"latentie: {count} aanmeldingen aan {rate:g}/s")
                durations, failures = await drive(client, watch, organisatie_id, rate, count, first=WARMUP)
                await wait_drained(watch)
        finally:
            if watch_task is not None:
                watch.stop()
                await watch_task
            if bus is not None:
                await bus.close()
            if poll_conn is not None:
                await poll_conn.close()
            for runtime in reversed(runtimes):
                await runtime.stop()

    latencies_ms = [x * 1000 for x in watch.latencies]
    durations_ms = [x * 1000 for x in durations]
    to_bus_ms = [x * 1000 for x in watch.to_bus]
    from_bus_ms = [x * 1000 for x in watch.from_bus]

    def p50_p99(values: list[float]) -> str:
        return f"p50 {percentile(values, 50):.1f} / p99 {percentile(values, 99):.1f} ms" if values else "-"

    detail = (
        f"{len(latencies_ms)} aanmeldingen aan {rate:g}/s, {failures} mislukt; "
        f"zichtbaarheid via SQL op kpi.lidmaatschap, elke {POLL_INTERVAL * 1000:g} ms bevraagd.\n"
        f"      POST-duur {p50_p99(durations_ms)}; commit -> op de bus (relay) {p50_p99(to_bus_ms)}; "
        f"bus -> zichtbaar (JetStream, consumer) {p50_p99(from_bus_ms)}"
    )
    rows: list[tuple[str, float, str]] = [
        ("p50", percentile(latencies_ms, 50), ""),
        ("p95", percentile(latencies_ms, 95), ""),
        ("p99", percentile(latencies_ms, 99), "<= 50 ms"),
        ("max", max(latencies_ms), ""),
    ]
    for name, value, target in rows:
        report.add(Row(f"commit -> KPI zichtbaar {name}", value, "ms", target=target, detail=detail if name == "p50" else ""))
    if failures:
        report.notes.append(f"latentie: {failures} aanmeldingen kregen geen 201")
    report.environment["latency_mean_ms"] = round(statistics.fmean(latencies_ms), 2)
