"""The `inschrijvingen` table as the registration use cases change it (use_cases/inschrijvingen.py
explains the row lock they take first).

The unique key (activiteit_id, lid_id) keeps a person on one row per activity whatever the
interleaving; that row changes status (ingeschreven, wachtlijst, geannuleerd) and `versie`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from dinet_chassis.db import driver_connection
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class LidVoorInschrijving:
    organisatie_id: uuid.UUID
    organisatie_type: OrganisatieType
    vertrokken: bool  # left the network (lid_tot in the past)


@dataclass(frozen=True, slots=True)
class Slot:
    """What registering needs of the activity, read under its row lock."""

    status: ActiviteitStatus
    soort: ActiviteitSoort
    start: datetime
    capaciteit: int | None


@dataclass(frozen=True, slots=True)
class Gewijzigd:
    """A registration row after a change: what its event carries."""

    id: uuid.UUID
    lid_id: uuid.UUID
    versie: int
    gewijzigd_op: datetime


@dataclass(frozen=True, slots=True)
class Doorgeschoven(Gewijzigd):
    """Moved up from the waitlist, with the member's organisation (for the event)."""

    organisatie_id: uuid.UUID
    organisatie_type: OrganisatieType


# The statements of registering (`lid`, `vergrendel`, `stand`, `schrijf_in`) are the API's hot
# path: they go straight to the driver, positional and prepared once per connection, in the unit
# of work's transaction (see `dinet_chassis.db.driver_connection`). Through SQLAlchemy's text()
# its per-statement work cost about a quarter of a registration's CPU.

_VERGRENDEL = "SELECT status, soort, start, capaciteit FROM activiteiten WHERE id = $1 FOR UPDATE"

_LID = (
    "SELECT l.organisatie_id, o.type, l.lid_tot IS NOT NULL AND l.lid_tot < current_date AS vertrokken"
    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = $1"
)

# Who registers and the activity's lock in one round trip: the lock is taken in the same
# statement, so it is held no longer than when the member was looked up first. Only the seat
# count must come after the lock, in a statement of its own: under READ COMMITTED a statement
# sees what had committed when it began, and a count in the locking statement would miss the
# registration of whoever held the lock before (overbooking).
_LID_EN_VERGRENDEL = (
    "WITH a AS (SELECT status, soort, start, capaciteit FROM activiteiten WHERE id = $1 FOR UPDATE),"
    " l AS (SELECT l.organisatie_id, o.type, l.lid_tot IS NOT NULL AND l.lid_tot < current_date AS vertrokken"
    "  FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = $2)"
    " SELECT l.organisatie_id, l.type, l.vertrokken, a.status, a.soort, a.start, a.capaciteit"
    " FROM (VALUES (1)) AS een LEFT JOIN l ON true LEFT JOIN a ON true"
)

_STAND = (
    "SELECT count(*) FILTER (WHERE status = 'ingeschreven') AS ingeschreven,"
    " max(status) FILTER (WHERE lid_id = $2) AS bestaand FROM inschrijvingen WHERE activiteit_id = $1"
)

_SCHRIJF_IN = (
    "INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie, wachtlijst_volgnummer, ingeschreven_door)"
    " VALUES ($1, $2, $3, $4::text, 1,"
    "  CASE WHEN $4::text = 'wachtlijst' THEN nextval('wachtlijst_volgorde') END, $5)"
    " ON CONFLICT (activiteit_id, lid_id) DO UPDATE SET status = EXCLUDED.status,"
    "  versie = inschrijvingen.versie + 1, wachtlijst_volgnummer = EXCLUDED.wachtlijst_volgnummer,"
    "  ingeschreven_door = EXCLUDED.ingeschreven_door, gewijzigd_op = now()"
    " WHERE inschrijvingen.status = 'geannuleerd'"
    " RETURNING id, lid_id, versie, gewijzigd_op"
)

_ANNULEER = text(
    "UPDATE inschrijvingen SET status = 'geannuleerd', versie = versie + 1, wachtlijst_volgnummer = NULL,"
    " gewijzigd_op = now() WHERE activiteit_id = :a AND lid_id = :l AND status <> 'geannuleerd'"
    " RETURNING id, lid_id, versie, gewijzigd_op"
)

