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

The unique key (activiteit_id, lid_id) keeps a person on one row per activity whatever the
interleaving; that row changes status (ingeschreven, wachtlijst, geannuleerd) and `versie`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dinet_chassis import outbox
from dinet_chassis.web.auth import Identiteit, Rol
from dinet_contracts.events.activiteiten import InschrijvingGewijzigd
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Fout
from .domein import InschrijvingStatus, fout_niet_open, nu_utc, plaats_voor, vrije_plaatsen


@dataclass(frozen=True, slots=True)
class Inschrijving:
    id: uuid.UUID
    activiteit_id: uuid.UUID
    lid_id: uuid.UUID
    status: str
    versie: int


class InschrijvingGeweigerd(Exception):
    """Not allowed or not possible; `status` is the HTTP status the API answers with."""

    def __init__(self, status: int, fout: Fout) -> None:
        super().__init__(fout.code)
        self.status = status
        self.fout = fout


def _niet_ingeschreven() -> Fout:
    return Fout("lid_id", "niet_ingeschreven", "Deze persoon is niet ingeschreven en staat niet op de wachtlijst.")


def fout_al_op_lijst(status: str) -> Fout:
    if status == InschrijvingStatus.WACHTLIJST:
        return Fout("lid_id", "al_op_wachtlijst", "Deze persoon staat al op de wachtlijst voor deze activiteit.")
    return Fout("lid_id", "al_ingeschreven", "Deze persoon is al ingeschreven voor deze activiteit.")


def mag_beheren(door: Identiteit, lid_id: uuid.UUID, lid_organisatie_id: uuid.UUID) -> bool:
    """Staff for anyone; a member for themselves and for colleagues of their own organisation."""
    if door.heeft(Rol.MEDEWERKER):
        return True
    if door.lid_id is None:
        return False
    return door.lid_id == lid_id or (door.organisatie_id is not None and door.organisatie_id == lid_organisatie_id)


_VERGRENDEL = text("SELECT status, soort, start, capaciteit FROM activiteiten WHERE id = :id FOR UPDATE")

_LID = text(
    "SELECT l.organisatie_id, o.type, l.lid_tot IS NOT NULL AND l.lid_tot < current_date AS vertrokken"
    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = :id"
)


async def _vergrendel(conn: AsyncConnection, activiteit_id: uuid.UUID, nu: datetime) -> int | None:
    """Lock the activity (see the module's docstring); returns its capacity."""
    rij = (await conn.execute(_VERGRENDEL, {"id": activiteit_id})).mappings().one_or_none()
    if rij is None:
        raise InschrijvingGeweigerd(404, Fout("activiteit_id", "onbekende_activiteit", "Deze activiteit bestaat niet."))
    fout = fout_niet_open(ActiviteitStatus(rij["status"]), ActiviteitSoort(rij["soort"]), rij["start"], nu)
    if fout is not None:
        raise InschrijvingGeweigerd(409, fout)
    return rij["capaciteit"]


async def _lid(
    conn: AsyncConnection, lid_id: uuid.UUID, door: Identiteit, *, nog_lid: bool = False
) -> tuple[uuid.UUID, OrganisatieType]:
    rij = (await conn.execute(_LID, {"id": lid_id})).one_or_none()
    if rij is None or (nog_lid and rij.vertrokken):
        raise InschrijvingGeweigerd(422, Fout("lid_id", "onbekend_lid", "Deze persoon is geen lid van het netwerk."))
    if not mag_beheren(door, lid_id, rij[0]):
        raise InschrijvingGeweigerd(
            403, Fout("lid_id", "andere_organisatie", "Je kan alleen jezelf of collega's van je eigen organisatie inschrijven.")
        )
    return rij[0], OrganisatieType(rij[1])


async def _tel(conn: AsyncConnection, activiteit_id: uuid.UUID) -> tuple[int, int]:
    rij = (
        await conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE status = 'ingeschreven'), count(*) FILTER (WHERE status = 'wachtlijst')"
                " FROM inschrijvingen WHERE activiteit_id = :id"
            ),
            {"id": activiteit_id},
        )
    ).one()
    return rij[0], rij[1]


