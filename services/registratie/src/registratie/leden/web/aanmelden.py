"""Becoming a member: the sign-up pages and the members' JSON API (`/registratie/api/v1/leden`)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from dinet_chassis.errors import Invalid
from dinet_chassis.web import (
    Antwoord,
    AANVRAAG,
    TYPE_CONFLICT,
    TYPE_NIET_GEVONDEN,
    FieldError,
    errors_by_field,
    problem_response,
    problemen,
)
from dinet_contracts.types import OrganisatieType
from dinet_chassis.logging import get_logger
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from dinet_contracts import paginas

from dinet_chassis.web.auth import Rol, identiteit, vereist

from ...bootstrap import RegistratieDiensten
from ...kernel import organisaties as org_opvragingen
from ...kernel.organisaties import groepeer_per_type, organisatie_id_voor_nis
from .. import store
from ..domain.aanmelding import MAX_EMAIL, MAX_FUNCTIE, MAX_NAAM, NIEUWSBRIEF_TEKST, STUURTEKENS, Kanaal
from ..domain.lidmaatschap import NETWERKMAIL_TEKST
from ..mail import verstuur
from ..use_cases import aanmeldlinks
from ..use_cases.aanmelden import EmailBestaatAl, LidWorden, lid_worden

LID_WORDEN = paginas.LID_WORDEN
AL_LID = f"{LID_WORDEN}/al-lid"
BEDANKT = f"{LID_WORDEN}/bedankt"
# "aanmelden" meant both joining and signing in; joining is now "lid worden" (docs/woordenlijst.md).
OUD_LID_WORDEN = "/registratie/aanmelden"
log = get_logger(__name__)
FORMULIER_VELDEN = ("naam", "email", "organisatie_id", "functie")


# --- pages -------------------------------------------------------------------------------------


async def _formulier(diensten: RegistratieDiensten, waarden: dict[str, Any], fouten: list[FieldError], status: int) -> Template:
    groepen = groepeer_per_type(await org_opvragingen.organisaties(diensten.db))
    return Template(
        template_name="aanmelden.html",
        context={
            "waarden": waarden,
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
            "organisatie_groepen": [(label, [(str(o.id), o.naam) for o in orgs]) for label, orgs in groepen],
            "nieuwsbrief_tekst": NIEUWSBRIEF_TEKST,
            "uitnodigingen_tekst": NETWERKMAIL_TEKST,
        },
        status_code=status,
    )


@get(LID_WORDEN, include_in_schema=False)
async def aanmeldformulier(diensten: NamedDependency[RegistratieDiensten]) -> Template:
    return await _formulier(diensten, {"nieuwsbrief": False, "uitnodigingen": False}, [], 200)


@post(LID_WORDEN, include_in_schema=False)
async def aanmelding_versturen(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    # A repeated field arrives as a list; a person's form sends each field once.
    waarden: dict[str, Any] = {
        k: (data.get(k)[-1] if isinstance(data.get(k), list) else data.get(k, "")) for k in FORMULIER_VELDEN
    }
    waarden["nieuwsbrief"] = "nieuwsbrief" in data
    waarden["uitnodigingen"] = "uitnodigingen" in data
    try:
        await lid_worden(LidWorden(waarden, Kanaal.AANMELDFORMULIER), diensten.leden_uow())
    except EmailBestaatAl:
        return await _al_lid(request, diensten, str(waarden.get("email") or ""))
    except Invalid as fout:
        return await _formulier(diensten, waarden, list(fout.problemen), 400)
    # Shown once on the thank-you page; the session cookie is encrypted, so the address stays private.
    request.session["aangemeld_email"] = waarden["email"].strip().lower()
    return Redirect(BEDANKT, status_code=303)


async def _stuur_aanmeldlink(smtp_url: str, bericht: Any) -> None:
    try:
        await verstuur(smtp_url, bericht)
    except Exception:
        # The page already told them how else to reach their data; they can ask again, or call.
        log.exception("aanmeldlink.niet_verstuurd")


async def _al_lid(request: Request[Any, Any, Any], diensten: RegistratieDiensten, email: str) -> Response[Any]:
    """Someone who is already a member (often: a retry after an error, or a second visit) is not
    wrong: they get the way to their data, and a sign-in link in their mailbox right away."""
    email = " ".join(email.split()).lower()
    bericht = await aanmeldlinks.maak_aanmeldlink(diensten.leden_uow(), email, diensten.settings.public_url)
    request.session["al_lid"] = {"email": email, "link_verstuurd": bericht is not None}
    achtergrond = BackgroundTask(_stuur_aanmeldlink, diensten.settings.smtp_url, bericht) if bericht is not None else None
    return Redirect(AL_LID, status_code=303, background=achtergrond)


@get(AL_LID, include_in_schema=False, sync_to_thread=False)
def al_lid(request: Request[Any, Any, Any]) -> Template:
    gegevens = (request.session.get("al_lid") if request.session else None) or {}
    return Template(
        template_name="al_lid.html",
        context={"email": gegevens.get("email"), "link_verstuurd": bool(gegevens.get("link_verstuurd"))},
    )


@get(BEDANKT, include_in_schema=False, sync_to_thread=False)
def bedankt(request: Request[Any, Any, Any]) -> Template:
    email = request.session.pop("aangemeld_email", None) if request.session else None
    return Template(template_name="bedankt.html", context={"email": email})


@get([OUD_LID_WORDEN, f"{OUD_LID_WORDEN}/{{rest:path}}"], include_in_schema=False, sync_to_thread=False)
def oud_lid_worden(request: Request[Any, Any, Any]) -> Redirect:
    # Old links in mails and on paper keep working: 301 for a page, the query kept.
    nieuw = LID_WORDEN + request.url.path[len(OUD_LID_WORDEN):]
    return Redirect(nieuw + (f"?{request.url.query}" if request.url.query else ""), status_code=301)


@post(OUD_LID_WORDEN, include_in_schema=False, sync_to_thread=False)
def oud_lid_worden_versturen() -> Redirect:
    # 308: an open form from before the rename posts again, body and CSRF token kept, to the new address.
    return Redirect(LID_WORDEN, status_code=308)


# --- API ---------------------------------------------------------------------------------------


# Only documentation of the body: `valideer_aanmelding` (domain.py) checks it, with the rules and
# messages of the form, and names every wrong field in one answer. A model validating first would
# stop at the wrong types and name the missing fields only on the next try.
class AanmeldingIn(BaseModel):
    """Lid worden via de API: dezelfde regels en meldingen als het formulier om lid te worden."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "naam": "An Peeters",
                    "email": "an.peeters@gent.be",
                    "organisatie_id": str(organisatie_id_voor_nis("44021")),
                    "functie": "Coördinator digitale inclusie",
                    "nieuwsbrief": True,
                }
            ]
        },
    )

    naam: str = Field(
        max_length=MAX_NAAM, pattern=rf"^[^{STUURTEKENS}]*[^{STUURTEKENS}\s][^{STUURTEKENS}]*$", examples=["An Peeters"]
    )
    email: str = Field(max_length=MAX_EMAIL, json_schema_extra={"format": "email"}, examples=["an.peeters@gent.be"])
    organisatie_id: uuid.UUID = Field(description="Een id uit GET /registratie/api/v1/organisaties.")
    functie: str | None = Field(
        None, max_length=MAX_FUNCTIE, pattern=rf"^[^{STUURTEKENS}]*$", examples=["Coördinator digitale inclusie"]
    )
    nieuwsbrief: bool | None = Field(False, description=f"Toestemming voor de nieuwsbrief. Tekst: {NIEUWSBRIEF_TEKST}")
    uitnodigingen: bool | None = Field(
        False, description=f"Toestemming voor uitnodigingen en berichten van het netwerk. Tekst: {NETWERKMAIL_TEKST}"
    )


