"""The bus's way in: registratie's consumers hand these ops their events (see registratie's
handlers.py for the table). Each op reads what only the message says (the subject, the
envelope's type), calls a use case on the consumer's own transaction, and turns a refusal into
a dead letter (`Onverwerkbaar`: refused for good, no retries)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dinet_chassis.consumer import HandlerContext, Onverwerkbaar
from dinet_chassis.errors import FieldProblem, Forbidden, Invalid
from dinet_contracts.envelope import Event
from dinet_contracts.events.activiteiten import _ActiviteitEvent
from dinet_contracts.events.beleidsplan import OndersteuningsnoodGesignaleerd
from dinet_contracts.topology import PARTNER_PREFIX
from sqlalchemy.ext.asyncio import AsyncConnection

from .store import ActiviteitenUoW
from .use_cases.ondersteuningsvragen import bewaar_vraag
from .use_cases.partners import NeemOp, neem_op

STANDAARD_SOURCE = "/dinet/registratie"


class BuitenScope(Onverwerkbaar):
    """A partner published for another organisation than its own."""


class OngeldigePartnerActiviteit(Onverwerkbaar):
    """Valid against the schema, but not an activity we can record."""


def _uow(conn: AsyncConnection, ctx: HandlerContext) -> ActiviteitenUoW:
    runtime = ctx.runtime
    if runtime is None:
        return ActiviteitenUoW.within(conn, source=STANDAARD_SOURCE)  # type: ignore[return-value]
    return ActiviteitenUoW.within(conn, source=runtime.source, clock=runtime.clock)  # type: ignore[return-value]


def organisatie_uit_subject(subject: str) -> uuid.UUID | None:
    """`dinet.partner.<organisatie-id>.<anything>` -> the organisation id (None if malformed)."""
    prefix = PARTNER_PREFIX + "."
    if not subject.startswith(prefix):
        return None
    deel = subject[len(prefix) :].split(".", 1)[0]
    try:
        return uuid.UUID(deel)
    except ValueError:
        return None


async def op_geen_activiteit(data: Event, conn: AsyncConnection, ctx: HandlerContext) -> None:
    """Any other type on a partner's subjects: refused for good."""
    soort = ctx.event.type if ctx.event is not None else type(data).__name__
    raise OngeldigePartnerActiviteit(f"partners publiceren alleen activiteiten, geen {soort}")


async def op_partner_activiteit(data: _ActiviteitEvent, conn: AsyncConnection, ctx: HandlerContext) -> None:
    event = ctx.event
    assert event is not None
    organisatie_id = organisatie_uit_subject(ctx.subject)
    if organisatie_id is None:
        raise BuitenScope(f"subject {ctx.subject!r} noemt geen organisatie-id na {PARTNER_PREFIX}.")
    cmd = NeemOp(organisatie_id, data.activiteit, als_v1=event.type != data.event_type, event_id=event.id)
    try:
        await neem_op(cmd, _uow(conn, ctx))
    except Forbidden as fout:
        raise BuitenScope(fout.melding) from None
    except Invalid as fout:
        raise OngeldigePartnerActiviteit(_reden(fout.problemen)) from None


def _reden(fouten: Sequence[FieldProblem]) -> str:
    # Field, stable code and the message a person reads, as the HTTP door reports them.
    return "; ".join(f"data.activiteit.{f.veld}: {f.code}: {f.melding}" for f in fouten)


async def op_ondersteuningsnood_gesignaleerd(
    e: OndersteuningsnoodGesignaleerd, conn: AsyncConnection, ctx: HandlerContext
) -> None:
    """beleidsplan's request for tailored support: kept once (the inbox drops a redelivery, the
    primary key a republish)."""
    await bewaar_vraag(e, _uow(conn, ctx))
