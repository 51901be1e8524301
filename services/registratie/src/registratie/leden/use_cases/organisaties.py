"""Organisations as the figures see them: inhabitants, size class, and the announcement of each change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from dinet_chassis import outbox
from dinet_contracts.events.registratie import OrganisatieBijgewerkt
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text

from ..domain.lidmaatschap import grootteklasse
from ..store import escape_like

BRON = "/dinet/registratie"
BESTAANDE_KOLOMMEN = ("id", "naam", "type", "nis_code", "provincie", "inwoners", "inwoners_peildatum", "grootteklasse")


def bijgewerkt(rij: Mapping[str, Any]) -> OrganisatieBijgewerkt:
    """The announcement of an organisation as a row now stands (with its new `versie`)."""
    return OrganisatieBijgewerkt(
        organisatie_id=rij["id"],
        versie=rij["versie"],
        naam=rij["naam"],
        type=OrganisatieType(rij["type"]),
        nis_code=rij["nis_code"],
        provincie=rij["provincie"],
        inwoners=rij["inwoners"],
        grootteklasse=rij["grootteklasse"],
    )


class OnbekendeOrganisatie(Exception):
    pass


async def werk_inwoners_bij(
    db: Any, organisatie_id: uuid.UUID, inwoners: int, peildatum: date, *, source: str
) -> Mapping[str, Any]:
    """Newer figures for an organisation: the size class follows, and kpi hears of it."""
    async with db.transaction() as conn:
        rij = (
            await conn.execute(
                text(
                    "UPDATE organisaties SET inwoners = :inwoners, inwoners_peildatum = :peildatum,"
                    " grootteklasse = CASE WHEN type = 'lokaal_bestuur' THEN :klasse END, versie = versie + 1"
                    " WHERE id = :id"
                    " RETURNING id, naam, type, nis_code, provincie, inwoners, grootteklasse, versie"
                ),
                {"id": organisatie_id, "inwoners": inwoners, "peildatum": peildatum, "klasse": grootteklasse(inwoners)},
            )
        ).mappings().one_or_none()
        if rij is None:
            raise OnbekendeOrganisatie(str(organisatie_id))
        await outbox.add(conn, bijgewerkt(rij), source=source)
    return rij


async def lijst(db: Any, *, zoek: str = "", type_: str = "", provincie: str = "") -> list[Mapping[str, Any]]:
    voorwaarden = ["true"]
    params: dict[str, Any] = {}
    if zoek:
        voorwaarden.append("(naam ILIKE :zoek OR nis_code = :exact)")
        params["zoek"] = f"%{escape_like(zoek.strip())}%"
        params["exact"] = zoek.strip()
    if type_:
        voorwaarden.append("type = :type")
        params["type"] = type_
    if provincie:
        voorwaarden.append("provincie = :provincie")
        params["provincie"] = provincie
    async with db.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    text(
                        "SELECT o.id, o.naam, o.type, o.nis_code, o.provincie, o.inwoners, o.inwoners_peildatum,"
                        " o.grootteklasse, o.versie,"
                        " (SELECT count(*) FROM leden l WHERE l.organisatie_id = o.id AND l.lid_tot IS NULL) AS leden"
                        f" FROM organisaties o WHERE {' AND '.join(voorwaarden)} ORDER BY o.naam, o.id"
                    ),
                    params,
                )
            ).mappings()
        )


async def een(db: Any, organisatie_id: uuid.UUID) -> Mapping[str, Any] | None:
    async with db.engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT id, naam, type, nis_code, provincie, inwoners, inwoners_peildatum, grootteklasse, versie"
                    " FROM organisaties WHERE id = :id"
                ),
                {"id": organisatie_id},
            )
        ).mappings().one_or_none()


async def provincies(db: Any) -> list[str]:
    async with db.engine.connect() as conn:
        return list(
            (await conn.execute(text("SELECT DISTINCT provincie FROM organisaties WHERE provincie IS NOT NULL ORDER BY 1")))
            .scalars()
        )