class LidAangemaakt(BaseModel):
    id: uuid.UUID


class LidUit(BaseModel):
    id: uuid.UUID
    naam: str
    email: str
    organisatie_id: uuid.UUID
    organisatie_naam: str
    organisatie_type: OrganisatieType
    functie: str | None
    nieuwsbrief: bool
    lid_sinds: date


@post(
    "/registratie/api/v1/leden",
    tags=["leden"],
    summary="Lid worden",
    description="201 met `Location`; 422 (problem+json) met een fout per veld, alle velden tegelijk; 409 als het "
    "e-mailadres al lid is (code `email_bestaat_al`). Kreeg je geen antwoord (time-out, 502)? Stuur dezelfde "
    "aanvraag opnieuw met dezelfde `Idempotency-Key`: je krijgt het eerste antwoord terug, niet een 409.",
    opt={AANVRAAG: AanmeldingIn},
    responses=problemen(
        {
            409: "Dit e-mailadres is al lid (code `email_bestaat_al`).",
            422: "Een fout per veld, alle velden tegelijk; ook `onbekende_organisatie`.",
        }
    ),
)
async def api_lid_aanmelden(diensten: NamedDependency[RegistratieDiensten], data: JSONBody[dict[str, Any]]) -> Response[LidAangemaakt]:
    # Invalid (422) and EmailBestaatAl (409) are answered from the error table (FOUTCODES).
    # The API documents `uitnodigingen` with the default false: a client that leaves it out answered no.
    invoer = {"uitnodigingen": False, **data} if isinstance(data, dict) else data
    lid_id = await lid_worden(LidWorden(invoer, Kanaal.API), diensten.leden_uow())
    return Response(
        content={"id": str(lid_id)},
        status_code=201,
        headers={"Location": f"/registratie/api/v1/leden/{lid_id}"},
    )


@get(
    "/registratie/api/v1/leden/{lid_id:uuid}",
    tags=["leden"],
    summary="Eén lid (VVSG-medewerkers, of het lid zelf)",
    guards=[vereist(Rol.MEDEWERKER, Rol.LID)],
    responses=problemen({404: "Dit lid bestaat niet, of een lid vraagt iemand anders op."}),
)
async def api_lid(request: Request, diensten: NamedDependency[RegistratieDiensten], lid_id: FromPath[uuid.UUID]) -> Response[LidUit]:
    wie = identiteit(request)
    # A member sees only their own record; someone else's answers as if it did not exist.
    eigen = wie is not None and wie.lid_id == lid_id
    rij = await store.lid(diensten.db, lid_id) if (eigen or wie.heeft(Rol.MEDEWERKER)) else None
    if rij is None:
        return problem_response(404, "Dit lid bestaat niet", type_=TYPE_NIET_GEVONDEN)
    return Response(content=LidUit(**rij).model_dump(mode="json"))


# This part's own answer in the chassis' error table; the others follow the error's kind.
FOUTCODES = {"email_bestaat_al": Antwoord(409, "Dit e-mailadres is al lid", TYPE_CONFLICT)}

ROUTES = [aanmeldformulier, aanmelding_versturen, al_lid, bedankt, oud_lid_worden, oud_lid_worden_versturen,
          api_lid_aanmelden, api_lid]
