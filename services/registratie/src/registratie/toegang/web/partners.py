"""Staff pages to issue, list and revoke partner credentials (HTTP tokens and NATS users)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from dinet_chassis.logging import get_logger
from dinet_chassis.web import FieldError, errors_by_field
from dinet_chassis.web.auth import Identiteit, Rol, identiteit, vereist
from dinet_contracts.tijd import BRUSSEL
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ...bootstrap import RegistratieDiensten
from ...kernel import organisaties as opvragingen
from ...kernel.organisaties import groepeer_per_type
from .. import store as opslag

log = get_logger(__name__)

PAD = "/registratie/beheer/partners"
MAX_OMSCHRIJVING = 200
GEEN_CACHE = {"Cache-Control": "no-store"}  # a page that shows a secret once must not be kept anywhere
ALLEEN_MEDEWERKERS = [vereist(Rol.MEDEWERKER)]

_MELDINGEN = {
    "ingetrokken": "Het token is ingetrokken. Wie het nog gebruikt, krijgt voortaan 401.",
    "al_ingetrokken": "Dat token was al ingetrokken.",
    "nats_ingetrokken": "De NATS-gebruiker is ingetrokken. De server weigert hem vanaf nu en verbreekt een open verbinding.",
    "nats_ingetrokken_later": (
        "De NATS-gebruiker is ingetrokken, maar de NATS-server was niet bereikbaar. Het platform probeert het"
        " zelf opnieuw tot het lukt; vanaf dan weigert de server hem."
    ),
    "nats_al_ingetrokken": "Die NATS-gebruiker was al ingetrokken.",
    "nats_ingetrokken_geen_sleutel": (
        "De NATS-gebruiker is ingetrokken in het register, maar deze installatie kan de NATS-server niet"
        " bijwerken (NATS_PARTNER_ISSUER ontbreekt). Vraag het aan wie het platform beheert."
    ),
}


def tijdstip(moment: datetime | None) -> str:
    return moment.astimezone(BRUSSEL).strftime("%d-%m-%Y %H:%M") if moment else "–"


def _door(request: Request[Any, Any, Any]) -> str:
    wie: Identiteit | None = identiteit(request)
    assert wie is not None  # the guard let only staff through
    return f"{wie.naam} ({wie.sub})"[:300]


def _enkel(data: dict[str, Any], veld: str) -> str:
    waarde = data.get(veld, "")
    if isinstance(waarde, list):
        waarde = waarde[-1] if waarde else ""
    return str(waarde).strip()


async def _pagina(
    diensten: RegistratieDiensten,
    *,
    fouten: list[FieldError] | None = None,
    waarden: dict[str, str] | None = None,
    melding: str | None = None,
    status: int = 200,
) -> Template:
    fouten = fouten or []
    groepen = groepeer_per_type(await opvragingen.organisaties(diensten.db))
    return Template(
        template_name="toegang/partners-beheer.html",
        context={
            "sleutels": await opslag.alle_sleutels(diensten.db),
            "nats_gebruikers": await opslag.alle_nats_gebruikers(diensten.db),
            "organisatie_groepen": [(label, [(str(o.id), o.naam) for o in orgs]) for label, orgs in groepen],
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
            "waarden": waarden or {},
            "melding": melding,
            "tijdstip": tijdstip,
            "nats_beschikbaar": diensten.partner_nats.beschikbaar,
        },
        status_code=status,
    )


@get(PAD, guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def overzicht(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Template:
    return await _pagina(diensten, melding=_MELDINGEN.get(request.query_params.get("melding", "")))


async def _organisatie(diensten: RegistratieDiensten, ruw: str, veld: str) -> tuple[uuid.UUID, str] | FieldError:
    if not ruw:
        return FieldError(veld, "verplicht", "Kies de organisatie.")
    try:
        organisatie_id = uuid.UUID(ruw)
    except ValueError:
        return FieldError(veld, "ongeldige_waarde", "Kies de organisatie uit de lijst.")
    naam = await opslag.organisatie_naam(diensten.db, organisatie_id)
    if naam is None:
        return FieldError(veld, "onbekende_organisatie", "Kies de organisatie uit de lijst.")
    return organisatie_id, naam


@post(f"{PAD}/sleutels", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def sleutel_uitgeven(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    waarden = {"organisatie_id": _enkel(data, "organisatie_id"), "omschrijving": _enkel(data, "omschrijving")}
    fouten: list[FieldError] = []
    organisatie = await _organisatie(diensten, waarden["organisatie_id"], "organisatie_id")
    if isinstance(organisatie, FieldError):
        fouten.append(organisatie)
    omschrijving = " ".join(waarden["omschrijving"].split())
    if not omschrijving:
        fouten.append(FieldError("omschrijving", "verplicht", "Schrijf waarvoor het token dient, bv. 'agenda-koppeling'."))
    elif len(omschrijving) > MAX_OMSCHRIJVING:
        fouten.append(FieldError("omschrijving", "te_lang", f"Gebruik hoogstens {MAX_OMSCHRIJVING} tekens."))
    if fouten:
        return await _pagina(diensten, fouten=fouten, waarden=waarden, status=400)
    assert not isinstance(organisatie, FieldError)
    organisatie_id, naam = organisatie
    sleutel_id, nieuw = await opslag.maak_sleutel(diensten.db, organisatie_id, omschrijving, _door(request))
    log.info("partner.token_uitgegeven", sleutel_id=str(sleutel_id), organisatie_id=str(organisatie_id), prefix=nieuw.prefix)
    return Template(
        template_name="toegang/sleutel-nieuw.html",
        context={"token": nieuw.token, "prefix": nieuw.prefix, "organisatie_naam": naam, "organisatie_id": organisatie_id},
        headers=GEEN_CACHE,
    )


@post(f"{PAD}/sleutels/{{sleutel_id:uuid}}/intrekken", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def sleutel_intrekken(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], sleutel_id: FromPath[uuid.UUID]
) -> Redirect:
    gelukt = await opslag.trek_sleutel_in(diensten.db, sleutel_id, _door(request))
    if gelukt:
        log.info("partner.token_ingetrokken", sleutel_id=str(sleutel_id))
    return Redirect(f"{PAD}?melding={'ingetrokken' if gelukt else 'al_ingetrokken'}", status_code=303)


@post(f"{PAD}/nats", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def nats_uitgeven(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    waarden = {"nats_organisatie_id": _enkel(data, "nats_organisatie_id")}
    organisatie = await _organisatie(diensten, waarden["nats_organisatie_id"], "nats_organisatie_id")
    if isinstance(organisatie, FieldError):
        return await _pagina(diensten, fouten=[organisatie], waarden=waarden, status=400)
    organisatie_id, naam = organisatie
    toegang = diensten.partner_nats
    if toegang.uitgever is None:
        fout = FieldError(
            "nats_organisatie_id",
            "nats_niet_ingesteld",
            "Deze installatie kan geen NATS-gebruikers maken: de sleutel om ze te ondertekenen ontbreekt"
            " (NATS_PARTNER_ISSUER). Vraag het aan wie het platform beheert.",
        )
        return await _pagina(diensten, fouten=[fout], waarden=waarden, status=503)
    try:
        gebruiker, nieuw = await opslag.maak_nats_gebruiker(
            diensten.db, organisatie_id, naam, _door(request), toegang.uitgever
        )
    except opslag.NatsGebruikerBestaatAl as bestaand:
        fout = FieldError(
            "nats_organisatie_id",
            "bestaat_al",
            f"Er is al een geldige NATS-gebruiker {bestaand}. Trek die eerst in als je een nieuwe sleutel wil geven.",
        )
        return await _pagina(diensten, fouten=[fout], waarden=waarden, status=400)
    log.info("partner.nats_uitgegeven", gebruiker=gebruiker.gebruiker, organisatie_id=str(organisatie_id))
    return Template(
        template_name="toegang/nats-nieuw.html",
        context={"gebruiker": gebruiker, "creds": nieuw.creds},
        headers=GEEN_CACHE,
    )


@post(f"{PAD}/nats/{{gebruiker_id:int}}/intrekken", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def nats_intrekken(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], gebruiker_id: FromPath[int]
) -> Redirect:
    gebruiker = await opslag.trek_nats_gebruiker_in(diensten.db, gebruiker_id, _door(request))
    if not gebruiker:
        return Redirect(f"{PAD}?melding=nats_al_ingetrokken", status_code=303)
    log.info("partner.nats_ingetrokken", gebruiker=gebruiker)
    toegang = diensten.partner_nats
    if not toegang.beschikbaar:
        melding = "nats_ingetrokken_geen_sleutel"
    else:
        melding = "nats_ingetrokken" if await toegang.doorvoeren() else "nats_ingetrokken_later"
    return Redirect(f"{PAD}?melding={melding}", status_code=303)


ROUTES = [overzicht, sleutel_uitgeven, sleutel_intrekken, nats_uitgeven, nats_intrekken]
