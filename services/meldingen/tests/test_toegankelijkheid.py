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
