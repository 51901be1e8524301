"""What happens when an event arrives: one upsert in a projection table.

The chassis calls `handle_event` inside the transaction in which it records the event id in the
inbox, so a redelivered event never gets here. The upserts are idempotent on the natural key as
well, so the same fact published again under a new event id (a partner retrying, a replay) still
counts once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_contracts import CloudEvent
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd
from dinet_contracts.events.registratie import LidGeregistreerd

if TYPE_CHECKING:
    from dinet_chassis.consumer import HandlerContext

# Facts do not change: the first registration of a member is the one that counts.
_LIDMAATSCHAP = text(
    "INSERT INTO lidmaatschap (lid_id, organisatie_id, organisatie_type, lid_sinds)"
    " VALUES (:lid_id, :organisatie_id, :organisatie_type, :lid_sinds)"
    " ON CONFLICT (lid_id) DO NOTHING"
)
_BELEIDSPLAN = text(
    "INSERT INTO beleidsplan (beleidsplan_id, organisatie_id, aangemaakt_op)"
    " VALUES (:beleidsplan_id, :organisatie_id, :aangemaakt_op)"
    " ON CONFLICT (beleidsplan_id) DO NOTHING"
)
# A member who confirms again (a second click on the link) was confirmed on the first date.
_BEVESTIGING = text(
    "INSERT INTO nieuwsbrief_bevestiging (lid_id, bevestigd_op) VALUES (:lid_id, :bevestigd_op)"
    " ON CONFLICT (lid_id) DO UPDATE"
    " SET bevestigd_op = LEAST(nieuwsbrief_bevestiging.bevestigd_op, EXCLUDED.bevestigd_op)"
)


async def handle_event(conn: AsyncConnection, event: CloudEvent, ctx: HandlerContext) -> None:
    match event.data:
        case LidGeregistreerd() as e:
            await conn.execute(
                _LIDMAATSCHAP,
                {
                    "lid_id": e.lid_id,
                    "organisatie_id": e.organisatie_id,
                    "organisatie_type": e.organisatie_type.value,
                    "lid_sinds": e.lid_sinds,
                },
            )
        case BeleidsplanAangemaakt() as e:
            await conn.execute(
                _BELEIDSPLAN,
                {"beleidsplan_id": e.beleidsplan_id, "organisatie_id": e.organisatie_id, "aangemaakt_op": e.aangemaakt_op},
            )
        case NieuwsbriefInschrijvingBevestigd() as e:
            await conn.execute(_BEVESTIGING, {"lid_id": e.lid_id, "bevestigd_op": e.bevestigd_op})
        case _:
            # The durable consumer filters on the three subjects above; anything else is a
            # topology change this service does not know yet. Acknowledging it loses nothing.
            return