async def _meld(
    conn: AsyncConnection,
    source: str,
    inschrijving_id: uuid.UUID,
    versie: int,
    activiteit_id: uuid.UUID,
    lid_id: uuid.UUID,
    organisatie_id: uuid.UUID,
    organisatie_type: OrganisatieType,
    status: str,
    gewijzigd_op: datetime,
) -> None:
    await outbox.add(
        conn,
        InschrijvingGewijzigd(
            inschrijving_id=inschrijving_id,
            versie=versie,
            activiteit_id=activiteit_id,
            lid_id=lid_id,
            organisatie_id=organisatie_id,
            organisatie_type=organisatie_type,
            status=status,
            gewijzigd_op=gewijzigd_op,
        ),
        source=source,
    )


_STAND = text(
    "SELECT count(*) FILTER (WHERE status = 'ingeschreven') AS ingeschreven,"
    " max(status) FILTER (WHERE lid_id = :l) AS bestaand FROM inschrijvingen WHERE activiteit_id = :a"
)

_SCHRIJF_IN = text(
    "INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie, wachtlijst_volgnummer, ingeschreven_door)"
    " VALUES (:id, :activiteit_id, :lid_id, :status, 1,"
    "  CASE WHEN :status = 'wachtlijst' THEN nextval('wachtlijst_volgorde') END, :door)"
    " ON CONFLICT (activiteit_id, lid_id) DO UPDATE SET status = EXCLUDED.status,"
    "  versie = inschrijvingen.versie + 1, wachtlijst_volgnummer = EXCLUDED.wachtlijst_volgnummer,"
    "  ingeschreven_door = EXCLUDED.ingeschreven_door, gewijzigd_op = now()"
    " WHERE inschrijvingen.status = 'geannuleerd'"
    " RETURNING id, versie, gewijzigd_op"
)


async def schrijf_in(
    db: Any,
    activiteit_id: uuid.UUID,
    lid_id: uuid.UUID,
    *,
    door: Identiteit,
    source: str,
    nu: datetime | None = None,
) -> Inschrijving:
    """Register `lid_id` (a seat, or the waitlist when full). Raises InschrijvingGeweigerd."""
    async with db.transaction() as conn:
        # Who it is does not depend on the activity's lock: look it up before taking it, so the
        # lock is held for as few statements as possible (everyone else waits meanwhile).
        organisatie_id, organisatie_type = await _lid(conn, lid_id, door, nog_lid=True)
        capaciteit = await _vergrendel(conn, activiteit_id, nu or nu_utc())
        stand = (await conn.execute(_STAND, {"a": activiteit_id, "l": lid_id})).one()
        if stand.bestaand in (InschrijvingStatus.INGESCHREVEN, InschrijvingStatus.WACHTLIJST):
            raise InschrijvingGeweigerd(409, fout_al_op_lijst(stand.bestaand))
        status = plaats_voor(capaciteit, stand.ingeschreven)
        rij = (
            await conn.execute(
                _SCHRIJF_IN,
                {
                    "id": uuid.uuid4(),
                    "activiteit_id": activiteit_id,
                    "lid_id": lid_id,
                    "status": status,
                    "door": door.lid_id,
                },
            )
        ).one()
        await _meld(conn, source, rij.id, rij.versie, activiteit_id, lid_id, organisatie_id, organisatie_type, status, rij.gewijzigd_op)
    return Inschrijving(rij.id, activiteit_id, lid_id, status, rij.versie)


