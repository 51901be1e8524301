"""Pages for everyone and for members: the calendar and its iCalendar feed, an activity's page
with (un)registering for oneself or a colleague, and the feedback form."""

from __future__ import annotations

from urllib.parse import quote

import uuid
from typing import Any

from dinet_chassis.db import Database
from dinet_chassis.errors import DomainError, FieldProblem, NotFound
from dinet_chassis.web.auth import Identiteit, Rol, identiteit, vereist
from dinet_contracts import paginas
from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from ...kernel.web import veld
from ..domain import (
    OPEN_STATUSSEN,
    PUBLIEKE_SOORTEN,
    InschrijvingStatus,
    fout_niet_open,
    valideer_feedback,
    waarom_geen_feedback,
)
from ..store import lijsten
from ..use_cases import feedback, inschrijvingen
from . import kalender
from .common import (
    LABELS,
    ActiviteitenDiensten,
    ActiviteitId,
    Diensten,
    Formulier,
    Verzoek,
    als_uuid,
    als_wie,
    neem_melding,
    over_activiteit,
    pagina_status,
    status_tag,
    zet_melding,
)

LID_OF_MEDEWERKER = [vereist(Rol.LID, Rol.MEDEWERKER)]
LID = [vereist(Rol.LID)]
# Litestar adds "; charset=utf-8" to every text/* type itself: naming it here would send it twice.
ICAL_TYPE = "text/calendar"


def pagina_pad(activiteit_id: uuid.UUID) -> str:
    return f"/registratie/activiteiten/{activiteit_id}"


# --- calendar ----------------------------------------------------------------------------------


@get("/registratie/kalender", include_in_schema=False)
async def kalender_pagina(activiteiten: Diensten) -> Template:
    return Template(
        template_name="activiteiten/kalender.html",
        context={
            **LABELS,
            "activiteiten": await lijsten.komende(activiteiten.db, activiteiten.nu()),
            "status_tag": status_tag,
        },
    )


@get("/registratie/kalender.ics", include_in_schema=False)
async def kalender_ics(activiteiten: Diensten) -> Response[bytes]:
    nu = activiteiten.nu()
    inhoud = kalender.als_ical(
        await lijsten.komende(activiteiten.db, nu), kalender.Kalenderinstellingen(publieke_url=activiteiten.publieke_url), nu
    )
    return Response(
        content=inhoud,
        media_type=ICAL_TYPE,
        headers={"Content-Disposition": 'inline; filename="netwerk-digitale-inclusie.ics"', "Cache-Control": "max-age=300"},
    )


# --- an activity's page ------------------------------------------------------------------------


async def _zichtbaar(db: Database, activiteit_id: uuid.UUID, persoon: Identiteit | None) -> lijsten.Overzicht:
    """Public kinds for everyone; the others (advice, steering committee...) for staff only."""
    overzicht = await lijsten.een(db, activiteit_id)
    if overzicht is None:
        raise NotFoundException()
    publiek = overzicht.activiteit.gegevens.soort in PUBLIEKE_SOORTEN
    if not publiek and not (persoon is not None and persoon.heeft(Rol.MEDEWERKER)):
        raise NotFoundException()
    return overzicht


async def _activiteit_pagina(
    request: Verzoek,
    activiteiten: ActiviteitenDiensten,
    activiteit_id: uuid.UUID,
    *,
    fouten: list[FieldProblem] | None = None,
    status: int = 200,
) -> Template:
    db = activiteiten.db
    persoon = identiteit(request)
    overzicht = await _zichtbaar(db, activiteit_id, persoon)
    a = overzicht.activiteit
    nu = activiteiten.nu()
    gesloten = fout_niet_open(a.status, a.gegevens.soort, a.gegevens.start, nu)
    lid = persoon if persoon is not None and persoon.heeft(Rol.LID) and persoon.lid_id is not None else None
    mijn = await lijsten.inschrijving_van(db, activiteit_id, lid.lid_id) if lid and lid.lid_id else None
    collegas: list[tuple[str, str]] = []
    van_organisatie: list[dict[str, Any]] = []
    if lid is not None and lid.organisatie_id is not None:
        collegas = [(str(i), n) for i, n in await lijsten.collegas(db, lid.organisatie_id) if i != lid.lid_id]
        van_organisatie = [
            r for r in await lijsten.inschrijvingen_van_organisatie(db, activiteit_id, lid.organisatie_id)
            if r["lid_id"] != lid.lid_id
        ]
    feedback_mogelijk = (
        lid is not None
        and lid.lid_id is not None
        and waarom_geen_feedback(await lijsten.feedback_stand(db, activiteit_id, lid.lid_id), nu) is None
    )
    return Template(
        template_name="activiteiten/activiteit.html",
        context={
            **over_activiteit(overzicht, fouten),
            "status_tag": status_tag,
            "gesloten": gesloten,
            "open": a.status in OPEN_STATUSSEN,
            "lid": lid,
            "staf": persoon is not None and persoon.heeft(Rol.MEDEWERKER),
            "mijn": mijn,
            "op_lijst": mijn is not None and mijn["status"] != InschrijvingStatus.GEANNULEERD,
            "collegas": collegas,
            "van_organisatie": van_organisatie,
            "vrij": None if a.gegevens.capaciteit is None else max(0, a.gegevens.capaciteit - overzicht.ingeschreven),
            # Members have no password: the mailed link first, and back to this activity after it.
            "inloggen": f"{paginas.LID_INLOGGEN}?volgende={quote(request.url.path, safe='')}",
            "feedback_mogelijk": feedback_mogelijk,
            "melding": neem_melding(request),
        },
        status_code=status,
    )


