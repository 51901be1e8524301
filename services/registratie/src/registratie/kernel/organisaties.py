"""Read-only queries for pages and the API."""

from __future__ import annotations

import uuid
from typing import Any

from dinet_contracts.types import OrganisatieType
from sqlalchemy import text

from .domain import Organisatie


async def organisaties(db: Any, type_: OrganisatieType | None = None) -> list[Organisatie]:
    sql = "SELECT id, naam, type, nis_code, provincie FROM organisaties"
    params: dict[str, Any] = {}
    if type_ is not None:
        sql += " WHERE type = :type"
        params["type"] = type_.value
    async with db.engine.connect() as conn:
        rijen = (await conn.execute(text(sql + " ORDER BY naam, id"), params)).mappings().all()
    return [
        Organisatie(
            id=r["id"],
            naam=r["naam"],
            type=OrganisatieType(r["type"]),
            nis_code=r["nis_code"],
            provincie=r["provincie"],
        )
        for r in rijen
    ]


async def lid(db: Any, lid_id: uuid.UUID) -> dict[str, Any] | None:
    async with db.engine.connect() as conn:
        rij = (
            await conn.execute(
                text(
                    "SELECT l.id, l.naam, l.email, l.organisatie_id, o.naam AS organisatie_naam,"
                    " o.type AS organisatie_type, l.functie, l.nieuwsbrief, l.lid_sinds"
                    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = :id"
                ),
                {"id": lid_id},
            )
        ).mappings().one_or_none()
    return dict(rij) if rij is not None else None
