"""Persistence of activities: the stores a use case writes through, attached to a unit of work,
and the read-only queries of the pages (`lijsten`).

    async with ActiviteitenUoW(db, source=...) as uow:   # or ActiviteitenUoW.within(conn, ...)
        rij = await uow.activiteiten.lees(activiteit_id, voor_update=True)
"""

from __future__ import annotations

from typing import Any, Self

from dinet_chassis.db import Database
from dinet_chassis.uow import BorrowedUnitOfWork, Clock, SqlUnitOfWork, utc_now
from sqlalchemy.ext.asyncio import AsyncConnection

from .aanwezigheden import AanwezighedenStore
from .activiteiten import ActiviteitenStore
from .feedback import FeedbackStore
from .inschrijvingen import InschrijvingenStore
from .ondersteuningsvragen import VragenStore


def _koppel(uow: Any, conn: AsyncConnection) -> None:
    uow.activiteiten = ActiviteitenStore(conn)
    uow.inschrijvingen = InschrijvingenStore(conn)
    uow.aanwezigheden = AanwezighedenStore(conn)
    uow.feedback = FeedbackStore(conn)
    uow.vragen = VragenStore(conn)


class ActiviteitenUoW(SqlUnitOfWork):
    """One transaction of registratie's database with the activities' stores."""

    activiteiten: ActiviteitenStore
    inschrijvingen: InschrijvingenStore
    aanwezigheden: AanwezighedenStore
    feedback: FeedbackStore
    vragen: VragenStore

    def __init__(self, db: Database, *, source: str, clock: Clock = utc_now, **kwargs: Any) -> None:
        super().__init__(db, source=source, clock=clock, **kwargs)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        _koppel(self, self.conn)
        return self

    @classmethod
    def within(cls, conn: AsyncConnection, *, source: str, clock: Clock = utc_now) -> "GeleendeActiviteitenUoW":  # type: ignore[override]
        """On a transaction someone else commits: a consumer's, or another part of registratie's
        (erasing a member cancels their registrations in the erasure's transaction)."""
        return GeleendeActiviteitenUoW(conn, source=source, clock=clock)


class GeleendeActiviteitenUoW(BorrowedUnitOfWork):
    activiteiten: ActiviteitenStore
    inschrijvingen: InschrijvingenStore
    aanwezigheden: AanwezighedenStore
    feedback: FeedbackStore
    vragen: VragenStore

    def __init__(self, conn: AsyncConnection, *, source: str, clock: Clock = utc_now) -> None:
        super().__init__(conn, source=source, clock=clock)
        _koppel(self, conn)


__all__ = ["ActiviteitenUoW", "GeleendeActiviteitenUoW"]
