"""Erasing a member (GDPR art. 17): the person goes, the figures stay.

In one transaction:
- a tombstone in `gewiste_leden` keeps the random id, the organisation and the membership dates,
  so counts per day, organisation and year do not move;
- the row in `leden` is deleted; every table that refers to it follows its own ON DELETE rule
  (consent records, sign-in links and registrations go; attendance and feedback lose the link
  to the person, and feedback its free text);
- the outbox rows that carried the person's contact data are deleted;
- `LidUitgeschreven` (if still a member: membership ends today) and `LidGewist` go into the outbox,
  so every other service removes what it holds (meldingen: the contact and its mails).

The member's subject on the personal-data stream, and its dead letters, are purged before the
commit: if NATS cannot be reached the whole erasure is rolled back and can be asked again, so
there is never an "erased" member whose address still sits in a stream. The purge is repeated
after the commit for a contact message the relay might have been publishing at that moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from dinet_chassis.logging import get_logger
from dinet_contracts.events.registratie import LidGewist, LidUitgeschreven
from dinet_contracts.topology import DEADLETTERS, DLQ_PREFIX, PERSOONSGEGEVENS

from ...activiteiten.store import ActiviteitenUoW
from ...activiteiten.use_cases.inschrijvingen import SchrijfOveralUit, schrijf_overal_uit
from ..domain.lidmaatschap import beslis_wissing
from ..store import LedenUnitOfWork
from .wijzigen import LidNietGevonden, sluit_kennisdeling

Purgeer = Callable[[uuid.UUID], Awaitable[None]]

log = get_logger(__name__)


def pii_subject(lid_id: uuid.UUID) -> str:
    return f"dinet.pii.lid.{lid_id}.>"


def dlq_pii_subject(lid_id: uuid.UUID) -> str:
    return f"{DLQ_PREFIX}.*.dinet.pii.lid.{lid_id}.>"


async def purgeer_stromen(js: Any, lid_id: uuid.UUID) -> None:
    """Remove every message about this member from the personal-data stream and the dead letters.

    Needs the NATS permissions `$JS.API.STREAM.PURGE.DINET_PERSOONSGEGEVENS` and
    `$JS.API.STREAM.PURGE.DINET_DEADLETTERS` for registratie's user.
    """
    await js.purge_stream(PERSOONSGEGEVENS.name, subject=pii_subject(lid_id))
    await js.purge_stream(DEADLETTERS.name, subject=dlq_pii_subject(lid_id))


async def wis(uow: LedenUnitOfWork, lid_id: uuid.UUID, *, purgeer: Purgeer) -> datetime:
    """Erase the member; returns when. Raises LidNietGevonden if there is no such member (any more).

    `purgeer` removes the member's messages from the streams (`purgeer_stromen` on the service's
    JetStream): a port, so the decision can be tested without NATS.
    """
    gewist = LidGewist(lid_id=lid_id, gewist_op=uow.now())
    async with uow:
        lid = await uow.leden.lees(lid_id, voor_update=True)
        if lid is None:
            raise LidNietGevonden()
        besluit = beslis_wissing(
            lid_sinds=lid.lid_sinds,
            lid_tot=lid.lid_tot,
            open_kennisdeling_sinds=await uow.leden.open_kennisdeling_sinds(lid_id),
            laatste_lidmaatschapsdag=gewist.laatste_lidmaatschapsdag,
        )
        if besluit.uitschrijven:
            await uow.publish(LidUitgeschreven(lid_id=lid_id, lid_tot=besluit.lid_tot))
        if besluit.kennisdeling_tot is not None:
            await sluit_kennisdeling(uow, lid_id, besluit.kennisdeling_tot)
        await uow.leden.bewaar_grafsteen(lid, besluit.lid_tot, gewist.gewist_op)
        # Before the delete, which would drop the places without moving the waitlist up.
        await schrijf_overal_uit(SchrijfOveralUit(lid_id), ActiviteitenUoW.within(uow.conn, source=uow.source, clock=uow.now))
        await uow.leden.verwijder(lid_id)
        await uow.publish(gewist)
        await purgeer(lid_id)
    try:
        await purgeer(lid_id)
    except Exception:
        log.exception("wissen.tweede_purge_mislukt", lid_id=str(lid_id))
    log.info("lid.gewist", lid_id=str(lid_id))
    return gewist.gewist_op
