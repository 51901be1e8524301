"""Pages for everyone and for members: the calendar and its iCalendar feed, an activity's page
with (un)registering for oneself or a colleague, and the feedback form."""

from __future__ import annotations

from urllib.parse import quote

import uuid
from typing import Annotated, Any

from dinet_contracts import paginas
from dinet_chassis.web import FieldError, errors_by_field
from dinet_chassis.web.auth import Identiteit, Rol, identiteit, vereist
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ..domain import Fout
from . import feedback, inschrijvingen, kalender, lijsten
from .domein import (
    OPEN_STATUSSEN,
    InschrijvingStatus,
    fout_niet_open,
    nu_utc,
    valideer_feedback,
)
from .web_gemeen import LABELS, als_uuid, enkel, neem_melding, status_tag, veldfouten, zet_melding

LID_OF_MEDEWERKER = [vereist(Rol.LID, Rol.MEDEWERKER)]
LID = [vereist(Rol.LID)]
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
# Litestar adds "; charset=utf-8" to every text/* type itself: naming it here would send it twice.
ICAL_TYPE = "text/calendar"


def pagina_pad(activiteit_id: uuid.UUID) -> str:
    return f"/registratie/activiteiten/{activiteit_id}"


# --- calendar ----------------------------------------------------------------------------------


@get("/registratie/kalender", include_in_schema=False)
async def kalender_pagina(runtime: NamedDependency[Any]) -> Template:
    return Template(
        template_name="activiteiten/kalender.html",
        context={**LABELS, "activiteiten": await kalender.komende(runtime.db), "status_tag": status_tag},
    )


@get("/registratie/kalender.ics", include_in_schema=False)
async def kalender_ics(runtime: NamedDependency[Any]) -> Response[bytes]:
    inhoud = kalender.als_ical(
        await kalender.komende(runtime.db), kalender.Kalenderinstellingen(publieke_url=str(runtime.settings.public_url))
    )
    return Response(
        content=inhoud,
        media_type=ICAL_TYPE,
        headers={"Content-Disposition": 'inline; filename="netwerk-digitale-inclusie.ics"', "Cache-Control": "max-age=300"},
    )


# --- an activity's page ------------------------------------------------------------------------


async def _zichtbaar(runtime: Any, activiteit_id: uuid.UUID, wie: Identiteit | None) -> lijsten.Overzicht:
    """Public kinds for everyone; the others (advice, steering committee...) for staff only."""
    overzicht = await lijsten.een(runtime.db, activiteit_id)
    if overzicht is None:
        raise NotFoundException()
    publiek = overzicht.activiteit.gegevens.soort in kalender.PUBLIEKE_SOORTEN
    if not publiek and not (wie is not None and wie.heeft(Rol.MEDEWERKER)):
        raise NotFoundException()
    return overzicht


async def _activiteit_pagina(
    request: Request[Any, Any, Any],
    runtime: Any,
    activiteit_id: uuid.UUID,
    *,
    fouten: list[FieldError] | None = None,
    status: int = 200,
) -> Template:
    wie = identiteit(request)
    overzicht = await _zichtbaar(runtime, activiteit_id, wie)
    a = overzicht.activiteit
    nu = nu_utc()
    gesloten = fout_niet_open(a.status, a.gegevens.soort, a.gegevens.start, nu)
    lid = wie if wie is not None and wie.heeft(Rol.LID) and wie.lid_id is not None else None
    mijn = await inschrijvingen.van_lid(runtime.db, activiteit_id, lid.lid_id) if lid else None
    collegas: list[tuple[str, str]] = []
    van_organisatie: list[dict[str, Any]] = []
    if lid is not None and lid.organisatie_id is not None:
        collegas = [(str(i), n) for i, n in await inschrijvingen.collegas(runtime.db, lid.organisatie_id) if i != lid.lid_id]
        van_organisatie = [
            r for r in await inschrijvingen.van_organisatie(runtime.db, activiteit_id, lid.organisatie_id)
            if r["lid_id"] != lid.lid_id
        ]
    fouten = fouten or []
    return Template(
        template_name="activiteiten/activiteit.html",
        context={
            **LABELS,
            "o": overzicht,
            "a": a,
            "g": a.gegevens,
            "status_tag": status_tag,
            "gesloten": gesloten,
            "open": a.status in OPEN_STATUSSEN,
            "lid": lid,
            "staf": wie is not None and wie.heeft(Rol.MEDEWERKER),
            "mijn": mijn,
            "op_lijst": mijn is not None and mijn["status"] != InschrijvingStatus.GEANNULEERD,
            "collegas": collegas,
            "van_organisatie": van_organisatie,
            "vrij": None if a.gegevens.capaciteit is None else max(0, a.gegevens.capaciteit - overzicht.ingeschreven),
            # Members have no password: the mailed link first, and back to this activity after it.
            "inloggen": f"{paginas.LID_INLOGGEN}?volgende={quote(request.url.path, safe='')}",
            "feedback_mogelijk": lid is not None and await feedback.waarom_niet(runtime.db, activiteit_id, lid.lid_id) is None,
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
            "melding": neem_melding(request),
        },
        status_code=status,
    )


@get("/registratie/activiteiten/{activiteit_id:uuid}", include_in_schema=False)
async def activiteit(
    request: Request[Any, Any, Any], runtime: NamedDependency[Any], activiteit_id: FromPath[uuid.UUID]
) -> Template:
    return await _activiteit_pagina(request, runtime, activiteit_id)


def _doel(wie: Identiteit, data: dict[str, Any]) -> uuid.UUID | None:
    """Whom the form is about: the chosen colleague, else the member themselves."""
    return als_uuid(enkel(data, "lid_id")) or wie.lid_id


