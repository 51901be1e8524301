"""Self-service for members, without a password: `/registratie/mijn/...`.

Sign in with a link by e-mail; then see and change one's data, registrations and consent, leave
the network, download everything as JSON, or be erased.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from dinet_chassis.errors import FieldProblem, Invalid
from dinet_chassis.logging import get_logger
from dinet_chassis.web import FieldError
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, identiteit, meld_aan, meld_af, veilige_volgende, vereist
from dinet_contracts.tijd import vandaag
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import EmailStr, TypeAdapter, ValidationError

from ...bootstrap import RegistratieDiensten
from ...kernel.web import Formulier, neem_melding, pagina, veld, zet_melding
from .. import store as opvragingen
from ..store import LedenStore
from ..mail import verstuur
from ..use_cases import aanmeldlinks, wissen
from ..use_cases import wijzigen
from ..domain.lidmaatschap import (
    Lid,
    LID_SESSIE_SECONDEN,
    TOESTEMMING_TEKSTEN,
    TOESTEMMING_TITELS,
    Doel,
    Hoe,
)

log = get_logger(__name__)

LID = [vereist(Rol.LID)]
INLOGGEN = "/registratie/mijn/inloggen"
MIJN = "/registratie/mijn"
NA_INLOGGEN = "na_inloggen"
_EMAIL = TypeAdapter(EmailStr)

async def _lid(request: Request[Any, Any, Any], diensten: RegistratieDiensten) -> Lid | None:
    wie = identiteit(request)
    if wie is None or wie.lid_id is None or not wie.heeft(Rol.LID):
        return None
    async with diensten.db.engine.connect() as conn:
        return await opvragingen.lees_lid(conn, wie.lid_id)


def _opnieuw_aanmelden() -> Response[Any]:
    # Signed in as a member who no longer exists (erased in another window): start over.
    return meld_af(Redirect(INLOGGEN, status_code=303))


# --- signing in -----------------------------------------------------------------------------------


@get(INLOGGEN, include_in_schema=False)
async def inloggen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], volgende: FromQuery[str | None] = None
) -> Response[Any]:
    terug = veilige_volgende(volgende, "")
    if await _lid(request, diensten) is not None:
        return Redirect(terug or MIJN, status_code=303)
    return pagina("leden/mijn_inloggen", waarden={}, volgende=terug)


async def _verstuur_op_de_achtergrond(smtp_url: str, bericht: Any) -> None:
    try:
        await verstuur(smtp_url, bericht)
    except Exception:
        # The person sees the same page either way; they can ask again, or call.
        log.exception("aanmeldlink.niet_verstuurd")


@post(INLOGGEN, include_in_schema=False)
async def inloggen_versturen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], data: Formulier
) -> Response[Any]:
    email = " ".join(veld(data, "email").split())
    # Where they came from (an activity, most often) waits in this browser's session for the link.
    terug = veilige_volgende(veld(data, "volgende"), "")
    if terug:
        request.session[NA_INLOGGEN] = terug
    if not email:
        fout = FieldProblem("email", "verplicht", "Vul je e-mailadres in.")
        return pagina("leden/mijn_inloggen", 400, waarden={"email": email}, fouten=[fout])
    try:
        email = _EMAIL.validate_python(email).lower()
    except ValidationError:
        fout = FieldProblem("email", "ongeldig_email", "Geef een geldig e-mailadres, zoals naam@gemeente.be.")
        return pagina("leden/mijn_inloggen", 400, waarden={"email": email}, fouten=[fout])
    bericht = await aanmeldlinks.maak_aanmeldlink(diensten.leden_uow(), email, diensten.settings.public_url)
    request.session["aanmeldlink_email"] = email
    # The mail leaves after the answer, so how long the answer takes tells nothing about membership.
    achtergrond = (
        BackgroundTask(_verstuur_op_de_achtergrond, diensten.settings.smtp_url, bericht) if bericht is not None else None
    )
    return Redirect(f"{INLOGGEN}/verstuurd", status_code=303, background=achtergrond)


@get(f"{INLOGGEN}/verstuurd", include_in_schema=False, sync_to_thread=False)
def inloggen_verstuurd(request: Request[Any, Any, Any]) -> Template:
    email = request.session.get("aanmeldlink_email") if request.session else None
    return pagina("leden/mijn_link_verstuurd", email=email)


_GEEN_LINK = {
    aanmeldlinks.LinkStatus.VERLOPEN: "Deze inloglink is verlopen. Een link werkt 30 minuten.",
    aanmeldlinks.LinkStatus.GEBRUIKT: "Deze inloglink is al gebruikt. Een link werkt maar één keer.",
    aanmeldlinks.LinkStatus.ONBEKEND: "Deze inloglink kennen we niet. Kopieer de volledige link uit de mail.",
}


@get(f"{INLOGGEN}/link", include_in_schema=False)
async def link_openen(diensten: NamedDependency[RegistratieDiensten], token: FromQuery[str] = "") -> Response[Any]:
    # Opening the link only shows a button: mail scanners that follow links must not spend it.
    status = await aanmeldlinks.status(diensten.db, token)
    return pagina(
        "leden/mijn_link",
        headers={"Referrer-Policy": "no-referrer"},  # the token is in this page's address
        token=token if status is aanmeldlinks.LinkStatus.GELDIG else "",
        probleem=_GEEN_LINK.get(status),
    )


@post(f"{INLOGGEN}/link", include_in_schema=False)
async def link_gebruiken(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], data: Formulier) -> Response[Any]:
    resultaat = await aanmeldlinks.gebruik(diensten.leden_uow(), veld(data, "token"))
    if isinstance(resultaat, aanmeldlinks.LinkStatus):
        return pagina("leden/mijn_link", 400, token="", probleem=_GEEN_LINK[resultaat])
    wie = Identiteit(
        sub=f"lid:{resultaat.lid_id}",
        naam=resultaat.naam,
        rollen=frozenset({Rol.LID}),
        organisatie_id=resultaat.organisatie_id,
        lid_id=resultaat.lid_id,
    )
    terug = veilige_volgende(request.session.pop(NA_INLOGGEN, None) if request.session else None, MIJN)
    return meld_aan(Redirect(terug, status_code=303), wie, diensten.settings, max_age=LID_SESSIE_SECONDEN)


# --- the member's pages ---------------------------------------------------------------------------


@get(MIJN, include_in_schema=False)
async def mijn(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    # The entry point from mails and menus: who is not signed in as a member gets the link form.
    wie = identiteit(request)
    if wie is None or wie.lid_id is None or not wie.heeft(Rol.LID):
        return Redirect(INLOGGEN, status_code=303)
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    async with diensten.db.engine.connect() as conn:
        toestemmingen = await LedenStore(conn).toestemmingen(lid.id)
    return pagina(
        "leden/mijn", lid=lid, melding=neem_melding(request), toestemmingen=toestemmingen, titels=TOESTEMMING_TITELS
    )


@get(f"{MIJN}/gegevens", guards=LID, include_in_schema=False)
async def gegevens(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    return pagina("leden/mijn_gegevens", lid=lid, waarden={"naam": lid.naam, "functie": lid.functie or ""})


@post(f"{MIJN}/gegevens", guards=LID, include_in_schema=False)
async def gegevens_bewaren(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], data: Formulier
) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    waarden = {"naam": veld(data, "naam"), "functie": veld(data, "functie")}
    try:
        veranderd = await wijzigen.wijzig_gegevens(diensten.leden_uow(), lid.id, waarden["naam"], waarden["functie"])
    except Invalid as fout:
        return pagina("leden/mijn_gegevens", 400, lid=lid, waarden=waarden, fouten=list(fout.problemen))
    zet_melding(request, "Je gegevens zijn bewaard." if veranderd else "Er was niets veranderd.")
    return Redirect(MIJN, status_code=303)


@get(f"{MIJN}/inschrijvingen", guards=LID, include_in_schema=False)
async def inschrijvingen(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    async with diensten.db.engine.connect() as conn:
        lijst = await opvragingen.inschrijvingen(conn, lid.id)
    return pagina("leden/mijn_inschrijvingen", lid=lid, inschrijvingen=lijst)


@get(f"{MIJN}/toestemmingen", guards=LID, include_in_schema=False)
async def toestemmingen(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    return await _toestemmingenpagina(diensten, lid, [], 200)


async def _toestemmingenpagina(diensten: RegistratieDiensten, lid: Lid, fouten: list[FieldError], status: int) -> Template:
    async with diensten.db.engine.connect() as conn:
        huidig = await LedenStore(conn).toestemmingen(lid.id)
    return pagina(
        "leden/mijn_toestemmingen",
        status,
        lid=lid,
        doelen=[(d, TOESTEMMING_TITELS[d], TOESTEMMING_TEKSTEN[d], huidig[d]) for d in Doel],
        fouten=fouten,
    )


@post(f"{MIJN}/toestemmingen", guards=LID, include_in_schema=False)
async def toestemmingen_bewaren(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], data: Formulier
) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    if lid.uitgeschreven:
        fout = FieldError(Doel.NIEUWSBRIEF.value, "uitgeschreven", "Je bent uitgeschreven uit het netwerk; we sturen je geen mail meer.")
        return await _toestemmingenpagina(diensten, lid, [fout], 400)
    keuzes: dict[Doel, bool] = {}
    fouten: list[FieldError] = []
    for doel in Doel:
        waarde = veld(data, doel.value)
        if waarde not in ("ja", "nee"):
            fouten.append(FieldError(doel.value, "verplicht", f"Kies ja of nee bij '{TOESTEMMING_TITELS[doel]}'."))
        else:
            keuzes[doel] = waarde == "ja"
    if fouten:
        return await _toestemmingenpagina(diensten, lid, fouten, 400)
    veranderd = False
    for doel, gegeven in keuzes.items():
        veranderd |= await wijzigen.wijzig_toestemming(diensten.leden_uow(), lid.id, doel, gegeven, hoe=Hoe.ZELFSERVICE)
    melding = "Je keuzes zijn bewaard." if veranderd else "Er was niets veranderd."
    if veranderd and keuzes.get(Doel.NIEUWSBRIEF) and not lid.nieuwsbrief:
        melding += " Je krijgt een mail om je inschrijving voor de nieuwsbrief te bevestigen."
    zet_melding(request, melding)
    return Redirect(MIJN, status_code=303)


@get(f"{MIJN}/uitschrijven", guards=LID, include_in_schema=False)
async def uitschrijven(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    return pagina("leden/mijn_uitschrijven", lid=lid)


@post(f"{MIJN}/uitschrijven", guards=LID, include_in_schema=False)
async def uitschrijven_bevestigen(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    try:
        await wijzigen.schrijf_uit(diensten.leden_uow(), lid.id, max(vandaag(), lid.lid_sinds), hoe=Hoe.ZELFSERVICE)
    except Invalid as fout:
        return pagina("leden/mijn_uitschrijven", 400, lid=lid, fouten=list(fout.problemen))
    zet_melding(request, "Je bent uitgeschreven uit het netwerk. We sturen je geen uitnodigingen of nieuwsbrief meer.")
    return Redirect(MIJN, status_code=303)


MELDINGEN_GEGEVENS = "/meldingen/api/v1/mijn-gegevens"


async def _van_meldingen(request: Request[Any, Any, Any], diensten: RegistratieDiensten) -> Any:
    """What meldingen holds about the member (its mails and choices), asked with the member's own
    sign-in through the platform's address; when meldingen cannot answer, where to find it."""
    url = f"{str(diensten.settings.public_url).rstrip('/')}{MELDINGEN_GEGEVENS}"
    try:
        async with httpx.AsyncClient(timeout=3.0, cookies={COOKIE: request.cookies.get(COOKIE, "")}) as client:
            antwoord = await client.get(url)
        if antwoord.status_code == 200:
            return antwoord.json()
    except (httpx.HTTPError, ValueError):
        pass
    return {"niet_beschikbaar": f"De dienst meldingen antwoordde niet. Je vindt deze gegevens ook op {url}."}


