"""Registering for an activity, the waitlist, and cancelling.

Concurrency. Every change to an activity's registrations first locks that activity's row
(`SELECT ... FOR UPDATE`), and only then counts seats and decides. The invariant "no more people
registered than the capacity" spans many rows, which no single-row constraint can protect: under
READ COMMITTED two simultaneous registrations (or two cancellations promoting from the waitlist)
would each count the same free seat and both take it. With the row lock they take turns, and
each one, once it holds the lock, reads the others' committed result (READ COMMITTED takes a new
snapshot per statement). SERIALIZABLE would also be correct, but for a popular activity nearly
every concurrent registration conflicts with every other, so most would be aborted and retried;
the lock makes them wait a few milliseconds instead, and costs nothing for different activities.
Staff's edits (`levenscyclus.wijzig`) take the same lock, so a capacity change and a
registration cannot interleave either.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dinet_chassis.errors import Conflict
from dinet_contracts.events.activiteiten import InschrijvingGewijzigd
from dinet_contracts.types import OrganisatieType

from ..domain import (
    OP_EEN_LIJST,
    InschrijvingStatus,
    Wie,
    al_op_lijst,
    andere_organisatie,
    fout_niet_open,
    geen_lid,
    mag_beheren,
    niet_ingeschreven,
    onbekende_activiteit,
    plaats_voor,
    vrije_plaatsen,
    weiger,
)
from ..store.inschrijvingen import Gewijzigd, LidVoorInschrijving, Slot
from . import UoW


@dataclass(frozen=True, slots=True)
class SchrijfIn:
    activiteit_id: uuid.UUID
    lid_id: uuid.UUID
    door: Wie


@dataclass(frozen=True, slots=True)
class SchrijfUit:
    """Cancel a registration or leave the waitlist."""

    activiteit_id: uuid.UUID
    lid_id: uuid.UUID
    door: Wie


@dataclass(frozen=True, slots=True)
class SchrijfOveralUit:
    """A member leaves the network or is erased: their places for what is still to come go."""

    lid_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Inschrijving:
    id: uuid.UUID
    activiteit_id: uuid.UUID
    lid_id: uuid.UUID
    status: str
    versie: int


def _mag_inschrijven(lid: LidVoorInschrijving | None, lid_id: uuid.UUID, door: Wie) -> LidVoorInschrijving:
    """A member still in the network, whom `door` may register."""
    if lid is None or lid.vertrokken:
        raise geen_lid()
    if not mag_beheren(door, lid_id, lid.organisatie_id):
        raise andere_organisatie()
    return lid


async def _vergrendel(uow: UoW, activiteit_id: uuid.UUID) -> Slot:
    """Lock the activity (see the module's docstring) and check it takes registrations."""
    return _open(uow, await uow.inschrijvingen.vergrendel(activiteit_id))


def _open(uow: UoW, slot: Slot | None) -> Slot:
    if slot is None:
        raise onbekende_activiteit()
    fout = fout_niet_open(slot.status, slot.soort, slot.start, uow.now())
    if fout is not None:
        raise weiger(Conflict, fout)
    return slot


async def _meld(
    uow: UoW, activiteit_id: uuid.UUID, rij: Gewijzigd, organisatie_id: uuid.UUID, organisatie_type: OrganisatieType, status: str
) -> None:
    await uow.publish(
        InschrijvingGewijzigd(
            inschrijving_id=rij.id,
            versie=rij.versie,
            activiteit_id=activiteit_id,
            lid_id=rij.lid_id,
            organisatie_id=organisatie_id,
            organisatie_type=organisatie_type,
            status=status,
            gewijzigd_op=rij.gewijzigd_op,
        )
    )


async def schrijf_in(cmd: SchrijfIn, uow: UoW) -> Inschrijving:
    """A seat, or the waitlist when the activity is full."""
    async with uow:
        # Who it is and the activity's lock come in one round trip (the lock is held for as few
        # statements as possible: everyone else waits meanwhile). Who it is is judged first.
        lid, slot = await uow.inschrijvingen.lid_en_vergrendel(cmd.activiteit_id, cmd.lid_id)
        lid = _mag_inschrijven(lid, cmd.lid_id, cmd.door)
        slot = _open(uow, slot)
        ingeschreven, bestaand = await uow.inschrijvingen.stand(cmd.activiteit_id, cmd.lid_id)
        if bestaand in OP_EEN_LIJST:
            raise al_op_lijst(bestaand)
        status = plaats_voor(slot.capaciteit, ingeschreven)
        rij = await uow.inschrijvingen.schrijf_in(cmd.activiteit_id, cmd.lid_id, status, door=cmd.door.lid_id)
        await _meld(uow, cmd.activiteit_id, rij, lid.organisatie_id, lid.organisatie_type, status)
    return Inschrijving(rij.id, cmd.activiteit_id, cmd.lid_id, status, rij.versie)


async def schrijf_uit(cmd: SchrijfUit, uow: UoW) -> Inschrijving:
    """A freed seat goes to the first in line, in the same transaction."""
    async with uow:
        lid = await uow.inschrijvingen.lid(cmd.lid_id)
        if lid is None:
            # The member is named in the path: an unknown one has no registration here (not
            # found), it is not a wrong field in a body.
            raise niet_ingeschreven()
        if not mag_beheren(cmd.door, cmd.lid_id, lid.organisatie_id):
            raise andere_organisatie()
        slot = await _vergrendel(uow, cmd.activiteit_id)
        _, vorige = await uow.inschrijvingen.stand(cmd.activiteit_id, cmd.lid_id)
        rij = await uow.inschrijvingen.annuleer(cmd.activiteit_id, cmd.lid_id) if vorige in OP_EEN_LIJST else None
        if rij is None:
            raise niet_ingeschreven()
        await _meld(uow, cmd.activiteit_id, rij, lid.organisatie_id, lid.organisatie_type, InschrijvingStatus.GEANNULEERD)
        if vorige == InschrijvingStatus.INGESCHREVEN:
            await promoveer(uow, cmd.activiteit_id, slot.capaciteit)
    return Inschrijving(rij.id, cmd.activiteit_id, cmd.lid_id, InschrijvingStatus.GEANNULEERD, rij.versie)


async def schrijf_overal_uit(cmd: SchrijfOveralUit, uow: UoW) -> int:
    """Cancel a member's places for activities still to come, each freed seat going to the
    first in line. For leaving the network and for erasure: run it (in the same transaction)
    before the member's row is deleted, which would remove the rows without promoting anyone.
    Returns how many were cancelled."""
    async with uow:
        lid = await uow.inschrijvingen.lid(cmd.lid_id)
        if lid is None:
            return 0
        activiteiten = await uow.inschrijvingen.komende_van(cmd.lid_id, uow.now())
        for activiteit_id in activiteiten:
            slot = await uow.inschrijvingen.vergrendel(activiteit_id)
            rij = await uow.inschrijvingen.annuleer(activiteit_id, cmd.lid_id)
            if slot is None or rij is None:
                continue
            await _meld(uow, activiteit_id, rij, lid.organisatie_id, lid.organisatie_type, InschrijvingStatus.GEANNULEERD)
            await promoveer(uow, activiteit_id, slot.capaciteit)
    return len(activiteiten)


async def promoveer(uow: UoW, activiteit_id: uuid.UUID, capaciteit: int | None) -> int:
    """Move the first in line up while there are free seats. The caller holds the activity's
    row lock (see the module's docstring); returns how many moved up."""
    ingeschreven, wachtenden = await uow.inschrijvingen.tel(activiteit_id)
    aantal = vrije_plaatsen(capaciteit, ingeschreven, wachtenden)
    if aantal == 0:
        return 0
    doorgeschoven = await uow.inschrijvingen.schuif_door(activiteit_id, aantal)
    for r in doorgeschoven:
        await _meld(uow, activiteit_id, r, r.organisatie_id, r.organisatie_type, InschrijvingStatus.INGESCHREVEN)
    return len(doorgeschoven)


__all__ = ["Inschrijving", "SchrijfIn", "SchrijfOveralUit", "SchrijfUit", "promoveer", "schrijf_in", "schrijf_overal_uit", "schrijf_uit"]
