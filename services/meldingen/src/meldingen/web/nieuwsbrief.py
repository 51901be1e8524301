"""The newsletter's pages (staff: compose, preview, test, send or schedule, progress; everyone:
the archive) and its JSON API (`/meldingen/api/v1/nieuwsbrieven`, documented in OpenAPI)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from dinet_chassis.web.auth import Rol, vereist
from dinet_chassis.web.openapi import AANVRAAG, problemen
from dinet_chassis.web.problem import FieldError
from dinet_contracts.tijd import BRUSSEL, datum_tijd
from dinet_contracts.types import OrganisatieType, Tijdstip
from litestar import Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field, field_validator

from ..bootstrap import MeldingenDiensten
from ..domain.mails import AFZENDER_ADRES
from ..smtp import SmtpFout, SmtpVerbinding
from ..store import nieuwsbrieven
from ..store.nieuwsbrieven import STANDAARD_BLOKKEN, Nummer
from ..use_cases import nieuwsbrief as nb
from ..use_cases.samenstellen import nieuwsbriefbericht

MEDEWERKER = [vereist(Rol.MEDEWERKER)]
BEHEER = "/meldingen/beheer/nieuwsbrieven"
API = "/meldingen/api/v1/nieuwsbrieven"
TYPE_LABELS = {
    "lokaal_bestuur": "Lokaal bestuur", "igs": "Intergemeentelijk samenwerkingsverband",
    "middenveldorganisatie": "Middenveldorganisatie", "kennisinstelling": "Kennisinstelling",
    "bovenlokale_overheid": "Bovenlokale overheid", "andere": "Andere",
}


# --- API models ----------------------------------------------------------------------------------

# Control characters nobody types (whitespace excepted): PostgreSQL cannot even store NUL, which
# made such a title a 500. The same class registratie documents for its texts.
STUURTEKENS = r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
GEEN_STUURTEKENS = rf"^[^{STUURTEKENS}]*$"
# An address as SMTP carries it (RFC 5321 dot-atom @ domain, ASCII): what the schema promises is
# exactly what is accepted; whether the mailbox exists is the mail server's answer.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
EMAILPATROON = rf"^{_ATEXT}+(\.{_ATEXT}+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"


class Blok(BaseModel):
    soort: Literal["tekst", "activiteiten", "praktijken"] = Field(
        description="`tekst`: vrije tekst in Markdown (HTML wordt als tekst getoond); `activiteiten`: komende "
        "activiteiten; `praktijken`: nieuwe goede praktijken en Lokaal-artikels."
    )
    markdown: str | None = Field(None, max_length=20000)

    @field_validator("markdown")
    @classmethod
    def _zonder_stuurtekens(cls, waarde: str | None) -> str | None:
        # A free text may hold anything typed or pasted: invisible control characters are dropped
        # (PostgreSQL cannot store NUL), not refused.
        return None if waarde is None else re.sub(f"[{STUURTEKENS}]", "", waarde)


class Segment(BaseModel):
    organisatie_type: list[OrganisatieType] = Field(default_factory=list)
    provincie: list[Literal[nb.PROVINCIES]] = Field(default_factory=list)  # type: ignore[valid-type]
    grootteklasse: list[Literal["klein", "middelgroot", "groot"]] = Field(default_factory=list)


class NieuwsbriefIn(BaseModel):
    titel: str = Field(min_length=1, max_length=200, pattern=GEEN_STUURTEKENS)
    blokken: list[Blok] = Field(default_factory=lambda: [Blok(**b) for b in STANDAARD_BLOKKEN], max_length=30)
    segment: Segment = Field(default_factory=Segment, description="Leeg: alle bevestigde abonnees.")
    per_minuut: int = Field(600, ge=1, le=100000, description="Hoogstens zoveel mails per minuut.")


class NieuwsbriefUit(BaseModel):
    id: UUID
    titel: str
    blokken: list[Blok]
    segment: Segment
    per_minuut: int
    status: Literal["concept", "gepland", "verzenden", "verzonden"]
    gepland_op: datetime | None
    aantal_ontvangers: int | None
    verzonden_op: datetime | None
    webversie: str | None


class Voortgang(BaseModel):
    status: str
    wachtend: int
    verzonden: int
    mislukt: int
    overgeslagen: int


class Voorbeeld(BaseModel):
    html: str
    tekst: str
    ontvangers: int = Field(description="Hoeveel bevestigde abonnees het segment nu telt.")


class TestIn(BaseModel):
    email: str = Field(max_length=254, pattern=EMAILPATROON, examples=["redactie@vvsg.be"])


class VerzendIn(BaseModel):
    op: Tijdstip | None = Field(None, description="Wanneer versturen (met tijdzone); leeg: nu.")


def _uit(n: Nummer, public_url: str) -> NieuwsbriefUit:
    return NieuwsbriefUit(
        id=n.id, titel=n.titel, blokken=[Blok(**b) for b in n.blokken], segment=Segment(**n.segment),
        per_minuut=n.per_minuut, status=n.status, gepland_op=n.gepland_op, aantal_ontvangers=n.aantal_ontvangers,  # type: ignore[arg-type]
        verzonden_op=n.verzonden_op,
        webversie=nb.webversie_url(public_url, n.id) if n.status == "verzonden" else None,
    )


_ONBEKEND = {404: "Deze nieuwsbrief bestaat niet (code `onbekende_nieuwsbrief`)."}
_VERSTUURD = {409: "De nieuwsbrief is al verstuurd of wordt nu verstuurd: niets meer aan te passen (code `al_verstuurd`)."}


async def _lees(diensten: MeldingenDiensten, nummer_id: UUID) -> Nummer | None:
    async with diensten.db.engine.connect() as conn:
        return await nieuwsbrieven.lees(conn, nummer_id)


async def _voorbeeld(diensten: MeldingenDiensten, n: Nummer) -> Voorbeeld:
    async with diensten.db.engine.connect() as conn:
        html, tekst = await nb.inhoud(conn, n, diensten.public_url)
        ontvangers = await nb.tel_ontvangers(conn, n.segment)
    html_doc = nb.mail_html(n.titel, "An Peeters", html, webversie=nb.webversie_url(diensten.public_url, n.id),
                            afmelden=None, voorkeuren=None)
    return Voorbeeld(html=html_doc, tekst=nb.mail_tekst(n.titel, "An Peeters", tekst, webversie="", afmelden=None),
                     ontvangers=ontvangers)


async def stuur_test(diensten: MeldingenDiensten, n: Nummer, email: str) -> None:
    """Send the issue as it is now to one address; `TestmailGeweigerd` (with the Dutch reason) when
    the mail server would not take it."""
    async with diensten.db.engine.connect() as conn:
        html, tekst = await nb.inhoud(conn, n, diensten.public_url)
    nu = datetime.now(UTC)
    bericht = nieuwsbriefbericht(
        message_id_=f"<test.{n.id}.{nu.timestamp():.0f}@meldingen.dinet>", naam=None, email=email, titel=n.titel,
        inhoud_html=html, inhoud_tekst=tekst, public_url=diensten.public_url, nummer_id=n.id,
        afmelden=None, voorkeuren=None, nu=nu, onderwerp=f"[TEST] {n.titel}",
    )
    verbinding = SmtpVerbinding(diensten.smtp)
    try:
        await verbinding.verstuur(bericht)
    except SmtpFout as fout:
        reden = f"De testmail kon niet weg: {fout.reden}"
        raise nb.TestmailGeweigerd("testmail_geweigerd", reden, problemen=[FieldError("email", "testmail_geweigerd", reden)]) from fout
    finally:
        await verbinding.sluit()


async def _bestaand(diensten: MeldingenDiensten, nummer_id: UUID) -> Nummer:
    n = await _lees(diensten, nummer_id)
    if n is None:
        raise nb.onbekend(nummer_id)
    return n


# --- API -------------------------------------------------------------------------------------------


@get(API, tags=["nieuwsbrief"], summary="Alle nummers (VVSG-medewerkers)", guards=MEDEWERKER)
async def api_lijst(diensten: NamedDependency[MeldingenDiensten]) -> list[NieuwsbriefUit]:
    async with diensten.db.engine.connect() as conn:
        return [_uit(n, diensten.public_url) for n in await nieuwsbrieven.lijst(conn)]


# `opt={AANVRAAG: ...}`: the document shows pydantic's own schema of the body, patterns included.
@post(API, tags=["nieuwsbrief"], summary="Een nieuw nummer maken (concept)", guards=MEDEWERKER, status_code=201,
      opt={AANVRAAG: NieuwsbriefIn})
async def api_maak(diensten: NamedDependency[MeldingenDiensten], data: JSONBody[NieuwsbriefIn]) -> Response[NieuwsbriefUit]:
    n = await nb.maak_nummer(
        nb.MaakNummer(data.titel, blokken=[b.model_dump() for b in data.blokken],
                      segment=data.segment.model_dump(mode="json"), per_minuut=data.per_minuut),
        diensten.uow(),
    )
    return Response(_uit(n, diensten.public_url), status_code=201, headers={"Location": f"{API}/{n.id}"})


@get(f"{API}/{{nummer_id:uuid}}", tags=["nieuwsbrief"], summary="Eén nummer", guards=MEDEWERKER,
     responses=problemen(_ONBEKEND))
async def api_een(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID]) -> NieuwsbriefUit:
    return _uit(await _bestaand(diensten, nummer_id), diensten.public_url)


@put(f"{API}/{{nummer_id:uuid}}", tags=["nieuwsbrief"], summary="Een concept wijzigen", guards=MEDEWERKER,
     responses=problemen(_ONBEKEND | _VERSTUURD), opt={AANVRAAG: NieuwsbriefIn})
async def api_wijzig(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID],
                     data: JSONBody[NieuwsbriefIn]) -> NieuwsbriefUit:
    n = await nb.wijzig_nummer(
        nb.WijzigNummer(nummer_id, titel=data.titel, blokken=[b.model_dump() for b in data.blokken],
                        segment=data.segment.model_dump(mode="json"), per_minuut=data.per_minuut),
        diensten.uow(),
    )
    return _uit(n, diensten.public_url)


@get(f"{API}/{{nummer_id:uuid}}/voorbeeld", tags=["nieuwsbrief"], summary="Voorbeeld (HTML en tekst)", guards=MEDEWERKER,
     responses=problemen(_ONBEKEND))
async def api_voorbeeld(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID]) -> Voorbeeld:
    return await _voorbeeld(diensten, await _bestaand(diensten, nummer_id))


@post(f"{API}/{{nummer_id:uuid}}/test", tags=["nieuwsbrief"], summary="Een testmail naar één adres",
      guards=MEDEWERKER, status_code=202,
      responses=problemen(_ONBEKEND | {502: "De mailserver weigerde de testmail (code `testmail_geweigerd`)."}),
      opt={AANVRAAG: TestIn})
async def api_test(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID], data: JSONBody[TestIn]) -> Response[Any]:
    await stuur_test(diensten, await _bestaand(diensten, nummer_id), str(data.email))
    return Response({"verstuurd_naar": str(data.email)}, status_code=202)


@post(f"{API}/{{nummer_id:uuid}}/verzenden", tags=["nieuwsbrief"], summary="Nu versturen of inplannen",
      guards=MEDEWERKER, status_code=202, responses=problemen(_ONBEKEND | _VERSTUURD))
async def api_verzend(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID],
                      data: JSONBody[VerzendIn]) -> Response[NieuwsbriefUit]:
    n = await nb.verzend_nummer(nb.VerzendNummer(nummer_id, diensten.public_url, data.op), diensten.uow())
    return Response(_uit(n, diensten.public_url), status_code=202)


@get(f"{API}/{{nummer_id:uuid}}/voortgang", tags=["nieuwsbrief"], summary="Hoe ver het versturen staat", guards=MEDEWERKER,
     responses=problemen(_ONBEKEND))
async def api_voortgang(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID]) -> Voortgang:
    async with diensten.db.engine.connect() as conn:
        n = await nieuwsbrieven.lees(conn, nummer_id)
        if n is None:
            raise nb.onbekend(nummer_id)
        telling = await nb.voortgang(conn, nummer_id)
    return Voortgang(status=n.status, **telling)


# --- staff pages -------------------------------------------------------------------------------


@get(BEHEER, guards=MEDEWERKER, include_in_schema=False)
async def beheer_lijst(diensten: NamedDependency[MeldingenDiensten]) -> Template:
    async with diensten.db.engine.connect() as conn:
        nummers = await nieuwsbrieven.lijst(conn)
    return Template(template_name="meldingen/nieuwsbrieven_beheer.html", context={"nummers": nummers, "fouten": []})


@post(BEHEER, guards=MEDEWERKER, include_in_schema=False)
async def beheer_maak(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten]) -> Any:
    form = await request.form()
    titel = str(form.get("titel", "")).strip()
    if not titel or len(titel) > 200 or not re.fullmatch(GEEN_STUURTEKENS, titel):
        async with diensten.db.engine.connect() as conn:
            nummers = await nieuwsbrieven.lijst(conn)
        return Template(
            template_name="meldingen/nieuwsbrieven_beheer.html", status_code=400,
            context={"nummers": nummers, "fouten": [FieldError("titel", "verplicht", "Geef de nieuwsbrief een titel (hoogstens 200 tekens).")]},
        )
    n = await nb.maak_nummer(nb.MaakNummer(titel), diensten.uow())
    return Redirect(f"{BEHEER}/{n.id}", status_code=303)


def _formulier_naar_nummer(form: Any, n: Nummer) -> tuple[Nummer, list[FieldError]]:
    fouten: list[FieldError] = []
    titel = str(form.get("titel", "")).strip()
    if not titel or len(titel) > 200:
        fouten.append(FieldError("titel", "verplicht", "Geef de nieuwsbrief een titel (hoogstens 200 tekens)."))
    if not re.fullmatch(GEEN_STUURTEKENS, titel):
        fouten.append(FieldError("titel", "ongeldige_tekens", "De titel bevat tekens die niet getoond kunnen worden."))
    blokken: list[dict[str, Any]] = [{"soort": "tekst", "markdown": Blok(soort="tekst", markdown=str(form.get("tekst", ""))).markdown}]
    if form.get("activiteiten") == "ja":
        blokken.append({"soort": "activiteiten"})
    if form.get("praktijken") == "ja":
        blokken.append({"soort": "praktijken"})
    segment = {
        "organisatie_type": [t for t in form.getall("organisatie_type", []) if t in TYPE_LABELS],
        "provincie": [p for p in form.getall("provincie", []) if p in nb.PROVINCIES],
        "grootteklasse": [g for g in form.getall("grootteklasse", []) if g in nb.GROOTTEKLASSEN],
    }
    per_minuut_tekst = str(form.get("per_minuut", "")).strip()
    if not per_minuut_tekst.isdigit() or not 1 <= int(per_minuut_tekst) <= 100000:
        fouten.append(FieldError("per_minuut", "ongeldig_aantal", "Geef het aantal mails per minuut als geheel getal van 1 tot 100000."))
        per_minuut = n.per_minuut
    else:
        per_minuut = int(per_minuut_tekst)
    nieuw = Nummer(**{**n.as_dict(), "titel": titel or n.titel, "blokken": blokken, "segment": segment,
                         "per_minuut": per_minuut})
    return nieuw, fouten


async def _bewerkpagina(diensten: MeldingenDiensten, n: Nummer, *, fouten: list[FieldError] | None = None, status: int = 200,
                        melding: str | None = None, titel_invoer: str | None = None) -> Template:
    voorbeeld = await _voorbeeld(diensten, n)
    tekstblok = next((b.get("markdown") or "" for b in n.blokken if b.get("soort") == "tekst"), "")
    return Template(
        template_name="meldingen/nieuwsbrief_bewerken.html", status_code=status,
        context={"n": n, "voorbeeld": voorbeeld, "fouten": fouten or [], "melding": melding, "tekst": tekstblok,
                 "soorten": {b.get("soort") for b in n.blokken},
                 "segmentkeuzes": [
                     ("organisatie_type", "Soort organisatie", list(TYPE_LABELS.items())),
                     ("provincie", "Provincie", [(p, p) for p in nb.PROVINCIES]),
                     ("grootteklasse", "Grootte van de gemeente", [(g, g) for g in nb.GROOTTEKLASSEN]),
                 ], "kan_wijzigen": n.status in ("concept", "gepland"),
                 "gepland": datum_tijd(n.gepland_op) if n.gepland_op else None, "afzender": AFZENDER_ADRES},
        headers={"Cache-Control": "no-store"},
    )


@get(f"{BEHEER}/{{nummer_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def beheer_bewerk(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID],
                        melding: FromQuery[str | None] = None) -> Template:
    n = await _lees(diensten, nummer_id)
    if n is None:
        raise NotFoundException("Deze nieuwsbrief bestaat niet.")
    teksten = {"bewaard": "De nieuwsbrief is bewaard.", "test": "De testmail is verstuurd.",
               "verzenden": "De nieuwsbrief wordt verstuurd.", "gepland": "De nieuwsbrief is ingepland."}
    return await _bewerkpagina(diensten, n, melding=teksten.get(melding or ""))


@post(f"{BEHEER}/{{nummer_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def beheer_bewaar(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID]) -> Any:
    n = await _lees(diensten, nummer_id)
    if n is None:
        raise NotFoundException("Deze nieuwsbrief bestaat niet.")
    if n.status not in ("concept", "gepland"):
        return await _bewerkpagina(diensten, n, status=409,
                                   fouten=[FieldError("titel", "al_verstuurd", "Deze nieuwsbrief is al verstuurd en kan niet meer veranderen.")])
    form = await request.form()
    actie = str(form.get("actie", "voorbeeld"))
    nieuw, fouten = _formulier_naar_nummer(form, n)
    op: datetime | None = None
    if actie == "inplannen":
        try:
            op = datetime.strptime(str(form.get("gepland_op", "")).strip(), "%d/%m/%Y %H:%M").replace(tzinfo=BRUSSEL)
            if op <= datetime.now(UTC):
                raise ValueError
        except ValueError:
            fouten.append(FieldError("gepland_op", "ongeldig_moment", "Geef een moment in de toekomst, zoals 15/03/2026 09:00."))
    testadres = str(form.get("testadres", "")).strip()
    if actie == "test" and (not re.fullmatch(EMAILPATROON, testadres) or len(testadres) > 254):
        fouten.append(FieldError("testadres", "ongeldig_adres", "Geef een e-mailadres voor de testmail, zoals naam@gemeente.be."))
    if fouten:
        return await _bewerkpagina(diensten, nieuw, fouten=fouten, status=400)
    if actie == "voorbeeld":
        return await _bewerkpagina(diensten, nieuw)
    nieuw = await nb.wijzig_nummer(
        nb.WijzigNummer(nummer_id, titel=nieuw.titel, blokken=nieuw.blokken, segment=nieuw.segment,
                        per_minuut=nieuw.per_minuut),
        diensten.uow(),
    )
    if actie in ("verzenden", "inplannen"):
        await nb.verzend_nummer(nb.VerzendNummer(nummer_id, diensten.public_url, op), diensten.uow())
    if actie == "test":
        try:
            await stuur_test(diensten, nieuw, testadres)
        except nb.TestmailGeweigerd as fout:
            return await _bewerkpagina(diensten, nieuw, status=502,
                                       fouten=[FieldError("testadres", "niet_verstuurd", fout.melding)])
    if actie == "verzenden":
        return Redirect(f"{BEHEER}/{nummer_id}/voortgang", status_code=303)
    melding = {"test": "test", "inplannen": "gepland"}.get(actie, "bewaard")
    return Redirect(f"{BEHEER}/{nummer_id}?melding={melding}", status_code=303)


@get(f"{BEHEER}/{{nummer_id:uuid}}/voortgang", guards=MEDEWERKER, include_in_schema=False)
async def beheer_voortgang(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID]) -> Template:
    async with diensten.db.engine.connect() as conn:
        n = await nieuwsbrieven.lees(conn, nummer_id)
        if n is None:
            raise NotFoundException("Deze nieuwsbrief bestaat niet.")
        telling = await nb.voortgang(conn, nummer_id)
    totaal = sum(telling.values())
    klaar = totaal - telling["wachtend"]
    return Template(
        template_name="meldingen/nieuwsbrief_voortgang.html",
        context={"n": n, "telling": telling, "totaal": totaal, "klaar": klaar,
                 "procent": round(100 * klaar / totaal) if totaal else 0},
        headers={"Cache-Control": "no-store"},
    )


# --- public archive ------------------------------------------------------------------------------


@get(nb.ARCHIEFPAD, include_in_schema=False)
async def archief(diensten: NamedDependency[MeldingenDiensten]) -> Template:
    async with diensten.db.engine.connect() as conn:
        nummers = await nieuwsbrieven.lijst(conn, alleen_verzonden=True)
    return Template(template_name="meldingen/archief.html", context={"nummers": nummers, "datum": datum_tijd})


@get(f"{nb.ARCHIEFPAD}/{{nummer_id:uuid}}", include_in_schema=False)
async def webversie(diensten: NamedDependency[MeldingenDiensten], nummer_id: FromPath[UUID]) -> Template:
    n = await _lees(diensten, nummer_id)
    if n is None or n.status != "verzonden":
        raise NotFoundException("Deze nieuwsbrief bestaat niet of is nog niet verstuurd.")
    return Template(template_name="meldingen/webversie.html", context={"n": n, "datum": datum_tijd})


ROUTES = [
    api_lijst, api_maak, api_een, api_wijzig, api_voorbeeld, api_test, api_verzend, api_voortgang,
    beheer_lijst, beheer_maak, beheer_bewerk, beheer_bewaar, beheer_voortgang, archief, webversie,
]