@get(f"{MIJN}/download", guards=LID, include_in_schema=False)
async def download(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    gegevens = await opvragingen.export(diensten.db, lid.id)
    gegevens["meldingen"] = await _van_meldingen(request, diensten)
    return Response(
        content=json.dumps(gegevens, ensure_ascii=False, indent=2, default=str).encode(),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="mijn-gegevens-netwerk-digitale-inclusie.json"',
            "Cache-Control": "no-store",
        },
    )


@get(f"{MIJN}/wissen", guards=LID, include_in_schema=False)
async def wissen_vragen(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    return pagina("leden/mijn_wissen", lid=lid)


@post(f"{MIJN}/wissen", guards=LID, include_in_schema=False)
async def wissen_bevestigen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], data: Formulier
) -> Response[Any]:
    lid = await _lid(request, diensten)
    if lid is None:
        return _opnieuw_aanmelden()
    if veld(data, "bevestig") != "ja":
        fout = FieldError("bevestig", "verplicht", "Vink aan dat je begrijpt dat dit niet ongedaan kan worden.")
        return pagina("leden/mijn_wissen", 400, lid=lid, fouten=[fout])
    try:
        await wissen.wis(diensten.leden_uow(), lid.id, purgeer=diensten.purgeer)
    except wijzigen.LidNietGevonden:
        return _opnieuw_aanmelden()
    except Exception:
        log.exception("wissen.mislukt", lid_id=str(lid.id))
        fout = FieldError(
            "bevestig", "tijdelijk_mislukt", "Het wissen lukte nu niet. Er is niets gewist. Probeer het over enkele minuten opnieuw."
        )
        return pagina("leden/mijn_wissen", 503, lid=lid, fouten=[fout])
    return meld_af(Redirect(f"{MIJN}/gewist", status_code=303))


@get(f"{MIJN}/gewist", include_in_schema=False, sync_to_thread=False)
def gewist() -> Template:
    return pagina("leden/mijn_gewist")


ROUTES = [
    inloggen,
    inloggen_versturen,
    inloggen_verstuurd,
    link_openen,
    link_gebruiken,
    mijn,
    gegevens,
    gegevens_bewaren,
    inschrijvingen,
    toestemmingen,
    toestemmingen_bewaren,
    uitschrijven,
    uitschrijven_bevestigen,
    download,
    wissen_vragen,
    wissen_bevestigen,
    gewist,
]
