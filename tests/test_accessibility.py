"""The sign-up page has no axe-core violations (WCAG 2.1 AA) in a real headless Chromium,
and works without JavaScript."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


async def axe_violations(page) -> list[dict]:
    await page.add_script_tag(content=axe_source())
    result = await page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
    )
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:3]} for v in result["violations"]]


async def test_sign_up_page_passes_axe_and_works_without_javascript(start_service):
    from playwright.async_api import async_playwright
    from registratie.main import DEFINITION

    async with start_service(DEFINITION, serve_http=True) as registratie:
        url = f"http://127.0.0.1:{registratie.settings.http_port}/registratie/aanmelden"
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page()
                await page.goto(url)
                assert await axe_violations(page) == []

                # The error state: an empty submission shows the summary, which must pass too.
                await page.click("button[type=submit], input[type=submit]")
                await page.wait_for_selector(".govuk-error-summary, [role=alert]")
                assert await axe_violations(page) == []

                # Without JavaScript: the form still posts and re-shows the input with errors.
                context = await browser.new_context(java_script_enabled=False)
                nojs = await context.new_page()
                await nojs.goto(url)
                await nojs.fill("input[name=naam]", "Dirk")
                await nojs.click("button[type=submit], input[type=submit]")
                await nojs.wait_for_load_state()
                html = await nojs.content()
                assert 'value="Dirk"' in html
                assert "e-mail" in html.lower()
                await context.close()
            finally:
                await browser.close()
