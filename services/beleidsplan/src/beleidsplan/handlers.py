"""beleidsplan's consumers and, per event type, the op that handles it: the one place to look.

Each op hands the event to its use case (use_cases.py) on a unit of work over the consumer's own
inbox transaction, which the consumer commits with the event's id.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis.handlers import HandlerContext
from dinet_contracts.events.activiteiten import (
    ActiviteitAfgelopen,
    ActiviteitGeannuleerd,
    ActiviteitGepland,
    ActiviteitGewijzigd,
    _ActiviteitEvent,
)
from dinet_contracts.events.registratie import OrganisatieBijgewerkt

from . import use_cases
from .store import BeleidsplanConsumentUoW

SOURCE = "/dinet/beleidsplan"


def _uow(conn: AsyncConnection) -> BeleidsplanConsumentUoW:
    return BeleidsplanConsumentUoW(conn, source=SOURCE)


async def op_organisatie_bijgewerkt(e: OrganisatieBijgewerkt, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await use_cases.bewaar_organisatie(e, _uow(conn))  # type: ignore[arg-type]


async def op_activiteit(e: _ActiviteitEvent, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await use_cases.bewaar_aanbod(e, _uow(conn))  # type: ignore[arg-type]


HANDLERS = {
    "beleidsplan-aanbod": {
        OrganisatieBijgewerkt: op_organisatie_bijgewerkt,
        # A version-1 key also catches its version 2 (a subclass), the only one an op ever sees.
        ActiviteitGepland: op_activiteit,
        ActiviteitGewijzigd: op_activiteit,
        ActiviteitGeannuleerd: op_activiteit,
        ActiviteitAfgelopen: op_activiteit,
    },
}
