"""The `feedback` table: one answer per activity and member; the text never leaves this service."""

from __future__ import annotations

import uuid
from datetime import datetime

from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import FeedbackStand

_STAND = text(
    "SELECT a.status, a.einde,"
    " EXISTS (SELECT 1 FROM aanwezigheden w WHERE w.activiteit_id = a.id AND w.lid_id = :l AND w.aanwezig) AS aanwezig,"
    " EXISTS (SELECT 1 FROM feedback f WHERE f.activiteit_id = a.id AND f.lid_id = :l) AS gegeven"
    " FROM activiteiten a WHERE a.id = :a"
)


async def lees_stand(conn: AsyncConnection, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> FeedbackStand | None:
    rij = (await conn.execute(_STAND, {"a": activiteit_id, "l": lid_id})).one_or_none()
    if rij is None:
        return None
    return FeedbackStand(ActiviteitStatus(rij.status), rij.einde, rij.aanwezig, rij.gegeven)


class FeedbackStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def stand(self, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> FeedbackStand | None:
        return await lees_stand(self.conn, activiteit_id, lid_id)

    async def bewaar(
        self, feedback_id: uuid.UUID, activiteit_id: uuid.UUID, lid_id: uuid.UUID, score: int, tekst: str | None
    ) -> tuple[datetime, ActiviteitSoort] | None:
        """(received at, the activity's kind); None when this member answered already: the same
        person twice at once, and the unique key decided."""
        rij = (
            await self.conn.execute(
                text(
                    "INSERT INTO feedback (id, activiteit_id, lid_id, score, tekst) VALUES (:id, :a, :l, :s, :t)"
                    " ON CONFLICT (activiteit_id, lid_id) DO NOTHING"
                    " RETURNING ontvangen_op, (SELECT soort FROM activiteiten WHERE id = :a) AS soort"
                ),
                {"id": feedback_id, "a": activiteit_id, "l": lid_id, "s": score, "t": tekst},
            )
        ).one_or_none()
        return (rij.ontvangen_op, ActiviteitSoort(rij.soort)) if rij is not None else None
