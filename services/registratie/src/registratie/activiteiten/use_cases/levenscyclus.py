"""Planning, changing, cancelling and closing an activity: each change bumps `versie` and queues
its lifecycle event (the whole snapshot) in the same transaction as the row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dinet_chassis.errors import FieldProblem, Invalid
from dinet_contracts.types import ActiviteitStatus, OrganisatieType

from ..domain import (
    OPEN_STATUSSEN,
    ActiviteitGegevens,
    VersieConflict,
    controleer_afsluitbaar,
    controleer_annuleerbaar,
    controleer_wijzigbaar,
    gebeurtenis_voor,
    onbekende_activiteit,
    snapshot,
    status_na_wijziging,
    van_partner,
)
from ..store.activiteiten import ActiviteitRij
from . import UoW
from .inschrijvingen import promoveer


@dataclass(frozen=True, slots=True)
class Plan:
    """A new activity by staff (or a partner editor through the same form)."""

    gegevens: ActiviteitGegevens
    al_afgelopen: bool = False  # it was held already (recorded afterwards)
    activiteit_id: uuid.UUID | None = None
    vraag_id: uuid.UUID | None = None  # made from a request for tailored support: linked to it at once
    door: str = ""


@dataclass(frozen=True, slots=True)
class Wijzig:
    activiteit_id: uuid.UUID
    gegevens: ActiviteitGegevens
    verwachte_versie: int | None = None  # the versie the form showed: someone else's save in between is refused


@dataclass(frozen=True, slots=True)
class Annuleer:
    activiteit_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class MarkeerAfgelopen:
    activiteit_id: uuid.UUID


async def publiceer(
    uow: UoW,
    activiteit_id: uuid.UUID,
    versie: int,
    oud: ActiviteitStatus | None,
    nieuw: ActiviteitStatus,
    g: ActiviteitGegevens,
) -> None:
    soort_event = gebeurtenis_voor(oud, nieuw)
    await uow.publish(soort_event(activiteit_id=activiteit_id, activiteit=snapshot(activiteit_id, versie, nieuw, g)))


async def onbekende_organisaties(uow: UoW, g: ActiviteitGegevens) -> list[FieldProblem]:
    fouten: list[FieldProblem] = []
    if not await uow.activiteiten.organisatie_bestaat(g.organisator_id):
        fouten.append(FieldProblem("organisator_id", "onbekende_organisatie", "Kies de organisator uit de lijst."))
    if g.lokaal_bestuur_id is not None and not await uow.activiteiten.organisatie_bestaat(
        g.lokaal_bestuur_id, type_=OrganisatieType.LOKAAL_BESTUUR.value
    ):
        fouten.append(FieldProblem("lokaal_bestuur_id", "onbekend_lokaal_bestuur", "Kies het lokaal bestuur uit de lijst."))
    return fouten


async def _controleer_organisaties(uow: UoW, g: ActiviteitGegevens) -> None:
    fouten = await onbekende_organisaties(uow, g)
    if fouten:
        raise Invalid(problemen=fouten)


async def plan(cmd: Plan, uow: UoW) -> uuid.UUID:
    activiteit_id = cmd.activiteit_id or uuid.uuid4()
    status = ActiviteitStatus.AFGELOPEN if cmd.al_afgelopen else ActiviteitStatus.GEPLAND
    async with uow:
        await _controleer_organisaties(uow, cmd.gegevens)
        await uow.activiteiten.voeg_toe(activiteit_id, 1, status, cmd.gegevens, bron="beheer")
        await publiceer(uow, activiteit_id, 1, None, status, cmd.gegevens)
        if cmd.vraag_id is not None:
            await uow.vragen.koppel(cmd.vraag_id, activiteit_id, cmd.door)
    return activiteit_id


async def _vergrendeld(uow: UoW, activiteit_id: uuid.UUID) -> ActiviteitRij:
    """The row, locked: registrations take the same lock (see inschrijvingen.py)."""
    rij = await uow.activiteiten.lees(activiteit_id, voor_update=True)
    if rij is None:
        raise onbekende_activiteit()
    if rij.bron == "partner":
        raise van_partner()
    return rij


async def wijzig(cmd: Wijzig, uow: UoW) -> int:
    """Save staff's changes; returns the new versie. A new date keeps the id (status `verplaatst`).

    More places than before move people up from the waitlist in the same transaction.
    """
    g = cmd.gegevens
    async with uow:
        rij = await _vergrendeld(uow, cmd.activiteit_id)
        if cmd.verwachte_versie is not None and cmd.verwachte_versie != rij.versie:
            raise VersieConflict(rij.versie)
        controleer_wijzigbaar(rij.status)
        await _controleer_organisaties(uow, g)
        if g == rij.gegevens:
            return rij.versie  # nothing changed: no new version, no event
        status = status_na_wijziging(rij.status, rij.gegevens, g)
        versie = rij.versie + 1
        await uow.activiteiten.werk_bij(cmd.activiteit_id, versie, status, g)
        await publiceer(uow, cmd.activiteit_id, versie, rij.status, status, g)
        if status in OPEN_STATUSSEN:
            await promoveer(uow, cmd.activiteit_id, g.capaciteit)
    return versie


async def annuleer(cmd: Annuleer, uow: UoW) -> int:
    async with uow:
        rij = await _vergrendeld(uow, cmd.activiteit_id)
        controleer_annuleerbaar(rij.status, rij.gegevens.start, uow.now())
        versie = rij.versie + 1
        await uow.activiteiten.werk_bij(cmd.activiteit_id, versie, ActiviteitStatus.GEANNULEERD, rij.gegevens)
        await publiceer(uow, cmd.activiteit_id, versie, rij.status, ActiviteitStatus.GEANNULEERD, rij.gegevens)
    return versie


async def markeer_afgelopen(cmd: MarkeerAfgelopen, uow: UoW) -> int:
    """The activity was held: from now on it counts in the KPIs of the year it started."""
    async with uow:
        rij = await _vergrendeld(uow, cmd.activiteit_id)
        controleer_afsluitbaar(rij.status, rij.gegevens.start, uow.now())
        versie = rij.versie + 1
        await uow.activiteiten.werk_bij(cmd.activiteit_id, versie, ActiviteitStatus.AFGELOPEN, rij.gegevens)
        await publiceer(uow, cmd.activiteit_id, versie, rij.status, ActiviteitStatus.AFGELOPEN, rij.gegevens)
    return versie
