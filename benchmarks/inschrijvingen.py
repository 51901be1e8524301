"""Benchmark: registrations per second through the API, against the same SQL on raw asyncpg.

registratie runs in this process as the test fixtures run it (migrations, relay, consumers; no
socket). Members are inserted with SQL; each signs in with the shared cookie. `CONCURRENT`
registrations are in flight at a time, POSTed to `/registratie/api/v1/activiteiten/{id}/inschrijvingen`
through httpx's ASGI transport: routing, the auth guard, pydantic, the service code, one
transaction (lock the activity row, count the seats, upsert the registration, the outbox row),
the JSON answer. The relay publishes the events meanwhile, as in production.

Two shapes, each measured for the API and for the baseline:
- `verspreid`: registrations over 50 activities without a limit, the usual case;
- `één activiteit`: every registration for the same activity, half of them onto the waitlist, so
  each one waits for the activity's row lock (the price of "never overbooked").

registratie runs as one process: DINET_WORKERS=1, the default and what the compose deployment
runs unless DINET_REGISTRATIE_WORKERS is raised. Several workers are a setting for a host with
cores to spare; on the 2-core reference machine the driver, PostgreSQL and NATS share the same
cores, so the figure is for the single process.

Baseline: what one would write by hand: an asyncpg pool of `CONCURRENT` connections, each
registration one transaction with the same statements (the member lookup, the row lock, the
existing registration and the seat count in one query, the INSERT, an outbox INSERT with a
prebuilt JSON body). No HTTP, no auth, no validation, no tracing. It runs against the same
schema with the relay running, so both pay for publishing.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from dinet_chassis.db import asyncpg_connect_kwargs
from dinet_chassis.embedded import free_port
from dinet_chassis.runtime import Runtime
from dinet_chassis.settings import Settings

from .common import log
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database, reset_streams

CONCURRENT = 16
SPREAD = 50
GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
VVSG = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dinet:organisatie:vvsg")

_RAW_STATEMENTS = (
    "SELECT status, soort, start, capaciteit FROM activiteiten WHERE id = $1 FOR UPDATE",
    "SELECT l.organisatie_id, o.type FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = $1",
    "SELECT count(*) FILTER (WHERE status = 'ingeschreven') AS ingeschreven,"
    " max(status) FILTER (WHERE lid_id = $2) AS bestaand FROM inschrijvingen WHERE activiteit_id = $1",
    "INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie, wachtlijst_volgnummer)"
    " VALUES ($1, $2, $3, $4, 1, CASE WHEN $4 = 'wachtlijst' THEN nextval('wachtlijst_volgorde') END)"
    " ON CONFLICT (activiteit_id, lid_id) DO NOTHING RETURNING gewijzigd_op",
    "INSERT INTO outbox (event_id, event_type, subject, aggregate_id, body, headers) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
)


def settings(servers: Servers, nats_url: str, database_url: str) -> Settings:
    return Settings(
        service="registratie",
        nats_url=nats_url,
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{free_port()}",
        data_dir=servers.work_dir / "data-registratie-inschrijvingen",
        public_url="http://bench",
        secret_key="bench-" + "x" * 32,
        http_port=free_port(),
    )


async def members(conn: asyncpg.Connection, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    await conn.copy_records_to_table(
        "leden",
        records=[(i, f"Lid {n}", f"{i}@bench.dinet.be", GENT, datetime(2025, 1, 1).date()) for n, i in enumerate(ids)],
        columns=["id", "naam", "email", "organisatie_id", "lid_sinds"],
        schema_name="registratie",
    )
    return ids


async def activities(runtime: Runtime, count: int, capaciteit: int | None) -> list[uuid.UUID]:
    from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
    from registratie.activiteiten.domain import ActiviteitGegevens
    from registratie.activiteiten.store import ActiviteitenUoW
    from registratie.activiteiten.use_cases import levenscyclus

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    g = ActiviteitGegevens(
        soort=ActiviteitSoort.INFOSESSIE,
        titel="Benchmark-infosessie",
        organisator_id=VVSG,
        trekker=Trekker.VVSG,
        vorm=Vorm.ONLINE,
        start=start,
        einde=start + timedelta(hours=2),
        duur_uren=Decimal("2.00"),
        capaciteit=capaciteit,
    )
    return [await levenscyclus.plan(levenscyclus.Plan(g), ActiviteitenUoW(runtime.db, source=runtime.source)) for _ in range(count)]


async def drive(jobs: list[Any], concurrency: int) -> float:
    """Run the coroutine factories with `concurrency` in flight; returns the seconds taken."""
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def via_api(transport: httpx.AsyncBaseTransport, runtime: Runtime, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> float:
    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

    failures: list[int] = []

    def job(activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> Any:
        wie = Identiteit(sub=f"lid:{lid_id}", naam="Lid", rollen=frozenset({Rol.LID}), organisatie_id=GENT, lid_id=lid_id)
        cookie = {"Cookie": f"{COOKIE}={maak_cookie(wie, runtime.settings.secret_key)}"}
        # The request is built here, as the cookie is, and sent through httpx's ASGI transport
        # itself: the same request reaches the service, but the driver's own work (httpx parsing
        # and merging the URL, its cookie jar) stays out of the timed part. In production the
        # client is a browser on another machine; here it shared the service's one process and
        # was a fifth of the CPU measured.
        request = httpx.Request(
            "POST", f"http://bench/registratie/api/v1/activiteiten/{activiteit_id}/inschrijvingen", headers=cookie
        )

        async def run() -> None:
            r = await transport.handle_async_request(request)
            await r.aread()
            if r.status_code != 201:
                failures.append(r.status_code)

        return run

    seconds = await drive([job(a, l) for a, l in pairs], CONCURRENT)
    if failures:
        raise RuntimeError(f"{len(failures)} inschrijvingen mislukt via de API: {sorted(set(failures))}")
    return seconds


async def raw(pool: asyncpg.Pool, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> float:
    lock, lid, stand_sql, insert, outbox = _RAW_STATEMENTS

    def job(activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> Any:
        async def run() -> None:
            async with pool.acquire() as conn, conn.transaction():
                org = await conn.fetchrow(lid, lid_id)
                act = await conn.fetchrow(lock, activiteit_id)
                stand = await conn.fetchrow(stand_sql, activiteit_id, lid_id)
                if stand["bestaand"] is not None:
                    return
                vol = act["capaciteit"] is not None and stand["ingeschreven"] >= act["capaciteit"]
                status = "wachtlijst" if vol else "ingeschreven"
                inschrijving_id = uuid.uuid4()
                op = await conn.fetchval(insert, inschrijving_id, activiteit_id, lid_id, status)
                event_id = str(uuid.uuid4())
                body = {
                    "specversion": "1.0",
                    "id": event_id,
                    "source": "/dinet/registratie",
                    "type": "be.dinet.inschrijving.gewijzigd.v1",
                    "subject": str(inschrijving_id),
                    "time": op.isoformat(),
                    "datacontenttype": "application/json",
                    "data": {
                        "inschrijving_id": str(inschrijving_id),
                        "versie": 1,
                        "activiteit_id": str(activiteit_id),
                        "lid_id": str(lid_id),
                        "organisatie_id": str(org["organisatie_id"]),
                        "organisatie_type": org["type"],
                        "status": status,
                        "gewijzigd_op": op.isoformat(),
                    },
                }
                await conn.execute(
                    outbox,
                    event_id,
                    "be.dinet.inschrijving.gewijzigd.v1",
                    "dinet.evt.registratie.inschrijving.gewijzigd.v1",
                    str(inschrijving_id),
                    json.dumps(body).encode(),
                    json.dumps({"Nats-Msg-Id": event_id, "Content-Type": "application/cloudevents+json"}),
                )

        return run

    return await drive([job(a, l) for a, l in pairs], CONCURRENT)


async def bench_inschrijvingen(servers: Servers, report: Report, count: int) -> None:
    from registratie.main import DEFINITION

    nats_url = servers.shipped_nats_url
    await reset_streams(nats_url)
    async with fresh_database(servers.admin_database_url) as url:
        log(f"inschrijvingen: registratie starten, {4 * count} leden")
        runtime = Runtime(DEFINITION, settings(servers, nats_url, url))
        await runtime.start(serve_http=False)
        conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
        pool = await asyncpg.create_pool(
            **asyncpg_connect_kwargs(url), min_size=CONCURRENT, max_size=CONCURRENT,
            server_settings={"search_path": "registratie,public"},
        )
        try:
            leden = await members(conn, 4 * count + 20)
            api_leden, raw_leden, warm = leden[:2 * count], leden[2 * count : 4 * count], leden[4 * count :]
            async with httpx.ASGITransport(app=runtime.app) as transport:
                (opwarm,) = await activities(runtime, 1, None)
                # Warm-up: imports, caches, prepared statements, the pools.
                await via_api(transport, runtime, [(opwarm, l) for l in warm[:10]])
                await raw(pool, [(opwarm, l) for l in warm[10:]])
                for shape, aantal, capaciteit in (("verspreid", SPREAD, None), ("één activiteit", 1, count // 2)):
                    api_act = await activities(runtime, aantal, capaciteit)
                    raw_act = await activities(runtime, aantal, capaciteit)
                    offset = 0 if shape == "verspreid" else count
                    api_pairs = [(api_act[i % aantal], l) for i, l in enumerate(api_leden[offset : offset + count])]
                    raw_pairs = [(raw_act[i % aantal], l) for i, l in enumerate(raw_leden[offset : offset + count])]
                    await checkpoint(url)
                    log(f"inschrijvingen ({shape}): {count} via de API")
                    api_s = await via_api(transport, runtime, api_pairs)
                    await checkpoint(url)
                    log(f"inschrijvingen ({shape}): {count} ruw")
                    raw_s = await raw(pool, raw_pairs)
                    wachtlijst = await conn.fetchval(
                        "SELECT count(*) FROM registratie.inschrijvingen WHERE activiteit_id = ANY($1::uuid[])"
                        " AND status = 'wachtlijst'",
                        api_act,
                    )
                    report.add(
                        Row(
                            f"inschrijvingen via API ({shape})",
                            count / api_s,
                            "/s",
                            count / raw_s,
                            "/s",
                            ">= 0.5x" if shape == "verspreid" else ">= 0.3x",  # issue 14 sets the spread one
                            detail=(
                                f"{count} inschrijvingen, {CONCURRENT} tegelijk, over {aantal} activiteit(en),"
                                f" {runtime.settings.workers} werker(s)"
                                f"{f', {wachtlijst} op de wachtlijst' if wachtlijst else ''}; basislijn: dezelfde SQL"
                                " met asyncpg, zonder HTTP, aanmelding of validatie"
                            ),
                        )
                    )
        finally:
            await pool.close()
            await conn.close()
            await runtime.stop()
