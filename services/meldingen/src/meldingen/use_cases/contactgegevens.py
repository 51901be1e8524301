"""A member's contact data and newsletter consent: when the data arrives, store it and plan the
mails it calls for; when the member confirms the newsletter with the link from the opt-in mail,
record it and tell registratie.

The mails are only recorded here, in the consumer's transaction; the delivery worker sends them
after the commit. So a redelivered event plans nothing twice, and a crash loses no mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dinet_chassis.uow import UnitOfWork
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd
from dinet_contracts.events.registratie import LidContactgegevensV2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import store
from ..domain import (
    TOKEN_GELDIGHEID,
    NieuweGegevens,
    Soort,
    TokenStatus,
    beoordeel_token,
    nieuw_token,
    token_hash,
    uitnodigingen_na,
    verwerk_contactgegevens,
)
from ..store import MeldingenUoW
from ..store.voorkeuren import zet_voorkeur


async def contactgegevens_ontvangen(e: LidContactgegevensV2, uow: UnitOfWork, *, event_id: str, tijd: datetime) -> None:
    """`event_id` keys the mails it plans (a redelivery plans none again); `tijd` orders the data."""
    await _verwerk(uow.conn, event_id, tijd, e)


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


@dataclass(frozen=True)
class BevestigNieuwsbrief:
    token: str  # as it came in the link; only its hash is stored


async def bevestig_nieuwsbrief(cmd: BevestigNieuwsbrief, uow: MeldingenUoW) -> TokenStatus:
    """The double opt-in's second step. Anything but GELDIG leaves everything as it was; the page
    explains each case."""
    sleutel = token_hash(cmd.token)
    async with uow:
        # Locked, so two clicks at once cannot both confirm with one single-use token.
        gevonden = await uow.tokens.lees(sleutel, voor_update=True)
        status = beoordeel_token(gevonden, uow.now())
        if status is not TokenStatus.GELDIG or gevonden is None:
            return status
        await uow.tokens.gebruik(sleutel)
        bevestigd_op = await uow.tokens.bevestig_nieuwsbrief(gevonden.lid_id)
        if bevestigd_op is not None:
            await uow.publish(NieuwsbriefInschrijvingBevestigd(lid_id=gevonden.lid_id, bevestigd_op=bevestigd_op))
    return status
