"""The `activiteiten` table: reading a row into the domain's terms and writing it back, in the
transaction of a unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import ActiviteitGegevens

KOLOMMEN = (
    "soort, titel, omschrijving, organisator_id, trekker, vorm, start, einde, duur_uren, capaciteit,"
    " locatie, vvsg_werkte_mee, lokaal_bestuur_id, ondersteuning, methode, url, deelnamelink, pijlers, elementen"
)


@dataclass(frozen=True, slots=True)
class ActiviteitRij:
    id: uuid.UUID
    versie: int
    status: ActiviteitStatus
    bron: str
    gegevens: ActiviteitGegevens
    gewijzigd_op: datetime | None = None


def rij_naar_activiteit(r: Any) -> ActiviteitRij:
    return ActiviteitRij(
        id=r["id"],
        versie=r["versie"],
        status=ActiviteitStatus(r["status"]),
        bron=r["bron"],
        gewijzigd_op=r.get("gewijzigd_op"),
        gegevens=ActiviteitGegevens(
            soort=ActiviteitSoort(r["soort"]),
            titel=r["titel"],
            organisator_id=r["organisator_id"],
            trekker=Trekker(r["trekker"]),
            vorm=Vorm(r["vorm"]),
            start=r["start"],
            einde=r["einde"],
            duur_uren=r["duur_uren"],
            capaciteit=r["capaciteit"],
            omschrijving=r["omschrijving"],
            locatie=r["locatie"],
            vvsg_werkte_mee=r["vvsg_werkte_mee"],
            lokaal_bestuur_id=r["lokaal_bestuur_id"],
            ondersteuning=r["ondersteuning"],
            methode=r["methode"],
            url=r["url"],
            deelnamelink=r["deelnamelink"],
            pijlers=tuple(r["pijlers"] or ()),
            elementen=tuple(r["elementen"] or ()),
        ),
    )


class ActiviteitenStore:
    """The activities as a use case changes them."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lees(self, activiteit_id: uuid.UUID, *, voor_update: bool = False) -> ActiviteitRij | None:
        """`voor_update`: lock the row; registrations and staff's edits take the same lock (see
        use_cases/inschrijvingen.py)."""
        sql = f"SELECT id, versie, status, bron, gewijzigd_op, {KOLOMMEN} FROM activiteiten WHERE id = :id"
        if voor_update:
            sql += " FOR UPDATE"
        rij = (await self.conn.execute(text(sql), {"id": activiteit_id})).mappings().one_or_none()
        return rij_naar_activiteit(rij) if rij is not None else None

    async def voeg_toe(
        self, activiteit_id: uuid.UUID, versie: int, status: ActiviteitStatus, g: ActiviteitGegevens, *, bron: str
    ) -> None:
        await self.conn.execute(
            text(
                f"INSERT INTO activiteiten (id, versie, status, bron, {KOLOMMEN}) VALUES (:id, :versie, :status, :bron,"
                " :soort, :titel, :omschrijving, :organisator_id, :trekker, :vorm, :start, :einde, :duur_uren, :capaciteit,"
                " :locatie, :vvsg_werkte_mee, :lokaal_bestuur_id, :ondersteuning, :methode, :url, :deelnamelink,"
                " :pijlers, :elementen)"
            ),
            _parameters(activiteit_id, versie, status, g) | {"bron": bron},
        )

    async def werk_bij(self, activiteit_id: uuid.UUID, versie: int, status: ActiviteitStatus, g: ActiviteitGegevens) -> None:
        await self.conn.execute(
            text(
                "UPDATE activiteiten SET versie = :versie, status = :status, soort = :soort, titel = :titel,"
                " omschrijving = :omschrijving, organisator_id = :organisator_id, trekker = :trekker, vorm = :vorm,"
                " start = :start, einde = :einde, duur_uren = :duur_uren, capaciteit = :capaciteit, locatie = :locatie,"
                " vvsg_werkte_mee = :vvsg_werkte_mee, lokaal_bestuur_id = :lokaal_bestuur_id,"
                " ondersteuning = :ondersteuning, methode = :methode, url = :url, deelnamelink = :deelnamelink,"
                " pijlers = :pijlers, elementen = :elementen, gewijzigd_op = now()"
                " WHERE id = :id"
            ),
            _parameters(activiteit_id, versie, status, g),
        )

    async def organisatie_bestaat(self, organisatie_id: uuid.UUID, *, type_: str | None = None) -> bool:
        sql = "SELECT 1 FROM organisaties WHERE id = :id"
        if type_ is not None:
            sql += " AND type = :type"
        return (await self.conn.execute(text(sql), {"id": organisatie_id, "type": type_})).first() is not None

    async def eigenaars(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, uuid.UUID]]:
        """(bron, organisator_id) of those of `ids` that exist: one query for a whole batch."""
        if not ids:
            return {}
        rijen = await self.conn.execute(
            text("SELECT id, bron, organisator_id FROM activiteiten WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": [str(i) for i in ids]},
        )
        return {r.id: (r.bron, r.organisator_id) for r in rijen}


def _parameters(activiteit_id: uuid.UUID, versie: int, status: ActiviteitStatus, g: ActiviteitGegevens) -> dict[str, Any]:
    return {
        "id": activiteit_id,
        "versie": versie,
        "status": status.value,
        "soort": g.soort.value,
        "titel": g.titel,
        "omschrijving": g.omschrijving,
        "organisator_id": g.organisator_id,
        "trekker": g.trekker.value,
        "vorm": g.vorm.value,
        "start": g.start,
        "einde": g.einde,
        "duur_uren": g.duur_uren,
        "capaciteit": g.capaciteit,
        "locatie": g.locatie,
        "vvsg_werkte_mee": g.vvsg_werkte_mee,
        "lokaal_bestuur_id": g.lokaal_bestuur_id,
        "ondersteuning": g.ondersteuning,
        "methode": g.methode,
        "url": g.url,
        "deelnamelink": g.deelnamelink,
        "pijlers": list(g.pijlers),
        "elementen": list(g.elementen),
    }
