"""What beleidsplan reads from registratie's events: organisations (for a plan's municipality
profile and the peer groups of the self-assessment) and the network's activities with the
beleidstool pillars/elements they serve (for "plan and network meet").

One small handler per event type; `handle` only dispatches. Activity events of version 1 arrive
read as version 2 (contracts' upcast), with no pillars or elements: they match no plan.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis.consumer import HandlerContext
from dinet_contracts import CloudEvent
from dinet_contracts.events.activiteiten import ActiviteitGepland, ActiviteitGewijzigd, ActiviteitGeannuleerd, ActiviteitAfgelopen, ActiviteitV2
from dinet_contracts.events.registratie import OrganisatieBijgewerkt

from . import store


async def organisatie_bijgewerkt(conn: AsyncConnection, e: OrganisatieBijgewerkt) -> None:
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


async def activiteit(conn: AsyncConnection, a: ActiviteitV2) -> None:
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


async def handle(conn: AsyncConnection, event: CloudEvent, ctx: HandlerContext) -> None:
    match event.data:
        case OrganisatieBijgewerkt() as e:
            await organisatie_bijgewerkt(conn, e)
        case ActiviteitGepland() | ActiviteitGewijzigd() | ActiviteitGeannuleerd() | ActiviteitAfgelopen() as e:
            await activiteit(conn, e.activiteit)  # type: ignore[arg-type]  # always v2 after the upcast