_TEL = text(
    "SELECT count(*) FILTER (WHERE status = 'ingeschreven'), count(*) FILTER (WHERE status = 'wachtlijst')"
    " FROM inschrijvingen WHERE activiteit_id = :id"
)

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

_KOMENDE_VAN = text(
    "SELECT i.activiteit_id FROM inschrijvingen i JOIN activiteiten a ON a.id = i.activiteit_id"
    " WHERE i.lid_id = :l AND i.status <> 'geannuleerd' AND a.status IN ('gepland', 'verplaatst')"
    " AND a.start > :nu ORDER BY i.activiteit_id"  # one lock order for everyone: no deadlocks
)


class InschrijvingenStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._driver: asyncpg.Connection | None = None

    async def _raw(self) -> asyncpg.Connection:
        if self._driver is None:
            self._driver = await driver_connection(self.conn)
        return self._driver

    async def lid(self, lid_id: uuid.UUID) -> LidVoorInschrijving | None:
        rij = await (await self._raw()).fetchrow(_LID, lid_id)
        return LidVoorInschrijving(rij[0], OrganisatieType(rij[1]), rij[2]) if rij is not None else None

    async def vergrendel(self, activiteit_id: uuid.UUID) -> Slot | None:
        """Lock the activity's row until the transaction ends."""
        rij = await (await self._raw()).fetchrow(_VERGRENDEL, activiteit_id)
        if rij is None:
            return None
        return Slot(ActiviteitStatus(rij[0]), ActiviteitSoort(rij[1]), rij[2], rij[3])

    async def lid_en_vergrendel(
        self, activiteit_id: uuid.UUID, lid_id: uuid.UUID
    ) -> tuple[LidVoorInschrijving | None, Slot | None]:
        """`lid` and `vergrendel` in one round trip (registering's path)."""
        r = await (await self._raw()).fetchrow(_LID_EN_VERGRENDEL, activiteit_id, lid_id)
        lid = LidVoorInschrijving(r[0], OrganisatieType(r[1]), r[2]) if r[0] is not None else None
        slot = Slot(ActiviteitStatus(r[3]), ActiviteitSoort(r[4]), r[5], r[6]) if r[3] is not None else None
        return lid, slot

    async def stand(self, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> tuple[int, str | None]:
        """How many hold a seat, and this member's status on the activity (None: never registered)."""
        rij = await (await self._raw()).fetchrow(_STAND, activiteit_id, lid_id)
        return rij[0], rij[1]

    async def schrijf_in(
        self, activiteit_id: uuid.UUID, lid_id: uuid.UUID, status: str, *, door: uuid.UUID | None
    ) -> Gewijzigd:
        """A new row, or a cancelled one taken up again (same id, next versie)."""
        rij = await (await self._raw()).fetchrow(
            _SCHRIJF_IN, uuid.uuid4(), activiteit_id, lid_id, str(status), door
        )
        return Gewijzigd(rij[0], rij[1], rij[2], rij[3])

    async def annuleer(self, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> Gewijzigd | None:
        rij = (await self.conn.execute(_ANNULEER, {"a": activiteit_id, "l": lid_id})).one_or_none()
        return Gewijzigd(rij.id, rij.lid_id, rij.versie, rij.gewijzigd_op) if rij is not None else None

    async def tel(self, activiteit_id: uuid.UUID) -> tuple[int, int]:
        """(holding a seat, waiting)"""
        rij = (await self.conn.execute(_TEL, {"id": activiteit_id})).one()
        return rij[0], rij[1]

    async def schuif_door(self, activiteit_id: uuid.UUID, aantal: int) -> list[Doorgeschoven]:
        """The first `aantal` on the waitlist, in the order they joined it, get a seat."""
        rijen = (await self.conn.execute(_PROMOVEER, {"a": activiteit_id, "n": aantal})).all()
        return [
            Doorgeschoven(r.id, r.lid_id, r.versie, r.gewijzigd_op, r.organisatie_id, OrganisatieType(r.type)) for r in rijen
        ]

    async def komende_van(self, lid_id: uuid.UUID, nu: datetime) -> list[uuid.UUID]:
        """The open activities still to come where the member holds a seat or waits, in id order."""
        return list((await self.conn.execute(_KOMENDE_VAN, {"l": lid_id, "nu": nu})).scalars().all())
