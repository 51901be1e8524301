"""meldingen's pages have no axe-core violations (WCAG 2.1 AA) in a real headless Chromium, and
the opt-in works without JavaScript."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from dinet_chassis.embedded import wait_for_mails, wait_for_port
from meldingen.main import DEFINITION

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium ontbreekt (apt-get install chromium): toegankelijkheidstest overgeslagen")


async def axe_violations(page) -> list[dict]:
    import axe_playwright_python

    await page.add_script_tag(content=(Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    result = await page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
    )
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:3]} for v in result["violations"]]


async def test_paginas_toegankelijk_en_zonder_javascript(start_service, nats_server, mail_sink):
    from playwright.async_api import async_playwright

    from .test_meldingen import bevestigingspad, contactgegevens, publiceer

    async with start_service(DEFINITION, smtp_url=mail_sink.url, serve_http=True) as runtime:
        await asyncio.to_thread(wait_for_port, runtime.settings.http_port)
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        await publiceer(nats_server.url, contactgegevens(nieuwsbrief=True))
        pad = bevestigingspad(await wait_for_mails(mail_sink.mail_dir, 2))

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
