"""Staff pages (`/registratie/beheer/activiteiten`): list, new, edit, cancel, mark held,
attendance (check-in, bulk, afterwards), the feedback summary, and the requests for tailored
support (`/registratie/beheer/ondersteuningsvragen`)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from dinet_chassis.errors import Conflict, DomainError, FieldProblem, Invalid
from dinet_chassis.web import errors_by_field
from dinet_chassis.web.auth import GeenToegang, Rol, identiteit, vereist
from dinet_contracts.types import ACTIVITEIT_SOORT_LABELS, ActiviteitSoort, ActiviteitStatus, OrganisatieType, Trekker
from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from ...kernel import organisaties as opvragingen
from ...kernel.web import veld
from ...kernel.organisaties import groepeer_per_type, organisatie_id_voor_sleutel
from ...leden import store as leden_opvragingen
from ..domain import (
    FEEDBACK_DREMPEL,
    FORMULIER_LIJSTEN,
    FORMULIER_VELDEN,
    OPEN_STATUSSEN,
    VersieConflict,
    SOORTEN_PUBLICATIE,
    STATUS_LABELS,
    TREKKER_LABELS,
    fout_aanwezigheid,
    fout_annuleren,
    fout_niet_open,
    formulier_waarden,
    valideer_formulier,
    valideer_uren,
)
from ..store import lijsten
from ..store.ondersteuningsvragen import Vraag
from ..use_cases import aanwezigheid, inschrijvingen, levenscyclus
from .common import (
    LABELS,
    ActiviteitenDiensten,
    ActiviteitId,
    Diensten,
    Formulier,
    Verzoek,
    alle,
    als_uuid,
    als_wie,
    beleidskeuzes,
    eerste,
    neem_melding,
    over_activiteit,
    status_tag,
    zet_melding,
)

MEDEWERKER = [vereist(Rol.MEDEWERKER)]
# A partner editor plans, changes and cancels its own organisation's activities with the same
# forms and rules as staff, so they become the same events; the rest stays with VVSG.
BEHEER = [vereist(Rol.MEDEWERKER, Rol.PARTNER)]


def _eigen_organisatie(request: Verzoek) -> uuid.UUID | None:
    """None for staff (every activity); a partner editor's own organisation otherwise."""
    persoon = identiteit(request)
    if persoon is None or persoon.heeft(Rol.MEDEWERKER):
        return None
    if persoon.organisatie_id is None:
        raise GeenToegang((Rol.MEDEWERKER,))
    return persoon.organisatie_id
BASIS = "/registratie/beheer/activiteiten"
VVSG = organisatie_id_voor_sleutel("vvsg")


def _pad(activiteit_id: uuid.UUID, *rest: str) -> str:
    return "/".join([BASIS, str(activiteit_id), *rest])


async def _of_404(activiteiten: ActiviteitenDiensten, activiteit_id: uuid.UUID, eigen: uuid.UUID | None = None) -> lijsten.Overzicht:
    overzicht = await lijsten.een(activiteiten.db, activiteit_id)
    if overzicht is None:
        raise NotFoundException()
    if eigen is not None and overzicht.activiteit.gegevens.organisator_id != eigen:
        raise NotFoundException()  # another organisation's: not even its existence is told
    return overzicht


# --- list --------------------------------------------------------------------------------------


def _keuze(waarde: str | None, toegelaten: set[str]) -> str | None:
    return waarde if waarde in toegelaten else None


@get(BASIS, guards=BEHEER, include_in_schema=False)
async def lijst(
    request: Verzoek,
    activiteiten: Diensten,
    soort: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    jaar: FromQuery[str | None] = None,
    trekker: FromQuery[str | None] = None,
) -> Template:
    filter_ = lijsten.Filter(
        soort=_keuze(soort, {s.value for s in ActiviteitSoort}),
        status=_keuze(status, {s.value for s in ActiviteitStatus}),
        jaar=int(jaar) if jaar and jaar.isdigit() else None,
        trekker=_keuze(trekker, {t.value for t in Trekker}),
        organisator_id=_eigen_organisatie(request),
    )
    return Template(
        template_name="activiteiten/beheer_lijst.html",
        context={
            **LABELS,
            "activiteiten": await lijsten.zoek(activiteiten.db, filter_),
            "filter": filter_,
            "soorten": [(s.value, label) for s, label in ACTIVITEIT_SOORT_LABELS.items()],
            "statussen": [(s.value, label) for s, label in STATUS_LABELS.items()],
            "trekkers": [(t.value, label) for t, label in TREKKER_LABELS.items()],
            "jaren": [(str(j), str(j)) for j in await lijsten.jaren(activiteiten.db)],
            "status_tag": status_tag,
            "melding": neem_melding(request),
            "staf": filter_.organisator_id is None,
        },
    )


