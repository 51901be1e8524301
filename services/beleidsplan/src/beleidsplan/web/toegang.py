"""Who may do what with a plan, on the platform's one shared sign-in (chassis `auth`).

A person of a local government (role `lokaal_bestuur`, with their organisation in the signed
cookie) works on their own organisation's plans, with any colleague of the same organisation.
VVSG staff read every plan. Nobody else sees a plan; a plan of another organisation does not
exist for you (404, not 403: its existence is nobody else's business).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar.exceptions import NotFoundException

from dinet_chassis.web.auth import Identiteit, Rol, identiteit, vereist

from .. import store
from ..domain import Beleidsplan

BESTUUR = [vereist(Rol.BESTUUR)]
LEZERS = [vereist(Rol.BESTUUR, Rol.MEDEWERKER)]
MEDEWERKER = [vereist(Rol.MEDEWERKER)]


def eigen_organisatie(wie: Identiteit | None) -> uuid.UUID | None:
    if wie is None or not wie.heeft(Rol.BESTUUR):
        return None
    return wie.organisatie_id


def mag_schrijven(wie: Identiteit | None, plan: Beleidsplan) -> bool:
    return eigen_organisatie(wie) == plan.organisatie_id


def mag_lezen(wie: Identiteit | None, plan: Beleidsplan) -> bool:
    return mag_schrijven(wie, plan) or (wie is not None and wie.heeft(Rol.MEDEWERKER))


def naam(wie: Identiteit | None) -> str:
    """Who, for the plan's history."""
    if wie is None:
        return "onbekend"
    return wie.naam or wie.sub


async def leesbaar(request: Any, diensten: Any, beleidsplan_id: uuid.UUID) -> tuple[Beleidsplan, bool]:
    """The plan and whether this person may change it; 404 when they may not see it."""
    async with diensten.db.engine.connect() as conn:
        plan = await store.plan(conn, beleidsplan_id)
    wie = identiteit(request)
    if plan is None or not mag_lezen(wie, plan):
        raise NotFoundException("Dit beleidsplan bestaat niet, of je mag het niet zien.")
    return plan, mag_schrijven(wie, plan)


async def schrijfbaar(request: Any, diensten: Any, beleidsplan_id: uuid.UUID) -> Beleidsplan:
    plan, schrijven = await leesbaar(request, diensten, beleidsplan_id)
    if not schrijven:
        raise NotFoundException("Dit beleidsplan bestaat niet, of je mag het niet wijzigen.")
    return plan
