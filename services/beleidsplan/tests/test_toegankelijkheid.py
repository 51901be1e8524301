"""Every beleidstool page has no axe-core violations (WCAG 2.1 AA) in a real headless Chromium,
also with its error summary shown; the pages work without JavaScript and fit a 375 px phone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from dinet_chassis.browser import axe_violations, launch, needs_chromium
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts import beleidstool

from beleidsplan.main import DEFINITION

pytestmark = needs_chromium

GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
GEERT = Identiteit("demo:gent", "Geert Goossens", frozenset({Rol.BESTUUR}), GENT)
MIA = Identiteit("demo:medewerker", "Mia", frozenset({Rol.MEDEWERKER}))


async def context(browser: Any, basis: str, wie: Identiteit | None, secret: str, **opties: Any) -> Any:
    ctx = await browser.new_context(**opties)
    if wie is not None:
        await ctx.add_cookies([{"name": COOKIE, "value": maak_cookie(wie, secret), "url": basis}])
    return ctx


async def test_paginas_toegankelijk_zonder_javascript_en_op_een_telefoon(start_service: Any, http: Any) -> None:
    from playwright.async_api import async_playwright

    async with start_service(DEFINITION, serve_http=True) as runtime:
        secret = runtime.settings.secret_key
        api = http(runtime)
        api.cookies.set(COOKIE, maak_cookie(GEERT, secret))
        r = await api.post("/beleidsplan/api/v1/plannen", json={
            "titel": "Digitaal mee in Gent",
            "elementen": [{"element_id": "TOE-04", "score": "rood", "prioriteit": "kort"}, {"element_id": "REG-09", "score": "oranje", "prioriteit": "lang"}],
            "acties": [{"element_id": "TOE-04", "wat": "Laptops uitlenen", "eigenaar": "Welzijn", "budget": "1500", "start": "2027-01-01"}],
        })
        plan = r.json()
        pad, actie = plan["pagina"], plan["acties"][0]["actie_id"]
        antwoorden = {a.id: "eerder_wel" for a in beleidstool.huidige().beleidsacties}
        assert (await api.post("/beleidsplan/api/v1/zelfevaluaties", json={"antwoorden": antwoorden})).status_code == 201
        async with runtime.db.transaction() as conn:
            start = datetime.now(UTC) + timedelta(days=9)
            await conn.execute(
                text("INSERT INTO aanbod VALUES (:id, 1, 'infosessie', 'Infosessie digibanken', :s, :e, 'gepland', 'fysiek', 'Brussel', NULL, '{}', '{TOE-04}')"),
                {"id": uuid.uuid4(), "s": start, "e": start + timedelta(hours=2)},
            )
            await conn.execute(text("UPDATE beleidsplan SET catalogus_versie = '2026.1-afgeleid'"))  # to show the differences page
            for i in range(5):  # enough plans for the anonymised overview
                await conn.execute(
                    text("INSERT INTO beleidsplan (beleidsplan_id, organisatie_id, titel, catalogus_versie, aangemaakt_op) VALUES (:id, :o, 'x', 'v', now())"),
                    {"id": uuid.uuid4(), "o": uuid.uuid4()},
                )

        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                anoniem = await (await context(browser, basis, None, secret)).new_page()
                await anoniem.goto(basis + "/beleidsplan/")
                assert await axe_violations(anoniem) == []

                geert = await (await context(browser, basis, GEERT, secret)).new_page()
                paginas = ["/beleidsplan/", pad, *(f"{pad}/{s}" for s in ("voorbereiding", "kiezen", "stand", "prioriteiten", "acties", "acties/nieuw", f"acties/{actie}", "verankeren", "opvolgen", "catalogus", "ondersteuning?element=TOE-04")), "/beleidsplan/zelfevaluatie"]
                for p in paginas:
                    await geert.goto(basis + p)
                    assert await axe_violations(geert) == [], p

                # With the error summary shown.
                await geert.goto(f"{basis}{pad}/acties/nieuw")
                await geert.fill("#budget", "veel")
                await geert.click("form[action$='/acties/nieuw'] button[type=submit]")
                await geert.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(geert) == []

                mia = await (await context(browser, basis, MIA, secret)).new_page()
                for p in ("/beleidsplan/", pad, "/beleidsplan/overzicht"):
                    await mia.goto(basis + p)
                    assert await axe_violations(mia) == [], p

                # A phone without JavaScript: nothing wider than the screen, and the forms work.
                telefoon = await (await context(browser, basis, GEERT, secret, java_script_enabled=False, viewport={"width": 375, "height": 740})).new_page()
                for p in paginas:
                    await telefoon.goto(basis + p)
                    breedte = await telefoon.evaluate("document.documentElement.scrollWidth")
                    assert breedte <= 375, (p, breedte)
                await telefoon.goto(f"{basis}{pad}/stand")
                await telefoon.check("#score-REG-09-3")  # groen
                await telefoon.click("form button[type=submit]")
                assert "Prioriteren" in await telefoon.content()
            finally:
                await browser.close()