async def annuleer(
    db: Any,
    activiteit_id: uuid.UUID,
    lid_id: uuid.UUID,
    *,
    door: Identiteit,
    source: str,
    nu: datetime | None = None,
) -> Inschrijving:
    """Cancel a registration or leave the waitlist; a freed seat goes to the first in line."""
    async with db.transaction() as conn:
        try:
            organisatie_id, organisatie_type = await _lid(conn, lid_id, door)
        except InschrijvingGeweigerd as fout:
            if fout.status != 422:
                raise
            # The member is named in the path: an unknown one has no registration here (404),
            # it is not a wrong field in a body.
            raise InschrijvingGeweigerd(404, _niet_ingeschreven()) from fout
        capaciteit = await _vergrendel(conn, activiteit_id, nu or nu_utc())
        vorige = (
            await conn.execute(
                text("SELECT status FROM inschrijvingen WHERE activiteit_id = :a AND lid_id = :l"),
                {"a": activiteit_id, "l": lid_id},
            )
        ).scalar_one_or_none()
        if vorige not in (InschrijvingStatus.INGESCHREVEN, InschrijvingStatus.WACHTLIJST):
            raise InschrijvingGeweigerd(404, _niet_ingeschreven())
        rij = (
            await conn.execute(
                text(
                    "UPDATE inschrijvingen SET status = 'geannuleerd', versie = versie + 1, wachtlijst_volgnummer = NULL,"
                    " gewijzigd_op = now() WHERE activiteit_id = :a AND lid_id = :l RETURNING id, versie, gewijzigd_op"
                ),
                {"a": activiteit_id, "l": lid_id},
            )
        ).one()
        await _meld(
            conn, source, rij.id, rij.versie, activiteit_id, lid_id, organisatie_id, organisatie_type,
            InschrijvingStatus.GEANNULEERD, rij.gewijzigd_op,
        )
        if vorige == InschrijvingStatus.INGESCHREVEN:
            await promoveer(conn, activiteit_id, capaciteit, source=source)
    return Inschrijving(rij.id, activiteit_id, lid_id, InschrijvingStatus.GEANNULEERD, rij.versie)


async def annuleer_alle_van(conn: AsyncConnection, lid_id: uuid.UUID, *, source: str, nu: datetime | None = None) -> int:
    """Cancel a member's places for activities still to come, in the caller's transaction, each
    freed seat going to the first in line. For leaving the network and for erasure: call it
    before the member's row is deleted (the delete would remove the rows without promoting
    anyone). Returns how many were cancelled."""
    lid = (await conn.execute(_LID, {"id": lid_id})).one_or_none()
    if lid is None:
        return 0
    organisatie_id, organisatie_type = lid[0], OrganisatieType(lid[1])
    activiteiten = (
        await conn.execute(
            text(
                "SELECT i.activiteit_id FROM inschrijvingen i JOIN activiteiten a ON a.id = i.activiteit_id"
                " WHERE i.lid_id = :l AND i.status <> 'geannuleerd' AND a.status IN ('gepland', 'verplaatst')"
                " AND a.start > :nu ORDER BY i.activiteit_id"  # one lock order for everyone: no deadlocks
            ),
            {"l": lid_id, "nu": nu or nu_utc()},
        )
    ).scalars().all()
    for activiteit_id in activiteiten:
        capaciteit = (await conn.execute(_VERGRENDEL, {"id": activiteit_id})).one().capaciteit
        rij = (
            await conn.execute(
                text(
                    "UPDATE inschrijvingen SET status = 'geannuleerd', versie = versie + 1, wachtlijst_volgnummer = NULL,"
                    " gewijzigd_op = now() WHERE activiteit_id = :a AND lid_id = :l AND status <> 'geannuleerd'"
                    " RETURNING id, versie, gewijzigd_op"
                ),
                {"a": activiteit_id, "l": lid_id},
            )
        ).one()
        await _meld(
            conn, source, rij.id, rij.versie, activiteit_id, lid_id, organisatie_id, organisatie_type,
            InschrijvingStatus.GEANNULEERD, rij.gewijzigd_op,
        )
        await promoveer(conn, activiteit_id, capaciteit, source=source)
    return len(activiteiten)


_PROMOVEER = text(
    "WITH p AS ("
    " UPDATE inschrijvingen SET status = 'ingeschreven', versie = versie + 1, wachtlijst_volgnummer = NULL,"
    "  gewijzigd_op = now()"
    " WHERE id IN (SELECT id FROM inschrijvingen WHERE activiteit_id = :a AND status = 'wachtlijst'"
    "  ORDER BY wachtlijst_volgnummer LIMIT :n)"
    " RETURNING id, lid_id, versie, gewijzigd_op)"
    " SELECT p.id, p.lid_id, p.versie, p.gewijzigd_op, l.organisatie_id, o.type"
    " FROM p JOIN leden l ON l.id = p.lid_id JOIN organisaties o ON o.id = l.organisatie_id"
)


