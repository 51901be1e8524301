"""The sign-in page, the partner guide and the staff page for partner credentials pass axe-core
(WCAG 2.1 AA) in a real headless Chromium, also in their error states."""

from __future__ import annotations

from typing import Any

from dinet_chassis.browser import axe_violations, launch, needs_chromium
from dinet_chassis.web.auth import COOKIE, maak_cookie

from registratie.main import DEFINITION
from registratie.toegang.accounts import demo_accounts

pytestmark = needs_chromium


async def test_toegang_pages_pass_axe(start_service: Any) -> None:
    from playwright.async_api import async_playwright

    async with start_service(DEFINITION, serve_http=True, demo=True) as runtime:
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                page = await browser.new_page()
                await page.goto(f"{basis}/registratie/inloggen")
                assert await axe_violations(page) == []
                await page.click("form[action='/registratie/inloggen'] button[type=submit]")
                await page.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(page) == []

                await page.goto(f"{basis}/registratie/partners/handleiding")
                assert await axe_violations(page) == []

                staf = await browser.new_context()
                await staf.add_cookies(
                    [
                        {
                            "name": COOKIE,
                            "value": maak_cookie(demo_accounts()["medewerker"].identiteit, runtime.settings.secret_key),
                            "url": basis,
                        }
                    ]
                )
                beheer = await staf.new_page()
                await beheer.goto(f"{basis}/registratie/beheer/partners")
                assert await axe_violations(beheer) == []
                await beheer.fill("#omschrijving", "agenda-koppeling")
                await beheer.select_option("#organisatie_id", label="Mediawijs")
                await beheer.click("form[action='/registratie/beheer/partners/sleutels'] button[type=submit]")
                await beheer.wait_for_selector("#token")
                assert await axe_violations(beheer) == []
                await beheer.goto(f"{basis}/registratie/beheer/partners")
                assert await axe_violations(beheer) == []  # now with a table of tokens
                await beheer.click("form[action='/registratie/beheer/partners/nats'] button[type=submit]")
                await beheer.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(beheer) == []
                await staf.close()
            finally:
                await browser.close()
