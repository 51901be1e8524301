"""What beleidsplan reads from registratie's events: organisations (for a plan's municipality
profile and the peer groups of the self-assessment) and the network's activities with the
beleidstool pillars/elements they serve (for "plan and network meet").

One op per event type (the table is in `handlers.py`). Activity events of version 1 arrive read as
version 2 (contracts' upcast), with no pillars or elements: they match no plan.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis.consumer import HandlerContext
from dinet_contracts.events.activiteiten import ActiviteitV2, _ActiviteitEvent
from dinet_contracts.events.registratie import OrganisatieBijgewerkt

from . import store


async def op_organisatie_bijgewerkt(e: OrganisatieBijgewerkt, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await store.bewaar_organisatie(
        conn,
        {
            "organisatie_id": e.organisatie_id,
            "versie": e.versie,
            "naam": e.naam,
            "type": e.type.value,
            "nis_code": e.nis_code,
            "provincie": e.provincie,
            "inwoners": e.inwoners,
            "grootteklasse": e.grootteklasse,
        },
    )


async def op_activiteit(e: _ActiviteitEvent, conn: AsyncConnection, ctx: HandlerContext) -> None:
    a: ActiviteitV2 = e.activiteit  # type: ignore[assignment]  # always v2 after the upcast
    await store.bewaar_aanbod(
        conn,
        {
            "activiteit_id": a.activiteit_id,
            "versie": a.versie,
            "soort": a.soort.value,
            "titel": a.titel,
            "start": a.start,
            "einde": a.einde,
            "status": a.status.value,
            "vorm": a.vorm.value,
            "plaats": a.plaats,
            "url": a.url,
            "pijlers": list(a.pijlers),
            "elementen": list(a.elementen),
        },
    )

