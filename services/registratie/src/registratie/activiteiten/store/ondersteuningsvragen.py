"""Requests for tailored support from local governments' policy plans (beleidsplan's
`ondersteuningsnood.gesignaleerd`), kept once each, and their link to the activity made from one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dinet_contracts.events.beleidsplan import OndersteuningsnoodGesignaleerd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Vraag:
    vraag_id: uuid.UUID
    organisatie_id: uuid.UUID
    organisatie: str
    element_id: str
    element_tekst: str
    vraag: str
    gesignaleerd_op: datetime
    activiteit_id: uuid.UUID | None
    omgezet_op: datetime | None


_SELECT = (
    "SELECT v.vraag_id, v.organisatie_id, COALESCE(o.naam, 'Onbekend lokaal bestuur') AS organisatie, v.element_id,"
    " v.element_tekst, v.vraag, v.gesignaleerd_op, v.activiteit_id, v.omgezet_op"
    " FROM ondersteuningsvragen v LEFT JOIN organisaties o ON o.id = v.organisatie_id"
)


async def lijst(conn: AsyncConnection) -> list[Vraag]:
    rijen = await conn.execute(text(_SELECT + " ORDER BY v.activiteit_id IS NOT NULL, v.gesignaleerd_op DESC LIMIT 500"))
    return [Vraag(**r) for r in rijen.mappings()]


async def lees(conn: AsyncConnection, vraag_id: uuid.UUID) -> Vraag | None:
    rij = (await conn.execute(text(_SELECT + " WHERE v.vraag_id = :id"), {"id": vraag_id})).mappings().one_or_none()
    return Vraag(**rij) if rij else None


class VragenStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def bewaar(self, e: OndersteuningsnoodGesignaleerd) -> None:
        """Once per request: a republished one (same vraag_id) changes nothing."""
        await self.conn.execute(
            text(
                "INSERT INTO ondersteuningsvragen (vraag_id, organisatie_id, beleidsplan_id, element_id, element_tekst,"
                " vraag, gesignaleerd_op) VALUES (:vraag_id, :organisatie_id, :beleidsplan_id, :element_id,"
                " :element_tekst, :vraag, :gesignaleerd_op) ON CONFLICT (vraag_id) DO NOTHING"
            ),
            e.model_dump(
                include={"vraag_id", "organisatie_id", "beleidsplan_id", "element_id", "element_tekst", "vraag", "gesignaleerd_op"}
            ),
        )

    async def koppel(self, vraag_id: uuid.UUID, activiteit_id: uuid.UUID, door: str) -> bool:
        """Link an open request to the activity made from it; False when it was linked already."""
        r = await self.conn.execute(
            text(
                "UPDATE ondersteuningsvragen SET activiteit_id = :a, omgezet_op = now(), omgezet_door = :door"
                " WHERE vraag_id = :id AND activiteit_id IS NULL"
            ),
            {"id": vraag_id, "a": activiteit_id, "door": door},
        )
        return r.rowcount == 1