# --- new and edit ------------------------------------------------------------------------------


async def _formulier(
    activiteiten: ActiviteitenDiensten,
    *,
    waarden: dict[str, Any],
    fouten: list[FieldProblem],
    activiteit: lijsten.Overzicht | None = None,
    status: int = 200,
    eigen: uuid.UUID | None = None,
) -> Template:
    organisaties = await opvragingen.organisaties(activiteiten.db)
    if eigen is not None:
        organisaties = [o for o in organisaties if o.id == eigen]
    besturen = await opvragingen.organisaties(activiteiten.db, OrganisatieType.LOKAAL_BESTUUR)
    return Template(
        template_name="activiteiten/beheer_formulier.html",
        context={
            **LABELS,
            "waarden": waarden,
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
            "activiteit": activiteit,
            "soorten": [(s.value, label) for s, label in ACTIVITEIT_SOORT_LABELS.items()],
            "trekkers": [(t.value, label) for t, label in TREKKER_LABELS.items()],
            "organisatie_groepen": [
                (label, [(str(o.id), o.naam) for o in orgs]) for label, orgs in groepeer_per_type(organisaties)
            ],
            "besturen": [(str(o.id), o.naam) for o in sorted(besturen, key=lambda o: o.naam)],
            **beleidskeuzes(),
        },
        status_code=status,
    )


def _waarden(data: dict[str, Any]) -> dict[str, Any]:
    waarden: dict[str, Any] = {naam: veld(data, naam) for naam in FORMULIER_VELDEN}
    for naam in FORMULIER_LIJSTEN:
        waarden[naam] = alle(data, naam)
    waarden["vvsg_werkte_mee"] = "vvsg_werkte_mee" in data
    waarden["al_afgelopen"] = "al_afgelopen" in data
    return waarden


@get(f"{BASIS}/nieuw", guards=BEHEER, include_in_schema=False)
async def nieuw(request: Verzoek, activiteiten: Diensten, vraag: FromQuery[str | None] = None) -> Template:
    eigen = _eigen_organisatie(request)
    if eigen is not None:
        waarden: dict[str, Any] = {"organisator_id": str(eigen), "trekker": Trekker.PARTNER.value, "vorm": "fysiek"}
        return await _formulier(activiteiten, waarden=waarden, fouten=[], eigen=eigen)
    waarden = {"organisator_id": str(VVSG), "trekker": Trekker.VVSG.value, "vorm": "fysiek"}
    vraag_id = als_uuid(vraag) if vraag else None
    if vraag_id is not None:
        gevonden = await lijsten.ondersteuningsvraag(activiteiten.db, vraag_id)
        if gevonden is not None and gevonden.activiteit_id is None:
            waarden |= formulier_uit_vraag(gevonden)
    return await _formulier(activiteiten, waarden=waarden, fouten=[])


@post(f"{BASIS}/nieuw", guards=BEHEER, include_in_schema=False)
async def nieuw_bewaren(request: Verzoek, activiteiten: Diensten, data: Formulier) -> Response[Any]:
    eigen = _eigen_organisatie(request)
    waarden = _waarden(data)
    waarden["vraag_id"] = veld(data, "vraag_id") if eigen is None else ""
    if eigen is not None:
        waarden["organisator_id"] = str(eigen)  # whatever was posted: a partner plans only its own
    resultaat = valideer_formulier(waarden)
    if isinstance(resultaat, list):
        return await _formulier(activiteiten, waarden=waarden, fouten=resultaat, status=400, eigen=eigen)
    persoon = identiteit(request)
    cmd = levenscyclus.Plan(
        resultaat,
        al_afgelopen=waarden["al_afgelopen"],
        vraag_id=als_uuid(waarden["vraag_id"]) if waarden["vraag_id"] else None,
        door=persoon.sub if persoon else "",
    )
    try:
        activiteit_id = await levenscyclus.plan(cmd, activiteiten.uow())
    except Invalid as fout:
        return await _formulier(activiteiten, waarden=waarden, fouten=list(fout.problemen), status=400, eigen=eigen)
    zet_melding(request, f"De activiteit ‘{resultaat.titel}’ is bewaard.")
    return Redirect(_pad(activiteit_id), status_code=303)


