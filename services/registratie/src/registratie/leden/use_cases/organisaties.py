"""Organisations as the figures see them: inhabitants and size class, each change announced
(`OrganisatieBijgewerkt`); and the staff pages' queries of them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from dinet_chassis.errors import NotFound
from sqlalchemy import text

from ...kernel.organisaties import bijgewerkt
from ..domain.lidmaatschap import grootteklasse
from ..store import LedenUnitOfWork, escape_like

class OnbekendeOrganisatie(NotFound):
    code = "onbekende_organisatie"
    melding = "Deze organisatie bestaat niet."


async def werk_inwoners_bij(
    uow: LedenUnitOfWork, organisatie_id: uuid.UUID, inwoners: int, peildatum: date
) -> Mapping[str, Any]:
    """Newer figures for an organisation: the size class follows, and kpi hears of it."""
    async with uow:
        rij = (
            await uow.conn.execute(
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
            raise OnbekendeOrganisatie()
        await uow.publish(bijgewerkt(rij))
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