async def promoveer(conn: AsyncConnection, activiteit_id: uuid.UUID, capaciteit: int | None, *, source: str) -> int:
    """Move the first in line up while there are free seats. The caller holds the activity's
    row lock (see the module's docstring); returns how many moved up."""
    ingeschreven, wachtenden = await _tel(conn, activiteit_id)
    aantal = vrije_plaatsen(capaciteit, ingeschreven, wachtenden)
    if aantal == 0:
        return 0
    rijen = (await conn.execute(_PROMOVEER, {"a": activiteit_id, "n": aantal})).all()
    for r in rijen:
        await _meld(
            conn, source, r.id, r.versie, activiteit_id, r.lid_id, r.organisatie_id, OrganisatieType(r.type),
            InschrijvingStatus.INGESCHREVEN, r.gewijzigd_op,
        )
    return len(rijen)


# --- reading -----------------------------------------------------------------------------------


async def van_lid(db: Any, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> dict[str, Any] | None:
    """A member's registration with their place on the waitlist (1 = next in line)."""
    # transaction(), not a connection of its own: right after a registration in a request that
    # runs in one transaction (Idempotency-Key), only that transaction sees the new row.
    async with db.transaction() as conn:
        rij = (
            await conn.execute(
                text(
                    "SELECT i.id, i.status, i.versie, CASE WHEN i.status = 'wachtlijst' THEN"
                    " (SELECT count(*) FROM inschrijvingen w WHERE w.activiteit_id = i.activiteit_id"
                    "  AND w.status = 'wachtlijst' AND w.wachtlijst_volgnummer <= i.wachtlijst_volgnummer) END AS positie"
                    " FROM inschrijvingen i WHERE i.activiteit_id = :a AND i.lid_id = :l"
                ),
                {"a": activiteit_id, "l": lid_id},
            )
        ).mappings().one_or_none()
    return dict(rij) if rij is not None else None


async def van_activiteit(db: Any, activiteit_id: uuid.UUID) -> list[dict[str, Any]]:
    """Everyone on a list for the activity (not the cancelled ones), seats first, then the
    waitlist in order, with any attendance recorded."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT i.lid_id, i.status, l.naam, l.email, o.naam AS organisatie_naam,"
                    " a.aanwezig, a.uren"
                    " FROM inschrijvingen i JOIN leden l ON l.id = i.lid_id"
                    " JOIN organisaties o ON o.id = l.organisatie_id"
                    " LEFT JOIN aanwezigheden a ON a.activiteit_id = i.activiteit_id AND a.lid_id = i.lid_id"
                    " WHERE i.activiteit_id = :a AND i.status <> 'geannuleerd'"
                    " ORDER BY i.status = 'wachtlijst', i.wachtlijst_volgnummer NULLS FIRST, l.naam, l.id"
                ),
                {"a": activiteit_id},
            )
        ).mappings().all()
    return [dict(r) for r in rijen]


async def collegas(db: Any, organisatie_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """Members of one organisation, for "register a colleague"."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text("SELECT id, naam FROM leden WHERE organisatie_id = :o ORDER BY naam, id"), {"o": organisatie_id}
            )
        ).all()
    return [(r.id, r.naam) for r in rijen]


async def van_lid_alle(db: Any, lid_id: uuid.UUID) -> list[dict[str, Any]]:
    """A member's registrations (for "my registrations"), newest activity first."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT i.activiteit_id, i.status, a.titel, a.start, a.einde, a.status AS activiteit_status"
                    " FROM inschrijvingen i JOIN activiteiten a ON a.id = i.activiteit_id"
                    " WHERE i.lid_id = :l ORDER BY a.start DESC"
                ),
                {"l": lid_id},
            )
        ).mappings().all()
    return [dict(r) for r in rijen]


async def van_organisatie(db: Any, activiteit_id: uuid.UUID, organisatie_id: uuid.UUID) -> list[dict[str, Any]]:
    """The registrations of one organisation's members for an activity (a member sees their colleagues')."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT i.lid_id, i.status, l.naam FROM inschrijvingen i JOIN leden l ON l.id = i.lid_id"
                    " WHERE i.activiteit_id = :a AND l.organisatie_id = :o AND i.status <> 'geannuleerd'"
                    " ORDER BY l.naam, l.id"
                ),
                {"a": activiteit_id, "o": organisatie_id},
            )
        ).mappings().all()
    return [dict(r) for r in rijen]