@get(f"{BASIS}/{{activiteit_id:uuid}}/bewerken", guards=BEHEER, include_in_schema=False)
async def bewerken(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    eigen = _eigen_organisatie(request)
    overzicht = await _of_404(activiteiten, activiteit_id, eigen)
    waarden = formulier_waarden(overzicht.activiteit.gegevens) | {"versie": overzicht.activiteit.versie}
    return await _formulier(activiteiten, waarden=waarden, fouten=[], activiteit=overzicht, eigen=eigen)


@post(f"{BASIS}/{{activiteit_id:uuid}}/bewerken", guards=BEHEER, include_in_schema=False)
async def bewerken_bewaren(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    eigen = _eigen_organisatie(request)
    overzicht = await _of_404(activiteiten, activiteit_id, eigen)
    waarden = _waarden(data)
    if eigen is not None:
        waarden["organisator_id"] = str(eigen)
    versie_tekst = veld(data, "versie")
    waarden["versie"] = versie_tekst
    resultaat = valideer_formulier(waarden)
    if isinstance(resultaat, list):
        return await _formulier(activiteiten, waarden=waarden, fouten=resultaat, activiteit=overzicht, status=400, eigen=eigen)
    cmd = levenscyclus.Wijzig(activiteit_id, resultaat, verwachte_versie=int(versie_tekst) if versie_tekst.isdigit() else None)
    try:
        await levenscyclus.wijzig(cmd, activiteiten.uow())
    except Invalid as fout:
        return await _formulier(activiteiten, waarden=waarden, fouten=list(fout.problemen), activiteit=overzicht, status=400, eigen=eigen)
    except VersieConflict as conflict:
        nieuw_overzicht = await _of_404(activiteiten, activiteit_id)
        return await _formulier(
            activiteiten,
            waarden=formulier_waarden(nieuw_overzicht.activiteit.gegevens) | {"versie": conflict.huidige_versie},
            fouten=list(conflict.problemen),
            activiteit=nieuw_overzicht,
            status=409,
            eigen=eigen,
        )
    except Conflict as fout:
        return await _formulier(activiteiten, waarden=waarden, fouten=[eerste(fout)], activiteit=overzicht, status=409, eigen=eigen)
    zet_melding(request, "De wijzigingen zijn bewaard.")
    return Redirect(_pad(activiteit_id), status_code=303)


# --- one activity ------------------------------------------------------------------------------


async def _detail_pagina(
    request: Verzoek,
    activiteiten: ActiviteitenDiensten,
    activiteit_id: uuid.UUID,
    *,
    fouten: list[FieldProblem] | None = None,
    email: str = "",
    status: int = 200,
    kandidaten: list[Any] | None = None,
) -> Template:
    eigen = _eigen_organisatie(request)
    overzicht = await _of_404(activiteiten, activiteit_id, eigen)
    aanwezig, uren = await lijsten.aanwezigheid_totaal(activiteiten.db, activiteit_id)
    a = overzicht.activiteit
    nu = activiteiten.nu()
    return Template(
        template_name="activiteiten/beheer_detail.html",
        context={
            **over_activiteit(overzicht, fouten),
            "lijst": await lijsten.ingeschrevenen(activiteiten.db, activiteit_id),
            "aanwezig": aanwezig,
            "deelnemersuren": uren,
            "status_tag": status_tag,
            "open": a.status in OPEN_STATUSSEN,
            "publicatie": a.gegevens.soort in SOORTEN_PUBLICATIE,
            "kan_afsluiten": a.status in OPEN_STATUSSEN and a.gegevens.start <= nu,
            "kan_annuleren": fout_annuleren(a.status, a.gegevens.start, nu) is None,
            "kan_aanwezigheden": fout_aanwezigheid(a.status, a.gegevens.soort, a.gegevens.start, nu) is None,
            "inschrijven_open": fout_niet_open(a.status, a.gegevens.soort, a.gegevens.start, nu) is None,
            "melding": neem_melding(request),
            "email": email,
            "kandidaten": kandidaten or [],
            "staf": eigen is None,
        },
        status_code=status,
    )


@get(f"{BASIS}/{{activiteit_id:uuid}}", guards=BEHEER, include_in_schema=False)
async def detail(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    return await _detail_pagina(request, activiteiten, activiteit_id)


async def _detail_met_fout(request: Verzoek, activiteiten: ActiviteitenDiensten, activiteit_id: uuid.UUID, fout: FieldProblem, email: str) -> Template:
    status = 400 if fout.code in ("verplicht", "onbekend_lid") else 409
    return await _detail_pagina(request, activiteiten, activiteit_id, fouten=[fout], email=email, status=status)


@post(f"{BASIS}/{{activiteit_id:uuid}}/inschrijven", guards=MEDEWERKER, include_in_schema=False)
async def inschrijven_door_medewerker(
    request: Verzoek,
    activiteiten: Diensten,
    activiteit_id: ActiviteitId,
    data: Formulier,
) -> Response[Any]:
    """Staff register a member who asked by phone or mail, found by e-mail address, name or
    organisation; with several matches they pick one from the list."""
    await _of_404(activiteiten, activiteit_id)
    email = veld(data, "email").strip()
    gekozen = als_uuid(veld(data, "lid_id")) if veld(data, "lid_id") else None
    lid_id = gekozen or (await lijsten.lid_met_email(activiteiten.db, email) if email else None)
    if lid_id is None and email:
        gevonden, totaal = await leden_opvragingen.zoek_leden(activiteiten.db, leden_opvragingen.Zoekvraag(zoek=email, status="actief"))
        if totaal == 1:
            lid_id = gevonden[0]["id"]
        elif totaal > 1:
            return await _detail_pagina(request, activiteiten, activiteit_id, email=email, kandidaten=gevonden)
    if lid_id is None:
        fout = (
            FieldProblem("email", "onbekend_lid", "Er is geen lid met deze naam, dit e-mailadres of deze organisatie.")
            if email
            else FieldProblem("email", "verplicht", "Vul de naam, het e-mailadres of de organisatie van het lid in.")
        )
        return await _detail_met_fout(request, activiteiten, activiteit_id, fout, email)
    persoon = identiteit(request)
    assert persoon is not None
    try:
        resultaat = await inschrijvingen.schrijf_in(
            inschrijvingen.SchrijfIn(activiteit_id, lid_id, door=als_wie(persoon)), activiteiten.uow()
        )
    except DomainError as geweigerd:
        return await _detail_met_fout(request, activiteiten, activiteit_id, _naar_veld(geweigerd, "email"), email)
    plaats = "ingeschreven" if resultaat.status == "ingeschreven" else "op de wachtlijst gezet"
    zet_melding(request, f"{veld(data, 'naam') or email} is {plaats}.")
    return Redirect(_pad(activiteit_id), status_code=303)


@get(f"{BASIS}/{{activiteit_id:uuid}}/uitschrijven", guards=MEDEWERKER, include_in_schema=False)
async def uitschrijven_bevestigen(
    activiteiten: Diensten, activiteit_id: ActiviteitId, lid_id: FromQuery[str | None] = None
) -> Template:
    """Taking someone off a list is asked once more: the seat may go to someone else at once."""
    overzicht = await _of_404(activiteiten, activiteit_id)
    gekozen = als_uuid(lid_id) if lid_id else None
    lijst = await lijsten.ingeschrevenen(activiteiten.db, activiteit_id)
    rij = next((r for r in lijst if r["lid_id"] == gekozen), None)
    if rij is None:
        raise NotFoundException()
    eerste_wachtende = next((r for r in lijst if r["status"] == "wachtlijst"), None)
    return Template(
        template_name="activiteiten/beheer_uitschrijven.html",
        context={**LABELS, "a": overzicht.activiteit, "rij": rij, "eerste_wachtende": eerste_wachtende if rij["status"] == "ingeschreven" else None},
    )


@post(f"{BASIS}/{{activiteit_id:uuid}}/uitschrijven", guards=MEDEWERKER, include_in_schema=False)
async def uitschrijven_door_medewerker(
    request: Verzoek,
    activiteiten: Diensten,
    activiteit_id: ActiviteitId,
    data: Formulier,
) -> Response[Any]:
    await _of_404(activiteiten, activiteit_id)
    lid_id = als_uuid(veld(data, "lid_id"))
    persoon = identiteit(request)
    assert persoon is not None
    if lid_id is None:
        raise NotFoundException()
    wachtend = {r["lid_id"]: r["naam"] for r in await lijsten.ingeschrevenen(activiteiten.db, activiteit_id) if r["status"] == "wachtlijst"}
    try:
        await inschrijvingen.schrijf_uit(inschrijvingen.SchrijfUit(activiteit_id, lid_id, door=als_wie(persoon)), activiteiten.uow())
    except DomainError as geweigerd:
        return await _detail_met_fout(request, activiteiten, activiteit_id, _naar_veld(geweigerd, "email"), "")
    # A freed seat goes to the first in line at once: staff see who got it.
    doorgeschoven = [
        wachtend[r["lid_id"]]
        for r in await lijsten.ingeschrevenen(activiteiten.db, activiteit_id)
        if r["status"] == "ingeschreven" and r["lid_id"] in wachtend
    ]
    melding = f"{veld(data, 'naam') or 'Het lid'} is uitgeschreven."
    if doorgeschoven:
        melding += f" {' en '.join(doorgeschoven)} kreeg de vrijgekomen plaats."
    zet_melding(request, melding)
    return Redirect(_pad(activiteit_id), status_code=303)


def _bevestiging(
    overzicht: lijsten.Overzicht,
    soort: str,
    fouten: list[FieldProblem] | None = None,
    status: int = 200,
    geweigerd: FieldProblem | None = None,
) -> Template:
    return Template(
        template_name="activiteiten/beheer_bevestig.html",
        context={
            **over_activiteit(overzicht, fouten),
            "soort": soort,
            "geweigerd": geweigerd,
        },
        status_code=status,
    )


@get(f"{BASIS}/{{activiteit_id:uuid}}/annuleren", guards=BEHEER, include_in_schema=False)
async def annuleren(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    overzicht = await _of_404(activiteiten, activiteit_id, _eigen_organisatie(request))
    a = overzicht.activiteit
    # Reached through an old link or a bookmark: say why, rather than offer a button that fails.
    geweigerd = fout_annuleren(a.status, a.gegevens.start, activiteiten.nu())
    return _bevestiging(overzicht, "annuleren", status=409 if geweigerd else 200, geweigerd=geweigerd)


@post(f"{BASIS}/{{activiteit_id:uuid}}/annuleren", guards=BEHEER, include_in_schema=False)
async def annuleren_bevestigd(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Response[Any]:
    overzicht = await _of_404(activiteiten, activiteit_id, _eigen_organisatie(request))
    try:
        await levenscyclus.annuleer(levenscyclus.Annuleer(activiteit_id), activiteiten.uow())
    except Conflict as fout:
        return _bevestiging(overzicht, "annuleren", status=409, geweigerd=eerste(fout))
    zet_melding(request, "De activiteit is geannuleerd.")
    return Redirect(_pad(activiteit_id), status_code=303)


@get(f"{BASIS}/{{activiteit_id:uuid}}/afgelopen", guards=MEDEWERKER, include_in_schema=False)
async def afgelopen(activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    return _bevestiging(await _of_404(activiteiten, activiteit_id), "afgelopen")


@post(f"{BASIS}/{{activiteit_id:uuid}}/afgelopen", guards=MEDEWERKER, include_in_schema=False)
async def afgelopen_bevestigd(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Response[Any]:
    overzicht = await _of_404(activiteiten, activiteit_id)
    try:
        await levenscyclus.markeer_afgelopen(levenscyclus.MarkeerAfgelopen(activiteit_id), activiteiten.uow())
    except Conflict as fout:
        # The error summary links to the field; on a confirmation page the only "field" is the button.
        return _bevestiging(overzicht, "afgelopen", [_naar_veld(fout, "bevestig")], 409)
    zet_melding(request, "De activiteit staat nu als afgelopen: ze telt mee in de cijfers.")
    return Redirect(_pad(activiteit_id), status_code=303)


def _naar_veld(fout: DomainError, veld: str) -> FieldProblem:
    """The refusal shown at the one field the page has."""
    probleem = eerste(fout)
    return FieldProblem(veld, probleem.code, probleem.melding)


# --- attendance --------------------------------------------------------------------------------


async def _aanwezigheidspagina(
    request: Verzoek,
    activiteiten: ActiviteitenDiensten,
    overzicht: lijsten.Overzicht,
    *,
    fouten: list[FieldProblem] | None = None,
    ingevuld: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    a = overzicht.activiteit
    mensen = await lijsten.deelnemerslijst(activiteiten.db, a.id)
    aanwezig, uren = await lijsten.aanwezigheid_totaal(activiteiten.db, a.id)
    return Template(
        template_name="activiteiten/beheer_aanwezigheid.html",
        context={
            **over_activiteit(overzicht, fouten),
            "mensen": mensen,
            "aanwezig": aanwezig,
            "deelnemersuren": uren,
            "ingevuld": ingevuld or {},
            "geweigerd": fout_aanwezigheid(a.status, a.gegevens.soort, a.gegevens.start, activiteiten.nu()),
            "melding": neem_melding(request),
        },
        status_code=status,
    )


@get(f"{BASIS}/{{activiteit_id:uuid}}/aanwezigheid", guards=MEDEWERKER, include_in_schema=False)
async def aanwezigheden(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    return await _aanwezigheidspagina(request, activiteiten, await _of_404(activiteiten, activiteit_id))


def _door(request: Verzoek) -> str:
    persoon = identiteit(request)
    return persoon.sub if persoon is not None else "onbekend"


async def _registreer(
    request: Verzoek, activiteiten: ActiviteitenDiensten, overzicht: lijsten.Overzicht, regels: list[aanwezigheid.Regel], melding: str
) -> Response[Any]:
    cmd = aanwezigheid.RegistreerAanwezigheid(overzicht.activiteit.id, tuple(regels), door=_door(request))
    try:
        await aanwezigheid.registreer(cmd, activiteiten.uow())
    except DomainError as fout:
        return await _aanwezigheidspagina(request, activiteiten, overzicht, fouten=list(fout.problemen), status=400)
    zet_melding(request, melding)
    return Redirect(_pad(overzicht.activiteit.id, "aanwezigheid"), status_code=303)


@post(f"{BASIS}/{{activiteit_id:uuid}}/aanwezigheid/inchecken", guards=MEDEWERKER, include_in_schema=False)
async def inchecken(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    """One person at the door: a single big button per person works on a phone without typing."""
    overzicht = await _of_404(activiteiten, activiteit_id)
    lid_id = als_uuid(veld(data, "lid_id"))
    if lid_id is None:
        raise NotFoundException()
    aanwezig = veld(data, "aanwezig") == "ja"
    duur = overzicht.activiteit.gegevens.duur_uren
    regel = aanwezigheid.Regel(lid_id, aanwezig, duur if aanwezig else Decimal("0.00"))
    naam = veld(data, "naam")
    melding = f"{naam} is aanwezig." if aanwezig else f"{naam} staat als niet aanwezig."
    return await _registreer(request, activiteiten, overzicht, [regel], melding.strip())


@post(f"{BASIS}/{{activiteit_id:uuid}}/aanwezigheid", guards=MEDEWERKER, include_in_schema=False)
async def aanwezigheden_bewaren(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    """The bulk form: one row per person, a checkbox and the hours (empty: the whole activity)."""
    overzicht = await _of_404(activiteiten, activiteit_id)
    duur = overzicht.activiteit.gegevens.duur_uren
    regels: list[aanwezigheid.Regel] = []
    fouten: list[FieldProblem] = []
    ingevuld: dict[str, Any] = {}
    for tekst in alle(data, "lid_id"):
        lid_id = als_uuid(tekst)
        if lid_id is None:
            continue
        aanwezig = veld(data, f"aanwezig_{lid_id}") == "ja"
        uren_tekst = veld(data, f"uren_{lid_id}")
        ingevuld[str(lid_id)] = {"aanwezig": aanwezig, "uren": uren_tekst}
        uren = valideer_uren(aanwezig, uren_tekst, duur, f"uren_{lid_id}")
        if isinstance(uren, FieldProblem):
            fouten.append(uren)
        else:
            regels.append(aanwezigheid.Regel(lid_id, aanwezig, uren))
    if fouten:
        # In the error summary each message must say whom it is about, as the field labels do.
        labels = {f"uren_{m['lid_id']}": m["label"] for m in await lijsten.deelnemerslijst(activiteiten.db, activiteit_id)}
        fouten = [FieldProblem(f.veld, f.code, f"{labels[f.veld]}: {f.melding}") if f.veld in labels else f for f in fouten]
        return await _aanwezigheidspagina(
            request, activiteiten, overzicht, fouten=fouten, ingevuld=ingevuld, status=400
        )
    return await _registreer(request, activiteiten, overzicht, regels, "De aanwezigheden zijn bewaard.")


@post(f"{BASIS}/{{activiteit_id:uuid}}/aanwezigheid/toevoegen", guards=MEDEWERKER, include_in_schema=False)
async def aanwezige_toevoegen(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    """Someone who came without registering, found by e-mail address."""
    overzicht = await _of_404(activiteiten, activiteit_id)
    email = veld(data, "email").strip()
    uren_tekst = veld(data, "extra_uren")
    lid_id = await lijsten.lid_met_email(activiteiten.db, email) if email else None
    fout: FieldProblem | None = None
    if not email:
        fout = FieldProblem("email", "verplicht", "Vul het e-mailadres van het lid in.")
    elif lid_id is None:
        fout = FieldProblem("email", "onbekend_lid", "Er is geen lid met dit e-mailadres. Laat de persoon eerst lid worden.")
    uren = valideer_uren(True, uren_tekst, overzicht.activiteit.gegevens.duur_uren, "extra_uren")
    if isinstance(uren, FieldProblem):
        fout = fout or uren
    if fout is not None or lid_id is None or isinstance(uren, FieldProblem):
        assert fout is not None
        return await _aanwezigheidspagina(
            request,
            activiteiten,
            overzicht,
            fouten=[fout],
            ingevuld={"email": email, "extra_uren": uren_tekst},
            status=400,
        )
    return await _registreer(
        request, activiteiten, overzicht, [aanwezigheid.Regel(lid_id, True, uren)], f"{email} is toegevoegd als aanwezig."
    )


# --- feedback ----------------------------------------------------------------------------------


@get(f"{BASIS}/{{activiteit_id:uuid}}/feedback", guards=MEDEWERKER, include_in_schema=False)
async def feedback_samenvatting(activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    overzicht = await _of_404(activiteiten, activiteit_id)
    return Template(
        template_name="activiteiten/beheer_feedback.html",
        context={
            **over_activiteit(overzicht),
            "s": await lijsten.feedback_samenvatting(activiteiten.db, activiteit_id),
            "drempel": FEEDBACK_DREMPEL,
        },
    )


# --- requests for tailored support -------------------------------------------------------------

VRAGEN = "/registratie/beheer/ondersteuningsvragen"


def formulier_uit_vraag(v: Vraag) -> dict[str, Any]:
    """The activity form, filled in from a request: a tailored-support trajectory for that
    government. Saving it links the request to the activity (`levenscyclus.Plan.vraag_id`)."""
    return {
        "soort": "ondersteuning_op_maat",
        "titel": f"Ondersteuning op maat {v.organisatie}: {v.element_id}",
        "omschrijving": v.element_tekst,
        "trekker": "vvsg",
        "vorm": "fysiek",
        "lokaal_bestuur_id": str(v.organisatie_id),
        "ondersteuning": v.vraag,
        "pijlers": [v.element_id[:3]],
        "elementen": [v.element_id],
        "vraag_id": str(v.vraag_id),
    }


@get(VRAGEN, guards=MEDEWERKER, include_in_schema=False)
async def ondersteuningsvragen(request: Verzoek, activiteiten: Diensten) -> Template:
    alle_vragen = await lijsten.ondersteuningsvragen_lijst(activiteiten.db)
    return Template(
        template_name="activiteiten/ondersteuningsvragen.html",
        context={
            **LABELS,
            "open": [v for v in alle_vragen if v.activiteit_id is None],
            "omgezet": [v for v in alle_vragen if v.activiteit_id is not None],
            "melding": neem_melding(request),
        },
    )


ROUTES = [
    lijst,
    nieuw,
    nieuw_bewaren,
    detail,
    inschrijven_door_medewerker,
    uitschrijven_bevestigen,
    uitschrijven_door_medewerker,
    bewerken,
    bewerken_bewaren,
    annuleren,
    annuleren_bevestigd,
    afgelopen,
    afgelopen_bevestigd,
    aanwezigheden,
    inchecken,
    aanwezigheden_bewaren,
    aanwezige_toevoegen,
    feedback_samenvatting,
    ondersteuningsvragen,
]
