"""Attendance recorded by staff: at the door (check-in), in bulk, or afterwards.

Every recorded change emits `AanwezigheidGeregistreerd` with a `versie` per activity and member;
saving the same values again changes nothing and emits nothing, so a bulk form can be sent
twice. The event carries the activity's id, never a year: the KPI service counts it in the year
the activity was held, however late it is recorded.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from dinet_chassis import outbox
from dinet_contracts.events.activiteiten import AanwezigheidGeregistreerd
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType
from sqlalchemy import text

from ..domain import Fout
from .domein import fout_aanwezigheid, format_uren, nu_utc


@dataclass(frozen=True, slots=True)
class Regel:
    lid_id: uuid.UUID
    aanwezig: bool
    uren: Decimal  # 0 when absent; at most the activity's duration


class AanwezigheidGeweigerd(Exception):
    def __init__(self, status: int, fouten: list[Fout]) -> None:
        super().__init__(", ".join(f.code for f in fouten))
        self.status = status
        self.fouten = fouten


_BEWAAR = text(
    "INSERT INTO aanwezigheden (activiteit_id, lid_id, organisatie_id, organisatie_type, aanwezig, uren, versie,"
    " geregistreerd_door)"
    " VALUES (:activiteit_id, :lid_id, :organisatie_id, :organisatie_type, :aanwezig, :uren, 1, :door)"
    " ON CONFLICT (activiteit_id, lid_id) DO UPDATE SET aanwezig = EXCLUDED.aanwezig, uren = EXCLUDED.uren,"
    "  versie = aanwezigheden.versie + 1, geregistreerd_op = now(), geregistreerd_door = EXCLUDED.geregistreerd_door"
    " WHERE (aanwezigheden.aanwezig, aanwezigheden.uren) IS DISTINCT FROM (EXCLUDED.aanwezig, EXCLUDED.uren)"
    " RETURNING versie, geregistreerd_op, organisatie_id, organisatie_type"
)


async def registreer(
    db: Any,
    activiteit_id: uuid.UUID,
    regels: list[Regel],
    *,
    door: str,
    source: str,
    nu: datetime | None = None,
) -> int:
    """Record attendance for several members at once (all or nothing); returns how many changed."""
    async with db.transaction() as conn:
        act = (
            await conn.execute(
                text("SELECT status, soort, start, duur_uren FROM activiteiten WHERE id = :id"), {"id": activiteit_id}
            )
        ).one_or_none()
        if act is None:
            raise AanwezigheidGeweigerd(404, [Fout("activiteit_id", "onbekende_activiteit", "Deze activiteit bestaat niet.")])
        fout = fout_aanwezigheid(ActiviteitStatus(act.status), ActiviteitSoort(act.soort), act.start, nu or nu_utc())
        if fout is not None:
            raise AanwezigheidGeweigerd(409, [fout])
        te_veel = [r for r in regels if r.uren > act.duur_uren or r.uren < 0 or (not r.aanwezig and r.uren)]
        if te_veel:
            raise AanwezigheidGeweigerd(
                422,
                [
                    Fout(
                        f"uren_{r.lid_id}",
                        "meer_dan_duur",
                        f"Iemand kan niet langer aanwezig zijn dan de activiteit duurt ({format_uren(act.duur_uren)} uur).",
                    )
                    for r in te_veel
                ],
            )
        leden = {
            r.id: (r.organisatie_id, r.type)
            for r in (
                await conn.execute(
                    text(
                        "SELECT l.id, l.organisatie_id, o.type FROM leden l JOIN organisaties o ON o.id = l.organisatie_id"
                        " WHERE l.id = ANY(:ids)"
                    ),
                    {"ids": [r.lid_id for r in regels]},
                )
            ).all()
        }
        onbekend = [r for r in regels if r.lid_id not in leden]
        if onbekend:
            raise AanwezigheidGeweigerd(
                422, [Fout(f"aanwezig_{r.lid_id}", "onbekend_lid", "Deze persoon is geen lid van het netwerk.") for r in onbekend]
            )
        gewijzigd = 0
        # A stable order, so two staff members saving overlapping lists lock rows in the same order.
        for regel in sorted(regels, key=lambda r: r.lid_id):
            organisatie_id, organisatie_type = leden[regel.lid_id]
            rij = (
                await conn.execute(
                    _BEWAAR,
                    {
                        "activiteit_id": activiteit_id,
                        "lid_id": regel.lid_id,
                        "organisatie_id": organisatie_id,
                        "organisatie_type": organisatie_type,
                        "aanwezig": regel.aanwezig,
                        "uren": regel.uren,
                        "door": door,
                    },
                )
            ).one_or_none()
            if rij is None:
                continue  # unchanged
            gewijzigd += 1
            await outbox.add(
                conn,
                AanwezigheidGeregistreerd(
                    activiteit_id=activiteit_id,
                    lid_id=regel.lid_id,
                    versie=rij.versie,
                    # The organisation the member belonged to when the attendance was first
                    # recorded: the hours keep it even if the member later moves or is erased.
                    organisatie_id=rij.organisatie_id,
                    organisatie_type=OrganisatieType(rij.organisatie_type),
                    aanwezig=regel.aanwezig,
                    uren=regel.uren,
                    geregistreerd_op=rij.geregistreerd_op,
                ),
                source=source,
            )
    return gewijzigd


async def deelnemerslijst(db: Any, activiteit_id: uuid.UUID) -> list[dict[str, Any]]:
    """Who to check in: everyone registered (not the waitlist) and anyone recorded already
    (also people who came without registering), by name."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT l.id AS lid_id, l.naam, l.email, o.naam AS organisatie_naam, a.aanwezig, a.uren,"
                    " i.status = 'ingeschreven' AS ingeschreven"
                    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id"
                    " LEFT JOIN inschrijvingen i ON i.activiteit_id = :a AND i.lid_id = l.id"
                    " LEFT JOIN aanwezigheden a ON a.activiteit_id = :a AND a.lid_id = l.id"
                    " WHERE i.status = 'ingeschreven' OR a.id IS NOT NULL"
                    " ORDER BY l.naam, l.id"
                ),
                {"a": activiteit_id},
            )
        ).mappings().all()
    mensen = [dict(r) for r in rijen]
    # Every field on the form is named after its person (for screen readers too), and two people
    # with one name must not get one label: the organisation tells most apart, the e-mail the rest.
    dubbel = Counter((m["naam"], m["organisatie_naam"]) for m in mensen)
    for m in mensen:
        uniek = dubbel[(m["naam"], m["organisatie_naam"])] == 1
        m["kenmerk"] = m["organisatie_naam"] if uniek else f"{m['organisatie_naam']}, {m['email']}"
        m["label"] = f"{m['naam']} ({m['kenmerk']})"
    return mensen


async def lid_met_email(db: Any, email: str) -> uuid.UUID | None:
    async with db.engine.connect() as conn:
        return (
            await conn.execute(text("SELECT id FROM leden WHERE email = :e"), {"e": email.strip().lower()})
        ).scalar_one_or_none()


async def totaal(db: Any, activiteit_id: uuid.UUID) -> tuple[int, Decimal]:
    """How many attended and their hours together (participant hours)."""
    async with db.engine.connect() as conn:
        rij = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE aanwezig), coalesce(sum(uren), 0) FROM aanwezigheden"
                    " WHERE activiteit_id = :a"
                ),
                {"a": activiteit_id},
            )
        ).one()
    return rij[0], Decimal(rij[1])
