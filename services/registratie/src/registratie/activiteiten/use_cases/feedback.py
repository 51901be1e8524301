"""Feedback after an activity: asked only of those who attended, one answer per person.

The event (`FeedbackOntvangen`) carries the score only; the free text stays here, and staff see
answers only as a summary once there are enough of them (`domein.FEEDBACK_DREMPEL`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dinet_chassis import outbox
from dinet_contracts.events.activiteiten import FeedbackOntvangen
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Fout
from .domein import FeedbackSamenvatting, is_afgelopen_voor_feedback, nu_utc, vat_feedback_samen


class FeedbackGeweigerd(Exception):
    def __init__(self, status: int, fout: Fout) -> None:
        super().__init__(fout.code)
        self.status = status
        self.fout = fout


async def _waarom_niet(conn: AsyncConnection, activiteit_id: uuid.UUID, lid_id: uuid.UUID, nu: datetime) -> Fout | None:
    rij = (
        await conn.execute(
            text(
                "SELECT a.status, a.einde,"
                " EXISTS (SELECT 1 FROM aanwezigheden w WHERE w.activiteit_id = a.id AND w.lid_id = :l AND w.aanwezig)"
                "  AS aanwezig,"
                " EXISTS (SELECT 1 FROM feedback f WHERE f.activiteit_id = a.id AND f.lid_id = :l) AS gegeven"
                " FROM activiteiten a WHERE a.id = :a"
            ),
            {"a": activiteit_id, "l": lid_id},
        )
    ).one_or_none()
    if rij is None:
        return Fout("activiteit_id", "onbekende_activiteit", "Deze activiteit bestaat niet.")
    if not is_afgelopen_voor_feedback(ActiviteitStatus(rij.status), rij.einde, nu):
        return Fout("activiteit_id", "nog_niet_afgelopen", "Je kan je mening geven zodra de activiteit voorbij is.")
    if not rij.aanwezig:
        return Fout("activiteit_id", "niet_aanwezig", "Alleen wie aanwezig was, kan zijn mening over deze activiteit geven.")
    if rij.gegeven:
        return Fout("activiteit_id", "al_gegeven", "Je gaf je mening over deze activiteit al. Bedankt!")
    return None


async def waarom_niet(db: Any, activiteit_id: uuid.UUID, lid_id: uuid.UUID, nu: datetime | None = None) -> Fout | None:
    """Why this member cannot give feedback now (None: they can)."""
    async with db.engine.connect() as conn:
        return await _waarom_niet(conn, activiteit_id, lid_id, nu or nu_utc())


async def geef(
    db: Any,
    activiteit_id: uuid.UUID,
    lid_id: uuid.UUID,
    score: int,
    tekst: str | None,
    *,
    source: str,
    nu: datetime | None = None,
) -> uuid.UUID:
    async with db.transaction() as conn:
        fout = await _waarom_niet(conn, activiteit_id, lid_id, nu or nu_utc())
        if fout is not None:
            raise FeedbackGeweigerd(409 if fout.code == "al_gegeven" else 403, fout)
        feedback_id = uuid.uuid4()
        rij = (
            await conn.execute(
                text(
                    "INSERT INTO feedback (id, activiteit_id, lid_id, score, tekst) VALUES (:id, :a, :l, :s, :t)"
                    " ON CONFLICT (activiteit_id, lid_id) DO NOTHING"
                    " RETURNING ontvangen_op, (SELECT soort FROM activiteiten WHERE id = :a) AS soort"
                ),
                {"id": feedback_id, "a": activiteit_id, "l": lid_id, "s": score, "t": tekst},
            )
        ).one_or_none()
        if rij is None:  # the same person twice at once: the unique key decided
            raise FeedbackGeweigerd(409, Fout("activiteit_id", "al_gegeven", "Je gaf je mening over deze activiteit al. Bedankt!"))
        await outbox.add(
            conn,
            FeedbackOntvangen(
                feedback_id=feedback_id,
                activiteit_id=activiteit_id,
                activiteit_soort=ActiviteitSoort(rij.soort),
                score=score,
                ontvangen_op=rij.ontvangen_op,
            ),
            source=source,
        )
    return feedback_id


async def samenvatting(db: Any, activiteit_id: uuid.UUID) -> FeedbackSamenvatting:
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(text("SELECT score, tekst FROM feedback WHERE activiteit_id = :a"), {"a": activiteit_id})
        ).all()
    return vat_feedback_samen([r.score for r in rijen], [r.tekst for r in rijen if r.tekst])