@post("/registratie/activiteiten/{activiteit_id:uuid}/inschrijven", guards=LID_OF_MEDEWERKER, include_in_schema=False)
async def inschrijven(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Any],
    activiteit_id: FromPath[uuid.UUID],
    data: Annotated[dict[str, Any], FORM],
) -> Response[Any]:
    wie = identiteit(request)
    assert wie is not None
    lid_id = _doel(wie, data)
    if lid_id is None:
        fout = Fout("lid_id", "verplicht", "Kies wie je inschrijft.")
        return await _activiteit_pagina(request, runtime, activiteit_id, fouten=veldfouten([fout]), status=400)
    try:
        resultaat = await inschrijvingen.schrijf_in(runtime.db, activiteit_id, lid_id, door=wie, source=runtime.source)
    except inschrijvingen.InschrijvingGeweigerd as geweigerd:
        if geweigerd.status == 404 and geweigerd.fout.veld == "activiteit_id":
            raise NotFoundException() from None
        return await _activiteit_pagina(
            request, runtime, activiteit_id, fouten=veldfouten([geweigerd.fout]), status=400 if geweigerd.status == 422 else geweigerd.status
        )
    wie_tekst = "Je bent" if lid_id == wie.lid_id else "Je collega is"
    if resultaat.status == InschrijvingStatus.WACHTLIJST:
        positie = (await inschrijvingen.van_lid(runtime.db, activiteit_id, lid_id) or {}).get("positie")
        zet_melding(
            request,
            f"De activiteit is volzet. {wie_tekst} op de wachtlijst gezet (plaats {positie}). "
            "Komt er een plaats vrij, dan schuif je automatisch door.",
        )
    else:
        zet_melding(request, f"{wie_tekst} ingeschreven.")
    return Redirect(pagina_pad(activiteit_id), status_code=303)


@post("/registratie/activiteiten/{activiteit_id:uuid}/uitschrijven", guards=LID_OF_MEDEWERKER, include_in_schema=False)
async def uitschrijven(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Any],
    activiteit_id: FromPath[uuid.UUID],
    data: Annotated[dict[str, Any], FORM],
) -> Response[Any]:
    wie = identiteit(request)
    assert wie is not None
    lid_id = _doel(wie, data)
    if lid_id is None:
        raise NotFoundException()
    try:
        await inschrijvingen.annuleer(runtime.db, activiteit_id, lid_id, door=wie, source=runtime.source)
    except inschrijvingen.InschrijvingGeweigerd as geweigerd:
        if geweigerd.status == 404 and geweigerd.fout.veld == "activiteit_id":
            raise NotFoundException() from None
        return await _activiteit_pagina(
            request, runtime, activiteit_id, fouten=veldfouten([geweigerd.fout]), status=400 if geweigerd.status == 422 else geweigerd.status
        )
    zet_melding(request, "Je bent uitgeschreven." if lid_id == wie.lid_id else "Je collega is uitgeschreven.")
    return Redirect(pagina_pad(activiteit_id), status_code=303)


# --- feedback ----------------------------------------------------------------------------------


async def _feedback_pagina(
    request: Request[Any, Any, Any],
    runtime: Any,
    activiteit_id: uuid.UUID,
    *,
    waarden: dict[str, str] | None = None,
    fouten: list[FieldError] | None = None,
    status: int = 200,
) -> Template:
    wie = identiteit(request)
    assert wie is not None
    overzicht = await lijsten.een(runtime.db, activiteit_id)
    if overzicht is None:
        raise NotFoundException()
    reden = await feedback.waarom_niet(runtime.db, activiteit_id, wie.lid_id) if wie.lid_id else Fout(
        "activiteit_id", "geen_lid", "Alleen leden kunnen hun mening geven."
    )
    fouten = fouten or []
    return Template(
        template_name="activiteiten/feedback.html",
        context={
            **LABELS,
            "o": overzicht,
            "a": overzicht.activiteit,
            "reden": reden,
            "waarden": waarden or {},
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
        },
        status_code=status if reden is None or fouten else 403 if reden.code != "al_gegeven" else 200,
    )


@get("/registratie/activiteiten/{activiteit_id:uuid}/feedback", guards=LID, include_in_schema=False)
async def feedback_formulier(
    request: Request[Any, Any, Any], runtime: NamedDependency[Any], activiteit_id: FromPath[uuid.UUID]
) -> Template:
    return await _feedback_pagina(request, runtime, activiteit_id)


@post("/registratie/activiteiten/{activiteit_id:uuid}/feedback", guards=LID, include_in_schema=False)
async def feedback_versturen(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Any],
    activiteit_id: FromPath[uuid.UUID],
    data: Annotated[dict[str, Any], FORM],
) -> Response[Any]:
    wie = identiteit(request)
    assert wie is not None
    waarden = {"score": enkel(data, "score"), "tekst": enkel(data, "tekst")}
    resultaat = valideer_feedback(waarden)
    if isinstance(resultaat, list):
        return await _feedback_pagina(request, runtime, activiteit_id, waarden=waarden, fouten=veldfouten(resultaat), status=400)
    if wie.lid_id is None:
        return await _feedback_pagina(request, runtime, activiteit_id)
    score, tekst = resultaat
    try:
        await feedback.geef(runtime.db, activiteit_id, wie.lid_id, score, tekst, source=runtime.source)
    except feedback.FeedbackGeweigerd:
        return await _feedback_pagina(request, runtime, activiteit_id)
    # Back to the same address, which now says thanks (and works for non-public kinds too).
    return Redirect(f"{pagina_pad(activiteit_id)}/feedback", status_code=303)


ROUTES = [kalender_pagina, kalender_ics, activiteit, inschrijven, uitschrijven, feedback_formulier, feedback_versturen]
