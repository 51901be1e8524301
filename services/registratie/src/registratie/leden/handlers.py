"""What leden does with events from the bus.

Consumer `registratie-toestemmingen`: consent given or withdrawn in meldingen (unsubscribe link,
preferences page), recorded here as any other. The row carries meldingen's moment and wording,
so the record says when and how the member chose, not when the message arrived. A redelivered
event writes nothing twice: the chassis inbox records it in the same transaction.
"""

from __future__ import annotations

from typing import Any

from dinet_chassis.handlers import Handlers
from dinet_contracts.events.meldingen import ToestemmingGewijzigd

from ..kernel.organisaties import BRON
from .domain.lidmaatschap import Doel
from .store import GeleendeLedenUoW, LedenUnitOfWork


async def op_toestemming_gewijzigd(e: ToestemmingGewijzigd, uow: LedenUnitOfWork, ctx: Any) -> None:
    if not await uow.leden.bestaat(e.lid_id):
        return  # erased meanwhile: nothing to record about a person we no longer know
    await uow.leden.leg_toestemming_vast(e.lid_id, e.doel, e.gegeven, e.tekst, e.hoe, wanneer=e.wanneer)
    if e.doel == Doel.NIEUWSBRIEF and not e.gegeven:
        await uow.leden.zet_nieuwsbrief(e.lid_id, False)


TOESTEMMINGEN = Handlers(
    {ToestemmingGewijzigd: op_toestemming_gewijzigd},
    unit_of_work=lambda conn: GeleendeLedenUoW(conn, source=BRON),
)