@get("/registratie/activiteiten/{activiteit_id:uuid}", include_in_schema=False)
async def activiteit(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    return await _activiteit_pagina(request, activiteiten, activiteit_id)


def _doel(persoon: Identiteit, data: dict[str, Any]) -> uuid.UUID | None:
    """Whom the form is about: the chosen colleague, else the member themselves."""
    return als_uuid(veld(data, "lid_id")) or persoon.lid_id


async def _geweigerd(request: Verzoek, activiteiten: ActiviteitenDiensten, activiteit_id: uuid.UUID, fout: DomainError) -> Template:
    if isinstance(fout, NotFound) and fout.code == "onbekende_activiteit":
        raise NotFoundException() from None
    return await _activiteit_pagina(
        request, activiteiten, activiteit_id, fouten=list(fout.problemen), status=pagina_status(fout)
    )


@post("/registratie/activiteiten/{activiteit_id:uuid}/inschrijven", guards=LID_OF_MEDEWERKER, include_in_schema=False)
async def inschrijven(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    persoon = identiteit(request)
    assert persoon is not None
    lid_id = _doel(persoon, data)
    if lid_id is None:
        fout = FieldProblem("lid_id", "verplicht", "Kies wie je inschrijft.")
        return await _activiteit_pagina(request, activiteiten, activiteit_id, fouten=[fout], status=400)
    try:
        resultaat = await inschrijvingen.schrijf_in(
            inschrijvingen.SchrijfIn(activiteit_id, lid_id, door=als_wie(persoon)), activiteiten.uow()
        )
    except DomainError as fout:
        return await _geweigerd(request, activiteiten, activiteit_id, fout)
    wie_tekst = "Je bent" if lid_id == persoon.lid_id else "Je collega is"
    if resultaat.status == InschrijvingStatus.WACHTLIJST:
        positie = (await lijsten.inschrijving_van(activiteiten.db, activiteit_id, lid_id) or {}).get("positie")
        zet_melding(
            request,
            f"De activiteit is volzet. {wie_tekst} op de wachtlijst gezet (plaats {positie}). "
            "Komt er een plaats vrij, dan schuif je automatisch door.",
        )
    else:
        zet_melding(request, f"{wie_tekst} ingeschreven.")
    return Redirect(pagina_pad(activiteit_id), status_code=303)


@post("/registratie/activiteiten/{activiteit_id:uuid}/uitschrijven", guards=LID_OF_MEDEWERKER, include_in_schema=False)
async def uitschrijven(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    persoon = identiteit(request)
    assert persoon is not None
    lid_id = _doel(persoon, data)
    if lid_id is None:
        raise NotFoundException()
    try:
        await inschrijvingen.schrijf_uit(inschrijvingen.SchrijfUit(activiteit_id, lid_id, door=als_wie(persoon)), activiteiten.uow())
    except DomainError as fout:
        return await _geweigerd(request, activiteiten, activiteit_id, fout)
    zet_melding(request, "Je bent uitgeschreven." if lid_id == persoon.lid_id else "Je collega is uitgeschreven.")
    return Redirect(pagina_pad(activiteit_id), status_code=303)


# --- feedback ----------------------------------------------------------------------------------


async def _feedback_pagina(
    request: Verzoek,
    activiteiten: ActiviteitenDiensten,
    activiteit_id: uuid.UUID,
    *,
    waarden: dict[str, str] | None = None,
    fouten: list[FieldProblem] | None = None,
    status: int = 200,
) -> Template:
    persoon = identiteit(request)
    assert persoon is not None
    overzicht = await lijsten.een(activiteiten.db, activiteit_id)
    if overzicht is None:
        raise NotFoundException()
    reden = (
        waarom_geen_feedback(await lijsten.feedback_stand(activiteiten.db, activiteit_id, persoon.lid_id), activiteiten.nu())
        if persoon.lid_id
        else FieldProblem("activiteit_id", "geen_lid", "Alleen leden kunnen hun mening geven.")
    )
    fouten = fouten or []
    return Template(
        template_name="activiteiten/feedback.html",
        context={
            **over_activiteit(overzicht, fouten),
            "reden": reden,
            "waarden": waarden or {},
        },
        status_code=status if reden is None or fouten else 403 if reden.code != "al_gegeven" else 200,
    )


@get("/registratie/activiteiten/{activiteit_id:uuid}/feedback", guards=LID, include_in_schema=False)
async def feedback_formulier(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId) -> Template:
    return await _feedback_pagina(request, activiteiten, activiteit_id)


@post("/registratie/activiteiten/{activiteit_id:uuid}/feedback", guards=LID, include_in_schema=False)
async def feedback_versturen(request: Verzoek, activiteiten: Diensten, activiteit_id: ActiviteitId, data: Formulier) -> Response[Any]:
    persoon = identiteit(request)
    assert persoon is not None
    waarden = {"score": veld(data, "score"), "tekst": veld(data, "tekst")}
    resultaat = valideer_feedback(waarden)
    if isinstance(resultaat, list):
        return await _feedback_pagina(request, activiteiten, activiteit_id, waarden=waarden, fouten=resultaat, status=400)
    if persoon.lid_id is None:
        return await _feedback_pagina(request, activiteiten, activiteit_id)
    score, tekst = resultaat
    try:
        await feedback.geef(feedback.GeefFeedback(activiteit_id, persoon.lid_id, score, tekst), activiteiten.uow())
    except DomainError:
        # The page says why (not attended, not over yet, answered already).
        return await _feedback_pagina(request, activiteiten, activiteit_id)
    # Back to the same address, which now says thanks (and works for non-public kinds too).
    return Redirect(f"{pagina_pad(activiteit_id)}/feedback", status_code=303)


ROUTES = [kalender_pagina, kalender_ics, activiteit, inschrijven, uitschrijven, feedback_formulier, feedback_versturen]
