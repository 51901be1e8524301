"""The sign-up page has no axe-core violations (WCAG 2.1 AA) in a real headless Chromium,
and works without JavaScript."""

from __future__ import annotations

from dinet_chassis.browser import axe_violations, launch, needs_chromium



pytestmark = needs_chromium



async def test_sign_up_page_passes_axe_and_works_without_javascript(start_service):
    from playwright.async_api import async_playwright
    from registratie.main import DEFINITION

    async with start_service(DEFINITION, serve_http=True) as registratie:
        url = f"http://127.0.0.1:{registratie.settings.http_port}/registratie/lid-worden"
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                page = await browser.new_page()
                await page.goto(url)
                assert await axe_violations(page) == []

                # With JavaScript one finds the organisation by typing part of its name.
                await page.fill("#organisatie_zoek", "brugg")
                assert "1 organisatie gevonden en gekozen: Brugge" in await page.text_content("#organisatie_zoek-aantal")
                assert await page.eval_on_selector("#organisatie_id", "s => s.selectedOptions[0].textContent") == "Brugge"
                await page.fill("#organisatie_zoek", "gent")
                zichtbaar = await page.eval_on_selector_all("#organisatie_id option:not([hidden])", "os => os.length")
                assert 1 < zichtbaar < 20
                assert await axe_violations(page) == []
                await page.fill("#organisatie_zoek", "")

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
