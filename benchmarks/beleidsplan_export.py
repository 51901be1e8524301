"""Benchmark: render and export a local government's plan with 30 actions.

A fresh database with beleidsplan's schema; its web app runs in this process (no NATS needed:
the outbox is only written). A signed-in local government creates one plan through the API
(8 elements, `--beleidsplan-acties` actions with every field filled in), then asks:

- `GET /beleidsplan/plannen/{id}`: the plan page;
- `GET …/export.pdf`: the tagged PDF (PDF/UA-1, WeasyPrint);
- `GET …/export.odt`: the editable document;
- `GET …/acties.xlsx` and `…/acties.csv`: the actions.

Each is asked once to warm up, then `ROUNDS` times; p50 and max are reported.

    .venv/bin/python -m benchmarks --only beleidsplan [--beleidsplan-acties 30]
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from dinet_chassis.db import Database
from dinet_chassis.migrations import migrate
from dinet_chassis.settings import Settings

from .common import log, timed_get
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database

ROUNDS = 5
ELEMENTEN = ("TOE-01", "TOE-04", "VAA-03", "VAA-05", "DIE-02", "DIE-05", "REG-01", "REG-09")


def plan(acties: int) -> dict[str, Any]:
    return {
        "titel": "Digitaal mee in onze gemeente 2026-2031",
        "voorbereiding": {"risicogroepen": "Ouderen; nieuwkomers; gezinnen in armoede", "bestaande_acties": "Digipunten",
                          "partners": "Bibliotheek, OCMW", "meerjarenplan": "BD3"},
        "elementen": [{"element_id": e, "score": "rood", "notitie": "Toelichting " * 10, "prioriteit": "kort"} for e in ELEMENTEN],
        "acties": [
            {"element_id": ELEMENTEN[i % len(ELEMENTEN)], "wat": f"Actie {i + 1}: " + "een concrete beschrijving van wat we doen " * 3,
             "eigenaar": "Dienst welzijn", "betrokken": "Bibliotheek, OCMW, dienstencentra", "start": "2027-01-01", "einde": "2027-12-31",
             "budget": f"{1000 * (i + 1)}", "bbc_code": "0909", "doelgroep": "Ouderen", "indicator": "Bereikte inwoners",
             "baseline": "0", "streefwaarde": "100", "bron": "Registratie", "status": ("rood", "oranje", "groen")[i % 3],
             "evaluatiedatum": "2027-06-30", "beleidsdoelstelling": "BD3", "actieplan": "AP3.1"}
            for i in range(acties)
        ],
    }  # fmt: skip


async def bench_beleidsplan_export(servers: Servers, report: Report, acties: int) -> None:
    from beleidsplan.main import DEFINITION, PACKAGE_DIR
    from dinet_chassis.runtime import Runtime
    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

    async with fresh_database(servers.admin_database_url) as database_url:
        await migrate(Database(database_url, "beleidsplan"), PACKAGE_DIR / "migrations")
        await checkpoint(servers.admin_database_url)
        settings = Settings(service="beleidsplan", database_url=database_url, secret_key="bench-" + "x" * 32)
        runtime = Runtime(DEFINITION, settings)
        app = DEFINITION.create_app(runtime)
        wie = Identiteit(sub="bench", naam="Ambtenaar", rollen=frozenset({Rol.BESTUUR}), organisatie_id=uuid.uuid4())
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", cookies={COOKIE: maak_cookie(wie, settings.secret_key)}
            ) as client:
                antwoord = await client.post("/beleidsplan/api/v1/plannen", json=plan(acties))
                antwoord.raise_for_status()
                pad = antwoord.json()["pagina"]
                log(f"beleidsplan: plan met {acties} acties aangemaakt")
                for label, path in (
                    ("pagina", pad),
                    ("PDF", f"{pad}/export.pdf"),
                    ("ODT", f"{pad}/export.odt"),
                    ("XLSX acties", f"{pad}/acties.xlsx"),
                    ("CSV acties", f"{pad}/acties.csv"),
                ):
                    p50, hoogst, grootte = await timed_get(client, path, ROUNDS)
                    report.add(
                        Row(
                            f"beleidsplan {label}, {acties} acties (ms)", p50, "ms p50",
                            detail=f"{label}: p50 {p50:.0f} ms, max {hoogst:.0f} ms over {ROUNDS} keer, {grootte / 1024:.0f} KiB",
                        )
                    )
        finally:
            await runtime.db.dispose()
