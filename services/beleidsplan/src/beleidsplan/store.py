"""The plans in PostgreSQL; starting one also queues its event in the same transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis import outbox
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt

from .domain import Beleidsplan

_KOLOMMEN = "beleidsplan_id, organisatie_id, titel, catalogus_versie, aangemaakt_op"


async def bewaar_nieuw(conn: AsyncConnection, plan: Beleidsplan, *, source: str) -> None:
    """Store the plan and its BeleidsplanAangemaakt in the caller's transaction."""
    await conn.execute(
        text(
            f"INSERT INTO beleidsplan ({_KOLOMMEN})"
            " VALUES (:beleidsplan_id, :organisatie_id, :titel, :catalogus_versie, :aangemaakt_op)"
        ),
        {
            "beleidsplan_id": plan.beleidsplan_id,
            "organisatie_id": plan.organisatie_id,
            "titel": plan.titel,
            "catalogus_versie": plan.catalogus_versie,
            "aangemaakt_op": plan.aangemaakt_op,
        },
    )
    await outbox.add(
        conn,
        BeleidsplanAangemaakt(
            beleidsplan_id=plan.beleidsplan_id,
            organisatie_id=plan.organisatie_id,
            titel=plan.titel,
            catalogus_versie=plan.catalogus_versie,
            aangemaakt_op=plan.aangemaakt_op,
        ),
        source=source,
    )


async def plannen_van(conn: AsyncConnection, organisatie_id: uuid.UUID) -> list[Beleidsplan]:
    rows = await conn.execute(
        text(f"SELECT {_KOLOMMEN} FROM beleidsplan WHERE organisatie_id = :o ORDER BY aangemaakt_op DESC"),
        {"o": organisatie_id},
    )
    return [Beleidsplan(*r) for r in rows.all()]


async def plan(conn: AsyncConnection, beleidsplan_id: uuid.UUID, organisatie_id: uuid.UUID) -> Beleidsplan | None:
    """A plan, only for its own organisation: another municipality's plan does not exist for you."""
    row = (
        await conn.execute(
            text(f"SELECT {_KOLOMMEN} FROM beleidsplan WHERE beleidsplan_id = :id AND organisatie_id = :o"),
            {"id": beleidsplan_id, "o": organisatie_id},
        )
    ).first()
    return Beleidsplan(*row) if row else None
