"""JSON API for activities (`/registratie/api/v1/activiteiten`): the public list, registering
and cancelling (members for themselves and colleagues, staff for anyone), and attendance by staff.

The use cases refuse with domain errors; the app answers them (web/common.py `FOUTCODES` and the
chassis table) as RFC 9457 problem+json with `code` and `errors: [{"veld", "code", "melding"}]`:
`onbekende_activiteit` (404), `niet_ingeschreven` (404), `al_ingeschreven` / `al_op_wachtlijst`
(409), `inschrijving_gesloten` / `activiteit_geannuleerd` / `geen_inschrijvingen` (409),
`andere_organisatie` (403), `onbekend_lid` (422), `meer_dan_duur` (422).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from dinet_chassis.errors import FieldProblem, Invalid
from dinet_chassis.web import problemen
from dinet_chassis.web.auth import Rol, identiteit, vereist
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, ConfigDict, Field

from ..domain import PUBLIEKE_SOORTEN, niet_ingeschreven, onbekende_activiteit
from ..store import lijsten
from ..store.activiteiten import ActiviteitRij
from ..use_cases import aanwezigheid, inschrijvingen
from .common import ActiviteitenDiensten, als_wie
from .publiek import pagina_pad

API = "/registratie/api/v1/activiteiten"
TAGS = ["activiteiten"]


class ActiviteitUit(BaseModel):
    id: uuid.UUID
    versie: int
    soort: ActiviteitSoort
    titel: str
    omschrijving: str | None
    organisator_id: uuid.UUID
    trekker: Trekker
    vorm: Vorm
    start: datetime
    einde: datetime
    duur_uren: Decimal
    capaciteit: int | None
    status: ActiviteitStatus
    locatie: str | None
    url: str | None
    deelnamelink: str | None = Field(None, description="Online: de link om deel te nemen.")
    pijlers: list[str] = Field([], description="Pijlers van de beleidstool waar de activiteit bij helpt.")
    elementen: list[str] = Field([], description="Beleidselementen van de beleidstool waar de activiteit bij helpt.")
    pagina: str = Field(description="De pagina van de activiteit, met het inschrijfformulier.")

    @classmethod
    def van(cls, a: ActiviteitRij) -> "ActiviteitUit":
        g = a.gegevens
        return cls(
            id=a.id, versie=a.versie, soort=g.soort, titel=g.titel, omschrijving=g.omschrijving,
            organisator_id=g.organisator_id, trekker=g.trekker, vorm=g.vorm, start=g.start, einde=g.einde,
            duur_uren=g.duur_uren, capaciteit=g.capaciteit, status=a.status, locatie=g.locatie, url=g.url,
            deelnamelink=g.deelnamelink, pijlers=list(g.pijlers), elementen=list(g.elementen), pagina=pagina_pad(a.id),
        )


class ActiviteitenUit(BaseModel):
    activiteiten: list[ActiviteitUit]


class ActiviteitDetailUit(ActiviteitUit):
    ingeschreven: int
    wachtlijst: int


@get(API, tags=TAGS, summary="Komende activiteiten", description="De publieke kalender: open en geannuleerde activiteiten die nog niet voorbij zijn.")
async def api_komende(activiteiten: NamedDependency[ActiviteitenDiensten]) -> ActiviteitenUit:
    komende = await lijsten.komende(activiteiten.db, activiteiten.nu())
    return ActiviteitenUit(activiteiten=[ActiviteitUit.van(a) for a in komende])


@get(
    f"{API}/{{activiteit_id:uuid}}",
    tags=TAGS,
    summary="Eén activiteit",
    responses=problemen({404: "Deze activiteit bestaat niet (`onbekende_activiteit`)."}),
)
async def api_activiteit(
    request: Request[Any, Any, Any], activiteiten: NamedDependency[ActiviteitenDiensten], activiteit_id: FromPath[uuid.UUID]
) -> Response[ActiviteitDetailUit]:
    overzicht = await lijsten.een(activiteiten.db, activiteit_id)
    persoon = identiteit(request)
    if overzicht is None or (
        overzicht.activiteit.gegevens.soort not in PUBLIEKE_SOORTEN and not (persoon is not None and persoon.heeft(Rol.MEDEWERKER))
    ):
        raise onbekende_activiteit()
    uit = ActiviteitUit.van(overzicht.activiteit).model_dump(mode="json")
    return Response(content=uit | {"ingeschreven": overzicht.ingeschreven, "wachtlijst": overzicht.wachtlijst})


# --- registrations -----------------------------------------------------------------------------


class InschrijvingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lid_id: uuid.UUID | None = Field(
        None, description="Wie ingeschreven wordt: jezelf (leeg) of een collega van je eigen organisatie."
    )


class InschrijvingUit(BaseModel):
    inschrijving_id: uuid.UUID
    activiteit_id: uuid.UUID
    lid_id: uuid.UUID
    status: str = Field(description="ingeschreven, wachtlijst of geannuleerd")
    versie: int
    wachtlijst_positie: int | None = None


def _uit(i: inschrijvingen.Inschrijving, positie: int | None = None) -> dict[str, Any]:
    return InschrijvingUit(
        inschrijving_id=i.id, activiteit_id=i.activiteit_id, lid_id=i.lid_id, status=i.status, versie=i.versie,
        wachtlijst_positie=positie,
    ).model_dump(mode="json")


def _geen_lid() -> Invalid:
    melding = "Geef het lid_id van wie je inschrijft."
    return Invalid("lid_id_ontbreekt", melding, problemen=[FieldProblem("lid_id", "verplicht", melding)])


@post(
    f"{API}/{{activiteit_id:uuid}}/inschrijvingen",
    guards=[vereist(Rol.LID, Rol.MEDEWERKER)],
    tags=TAGS,
    summary="Inschrijven (of op de wachtlijst)",
    description="201 met de inschrijving: `status` is `ingeschreven`, of `wachtlijst` als de activiteit volzet is. "
    "409 als de persoon al op een lijst staat.",
    responses=problemen(
        {
            403: "Je schrijft alleen jezelf of collega's van je eigen organisatie in (`andere_organisatie`).",
            404: "Deze activiteit bestaat niet (`onbekende_activiteit`).",
            409: "Al ingeschreven of op de wachtlijst, of de inschrijving is gesloten of de activiteit geannuleerd.",
            422: "Geen of een onbekend `lid_id` (`verplicht`, `onbekend_lid`), of een ongeldige body.",
        }
    ),
)
async def api_inschrijven(
    request: Request[Any, Any, Any],
    activiteiten: NamedDependency[ActiviteitenDiensten],
    activiteit_id: FromPath[uuid.UUID],
    data: JSONBody[InschrijvingIn | None] = None,
) -> Response[InschrijvingUit]:
    persoon = identiteit(request)
    assert persoon is not None
    lid_id = (data.lid_id if data else None) or persoon.lid_id
    if lid_id is None:
        raise _geen_lid()
    resultaat = await inschrijvingen.schrijf_in(
        inschrijvingen.SchrijfIn(activiteit_id, lid_id, door=als_wie(persoon)), activiteiten.uow()
    )
    positie = None
    if resultaat.status == "wachtlijst":
        positie = (await lijsten.inschrijving_van(activiteiten.db, activiteit_id, lid_id) or {}).get("positie")
    return Response(
        content=_uit(resultaat, positie),
        status_code=201,
        headers={"Location": f"{API}/{activiteit_id}/inschrijvingen/{lid_id}"},
    )


async def _mag_zien(request: Request[Any, Any, Any], activiteiten: ActiviteitenDiensten, lid_id: uuid.UUID) -> bool:
    persoon = identiteit(request)
    if persoon is None:
        return False
    if persoon.heeft(Rol.MEDEWERKER) or persoon.lid_id == lid_id:
        return True
    if persoon.organisatie_id is None or persoon.lid_id is None:
        return False
    return any(i == lid_id for i, _ in await lijsten.collegas(activiteiten.db, persoon.organisatie_id))


@get(
    f"{API}/{{activiteit_id:uuid}}/inschrijvingen/{{lid_id:uuid}}",
    guards=[vereist(Rol.LID, Rol.MEDEWERKER)],
    tags=TAGS,
    summary="De inschrijving van één lid",
    responses=problemen({404: "Dit lid is niet ingeschreven, of je mag deze inschrijving niet zien (`niet_ingeschreven`)."}),
)
async def api_inschrijving(
    request: Request[Any, Any, Any],
    activiteiten: NamedDependency[ActiviteitenDiensten],
    activiteit_id: FromPath[uuid.UUID],
    lid_id: FromPath[uuid.UUID],
) -> Response[InschrijvingUit]:
    mag = await _mag_zien(request, activiteiten, lid_id)
    rij = await lijsten.inschrijving_van(activiteiten.db, activiteit_id, lid_id) if mag else None
    if rij is None:
        raise niet_ingeschreven("Er is geen inschrijving van dit lid voor deze activiteit.")
    i = inschrijvingen.Inschrijving(rij["id"], activiteit_id, lid_id, rij["status"], rij["versie"])
    return Response(content=_uit(i, rij["positie"]))


@delete(
    f"{API}/{{activiteit_id:uuid}}/inschrijvingen/{{lid_id:uuid}}",
    guards=[vereist(Rol.LID, Rol.MEDEWERKER)],
    tags=TAGS,
    summary="Uitschrijven of de wachtlijst verlaten",
    description="200 met de inschrijving (status `geannuleerd`). Een vrijgekomen plaats gaat meteen naar de eerste op de wachtlijst.",
    status_code=200,
    responses=problemen(
        {
            403: "Je schrijft alleen jezelf of collega's van je eigen organisatie uit (`andere_organisatie`).",
            404: "Deze activiteit of dit lid bestaat niet, of het lid staat op geen enkele lijst.",
            409: "De activiteit is afgelopen of geannuleerd.",
        }
    ),
)
async def api_uitschrijven(
    request: Request[Any, Any, Any],
    activiteiten: NamedDependency[ActiviteitenDiensten],
    activiteit_id: FromPath[uuid.UUID],
    lid_id: FromPath[uuid.UUID],
) -> Response[InschrijvingUit]:
    persoon = identiteit(request)
    assert persoon is not None
    resultaat = await inschrijvingen.schrijf_uit(
        inschrijvingen.SchrijfUit(activiteit_id, lid_id, door=als_wie(persoon)), activiteiten.uow()
    )
    return Response(content=_uit(resultaat))


# --- attendance --------------------------------------------------------------------------------


class AanwezigheidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lid_id: uuid.UUID
    aanwezig: bool
    uren: Decimal | None = Field(
        None, ge=0, max_digits=6, decimal_places=2, description="Uren aanwezig; leeg: de volledige duur (0 als afwezig)."
    )


class AanwezighedenUit(BaseModel):
    gewijzigd: int = Field(description="Hoeveel regels iets veranderden (elk een gebeurtenis).")


class AanwezighedenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aanwezigheden: list[AanwezigheidIn] = Field(min_length=1, max_length=2000)


@put(
    f"{API}/{{activiteit_id:uuid}}/aanwezigheden",
    guards=[vereist(Rol.MEDEWERKER)],
    tags=TAGS,
    summary="Aanwezigheden registreren (ook achteraf)",
    description="Alles of niets. Antwoordt `{\"gewijzigd\": n}`: ongewijzigde regels tellen niet en geven geen gebeurtenis.",
    responses=problemen(
        {
            404: "Deze activiteit bestaat niet (`onbekende_activiteit`).",
            409: "Voor deze activiteit kan je (nog) geen aanwezigheden registreren.",
            422: "Een fout per regel: onbekend lid, meer uren dan de activiteit duurt, of een ongeldige body.",
        }
    ),
)
async def api_aanwezigheden(
    request: Request[Any, Any, Any],
    activiteiten: NamedDependency[ActiviteitenDiensten],
    activiteit_id: FromPath[uuid.UUID],
    data: JSONBody[AanwezighedenIn],
) -> Response[AanwezighedenUit]:
    overzicht = await lijsten.een(activiteiten.db, activiteit_id)
    if overzicht is None:
        raise onbekende_activiteit()
    duur = overzicht.activiteit.gegevens.duur_uren
    regels = tuple(
        aanwezigheid.Regel(r.lid_id, r.aanwezig, (duur if r.uren is None else r.uren) if r.aanwezig else Decimal("0.00"))
        for r in data.aanwezigheden
    )
    persoon = identiteit(request)
    cmd = aanwezigheid.RegistreerAanwezigheid(activiteit_id, regels, door=persoon.sub if persoon else "onbekend")
    return Response(content={"gewijzigd": await aanwezigheid.registreer(cmd, activiteiten.uow())})


ROUTES = [api_komende, api_activiteit, api_inschrijven, api_inschrijving, api_uitschrijven, api_aanwezigheden]
