"""A member's preferences in PostgreSQL (table `voorkeur`, with the newsletter wish on `contact`):
`VoorkeurStore`, the repository the preference use cases get on their unit of work."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def zet_voorkeur(conn: AsyncConnection, lid_id: UUID, uitnodigingen: str) -> str | None:
    """Store a member's choice; returns the previous one (None if there was none)."""
    vorige = (
        await conn.execute(text("SELECT uitnodigingen FROM voorkeur WHERE lid_id = :l FOR UPDATE"), {"l": lid_id})
    ).scalar()
    await conn.execute(
        text(
            "INSERT INTO voorkeur (lid_id, uitnodigingen) VALUES (:l, :u) ON CONFLICT (lid_id)"
            " DO UPDATE SET uitnodigingen = EXCLUDED.uitnodigingen, bijgewerkt_op = now()"
        ),
        {"l": lid_id, "u": uitnodigingen},
    )
    return vorige


class VoorkeurStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def huidig(self, lid_id: UUID) -> dict[str, Any] | None:
        """The newsletter wish and the invitation rhythm; None for an address meldingen does not hold."""
        row = (
            await self.conn.execute(
                text(
                    "SELECT c.nieuwsbrief_gewenst, COALESCE(v.uitnodigingen, 'geen') AS uitnodigingen"
                    " FROM contact c LEFT JOIN voorkeur v ON v.lid_id = c.lid_id WHERE c.lid_id = :l"
                ),
                {"l": lid_id},
            )
        ).mappings().first()
        return dict(row) if row else None

    async def zet_uitnodigingen(self, lid_id: UUID, ritme: str) -> str | None:
        return await zet_voorkeur(self.conn, lid_id, ritme)

    async def zeg_nieuwsbrief_af(self, lid_id: UUID) -> bool:
        """False if the member did not want it (any more): a second click changes nothing."""
        row = (
            await self.conn.execute(
                text(
                    "UPDATE contact SET nieuwsbrief_gewenst = false, nieuwsbrief_bevestigd_op = NULL, bijgewerkt_op = now()"
                    " WHERE lid_id = :l AND nieuwsbrief_gewenst RETURNING lid_id"
                ),
                {"l": lid_id},
            )
        ).first()
        return row is not None
