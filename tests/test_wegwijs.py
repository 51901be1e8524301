"""Every role finds its way, on a phone too: the four services and the gateway in a real Chromium.

1. A walk per role through its main task with the keyboard only (links and buttons reached with
   Tab and used with Enter; text typed on the keyboard) and JavaScript off: a newcomer joins, staff
   plan an activity, a member signs in with the mailed link from that activity and registers, a
   partner editor plans its own activity, the committee opens the yearly report, a local
   government opens its plans.
   A newcomer whose organisation is not in the list asks for it, and staff approve it: the
   newcomer gets the welcome mail.
2. Then every page of every role, at 1280 and at 375 px: axe-core (WCAG 2.1 AA) finds nothing,
   nothing scrolls sideways, and once signed in the header names the person and links sign-out.
3. At 1280 px no table cuts a column: every table fits its container (or scrolls inside a region
   the keyboard reaches), and every column header is within the viewport or such a region.

One browser for all of it: starting Chromium is the slow part.
"""

from __future__ import annotations

import asyncio
import os
import re
from contextlib import AsyncExitStack
from datetime import date, timedelta
from typing import Any

from dinet_chassis.browser import axe_violations, launch, needs_chromium
from dinet_chassis.embedded import free_port, read_mails
from dinet_contracts import paginas

pytestmark = needs_chromium

GEHEIM = "wegwijs-" + "x" * 32
BREEDTES = (1280, 375)
AANVRAGEN = f"{paginas.LID_WORDEN}/organisatie-aanvragen"
AANVRAGEN_BEHEER = "/registratie/beheer/organisatieaanvragen"


async def tab_naar(page: Any, locator: Any, *, maximum: int = 120) -> None:
    """Press Tab until `locator` has the focus, as someone without a mouse would."""
    doel = locator.first
    for _ in range(maximum):
        await page.keyboard.press("Tab")
        if await doel.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"met Tab niet bereikbaar: {locator}")


async def volg(page: Any, locator: Any) -> None:
    """Reach a link or button with Tab and use it with Enter; wait for the next page."""
    await tab_naar(page, locator)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def typ(page: Any, selector: str, tekst: str) -> None:
    veld = page.locator(selector)
    await tab_naar(page, veld)
    await page.keyboard.type(tekst)


async def overloopt(page: Any) -> list[str]:
    """What sticks out on the right when the page scrolls sideways (empty: it does not)."""
    return await page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
        [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
          .filter(e => !e.parentElement.closest('.dinet-table-wrapper, pre, [tabindex="0"]'))
          .slice(-3).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""
    )


