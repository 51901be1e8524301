"""Requests for tailored support (beleidsplan's `ondersteuningsnood.gesignaleerd`): kept once each.
Turning one into an activity is `levenscyclus.plan` with its `vraag_id`."""

from __future__ import annotations

from dinet_contracts.events.beleidsplan import OndersteuningsnoodGesignaleerd

from . import UoW


async def bewaar_vraag(e: OndersteuningsnoodGesignaleerd, uow: UoW) -> None:
    async with uow:
        await uow.vragen.bewaar(e)
