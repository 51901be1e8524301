"""Read-only queries behind the staff pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from .opslag import KOLOMMEN, ActiviteitRij, rij_naar_activiteit


@dataclass(frozen=True)
class Filter:
    soort: str | None = None
    status: str | None = None
    jaar: int | None = None
    trekker: str | None = None
    organisator_id: uuid.UUID | None = None  # a partner editor sees only its own organisation's


@dataclass(frozen=True)
class Overzicht:
    activiteit: ActiviteitRij
    organisator: str
    lokaal_bestuur: str | None
    ingeschreven: int
    wachtlijst: int


_AANTALLEN = (
    " (SELECT count(*) FROM inschrijvingen i WHERE i.activiteit_id = a.id AND i.status = 'ingeschreven') AS ingeschreven,"
    " (SELECT count(*) FROM inschrijvingen i WHERE i.activiteit_id = a.id AND i.status = 'wachtlijst') AS wachtlijst,"
    " o.naam AS organisator, lb.naam AS lokaal_bestuur"
)
_VAN = (
    " FROM activiteiten a JOIN organisaties o ON o.id = a.organisator_id"
    " LEFT JOIN organisaties lb ON lb.id = a.lokaal_bestuur_id"
)
_KOLOMMEN_A = ", ".join(f"a.{k.strip()}" for k in KOLOMMEN.split(","))


def _overzicht(r: Any) -> Overzicht:
    return Overzicht(rij_naar_activiteit(r), r["organisator"], r["lokaal_bestuur"], r["ingeschreven"], r["wachtlijst"])


async def zoek(db: Any, f: Filter, *, maximum: int = 500) -> list[Overzicht]:
    voorwaarden: list[str] = []
    params: dict[str, Any] = {"max": maximum}
    if f.soort:
        voorwaarden.append("a.soort = :soort")
        params["soort"] = f.soort
    if f.status:
        voorwaarden.append("a.status = :status")
        params["status"] = f.status
    if f.trekker:
        voorwaarden.append("a.trekker = :trekker")
        params["trekker"] = f.trekker
    if f.organisator_id:
        voorwaarden.append("a.organisator_id = :organisator_id")
        params["organisator_id"] = f.organisator_id
    if f.jaar:
        # The year an activity counts in is that of its Belgian start date.
        voorwaarden.append("extract(year FROM a.start AT TIME ZONE 'Europe/Brussels') = :jaar")
        params["jaar"] = f.jaar
    waar = (" WHERE " + " AND ".join(voorwaarden)) if voorwaarden else ""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    f"SELECT a.id, a.versie, a.status, a.bron, a.gewijzigd_op, {_KOLOMMEN_A}, {_AANTALLEN}"
                    f"{_VAN}{waar} ORDER BY a.start DESC, a.id LIMIT :max"
                ),
                params,
            )
        ).mappings().all()
    return [_overzicht(r) for r in rijen]


async def een(db: Any, activiteit_id: uuid.UUID) -> Overzicht | None:
    async with db.engine.connect() as conn:
        rij = (
            await conn.execute(
                text(
                    f"SELECT a.id, a.versie, a.status, a.bron, a.gewijzigd_op, {_KOLOMMEN_A}, {_AANTALLEN}"
                    f"{_VAN} WHERE a.id = :id"
                ),
                {"id": activiteit_id},
            )
        ).mappings().one_or_none()
    return _overzicht(rij) if rij is not None else None


async def jaren(db: Any) -> list[int]:
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT DISTINCT extract(year FROM start AT TIME ZONE 'Europe/Brussels')::int AS jaar"
                    " FROM activiteiten ORDER BY jaar DESC"
                )
            )
        ).all()
    return [r.jaar for r in rijen]
