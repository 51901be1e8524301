"""Feedback after an activity: asked only of those who attended, one answer per person.

The event (`FeedbackOntvangen`) carries the score only; the free text stays here, and staff see
answers only as a summary once there are enough of them (`domain.FEEDBACK_DREMPEL`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dinet_contracts.events.activiteiten import FeedbackOntvangen

from ..domain import AL_GEGEVEN, feedback_geweigerd, waarom_geen_feedback
from . import UoW


@dataclass(frozen=True, slots=True)
class GeefFeedback:
    activiteit_id: uuid.UUID
    lid_id: uuid.UUID
    score: int  # 1..5, checked by domain.valideer_feedback
    tekst: str | None


async def geef(cmd: GeefFeedback, uow: UoW) -> uuid.UUID:
    async with uow:
        reden = waarom_geen_feedback(await uow.feedback.stand(cmd.activiteit_id, cmd.lid_id), uow.now())
        if reden is not None:
            raise feedback_geweigerd(reden)
        feedback_id = uuid.uuid4()
        bewaard = await uow.feedback.bewaar(feedback_id, cmd.activiteit_id, cmd.lid_id, cmd.score, cmd.tekst)
        if bewaard is None:  # the same person twice at once: the unique key decided
            raise feedback_geweigerd(AL_GEGEVEN)
        ontvangen_op, soort = bewaard
        await uow.publish(
            FeedbackOntvangen(
                feedback_id=feedback_id,
                activiteit_id=cmd.activiteit_id,
                activiteit_soort=soort,
                score=cmd.score,
                ontvangen_op=ontvangen_op,
            )
        )
    return feedback_id
