"""The newsletter's issues in PostgreSQL (table `nieuwsbrief`) and the reads its blocks are filled
from: `NieuwsbriefStore`, the repository the newsletter's use cases get on their unit of work."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

STANDAARD_BLOKKEN = [{"soort": "tekst", "markdown": ""}, {"soort": "activiteiten"}, {"soort": "praktijken"}]


@dataclass
class Nummer:
    id: UUID
    titel: str
    blokken: list[dict[str, Any]]
    segment: dict[str, list[str]]
    per_minuut: int
    status: str
    gepland_op: datetime | None
    inhoud_html: str | None
    inhoud_tekst: str | None
    aantal_ontvangers: int | None
    verzonden_op: datetime | None
    aangemaakt_op: datetime

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


_KOLOMMEN = (
    "id, titel, blokken, segment, per_minuut, status, gepland_op, inhoud_html, inhoud_tekst, aantal_ontvangers,"
    " verzonden_op, aangemaakt_op"
)


def als_dict_of_lijst(waarde: Any) -> Any:
    """jsonb as Python: the driver hands it over as text unless told otherwise."""
    return json.loads(waarde) if isinstance(waarde, str) else waarde


def _nummer(row: Any) -> Nummer:
    d = dict(row)
    d["blokken"] = als_dict_of_lijst(d["blokken"])
    d["segment"] = als_dict_of_lijst(d["segment"])
    return Nummer(**d)


async def maak(conn: AsyncConnection, titel: str, *, blokken: list[dict] | None = None,
               segment: dict | None = None, per_minuut: int = 600) -> UUID:
    nummer_id = uuid.uuid4()
    await conn.execute(
        text(
            "INSERT INTO nieuwsbrief (id, titel, blokken, segment, per_minuut)"
            " VALUES (:id, :titel, CAST(:blokken AS jsonb), CAST(:segment AS jsonb), :pm)"
        ),
        {"id": nummer_id, "titel": titel, "blokken": json.dumps(blokken if blokken is not None else STANDAARD_BLOKKEN),
         "segment": json.dumps(segment or {}), "pm": per_minuut},
    )
    return nummer_id


async def lees(conn: AsyncConnection, nummer_id: UUID, *, voor_update: bool = False) -> Nummer | None:
    sql = f"SELECT {_KOLOMMEN} FROM nieuwsbrief WHERE id = :id" + (" FOR UPDATE" if voor_update else "")
    row = (await conn.execute(text(sql), {"id": nummer_id})).mappings().first()
    return _nummer(row) if row else None


async def lijst(conn: AsyncConnection, *, alleen_verzonden: bool = False) -> list[Nummer]:
    waar = " WHERE status = 'verzonden'" if alleen_verzonden else ""
    rows = (
        await conn.execute(text(f"SELECT {_KOLOMMEN} FROM nieuwsbrief{waar} ORDER BY coalesce(verzonden_op, aangemaakt_op) DESC"))
    ).mappings().all()
    return [_nummer(r) for r in rows]


class NieuwsbriefStore:
    """The issues and the activity snapshots their blocks list, on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def maak(self, titel: str, *, blokken: list[dict] | None = None, segment: dict | None = None,
                   per_minuut: int = 600) -> UUID:
        return await maak(self.conn, titel, blokken=blokken, segment=segment, per_minuut=per_minuut)

    async def lees(self, nummer_id: UUID, *, voor_update: bool = False) -> Nummer | None:
        return await lees(self.conn, nummer_id, voor_update=voor_update)

    async def bewaar_concept(self, nummer_id: UUID, *, titel: str, blokken: list[dict], segment: dict,
                             per_minuut: int) -> None:
        await self.conn.execute(
            text(
                "UPDATE nieuwsbrief SET titel = :titel, blokken = CAST(:blokken AS jsonb), segment = CAST(:segment AS jsonb),"
                " per_minuut = :pm, status = 'concept', gepland_op = NULL, gewijzigd_op = now() WHERE id = :id"
            ),
            {"id": nummer_id, "titel": titel, "blokken": json.dumps(blokken), "segment": json.dumps(segment),
             "pm": per_minuut},
        )

    async def plan(self, nummer_id: UUID, *, op: datetime, html: str, tekst: str) -> None:
        await self.conn.execute(
            text(
                "UPDATE nieuwsbrief SET status = 'gepland', gepland_op = :op, inhoud_html = :html, inhoud_tekst = :tekst,"
                " gewijzigd_op = now() WHERE id = :id"
            ),
            {"id": nummer_id, "op": op, "html": html, "tekst": tekst},
        )

    async def komende_activiteiten(self, van: datetime, tot: datetime, soorten: list[str]) -> list[dict[str, Any]]:
        rows = (
            await self.conn.execute(
                text(
                    "SELECT snapshot FROM activiteit WHERE status = 'gepland' AND start > :nu AND start < :tot"
                    " AND soort = ANY(:soorten) ORDER BY start LIMIT 20"
                ),
                {"nu": van, "tot": tot, "soorten": soorten},
            )
        ).all()
        return [dict(als_dict_of_lijst(r[0])) for r in rows]

    async def nieuwe_praktijken(self, sinds: datetime, soorten: list[str]) -> list[dict[str, Any]]:
        rows = (
            await self.conn.execute(
                text(
                    "SELECT snapshot FROM activiteit WHERE soort = ANY(:soorten) AND status <> 'geannuleerd'"
                    " AND eerst_gezien > :van ORDER BY start DESC LIMIT 20"
                ),
                {"van": sinds, "soorten": soorten},
            )
        ).all()
        return [dict(als_dict_of_lijst(r[0])) for r in rows]
