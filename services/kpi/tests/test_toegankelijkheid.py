"""The committee's and the staff's pages have no axe-core violations (WCAG 2.1 AA) in a real
headless Chromium, and the targets form works without JavaScript."""

from __future__ import annotations

import uuid
from datetime import date

import nats

from dinet_chassis.browser import axe_violations, launch, needs_chromium
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.types import ActiviteitSoort as S
from kpi.main import DEFINITION

pytestmark = needs_chromium

async def test_paginas_toegankelijk_en_zonder_javascript(start_service, nats_server, maak):
    from playwright.async_api import async_playwright


    async with start_service(DEFINITION, serve_http=True) as runtime:
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        gent = uuid.uuid4()
        sessie = maak.activiteit(S.INFOSESSIE, date(2025, 3, 3))
        for e in (maak.organisatie(gent, "Gent", provincie="Oost-Vlaanderen", inwoners=265_000), maak.lid(gent), maak.event(sessie), maak.aanwezig(sessie, organisatie_id=gent)):
            from dinet_contracts import wrap

            envelope = wrap(e, source="/dinet/test")
            await js.publish(e.nats_subject(), envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": envelope.id})
        await nc.close()
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        wie = Identiteit(sub="medewerker", naam="Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
        cookie = {"name": COOKIE, "value": maak_cookie(wie, runtime.settings.secret_key), "url": basis}
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                context = await browser.new_context()
                await context.add_cookies([cookie])
                page = await context.new_page()
                for pad in (
                    "/kpi/?jaar=2025",
                    "/kpi/?jaar=twintig",
                    "/kpi/kpi/od12_deelnemersuren?jaar=2025",
                    "/kpi/kpi/od11_besturen?jaar=2025",
                    "/kpi/kpi/od12_deelnemersuren/uitleg?jaar=2025",
                    "/kpi/rapport?jaar=2025",
                    "/kpi/doelen?jaar=2025",
                    "/kpi/afsluiten?jaar=2025",
                    "/kpi/heropenen?jaar=2025",
                ):
                    await page.goto(basis + pad)
                    assert await axe_violations(page) == [], pad

                # Without JavaScript: a wrong target shows the error summary, which passes too.
                nojs_context = await browser.new_context(java_script_enabled=False)
                await nojs_context.add_cookies([cookie])
                nojs = await nojs_context.new_page()
                await nojs.goto(basis + "/kpi/doelen?jaar=2025")
                await nojs.fill("input[name=od11_algemeen]", "twee")
                await nojs.click("button:has-text('Doelen bewaren')")
                await nojs.wait_for_load_state()
                html = await nojs.content()
                assert "govuk-error-summary" in html and 'value="twee"' in html
            finally:
                await browser.close()
