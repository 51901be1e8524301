"""What happens when a member's contact data arrives: store it and plan the mails it calls for.

The mails are only recorded here, in the consumer's transaction; the delivery worker sends them
after the commit. So a redelivered event plans nothing twice, and a crash loses no mail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dinet_chassis.consumer import HandlerContext
from dinet_contracts.events.registratie import LidContactgegevensV2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import store
from .activiteiten import zet_voorkeur
from ..domain import (
    TOKEN_GELDIGHEID,
    NieuweGegevens,
    Soort,
    nieuw_token,
    token_hash,
    uitnodigingen_na,
    verwerk_contactgegevens,
)


async def op_lid_contactgegevens(e: LidContactgegevensV2, conn: AsyncConnection, ctx: HandlerContext) -> None:
    event = ctx.event
    assert event is not None, "the chassis passes the envelope along"
    await _verwerk(conn, event.id, event.time, e)


async def _verwerk(conn: AsyncConnection, event_id: str, tijd: datetime, e: LidContactgegevensV2) -> None:
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
        # Consent to network mail is registratie's record: follow it (an older event, skipped
        # above, must not undo a newer choice).
        huidig = (
            await conn.execute(text("SELECT uitnodigingen FROM voorkeur WHERE lid_id = :l"), {"l": e.lid_id})
        ).scalar()
        keuze = uitnodigingen_na(huidig, e.uitnodigingen)
        if keuze is not None:
            await zet_voorkeur(conn, e.lid_id, keuze)
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