async def _mail_voor(mail_dir: Any, aan: str, onderwerp: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The mail to `aan` about `onderwerp`: it leaves after the page answered, so wait for it."""
    einde = asyncio.get_running_loop().time() + timeout
    while True:
        for mail in read_mails(mail_dir):
            if aan in mail["to"] and onderwerp in mail["subject"]:
                return mail
        if asyncio.get_running_loop().time() > einde:
            raise AssertionError(f"geen mail aan {aan} over {onderwerp}")
        await asyncio.sleep(0.05)


async def snijdt_af(page: Any) -> list[str]:
    """The tables that cut a column: their content is wider than the table, the table wider than
    its container, or a column header lies outside what the viewport shows, unless it sits in a
    scroll region the keyboard reaches (tabindex 0). Empty: every column can be read."""
    return await page.evaluate(
        """() => {
        const fouten = [];
        const knipper = el => {
          for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(a).overflowX)) return a;
          }
          return null;
        };
        for (const tabel of document.querySelectorAll('main table')) {
          if (!tabel.getClientRects().length) continue;
          const naam = (tabel.querySelector('caption') || tabel.querySelector('th') || tabel).textContent.trim().slice(0, 50);
          const regio = knipper(tabel);
          const scrollt = !!regio && /(auto|scroll)/.test(getComputedStyle(regio).overflowX);
          const bereikbaar = scrollt && regio.tabIndex >= 0;
          const houder = regio || tabel.parentElement;
          if (tabel.scrollWidth > tabel.clientWidth + 1) {
            fouten.push(`${naam}: inhoud ${tabel.scrollWidth} px in een tabel van ${tabel.clientWidth} px`);
          }
          const breedte = tabel.getBoundingClientRect().width;
          if (breedte > houder.clientWidth + 1 && !bereikbaar) {
            fouten.push(`${naam}: tabel ${Math.round(breedte)} px in ${houder.clientWidth} px` + (scrollt ? ', scrollt zonder toetsenbord' : ''));
          }
          const rechts = Math.min(window.innerWidth, regio ? regio.getBoundingClientRect().right : Infinity);
          const links = Math.max(0, regio ? regio.getBoundingClientRect().left : 0);
          for (const kop of tabel.querySelectorAll('thead th')) {
            const r = kop.getBoundingClientRect();
            if ((r.right > rechts + 1 || r.left < links - 1) && !bereikbaar) {
              fouten.push(`${naam}: kolom '${kop.textContent.trim()}' valt buiten beeld (${Math.round(r.left)}-${Math.round(r.right)} px)`);
            }
          }
        }
        return fouten;
        }"""
    )


async def inloggen(page: Any, basis: str, gebruiker: str) -> None:
    await page.goto(basis + "/")
    await volg(page, page.locator(f'header a[href="{paginas.INLOGGEN}"]'))
    await typ(page, "#gebruikersnaam", gebruiker)
    await typ(page, "#wachtwoord", "demo")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def test_every_role_finds_its_way_by_keyboard_without_javascript_and_every_page_passes(
    start_service: Any, mail_sink: Any
) -> None:
    from beleidsplan.main import DEFINITION as BELEIDSPLAN
    from dinet_cli.gateway import Gateway, serve
    from kpi.main import DEFINITION as KPI
    from meldingen.main import DEFINITION as MELDINGEN
    from playwright.async_api import async_playwright
    from registratie.main import DEFINITION as REGISTRATIE

    poort = free_port()
    basis = f"http://127.0.0.1:{poort}"
    async with AsyncExitStack() as stack:
        routes = {}
        for definitie in (REGISTRATIE, KPI, MELDINGEN, BELEIDSPLAN):
            runtime = await stack.enter_async_context(
                start_service(
                    definitie, serve_http=True, demo=True, smtp_url=mail_sink.url, public_url=basis, secret_key=GEHEIM
                )
            )
            routes[definitie.name] = f"http://127.0.0.1:{runtime.settings.http_port}"
        gateway = Gateway(routes, mail_dir=mail_sink.mail_dir, secret_key=GEHEIM)
        server, taak = await serve(gateway.app, "127.0.0.1", poort)
        try:
            async with async_playwright() as pw:
                browser = await launch(pw)
                try:
                    bezocht = await _wandelingen(browser, basis, mail_sink.mail_dir)
                    # Staff read the same drill-down as the committee, the tables of a held activity too.
                    bezocht["medewerker"] += await _vul_tabellen(basis)
                    await _elke_pagina(browser, basis, bezocht)
                finally:
                    await browser.close()
        finally:
            server.should_exit = True
            await taak


def _zaai(basis: str) -> tuple[int, list[str]]:
    """Members and activities with registrations, attendance and hours, as `dinet seed` makes
    them: tables with real rows, long titles and every column filled. Only the kinds the tables
    under test need, to keep this quick. Returns the year of an infosession already held and the
    staff pages of it."""
    import httpx
    from dinet_cli.commands.seed import PLANNEN, Zaaier

    with httpx.Client(base_url=basis, timeout=60, trust_env=False) as client:
        zaaier = Zaaier(client, 2026, 12)
        zaaier.meld_aan()
        organisaties = zaaier.organisaties()
        leden = zaaier.leden(organisaties)
        besturen = [o for o in organisaties if o["type"] == "lokaal_bestuur"]
        vvsg = next(o["id"] for o in organisaties if "vvsg" in o["naam"].lower())
        plannen = [p for p in PLANNEN if p.soort in {"infosessie", "netwerk_specifiek", "adviesgesprek"}]
        for plan in plannen:
            zaaier.activiteit(plan, leden, vvsg, besturen)
        gehouden = max((p for p in plannen if p.soort == "infosessie" and p.dagen < 0), key=lambda p: p.dagen)
        jaar = (date.today() + timedelta(days=gehouden.dagen)).year
        activiteit = zaaier.bestaande_activiteiten(jaar)[gehouden.titel]
    return jaar, [f"/registratie/beheer/activiteiten/{activiteit}", f"/registratie/beheer/activiteiten/{activiteit}/aanwezigheid"]


async def _vul_tabellen(basis: str) -> list[str]:
    """Fill the tables; returns the pages to check besides the menus (that year's drill-down with hours)."""
    import httpx

    jaar, paginas_ = await asyncio.to_thread(_zaai, basis)
    # The drill-down shows what kpi has counted: wait until the hours arrived there.
    async with httpx.AsyncClient(base_url=basis, trust_env=False) as client:
        for _ in range(200):
            cijfers = (await client.get("/kpi/api/v1/kpis", params={"jaar": jaar})).json()["kpis"]
            if next(k["waarde"] for k in cijfers if k["id"] == "od12_deelnemersuren"):
                return paginas_ + [f"/kpi/kpi/od12_deelnemersuren?jaar={jaar}", f"/kpi/kpi/od12_deelnemersuren/uitleg?jaar={jaar}"]
            await asyncio.sleep(0.1)
    raise AssertionError("kpi telde geen deelnemersuren")


async def _context(browser: Any, *, js: bool, breedte: int = 1280) -> Any:
    return await browser.new_context(java_script_enabled=js, viewport={"width": breedte, "height": 900}, locale="nl-BE")


async def _wandelingen(browser: Any, basis: str, mail_dir: Any) -> dict[str, list[str]]:
    """The main task of each role, keyboard only, JavaScript off. Returns the pages seen per role."""
    bezocht: dict[str, list[str]] = {}
    dag = (date.today() + timedelta(days=20)).isoformat()

    # A newcomer: from the front door to member of the network.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await page.goto(basis + "/")
    await volg(page, page.locator(f'main a[href="{paginas.LID_WORDEN}"]'))
    await typ(page, "#naam", "Lotte Lenaerts")
    await typ(page, "#email", "lotte@gent.be")
    await tab_naar(page, page.locator("#organisatie_id"))
    await page.keyboard.type("Gent")  # a closed select picks the option one types
    assert await page.locator("#organisatie_id").input_value() != ""
    await typ(page, "#functie", "Digipunt")
    await volg(page, page.locator("main button[type=submit]"))
    assert page.url.endswith("/registratie/lid-worden/bedankt"), page.url
    await ctx.close()

    # A newcomer whose organisation is not in the list: asks for it, with their own sign-up.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await page.goto(basis + paginas.LID_WORDEN)
    await volg(page, page.locator(f'main a[href="{AANVRAGEN}"]'))
    await typ(page, "#organisatie_naam", "Digipunt Zottegem")
    await tab_naar(page, page.locator("#organisatie_soort"))
    await page.keyboard.press("ArrowDown")  # the arrow picks the next choice: another organisation
    assert await page.locator("#organisatie_soort-2").is_checked()
    await typ(page, "#gemeente", "9620")
    await typ(page, "#naam", "Warre Van Hecke")
    await typ(page, "#email", "warre@zottegem.be")
    await volg(page, page.locator("main button[type=submit]", has_text="Vraag aan"))
    assert page.url.endswith("/registratie/lid-worden/organisatie-aangevraagd"), page.url
    # The same form with every field wrong, on a phone: the error summary names each, axe finds nothing.
    fout_ctx = await _context(browser, js=True, breedte=375)
    fout_page = await fout_ctx.new_page()
    await fout_page.goto(basis + AANVRAGEN)
    async with fout_page.expect_navigation():
        await fout_page.click("main button[type=submit]")
    fout_links = await fout_page.locator(".govuk-error-summary a").evaluate_all("as => as.map(a => a.hash)")
    assert fout_links == ["#organisatie_naam", "#organisatie_soort", "#gemeente", "#naam", "#email"], fout_links
    assert await axe_violations(fout_page) == [] and await overloopt(fout_page) == []
    await fout_ctx.close()
    # A second request stays open, so staff's page with its forms is checked below too.
    await page.goto(basis + AANVRAGEN)
    await page.fill("#organisatie_naam", "Buurthuis De Kring")
    await page.check("#organisatie_soort-2")
    await page.fill("#gemeente", "Ronse")
    await page.fill("#naam", "Ilse Maes")
    await page.fill("#email", "ilse@dekring.be")
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    await ctx.close()

    # Staff: sign in, land on the members, go to the activities, plan one.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await inloggen(page, basis, "medewerker")
    assert page.url == basis + "/registratie/leden", page.url
    await volg(page, page.locator('nav a[href="/registratie/beheer/activiteiten"]'))
    await volg(page, page.locator('main a[href="/registratie/beheer/activiteiten/nieuw"]'))
    await tab_naar(page, page.locator("#soort"))
    await page.keyboard.type("Infosessie")
    await typ(page, "#titel", "Infosessie digitale drempels")
    await page.locator("#start_datum").fill(dag)  # a date field takes the day as one value
    await typ(page, "#start_tijd", "0930")
    await typ(page, "#einde_tijd", "1200")
    await typ(page, "#capaciteit", "20")
    await typ(page, "#locatie", "Gent")
    await volg(page, page.locator("main form button[type=submit]").last)
    activiteit = page.url.rsplit("/", 1)[1]
    assert "is bewaard" in await page.content(), await page.content()
    # ... and approve the organisation asked for: it joins the list, the newcomer joins the network.
    await volg(page, page.locator(f'nav a[href="{AANVRAGEN_BEHEER}"]'))
    aanvragen = [await a.get_attribute("href") for a in await page.locator(f'main a[href^="{AANVRAGEN_BEHEER}/"]').all()]
    await volg(page, page.locator("main a", has_text="Digipunt Zottegem"))
    await tab_naar(page, page.locator("#type"))
    await page.keyboard.type("Middenveld")
    await volg(page, page.locator("main form button[type=submit]", has_text="Goedkeuren"))
    assert "Digipunt Zottegem staat nu in de lijst" in await page.content(), await page.content()
    welkom = await _mail_voor(mail_dir, "warre@zottegem.be", "Welkom")
    assert "Warre" in welkom["body"]
    bezocht["medewerker"] = [
        *(href for href, _ in paginas.MENU["vvsg_medewerker"]),
        f"/registratie/beheer/activiteiten/{activiteit}",
        "/registratie/beheer/activiteiten/nieuw",
        *aanvragen,
        paginas.UITLOGGEN,
    ]
    await ctx.close()

    # A member: from the activity, the mailed sign-in link, back to the activity, registered.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await page.goto(basis + paginas.KALENDER)
    await volg(page, page.locator(f'main a[href="/registratie/activiteiten/{activiteit}"]'))
    await volg(page, page.locator(f'main a[href^="{paginas.LID_INLOGGEN}"]'))
    await typ(page, "#email", "lotte@gent.be")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    mail = await _mail_voor(mail_dir, "lotte@gent.be", "inloglink")
    link = re.search(r"https?://\S+/registratie/mijn/inloggen/link\?token=\S+", mail["body"]).group(0)
    await page.goto(link)
    await volg(page, page.locator("main button[type=submit]"))
    assert page.url == f"{basis}/registratie/activiteiten/{activiteit}", page.url
    await volg(page, page.locator("main form button[type=submit]", has_text="Schrijf mij in"))
    assert "Je bent ingeschreven" in await page.content()
    await volg(page, page.locator('nav a[href="/registratie/mijn/inschrijvingen"]'))
    assert "Infosessie digitale drempels" in await page.content()
    bezocht["lid"] = [
        *(href for href, _ in paginas.MENU["lid"]),
        "/registratie/mijn",
        f"/registratie/activiteiten/{activiteit}",
    ]
    lid_cookies = await ctx.cookies()
    await ctx.close()

    # A partner editor: its own activities, a new one with the same form.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await inloggen(page, basis, "mediawijs")
    assert page.url == basis + "/registratie/beheer/activiteiten", page.url
    await volg(page, page.locator('main a[href="/registratie/beheer/activiteiten/nieuw"]'))
    await tab_naar(page, page.locator("#soort"))
    await page.keyboard.type("Infosessie")
    await typ(page, "#titel", "Mediawijs on tour")
    await page.locator("#start_datum").fill(dag)
    await typ(page, "#start_tijd", "1400")
    await typ(page, "#einde_tijd", "1600")
    await typ(page, "#locatie", "Leuven")
    await volg(page, page.locator("main form button[type=submit]").last)
    assert "Mediawijs on tour" in await page.content(), await page.content()
    bezocht["mediawijs"] = [
        *(href for href, _ in paginas.MENU["partner_redacteur"]),
        "/registratie/beheer/activiteiten/nieuw",
        page.url.removeprefix(basis),
    ]
    await ctx.close()

    # The steering committee: its figures and the yearly report.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await inloggen(page, basis, "stuurgroep")
    assert page.url == basis + "/kpi/", page.url
    await volg(page, page.locator('nav a[href="/kpi/rapport"]'))
    assert page.url.startswith(basis + "/kpi/rapport")
    bezocht["stuurgroep"] = [href for href, _ in paginas.MENU["stuurgroep"]]
    await ctx.close()

    # A local government: its plans.
    ctx = await _context(browser, js=False)
    page = await ctx.new_page()
    await inloggen(page, basis, "gent")
    assert page.url == basis + "/beleidsplan/", page.url
    bezocht["gent"] = [href for href, _ in paginas.MENU["lokaal_bestuur"]]
    await ctx.close()

    bezocht[""] = [
        "/",
        paginas.LID_WORDEN,
        AANVRAGEN,
        f"{paginas.LID_WORDEN}/organisatie-aangevraagd",
        paginas.KALENDER,
        f"/registratie/activiteiten/{activiteit}",
        paginas.INLOGGEN,
        paginas.LID_INLOGGEN,
        paginas.TOEGANKELIJKHEID,
        paginas.PRIVACY,
    ]
    bezocht["_lid_cookies"] = lid_cookies  # type: ignore[assignment]
    return bezocht


async def _elke_pagina(browser: Any, basis: str, bezocht: dict[str, Any]) -> None:
    lid_cookies = bezocht.pop("_lid_cookies")
    problemen: list[Any] = []
    for wie, paden in bezocht.items():
        for breedte in BREEDTES:
            ctx = await _context(browser, js=True, breedte=breedte)
            page = await ctx.new_page()
            if wie == "lid":
                await ctx.add_cookies(lid_cookies)
            elif wie:
                await page.goto(basis + paginas.INLOGGEN)
                await page.fill("#gebruikersnaam", wie)
                await page.fill("#wachtwoord", "demo")
                async with page.expect_navigation():
                    await page.click("main form button[type=submit] >> text=Inloggen")
            for pad in dict.fromkeys(paden):
                antwoord = await page.goto(basis + pad)
                waar = (wie or "anoniem", breedte, pad)
                if antwoord is None or antwoord.status != 200:
                    problemen.append((*waar, "status", antwoord and antwoord.status))
                    continue
                if wie and not await page.locator(f'header a[href="{paginas.UITLOGGEN}"]').count():
                    problemen.append((*waar, "geen uitloglink"))
                if uitstekend := await overloopt(page):
                    problemen.append((*waar, "scrollt opzij", uitstekend))
                if breedte == 1280 and (afgesneden := await snijdt_af(page)):
                    problemen.append((*waar, "snijdt een kolom af", afgesneden))
                if schermafdrukken := os.environ.get("DINET_SCHERMAFDRUKKEN"):  # to look at them, on request
                    naam = f"{wie or 'anoniem'}-{breedte}-{pad.strip('/').replace('/', '_') or 'start'}.png"
                    await page.screenshot(path=os.path.join(schermafdrukken, naam), full_page=True)
                fouten = await axe_violations(page)
                if fouten:
                    problemen.append((*waar, fouten))
            await ctx.close()
    assert problemen == [], "\n".join(map(repr, problemen))
