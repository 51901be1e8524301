"""The member and organisation pages pass axe-core (WCAG 2.1 AA) in Chromium, error states included,
and the forms work without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from dinet_chassis.browser import axe_violations, launch, needs_chromium
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.main import DEFINITION

pytestmark = needs_chromium

GENT = organisatie_id_voor_nis("44021")
MEDEWERKER = Identiteit(sub="test:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


async def _pagina(browser: Any, basis: str, wie: Identiteit | None, secret: str, *, javascript: bool = True) -> Any:
    context = await browser.new_context(java_script_enabled=javascript)
    if wie is not None:
        await context.add_cookies([{"name": COOKIE, "value": maak_cookie(wie, secret), "url": basis}])
    return await context.new_page()


async def _zonder_fouten(page: Any, url: str) -> None:
    response = await page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    assert await axe_violations(page) == [], url


async def test_staff_pages_pass_axe(start_service: Any, http: Any) -> None:
    from playwright.async_api import async_playwright

    async with start_service(DEFINITION, serve_http=True) as runtime:
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        r = await http(runtime).post(
            "/registratie/api/v1/leden",
            json={"naam": "An Peeters", "email": "an@gent.be", "organisatie_id": str(GENT), "nieuwsbrief": True},
        )
        lid_id = r.json()["id"]
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                page = await _pagina(browser, basis, MEDEWERKER, runtime.settings.secret_key)
                for pad in ("/registratie/leden", f"/registratie/leden/{lid_id}", "/registratie/organisaties?zoek=gent",
                            f"/registratie/organisaties/{GENT}", "/registratie/leden/import"):
                    await _zonder_fouten(page, basis + pad)

                # Error states: the member page and the inhabitants form, after a bad submission.
                await page.goto(f"{basis}/registratie/leden/{lid_id}")
                await page.click("button:has-text('Organisatie wijzigen')")
                await page.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(page) == []
                await page.goto(f"{basis}/registratie/organisaties/{GENT}")
                await page.fill("#inwoners", "veel")
                await page.click("button[type=submit]")
                await page.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(page) == []

                # The import: upload without JavaScript, then the preview, the progress and the report.
                nojs = await _pagina(browser, basis, MEDEWERKER, runtime.settings.secret_key, javascript=False)
                await nojs.goto(f"{basis}/registratie/leden/import")
                await nojs.set_input_files(
                    "#bestand",
                    files=[{"name": "leden.csv", "mimeType": "text/csv",
                            "buffer": "naam;e-mail;organisatie\nBo;bo@gent.be;Gent\n;x@gent.be;Gent\n".encode()}],
                )
                await nojs.click("button[type=submit]")
                await nojs.wait_for_load_state()
                assert "Nakijken voor je importeert" in await nojs.content()
                taak = nojs.url
                await _zonder_fouten(page, taak)
                async with runtime.db.engine.begin() as conn:
                    await conn.execute(text("UPDATE ledenimport SET status = 'bezig', verwerkt = 0"))
                await _zonder_fouten(page, taak + "?verversen=nee")
                # Refreshing by itself is what staff chose on the preview (WCAG 2.2.1: chosen before it
                # happens, and it can be stopped); axe cannot know that and flags any meta refresh.
                await page.goto(taak)
                assert [v["id"] for v in await axe_violations(page)] == ["meta-refresh"]
                assert "Stop het vanzelf verversen" in await page.content()
                async with runtime.db.engine.begin() as conn:
                    await conn.execute(text("UPDATE ledenimport SET status = 'voorbeeld'"))
                await nojs.goto(taak)
                await nojs.click("button:has-text('Importeer 1 rijen')")
                for _ in range(50):  # what the page's own refresh does, without waiting 2 s each time
                    await nojs.goto(taak)
                    if "Import klaar" in await nojs.content():
                        break
                assert "Import klaar" in await nojs.content()
                await _zonder_fouten(page, taak)
            finally:
                await browser.close()


async def test_member_pages_pass_axe_and_work_without_javascript(start_service: Any, http: Any) -> None:
    from playwright.async_api import async_playwright

    async with start_service(DEFINITION, serve_http=True) as runtime:
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        r = await http(runtime).post(
            "/registratie/api/v1/leden",
            json={"naam": "An Peeters", "email": "an@gent.be", "organisatie_id": str(GENT), "nieuwsbrief": True},
        )
        lid_id = uuid.UUID(r.json()["id"])
        lid = Identiteit(sub=f"lid:{lid_id}", naam="An Peeters", rollen=frozenset({Rol.LID}), lid_id=lid_id)
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                anoniem = await _pagina(browser, basis, None, runtime.settings.secret_key)
                for pad in ("/registratie/mijn/inloggen", "/registratie/mijn/inloggen/link?token=onbekend",
                            "/registratie/mijn/gewist"):
                    await _zonder_fouten(anoniem, basis + pad)
                await anoniem.goto(f"{basis}/registratie/mijn/inloggen")
                await anoniem.click("button[type=submit]")
                await anoniem.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(anoniem) == []
                await anoniem.fill("#email", "iemand@gent.be")
                await anoniem.click("button[type=submit]")
                await anoniem.wait_for_load_state()
                assert await axe_violations(anoniem) == []

                page = await _pagina(browser, basis, lid, runtime.settings.secret_key)
                for pad in ("/registratie/mijn", "/registratie/mijn/gegevens", "/registratie/mijn/inschrijvingen",
                            "/registratie/mijn/toestemmingen", "/registratie/mijn/uitschrijven", "/registratie/mijn/wissen"):
                    await _zonder_fouten(page, basis + pad)
                await page.goto(f"{basis}/registratie/mijn/wissen")
                await page.click("button.govuk-button--warning")
                await page.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(page) == []

                # Without JavaScript: consent is a plain form post, and the choice is kept.
                nojs = await _pagina(browser, basis, lid, runtime.settings.secret_key, javascript=False)
                await nojs.goto(f"{basis}/registratie/mijn/toestemmingen")
                await nojs.check("#netwerkmail")
                await nojs.click("button[type=submit]")
                await nojs.wait_for_load_state()
                assert "Je keuzes zijn bewaard." in await nojs.content()
                await nojs.goto(f"{basis}/registratie/mijn/toestemmingen")
                assert await nojs.is_checked("#netwerkmail")
            finally:
                await browser.close()
