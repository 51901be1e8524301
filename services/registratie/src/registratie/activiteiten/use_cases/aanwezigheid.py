"""Attendance recorded by staff: at the door (check-in), in bulk, or afterwards.

Every recorded change emits `AanwezigheidGeregistreerd` with a `versie` per activity and member;
saving the same values again changes nothing and emits nothing, so a bulk form can be sent
twice. The event carries the activity's id, never a year: the KPI service counts it in the year
the activity was held, however late it is recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from dinet_chassis.errors import Conflict
from dinet_contracts.events.activiteiten import AanwezigheidGeregistreerd

from ..domain import fout_aanwezigheid, onbekende_activiteit, onbekende_leden, te_veel_uren, weiger
from . import UoW


@dataclass(frozen=True, slots=True)
class Regel:
    lid_id: uuid.UUID
    aanwezig: bool
    uren: Decimal  # 0 when absent; at most the activity's duration


@dataclass(frozen=True, slots=True)
class RegistreerAanwezigheid:
    activiteit_id: uuid.UUID
    regels: tuple[Regel, ...]
    door: str  # who recorded it (the staff member's subject)


async def registreer(cmd: RegistreerAanwezigheid, uow: UoW) -> int:
    """Record attendance for several members at once (all or nothing); returns how many changed."""
    async with uow:
        activiteit = await uow.activiteiten.lees(cmd.activiteit_id)
        if activiteit is None:
            raise onbekende_activiteit()
        g = activiteit.gegevens
        fout = fout_aanwezigheid(activiteit.status, g.soort, g.start, uow.now())
        if fout is not None:
            raise weiger(Conflict, fout)
        ongeldig = te_veel_uren(((r.lid_id, r.aanwezig, r.uren) for r in cmd.regels), g.duur_uren)
        if ongeldig is not None:
            raise ongeldig
        organisaties = await uow.aanwezigheden.organisaties_van([r.lid_id for r in cmd.regels])
        ongeldig = onbekende_leden(r.lid_id for r in cmd.regels if r.lid_id not in organisaties)
        if ongeldig is not None:
            raise ongeldig
        gewijzigd = 0
        # A stable order, so two staff members saving overlapping lists lock rows in the same order.
        for regel in sorted(cmd.regels, key=lambda r: r.lid_id):
            rij = await uow.aanwezigheden.bewaar(
                cmd.activiteit_id, regel.lid_id, organisaties[regel.lid_id], regel.aanwezig, regel.uren, door=cmd.door
            )
            if rij is None:
                continue  # unchanged
            gewijzigd += 1
            await uow.publish(
                AanwezigheidGeregistreerd(
                    activiteit_id=cmd.activiteit_id,
                    lid_id=regel.lid_id,
                    versie=rij.versie,
                    organisatie_id=rij.organisatie_id,
                    organisatie_type=rij.organisatie_type,
                    aanwezig=regel.aanwezig,
                    uren=regel.uren,
                    geregistreerd_op=rij.geregistreerd_op,
                )
            )
    return gewijzigd
