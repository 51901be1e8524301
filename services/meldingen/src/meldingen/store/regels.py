"""Staff's settings in PostgreSQL: the rules (table `regel`: which mail, on or off, its timing) and
the templates they replaced (table `sjabloon`); and the delivery log's reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.sjablonen import Sjabloon


async def alle_regels(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = (
        await conn.execute(
            text(
                "SELECT r.*, s.gewijzigd_op AS sjabloon_gewijzigd_op FROM regel r"
                " LEFT JOIN sjabloon s ON s.soort = r.soort ORDER BY r.doel DESC, r.soort"
            )
        )
    ).mappings().all()
    return [dict(r) for r in rows]


async def eigen_sjabloon(conn: AsyncConnection, soort: str) -> Sjabloon | None:
    row = (await conn.execute(text("SELECT onderwerp, tekst, html FROM sjabloon WHERE soort = :s"), {"s": soort})).first()
    return Sjabloon(*row) if row else None


async def bezorglog(conn: AsyncConnection, status: str | None) -> dict[str, Any]:
    """The newest 200 mails (of one status, or all), the count per status, the held addresses."""
    rijen = (
        await conn.execute(
            text(
                "SELECT m.id, m.soort, m.lid_id, m.status, m.pogingen, m.reden, m.aangemaakt_op, m.verzonden_op,"
                " (SELECT b.soort || ' ' || b.status FROM bounce b WHERE b.melding_id = m.id"
                "  ORDER BY b.ontvangen_op DESC LIMIT 1) AS bounce"
                " FROM melding m WHERE (CAST(:status AS text) IS NULL OR m.status = :status)"
                " ORDER BY m.aangemaakt_op DESC LIMIT 200"
            ),
            {"status": status},
        )
    ).mappings().all()
    telling = dict((await conn.execute(text("SELECT status, count(*) FROM melding GROUP BY status"))).all())
    geblokkeerd = (
        await conn.execute(
            text("SELECT lid_id, geblokkeerd_op, blokkeer_reden FROM contact WHERE geblokkeerd_op IS NOT NULL"
                 " ORDER BY geblokkeerd_op DESC")
        )
    ).mappings().all()
    return {"rijen": rijen, "telling": telling, "geblokkeerd": geblokkeerd}


class RegelStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def zet_regel(self, soort: str, *, actief: bool, uren: int | None, met_uren: bool) -> None:
        await self.conn.execute(
            text(
                "UPDATE regel SET actief = :actief, uren = CASE WHEN :met_uren THEN :uren ELSE uren END,"
                " bijgewerkt_op = now() WHERE soort = :soort"
            ),
            {"actief": actief, "uren": uren, "met_uren": met_uren, "soort": soort},
        )

    async def bewaar_sjabloon(self, soort: str, sjabloon: Sjabloon, wie: str) -> None:
        await self.conn.execute(
            text(
                "INSERT INTO sjabloon (soort, onderwerp, tekst, html, gewijzigd_door) VALUES (:s, :o, :t, :h, :w)"
                " ON CONFLICT (soort) DO UPDATE SET onderwerp = EXCLUDED.onderwerp, tekst = EXCLUDED.tekst,"
                " html = EXCLUDED.html, gewijzigd_door = EXCLUDED.gewijzigd_door, gewijzigd_op = now()"
            ),
            {"s": soort, "o": sjabloon.onderwerp, "t": sjabloon.tekst, "h": sjabloon.html, "w": wie},
        )

    async def verwijder_sjabloon(self, soort: str) -> None:
        await self.conn.execute(text("DELETE FROM sjabloon WHERE soort = :s"), {"s": soort})
