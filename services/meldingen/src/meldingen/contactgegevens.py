"""What happens when a member's contact data arrives: store it and plan the mails it calls for.

The mails are only recorded here, in the consumer's transaction; the delivery worker sends them
after the commit. So a redelivered event plans nothing twice, and a crash loses no mail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dinet_chassis.consumer import HandlerContext
from dinet_contracts import CloudEvent
from dinet_contracts.events.registratie import LidContactgegevens
from sqlalchemy.ext.asyncio import AsyncConnection

from . import store
from .domain import TOKEN_GELDIGHEID, NieuweGegevens, Soort, nieuw_token, token_hash, verwerk_contactgegevens


async def op_lid_contactgegevens(conn: AsyncConnection, event: CloudEvent, ctx: HandlerContext) -> None:
    await _verwerk(conn, event.id, event.time, event.data)


async def handle_contactgegevens(conn: AsyncConnection, event: CloudEvent, ctx: HandlerContext) -> None:
    """The whole consumer, for callers (and tests) that hand it any event."""
    if isinstance(event.data, LidContactgegevens):
        await op_lid_contactgegevens(conn, event, ctx)


async def _verwerk(conn: AsyncConnection, event_id: str, tijd: datetime, e: LidContactgegevens) -> None:
    vorige = await store.lees_contact(conn, e.lid_id, voor_update=True)
    besluit = verwerk_contactgegevens(
        vorige,
        NieuweGegevens(
            lid_id=e.lid_id, naam=e.naam, email=str(e.email), nieuwsbrief=e.nieuwsbrief,
            aanleiding=e.aanleiding, tijd=tijd,
        ),
    )
    if besluit.contact is not None:
        await store.bewaar_contact(conn, besluit.contact)
    for soort in besluit.meldingen:
        token = nieuw_token() if soort is Soort.NIEUWSBRIEF_BEVESTIGING else None
        melding_id = await store.plan_melding(
            conn, lid_id=e.lid_id, soort=soort, bron_event_id=event_id, token=token
        )
        if melding_id is not None and token is not None:
            await store.bewaar_token(
                conn,
                token_hash=token_hash(token),
                lid_id=e.lid_id,
                melding_id=melding_id,
                verloopt_op=datetime.now(UTC) + TOKEN_GELDIGHEID,
            )
