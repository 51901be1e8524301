"""Consent changed in meldingen (unsubscribe link, preferences page), recorded here as any other.

Consumer `registratie-toestemmingen`. The row carries meldingen's moment and wording, so the
record says when and how the member chose, not when the message arrived. A redelivered event
writes nothing twice: the chassis inbox records it in the same transaction.
"""

from __future__ import annotations

from typing import Any

from dinet_contracts.events.meldingen import ToestemmingGewijzigd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def op_toestemming_gewijzigd(e: ToestemmingGewijzigd, conn: AsyncConnection, ctx: Any) -> None:
    bestaat = (await conn.execute(text("SELECT 1 FROM leden WHERE id = :id FOR UPDATE"), {"id": e.lid_id})).first()
    if bestaat is None:
        return  # erased meanwhile: nothing to record about a person we no longer know
    await conn.execute(
        text(
            "INSERT INTO toestemmingen (lid_id, doel, gegeven, tekst, wanneer, hoe)"
            " VALUES (:id, :doel, :gegeven, :tekst, :wanneer, :hoe)"
        ),
        {"id": e.lid_id, "doel": e.doel, "gegeven": e.gegeven, "tekst": e.tekst, "wanneer": e.wanneer, "hoe": e.hoe},
    )
    if e.doel == "nieuwsbrief" and not e.gegeven:
        await conn.execute(text("UPDATE leden SET nieuwsbrief = false WHERE id = :id"), {"id": e.lid_id})

