"""Partner credentials, issued and revoked by VVSG staff: HTTP tokens and NATS users.

No HTTP here: a refusal is a domain error with a stable code and the field it concerns, which
the staff page shows next to that field. Each use case is one unit of work (`ToegangUoW`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from dinet_chassis.errors import Conflict, DomainError, FieldProblem, Invalid
from dinet_chassis.natsauth import PartnerUser

from . import store
from .domain import sleutels
from .nats_toegang import PartnerNatsToegang

MAX_OMSCHRIJVING = 200


class ToegangUnitOfWork(Protocol):
    """What these use cases need: a unit of work with the credentials' repository."""

    toegang: store.ToegangStore  # or an in-memory fake with the same methods

    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: Any) -> Any: ...


class NatsNietIngesteld(DomainError):
    """This installation holds no key to sign NATS users with."""

    code = "nats_niet_ingesteld"
    melding = (
        "Deze installatie kan geen NATS-gebruikers maken: de sleutel om ze te ondertekenen ontbreekt"
        " (NATS_PARTNER_ISSUER). Vraag het aan wie het platform beheert."
    )


@dataclass(frozen=True, slots=True)
class UitgegevenSleutel:
    sleutel_id: uuid.UUID
    nieuw: sleutels.NieuweSleutel  # the token itself: shown once, never stored
    organisatie_id: uuid.UUID
    organisatie_naam: str


def _organisatie_id(ruw: str, veld: str) -> uuid.UUID | FieldProblem:
    if not ruw:
        return FieldProblem(veld, "verplicht", "Kies de organisatie.")
    try:
        return uuid.UUID(ruw)
    except ValueError:
        return FieldProblem(veld, "ongeldige_waarde", "Kies de organisatie uit de lijst.")


async def _organisatie(uow: ToegangUnitOfWork, ruw: str, veld: str) -> tuple[uuid.UUID, str] | FieldProblem:
    organisatie_id = _organisatie_id(ruw, veld)
    if isinstance(organisatie_id, FieldProblem):
        return organisatie_id
    naam = await uow.toegang.organisatie_naam(organisatie_id)
    if naam is None:
        return FieldProblem(veld, "onbekende_organisatie", "Kies de organisatie uit de lijst.")
    return organisatie_id, naam


async def geef_sleutel_uit(
    uow: ToegangUnitOfWork, organisatie_ruw: str, omschrijving_ruw: str, *, door: str
) -> UitgegevenSleutel:
    """A new HTTP token for an organisation; raises Invalid with every wrong field."""
    omschrijving = " ".join(omschrijving_ruw.split())
    problemen: list[FieldProblem] = []
    if not omschrijving:
        problemen.append(FieldProblem("omschrijving", "verplicht", "Schrijf waarvoor het token dient, bv. 'agenda-koppeling'."))
    elif len(omschrijving) > MAX_OMSCHRIJVING:
        problemen.append(FieldProblem("omschrijving", "te_lang", f"Gebruik hoogstens {MAX_OMSCHRIJVING} tekens."))
    if isinstance(fout := _organisatie_id(organisatie_ruw, "organisatie_id"), FieldProblem):
        # Refused before the database is asked anything.
        raise Invalid(problemen=[fout, *problemen])
    async with uow:
        organisatie = await _organisatie(uow, organisatie_ruw, "organisatie_id")
        if isinstance(organisatie, FieldProblem):
            raise Invalid(problemen=[organisatie, *problemen])
        if problemen:
            raise Invalid(problemen=problemen)
        organisatie_id, naam = organisatie
        sleutel_id, nieuw = await uow.toegang.maak_sleutel(organisatie_id, omschrijving, door)
    return UitgegevenSleutel(sleutel_id=sleutel_id, nieuw=nieuw, organisatie_id=organisatie_id, organisatie_naam=naam)


async def trek_sleutel_in(uow: ToegangUnitOfWork, sleutel_id: uuid.UUID, *, door: str) -> bool:
    """Revoke a token; False when it was revoked already."""
    async with uow:
        return await uow.toegang.trek_sleutel_in(sleutel_id, door)


async def geef_nats_gebruiker_uit(
    uow: ToegangUnitOfWork, toegang: PartnerNatsToegang, organisatie_ruw: str, *, door: str
) -> tuple[store.NatsGebruiker, PartnerUser]:
    """A new NATS user for an organisation, valid at once. Raises Invalid, NatsNietIngesteld, or
    Conflict `bestaat_al` while the organisation still has a valid user."""
    if isinstance(fout := _organisatie_id(organisatie_ruw, "nats_organisatie_id"), FieldProblem):
        raise Invalid(problemen=[fout])
    async with uow:
        organisatie = await _organisatie(uow, organisatie_ruw, "nats_organisatie_id")
        if isinstance(organisatie, FieldProblem):
            raise Invalid(problemen=[organisatie])
        organisatie_id, naam = organisatie
        if toegang.uitgever is None:
            raise NatsNietIngesteld(problemen=[FieldProblem("nats_organisatie_id", NatsNietIngesteld.code, NatsNietIngesteld.melding)])
        try:
            return await uow.toegang.maak_nats_gebruiker(organisatie_id, naam, door, toegang.uitgever)
        except store.NatsGebruikerBestaatAl as bestaand:
            melding = f"Er is al een geldige NATS-gebruiker {bestaand}. Trek die eerst in als je een nieuwe sleutel wil geven."
            raise Conflict("bestaat_al", melding, problemen=[FieldProblem("nats_organisatie_id", "bestaat_al", melding)]) from None


async def trek_nats_gebruiker_in(uow: ToegangUnitOfWork, toegang: PartnerNatsToegang, gebruiker_id: int, *, door: str) -> str:
    """Revoke a NATS user and, once that is committed, push the revocation list to the server.
    Returns what happened, as the key of the staff page's message."""
    async with uow:
        gebruiker = await uow.toegang.trek_nats_gebruiker_in(gebruiker_id, door)
    if not gebruiker:
        return "nats_al_ingetrokken"
    if not toegang.beschikbaar:
        return "nats_ingetrokken_geen_sleutel"
    return "nats_ingetrokken" if await toegang.doorvoeren() else "nats_ingetrokken_later"
