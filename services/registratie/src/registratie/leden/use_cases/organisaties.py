"""Organisations as the figures see them: inhabitants and size class, each change announced
(`OrganisatieBijgewerkt`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from dinet_chassis.errors import NotFound

from ...kernel.organisaties import bijgewerkt
from ..domain.lidmaatschap import grootteklasse
from ..store import LedenUnitOfWork

class OnbekendeOrganisatie(NotFound):
    code = "onbekende_organisatie"
    melding = "Deze organisatie bestaat niet."


async def werk_inwoners_bij(
    uow: LedenUnitOfWork, organisatie_id: uuid.UUID, inwoners: int, peildatum: date
) -> Mapping[str, Any]:
    """Newer figures for an organisation: the size class follows, and kpi hears of it."""
    async with uow:
        rij = await uow.leden.zet_inwoners(organisatie_id, inwoners, peildatum, grootteklasse(inwoners))
        if rij is None:
            raise OnbekendeOrganisatie()
        await uow.publish(bijgewerkt(rij))
    return rij
