"""Benchmark: the committee's dashboard at 100 000 members and 1 000 000 attendances.

The projection rows are written directly with COPY (no events): 313 organisations, `--kpi-leden`
members with their organisation, activities over five years (20 attendances each on average)
and `--kpi-aanwezigheden` attendances, then ANALYZE. The kpi web app runs in this process on
the database (no NATS needed to read), and a signed-in committee member asks:

- `GET /kpi/?jaar=2026`: the whole dashboard (every KPI, the trend over the plan's years, the
  context figures, the province table, the charts);
- `GET /kpi/api/v1/kpis?jaar=2026`: the JSON figures of one year;
- `GET /kpi/kpi/od12_deelnemersuren?jaar=2026`: one drill-down with its records and splits.

Each is asked once to warm up, then `ROUNDS` times; p50, p95 and max are reported, against the
targets p95 < 100 ms (page), < 50 ms (API) and < 150 ms (drill-down).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
from dinet_chassis.db import Database, asyncpg_connect_kwargs
from dinet_chassis.migrations import migrate
from dinet_chassis.settings import Settings

import statistics

from .common import log, p95, timed_gets
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database

ROUNDS = 20
TARGETS_MS = {"page": 100, "api": 50, "drill": 150}
SOORTEN = ("infosessie", "thematische_opleiding", "netwerk_algemeen", "netwerk_specifiek", "adviesgesprek", "ondersteuning_op_maat")


async def fill(database_url: str, leden: int, aanwezigheden: int) -> None:
    from kpi.store import aggregaten
    from kpi.catalogus import GEMEENTEN_PER_PROVINCIE

    rng = random.Random(5)
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(database_url), server_settings={"search_path": "kpi"})
    try:
        orgs = []
        for provincie, n in GEMEENTEN_PER_PROVINCIE.items():
            for i in range(n):
                orgs.append((uuid.uuid4(), 1, f"Gemeente {provincie} {i}", "lokaal_bestuur", provincie, rng.choice(("klein", "middelgroot", "groot")), None))
        for i in range(28):
            orgs.append((uuid.uuid4(), 1, f"Organisatie {i}", rng.choice(("igs", "middenveldorganisatie", "andere")), None, None, None))
        await conn.copy_records_to_table("organisatie", records=orgs, columns=["organisatie_id", "versie", "naam", "type", "provincie", "grootteklasse", "nis_code"])
        leden_rijen, org_rijen = [], []
        begin = date(2025, 1, 1)
        for _ in range(leden):
            lid, org = uuid.uuid4(), rng.choice(orgs)
            sinds = begin + timedelta(days=rng.randint(0, 1800))
            tot = sinds + timedelta(days=rng.randint(30, 900)) if rng.random() < 0.1 else None
            leden_rijen.append((lid, org[0], org[3], sinds, tot, None))
            org_rijen.append((lid, sinds, org[0], org[3]))
        await conn.copy_records_to_table("lidmaatschap", records=leden_rijen, columns=["lid_id", "organisatie_id", "organisatie_type", "lid_sinds", "uitgeschreven_tot", "gewist_tot"])
        await conn.copy_records_to_table("lid_organisatie", records=org_rijen, columns=["lid_id", "vanaf", "organisatie_id", "organisatie_type"])
        activiteiten = []
        for i in range(max(aanwezigheden // 20, 1)):
            start = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(hours=rng.randint(0, 5 * 365 * 24))
            soort = rng.choice(SOORTEN)
            activiteiten.append(
                (uuid.uuid4(), 2, soort, f"Activiteit {i}", uuid.UUID(int=1), rng.choice(("vvsg", "mediawijs", "partner")), rng.choice(("fysiek", "online")),
                 start, start + timedelta(hours=3), Decimal("3"), "afgelopen", False,
                 rng.choice(orgs)[0] if soort == "ondersteuning_op_maat" else None, None, None, None, start.year, True)
            )  # fmt: skip
        await conn.copy_records_to_table(
            "activiteit",
            records=activiteiten,
            columns=["activiteit_id", "versie", "soort", "titel", "organisator_id", "trekker", "vorm", "start", "einde", "duur_uren", "status",
                     "vvsg_werkte_mee", "lokaal_bestuur_id", "ondersteuning", "methode", "url", "jaar", "telt"],
        )  # fmt: skip
        rijen = []
        for i in range(aanwezigheden):
            a = activiteiten[(i // 20) % len(activiteiten)]
            org = orgs[i % len(orgs)]
            aanwezig = rng.random() < 0.85
            # 20 consecutive attendances per activity, by 20 different members (7919 is prime).
            lid = leden_rijen[(i * 7919) % len(leden_rijen)][0] if i < len(activiteiten) * 20 else uuid.uuid4()
            rijen.append((a[0], lid, 1, org[0], org[3], aanwezig, Decimal("3") if aanwezig else Decimal(0)))
            if len(rijen) >= 100_000:
                await conn.copy_records_to_table("aanwezigheid", records=rijen, columns=["activiteit_id", "lid_id", "versie", "organisatie_id", "organisatie_type", "aanwezig", "uren"])
                rijen.clear()
        if rijen:
            await conn.copy_records_to_table("aanwezigheid", records=rijen, columns=["activiteit_id", "lid_id", "versie", "organisatie_id", "organisatie_type", "aanwezig", "uren"])
        # The summed projections, as a rebuild makes them at its end.
        await aggregaten.alles_opnieuw(conn)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def bench_kpi_dashboard(servers: Servers, report: Report, leden: int, aanwezigheden: int) -> None:
    from dinet_chassis.runtime import Runtime
    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
    from kpi.main import DEFINITION, PACKAGE_DIR

    async with fresh_database(servers.admin_database_url) as database_url:
        await migrate(Database(database_url, "kpi"), PACKAGE_DIR / "migrations")
        start = time.perf_counter()
        await fill(database_url, leden, aanwezigheden)
        log(f"kpi dashboard: {leden} leden en {aanwezigheden} aanwezigheden geladen in {time.perf_counter() - start:.0f} s")
        await checkpoint(servers.admin_database_url)
        settings = Settings(service="kpi", database_url=database_url, secret_key="bench-" + "x" * 32)
        runtime = Runtime(DEFINITION, settings)
        app = DEFINITION.create_app(runtime)
        cookie = maak_cookie(Identiteit(sub="bench", naam="Stuurgroep", rollen=frozenset({Rol.STUURGROEP})), settings.secret_key)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", cookies={COOKIE: cookie}) as client:
                for label, path, doel in (
                    ("kpi dashboard (pagina)", "/kpi/?jaar=2026", TARGETS_MS["page"]),
                    ("kpi API één jaar", "/kpi/api/v1/kpis?jaar=2026", TARGETS_MS["api"]),
                    ("kpi doorklikken deelnemersuren", "/kpi/kpi/od12_deelnemersuren?jaar=2026", TARGETS_MS["drill"]),
                ):
                    times, _ = await timed_gets(client, path, ROUNDS)
                    p50, hoog = statistics.median(times), p95(times)
                    report.add(
                        Row(
                            f"{label} (ms p95)",
                            hoog,
                            "ms p95",
                            target=f"<= {doel} ms",
                            detail=f"{path}: p50 {p50:.0f} ms, p95 {hoog:.0f} ms, max {max(times):.0f} ms over {ROUNDS} keer; {leden} leden, {aanwezigheden} aanwezigheden",
                        )
                    )
        finally:
            await runtime.db.dispose()
