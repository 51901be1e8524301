"""meldingen's pages have no axe-core violations (WCAG 2.1 AA) in a real headless Chromium, and
the opt-in works without JavaScript."""

from __future__ import annotations

from dinet_chassis.browser import axe_violations, launch, needs_chromium

import asyncio

from dinet_chassis.embedded import wait_for_mails, wait_for_port
from meldingen.main import DEFINITION

pytestmark = needs_chromium



async def test_paginas_toegankelijk_en_zonder_javascript(start_service, nats_server, mail_sink):
    from playwright.async_api import async_playwright

    from .test_meldingen import bevestigingspad, contactgegevens, publiceer

    async with start_service(DEFINITION, smtp_url=mail_sink.url, serve_http=True) as runtime:
        await asyncio.to_thread(wait_for_port, runtime.settings.http_port)
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        await publiceer(nats_server.url, contactgegevens(nieuwsbrief=True))
        pad = bevestigingspad(await wait_for_mails(mail_sink.mail_dir, 2))

        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                page = await browser.new_page()
                for url in (f"{basis}/meldingen/", f"{basis}{pad}", f"{basis}/meldingen/nieuwsbrief/bevestigen?token=fout"):
                    await page.goto(url)
                    assert await axe_violations(page) == [], url

                context = await browser.new_context(java_script_enabled=False)
                nojs = await context.new_page()
                await nojs.goto(f"{basis}{pad}")
                await nojs.click("button[type=submit]")
                await nojs.wait_for_load_state()
                assert nojs.url.endswith("/meldingen/nieuwsbrief/bevestigd")
                assert "Je bent ingeschreven" in await nojs.content()
                assert await axe_violations(page) == []
                await page.goto(nojs.url)
                assert await axe_violations(page) == []
                await context.close()
            finally:
                await browser.close()


async def test_nieuwe_paginas_toegankelijk_en_zonder_javascript(start_service, nats_server, mail_sink):
    """Staff pages (rules, template, newsletter, progress, delivery log), the archive and the
    member's unsubscribe and preferences pages: no axe violations; one-click works without JS."""
    import uuid

    import httpx
    from dinet_chassis.testing import wait_until
    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
    from meldingen.domain.afmelden import afmeldtoken
    from playwright.async_api import async_playwright
    from sqlalchemy import text

    from .test_meldingen import contactgegevens, publiceer

    async with start_service(DEFINITION, smtp_url=mail_sink.url, serve_http=True) as runtime:
        await asyncio.to_thread(wait_for_port, runtime.settings.http_port)
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        event = contactgegevens(nieuwsbrief=True)
        await publiceer(nats_server.url, event)
        lid_id = event.data.lid_id

        async def bekend():
            async with runtime.db.engine.connect() as conn:
                return (await conn.execute(text("SELECT 1 FROM contact WHERE lid_id = :l"), {"l": lid_id})).first()

        await wait_until(bekend)
        cookie = maak_cookie(Identiteit(sub="mia", naam="Mia", rollen=frozenset({Rol.MEDEWERKER})), runtime.settings.secret_key)
        async with httpx.AsyncClient(base_url=basis, cookies={COOKIE: cookie}) as api:
            nummer = (await api.post("/meldingen/api/v1/nieuwsbrieven", json={"titel": "Toegankelijk nummer"})).json()
            await api.post(f"/meldingen/api/v1/nieuwsbrieven/{nummer['id']}/verzenden", json={})

            async def verzonden():
                return (await api.get(f"/meldingen/api/v1/nieuwsbrieven/{nummer['id']}")).json()["status"] == "verzonden"

            await wait_until(verzonden)
        token = afmeldtoken(runtime.settings.secret_key, lid_id, "uitnodigingen")

        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                context = await browser.new_context()
                await context.add_cookies([{"name": COOKIE, "value": cookie, "url": basis}])
                page = await context.new_page()
                for pad in (
                    "/meldingen/beheer/regels", "/meldingen/beheer/sjablonen/herinnering", "/meldingen/beheer/nieuwsbrieven",
                    f"/meldingen/beheer/nieuwsbrieven/{nummer['id']}", f"/meldingen/beheer/nieuwsbrieven/{nummer['id']}/voortgang",
                    "/meldingen/beheer/bezorging", "/meldingen/nieuwsbrieven", f"/meldingen/nieuwsbrieven/{nummer['id']}",
                    f"/meldingen/voorkeuren/{token}", f"/meldingen/afmelden/{token}",
                ):
                    await page.goto(f"{basis}{pad}")
                    assert await axe_violations(page) == [], pad

                nojs = await (await browser.new_context(java_script_enabled=False)).new_page()
                await nojs.set_viewport_size({"width": 375, "height": 800})
                await nojs.goto(f"{basis}/meldingen/afmelden/{token}")
                await nojs.click("button[type=submit]")
                await nojs.wait_for_load_state()
                assert "Je bent afgemeld" in await nojs.content()
                await context.close()
            finally:
                await browser.close()
        async with runtime.db.engine.connect() as conn:
            keuze = (await conn.execute(text("SELECT uitnodigingen FROM voorkeur WHERE lid_id = :l"), {"l": lid_id})).scalar()
        assert keuze in (None, "geen") and uuid.UUID(nummer["id"])
