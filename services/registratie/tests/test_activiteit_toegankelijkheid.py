"""The activity pages pass axe-core (WCAG 2.1 AA) in a real headless Chromium, also in their
error states, and the forms work without JavaScript."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dinet_chassis.browser import axe_violations, launch, needs_chromium
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
from sqlalchemy import text

from registratie.activiteiten.domain import ActiviteitGegevens, Wie
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import aanwezigheid, inschrijvingen, levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

pytestmark = needs_chromium

GENT = organisatie_id_voor_nis("44021")
VVSG = organisatie_id_voor_sleutel("vvsg")
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


def gegevens(start: datetime, capaciteit: int | None = 2) -> ActiviteitGegevens:
    return ActiviteitGegevens(
        soort=ActiviteitSoort.NETWERK_SPECIFIEK, titel="Netwerkdag digitale inclusie", organisator_id=VVSG,
        trekker=Trekker.VVSG, vorm=Vorm.FYSIEK, start=start, einde=start + timedelta(hours=3),
        duur_uren=Decimal("3.00"), capaciteit=capaciteit, locatie="Gent", omschrijving="Voor iedereen.\n\nWelkom!",
    )


async def opzet(runtime: Any) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    leden = [uuid.uuid4() for _ in range(3)]
    naamgenote = uuid.uuid4()  # another An, from Antwerpen: the attendance form must tell them apart
    async with runtime.db.transaction() as conn:
        await conn.execute(
            text("INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds) VALUES (:id, :n, :e, :o, DATE '2025-01-01')"),
            [{"id": i, "n": naam, "e": f"{i}@gent.be", "o": GENT} for i, naam in zip(leden, ["An", "Bart", "Cis"])]
            + [{"id": naamgenote, "n": "An", "e": f"{naamgenote}@antwerpen.be", "o": organisatie_id_voor_nis("11002")}],
        )
        # An open request for tailored support from a local government's plan.
        await conn.execute(
            text(
                "INSERT INTO ondersteuningsvragen (vraag_id, organisatie_id, beleidsplan_id, element_id, element_tekst, vraag,"
                " gesignaleerd_op) VALUES (:v, :o, :p, 'REG-09', 'Inwoners betrekken', 'Hoe bereiken we adviesraden?', now())"
            ),
            {"v": uuid.uuid4(), "o": GENT, "p": uuid.uuid4()},
        )
    nu = datetime.now(UTC).replace(microsecond=0)
    komend = await levenscyclus.plan(levenscyclus.Plan(gegevens(nu + timedelta(days=5))), ActiviteitenUoW(runtime.db, source=runtime.source))
    voorbij = await levenscyclus.plan(levenscyclus.Plan(gegevens(nu - timedelta(days=1))), ActiviteitenUoW(runtime.db, source=runtime.source))
    await levenscyclus.markeer_afgelopen(levenscyclus.MarkeerAfgelopen(voorbij), ActiviteitenUoW(runtime.db, source=runtime.source))
    bart = Wie(lid_id=leden[1], organisatie_id=GENT)
    await inschrijvingen.schrijf_in(inschrijvingen.SchrijfIn(komend, leden[1], door=bart), ActiviteitenUoW(runtime.db, source=runtime.source))
    regels = (
        aanwezigheid.Regel(leden[0], True, Decimal("3")),
        aanwezigheid.Regel(leden[1], True, Decimal("1.5")),
        aanwezigheid.Regel(leden[2], False, Decimal("0")),  # marked absent in advance; she came after all
        aanwezigheid.Regel(naamgenote, True, Decimal("3")),
    )
    await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(voorbij, regels, door="test"), ActiviteitenUoW(runtime.db, source=runtime.source))
    return komend, voorbij, leden


async def context(browser: Any, basis: str, wie: Identiteit | None, secret: str, *, js: bool = True) -> Any:
    ctx = await browser.new_context(java_script_enabled=js)
    if wie is not None:
        await ctx.add_cookies([{"name": COOKIE, "value": maak_cookie(wie, secret), "url": basis}])
    return ctx


async def test_activity_pages_pass_axe(start_service: Any) -> None:
    from playwright.async_api import async_playwright

    async with start_service(DEFINITION, serve_http=True) as runtime:
        komend, voorbij, (an, bart, cis) = await opzet(runtime)
        basis = f"http://127.0.0.1:{runtime.settings.http_port}"
        secret = runtime.settings.secret_key
        an_id = Identiteit(sub="lid:an", naam="An", rollen=frozenset({Rol.LID}), organisatie_id=GENT, lid_id=an)
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                publiek = await (await context(browser, basis, None, secret)).new_page()
                for pad in ("/registratie/kalender", f"/registratie/activiteiten/{komend}"):
                    await publiek.goto(basis + pad)
                    assert await axe_violations(publiek) == [], pad

                # A member without JavaScript registers a colleague, then themselves (onto the waitlist).
                lid = await (await context(browser, basis, an_id, secret, js=False)).new_page()
                await lid.goto(f"{basis}/registratie/activiteiten/{komend}")
                await lid.select_option("#lid_id", label="Cis")
                await lid.click("form[action$='/inschrijven'] button[type=submit]")
                assert "Je collega is ingeschreven." in await lid.content()
                await lid.click("form[action$='/inschrijven'] button[type=submit]")  # Mezelf (An): full now
                assert "op de wachtlijst gezet (plaats 1)" in await lid.content()
                lid_js = await (await context(browser, basis, an_id, secret)).new_page()
                await lid_js.goto(f"{basis}/registratie/activiteiten/{komend}")
                assert await axe_violations(lid_js) == []

                # Feedback, with its error state.
                await lid_js.goto(f"{basis}/registratie/activiteiten/{voorbij}/feedback")
                assert await axe_violations(lid_js) == []
                await lid_js.click("form button[type=submit]")
                await lid_js.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(lid_js) == []
                await lid_js.check("#score")
                await lid_js.click("form button[type=submit]")
                await lid_js.wait_for_selector("text=Bedankt")

                staf = await (await context(browser, basis, MEDEWERKER, secret)).new_page()
                b = f"{basis}/registratie/beheer/activiteiten"
                for pad in (
                    # (the edit form is the new form's template; "vond plaats" is the cancel page's)
                    "", "/nieuw", f"/{komend}", f"/{komend}/annuleren", f"/{voorbij}/aanwezigheid", f"/{voorbij}/feedback",
                    f"/{voorbij}/annuleren",  # reached directly after it took place: the explanation
                ):
                    await staf.goto(b + pad)
                    assert await axe_violations(staf) == [], pad
                await staf.goto(f"{basis}/registratie/beheer/ondersteuningsvragen")
                assert "Hoe bereiken we adviesraden?" in await staf.content()
                assert await axe_violations(staf) == []
                await staf.goto(f"{b}/nieuw")
                await staf.fill("#titel", "")
                await staf.click("form[action$='/nieuw'] button[type=submit]")
                await staf.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(staf) == []
                await staf.goto(f"{b}/{voorbij}/aanwezigheid")
                await staf.fill(f"#uren_{an}", "9")
                await staf.click("form[action$='/aanwezigheid'] button[type=submit]")
                await staf.wait_for_selector(".govuk-error-summary")
                assert await axe_violations(staf) == []

                # The check-in list without JavaScript, as on a phone at the door.
                telefoon_ctx = await browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
                await telefoon_ctx.add_cookies([{"name": COOKIE, "value": maak_cookie(MEDEWERKER, secret), "url": basis}])
                telefoon = await telefoon_ctx.new_page()
                await telefoon.goto(f"{b}/{voorbij}/aanwezigheid")
                knop = telefoon.locator("form[action$='/inchecken'] button", has_text="Cis")
                vak = await knop.bounding_box()
                assert vak is not None and vak["height"] >= 44 and vak["width"] >= 300  # a thumb-sized target
                await knop.click()
                assert "Cis is aanwezig." in await telefoon.content()
                import os
                if os.environ.get("DINET_SCHERMAFDRUK"):
                    await telefoon.screenshot(path=os.environ["DINET_SCHERMAFDRUK"], full_page=True)
            finally:
                await browser.close()
