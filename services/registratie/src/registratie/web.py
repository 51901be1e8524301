"""HTTP adapters: the sign-up pages and the JSON API (`/registratie/api/v1/`)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from dinet_chassis.web import (
    AANVRAAG,
    TYPE_CONFLICT,
    TYPE_NIET_GEVONDEN,
    FieldError,
    create_web_app,
    errors_by_field,
    problem_response,
    problemen,
    validation_problem,
)
from dinet_contracts.types import OrganisatieType
from dinet_chassis.logging import get_logger
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from dinet_contracts import paginas

from . import opvragingen
from dinet_chassis.web.auth import Rol, identiteit, vereist

from .aanmelden import EmailBestaatAl, OngeldigeAanmelding, meld_aan
from .toegang.web import ROUTES as TOEGANG_ROUTES
from .activiteiten.web import DEPENDENCIES as ACTIVITEITEN_DEPENDENCIES
from .activiteiten.web import FOUTCODES as ACTIVITEITEN_FOUTCODES
from .activiteiten.web import ROUTES as ACTIVITEITEN_ROUTES
from .leden import aanmeldlinks
from .leden.mail import verstuur
from .leden.web import ROUTES as LEDEN_ROUTES
from .domain import (
    MAX_EMAIL,
    MAX_FUNCTIE,
    MAX_NAAM,
    NIEUWSBRIEF_TEKST,
    STUURTEKENS,
    Fout,
    Kanaal,
    groepeer_per_type,
    organisatie_id_voor_nis,
)

TEMPLATES = Path(__file__).parent / "templates"
LID_WORDEN = paginas.LID_WORDEN
AL_LID = f"{LID_WORDEN}/al-lid"
BEDANKT = f"{LID_WORDEN}/bedankt"
# "aanmelden" meant both joining and signing in; joining is now "lid worden" (docs/woordenlijst.md).
OUD_LID_WORDEN = "/registratie/aanmelden"
log = get_logger(__name__)
FORMULIER_VELDEN = ("naam", "email", "organisatie_id", "functie")


def _veldfouten(fouten: list[Fout]) -> list[FieldError]:
    return [FieldError(f.veld, f.code, f.melding) for f in fouten]


# --- pages -------------------------------------------------------------------------------------


@get("/registratie", include_in_schema=False, sync_to_thread=False)
def startpagina() -> Redirect:
    return Redirect(LID_WORDEN)


async def _formulier(runtime: Any, waarden: dict[str, Any], fouten: list[FieldError], status: int) -> Template:
    groepen = groepeer_per_type(await opvragingen.organisaties(runtime.db))
    return Template(
        template_name="aanmelden.html",
        context={
            "waarden": waarden,
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
            "organisatie_groepen": [(label, [(str(o.id), o.naam) for o in orgs]) for label, orgs in groepen],
            "nieuwsbrief_tekst": NIEUWSBRIEF_TEKST,
        },
        status_code=status,
    )


@get(LID_WORDEN, include_in_schema=False)
async def aanmeldformulier(runtime: NamedDependency[Any]) -> Template:
    return await _formulier(runtime, {"nieuwsbrief": False}, [], 200)


@post(LID_WORDEN, include_in_schema=False)
async def aanmelding_versturen(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Any],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    # A repeated field arrives as a list; a person's form sends each field once.
    waarden: dict[str, Any] = {
        k: (data.get(k)[-1] if isinstance(data.get(k), list) else data.get(k, "")) for k in FORMULIER_VELDEN
    }
    waarden["nieuwsbrief"] = "nieuwsbrief" in data
    try:
        await meld_aan(runtime.db, waarden, kanaal=Kanaal.AANMELDFORMULIER, source=runtime.source)
    except OngeldigeAanmelding as fout:
        return await _formulier(runtime, waarden, _veldfouten(fout.fouten), 400)
    except EmailBestaatAl:
        return await _al_lid(request, runtime, str(waarden.get("email") or ""))
    # Shown once on the thank-you page; the session cookie is encrypted, so the address stays private.
    request.session["aangemeld_email"] = waarden["email"].strip().lower()
    return Redirect(BEDANKT, status_code=303)


async def _stuur_aanmeldlink(smtp_url: str, bericht: Any) -> None:
    try:
        await verstuur(smtp_url, bericht)
    except Exception:
        # The page already told them how else to reach their data; they can ask again, or call.
        log.exception("aanmeldlink.niet_verstuurd")


async def _al_lid(request: Request[Any, Any, Any], runtime: Any, email: str) -> Response[Any]:
    """Someone who is already a member (often: a retry after an error, or a second visit) is not
    wrong: they get the way to their data, and a sign-in link in their mailbox right away."""
    email = " ".join(email.split()).lower()
    bericht = await aanmeldlinks.maak_aanmeldlink(runtime.db, email, runtime.settings.public_url)
    request.session["al_lid"] = {"email": email, "link_verstuurd": bericht is not None}
    achtergrond = BackgroundTask(_stuur_aanmeldlink, runtime.settings.smtp_url, bericht) if bericht is not None else None
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


@get(paginas.TOEGANKELIJKHEID, include_in_schema=False, sync_to_thread=False)
def toegankelijkheid() -> Template:
    return Template(template_name="toegankelijkheid.html")


@get(paginas.PRIVACY, include_in_schema=False, sync_to_thread=False)
def privacy() -> Template:
    return Template(template_name="privacy.html")


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


class LidAangemaakt(BaseModel):
    id: uuid.UUID


class OrganisatieUit(BaseModel):
    id: uuid.UUID
    naam: str
    type: OrganisatieType
    nis_code: str | None
    provincie: str | None


class OrganisatiesUit(BaseModel):
    organisaties: list[OrganisatieUit]


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


@get("/registratie/api/v1/organisaties", tags=["organisaties"], summary="Alle organisaties")
async def api_organisaties(
    runtime: NamedDependency[Any], type: FromQuery[OrganisatieType | None] = None
) -> OrganisatiesUit:
    lijst = await opvragingen.organisaties(runtime.db, type)
    return OrganisatiesUit(
        organisaties=[
            OrganisatieUit(id=o.id, naam=o.naam, type=o.type, nis_code=o.nis_code, provincie=o.provincie)
            for o in lijst
        ]
    )


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
async def api_lid_aanmelden(runtime: NamedDependency[Any], data: JSONBody[dict[str, Any]]) -> Response[LidAangemaakt]:
    try:
        lid_id = await meld_aan(runtime.db, data, kanaal=Kanaal.API, source=runtime.source)
    except OngeldigeAanmelding as fout:
        return validation_problem(_veldfouten(fout.fouten))
    except EmailBestaatAl as fout:
        return problem_response(
            409,
            "Dit e-mailadres is al lid",
            _veldfouten([fout.fout]),
            detail="Er is al een lid met dit e-mailadres.",
            type_=TYPE_CONFLICT,
        )
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
async def api_lid(request: Request, runtime: NamedDependency[Any], lid_id: FromPath[uuid.UUID]) -> Response[LidUit]:
    wie = identiteit(request)
    # A member sees only their own record; someone else's answers as if it did not exist.
    eigen = wie is not None and wie.lid_id == lid_id
    rij = await opvragingen.lid(runtime.db, lid_id) if (eigen or wie.heeft(Rol.MEDEWERKER)) else None
    if rij is None:
        return problem_response(404, "Dit lid bestaat niet", type_=TYPE_NIET_GEVONDEN)
    return Response(content=LidUit(**rij).model_dump(mode="json"))


def create_app(runtime: Any) -> Any:
    return create_web_app(
        runtime,
        [startpagina, aanmeldformulier, aanmelding_versturen, al_lid, bedankt, oud_lid_worden, oud_lid_worden_versturen, toegankelijkheid, privacy,
         api_organisaties, api_lid_aanmelden, api_lid,
         *ACTIVITEITEN_ROUTES,
         *LEDEN_ROUTES,
         *TOEGANG_ROUTES],
        template_dir=TEMPLATES,
        title="DINET registratie",
        description="Organisaties en leden van het netwerk digitale inclusie.",
        idempotentie=True,
        foutcodes=ACTIVITEITEN_FOUTCODES,
        dependencies=ACTIVITEITEN_DEPENDENCIES,
    )
