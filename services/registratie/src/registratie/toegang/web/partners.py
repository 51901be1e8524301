"""Staff pages to issue, list and revoke partner credentials (HTTP tokens and NATS users)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from dinet_chassis.errors import Conflict, Invalid
from dinet_chassis.logging import get_logger
from dinet_chassis.web import FieldError, errors_by_field
from dinet_chassis.web.auth import Identiteit, Rol, identiteit, vereist
from dinet_contracts.tijd import lokaal
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ...kernel.web import veld
from ...bootstrap import RegistratieDiensten
from ...kernel import organisaties as opvragingen
from ...kernel.organisaties import groepeer_per_type
from .. import store as opslag
from .. import use_cases

log = get_logger(__name__)

PAD = "/registratie/beheer/partners"
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
    return lokaal(moment).strftime("%d-%m-%Y %H:%M") if moment else "–"


def _door(request: Request[Any, Any, Any]) -> str:
    wie: Identiteit | None = identiteit(request)
    assert wie is not None  # the guard let only staff through
    return f"{wie.naam} ({wie.sub})"[:300]


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


@post(f"{PAD}/sleutels", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def sleutel_uitgeven(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    waarden = {"organisatie_id": veld(data, "organisatie_id").strip(), "omschrijving": veld(data, "omschrijving").strip()}
    try:
        uitgegeven = await use_cases.geef_sleutel_uit(
            diensten.toegang_uow(), waarden["organisatie_id"], waarden["omschrijving"], door=_door(request)
        )
    except Invalid as fout:
        return await _pagina(diensten, fouten=list(fout.problemen), waarden=waarden, status=400)
    nieuw = uitgegeven.nieuw
    log.info(
        "partner.token_uitgegeven",
        sleutel_id=str(uitgegeven.sleutel_id),
        organisatie_id=str(uitgegeven.organisatie_id),
        prefix=nieuw.prefix,
    )
    return Template(
        template_name="toegang/sleutel-nieuw.html",
        context={
            "token": nieuw.token,
            "prefix": nieuw.prefix,
            "organisatie_naam": uitgegeven.organisatie_naam,
            "organisatie_id": uitgegeven.organisatie_id,
        },
        headers=GEEN_CACHE,
    )


@post(f"{PAD}/sleutels/{{sleutel_id:uuid}}/intrekken", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def sleutel_intrekken(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], sleutel_id: FromPath[uuid.UUID]
) -> Redirect:
    gelukt = await use_cases.trek_sleutel_in(diensten.toegang_uow(), sleutel_id, door=_door(request))
    if gelukt:
        log.info("partner.token_ingetrokken", sleutel_id=str(sleutel_id))
    return Redirect(f"{PAD}?melding={'ingetrokken' if gelukt else 'al_ingetrokken'}", status_code=303)


@post(f"{PAD}/nats", guards=ALLEEN_MEDEWERKERS, include_in_schema=False)
async def nats_uitgeven(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    waarden = {"nats_organisatie_id": veld(data, "nats_organisatie_id").strip()}
    try:
        gebruiker, nieuw = await use_cases.geef_nats_gebruiker_uit(
            diensten.toegang_uow(), diensten.partner_nats, waarden["nats_organisatie_id"], door=_door(request)
        )
    except use_cases.NatsNietIngesteld as fout:
        return await _pagina(diensten, fouten=list(fout.problemen), waarden=waarden, status=503)
    except (Invalid, Conflict) as fout:
        return await _pagina(diensten, fouten=list(fout.problemen), waarden=waarden, status=400)
    organisatie_id = gebruiker.organisatie_id
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
    melding = await use_cases.trek_nats_gebruiker_in(diensten.toegang_uow(), diensten.partner_nats, gebruiker_id, door=_door(request))
    if melding != "nats_al_ingetrokken":
        log.info("partner.nats_ingetrokken", gebruiker_id=gebruiker_id)
    return Redirect(f"{PAD}?melding={melding}", status_code=303)


ROUTES = [overzicht, sleutel_uitgeven, sleutel_intrekken, nats_uitgeven, nats_intrekken]
