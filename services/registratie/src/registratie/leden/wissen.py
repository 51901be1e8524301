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
from datetime import UTC, datetime
from typing import Any

from dinet_chassis import outbox
from dinet_chassis.logging import get_logger
from dinet_contracts.events.registratie import LidGewist, LidUitgeschreven
from dinet_contracts.topology import DEADLETTERS, DLQ_PREFIX, PERSOONSGEGEVENS
from sqlalchemy import text

from ..activiteiten.store import ActiviteitenUoW
from ..activiteiten.use_cases.inschrijvingen import SchrijfOveralUit, schrijf_overal_uit
from .beheer import LidNietGevonden, open_kennisdeling_sinds, sluit_kennisdeling

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


async def wis(runtime: Any, lid_id: uuid.UUID) -> datetime:
    """Erase the member; returns when. Raises LidNietGevonden if there is no such member (any more)."""
    gewist = LidGewist(lid_id=lid_id, gewist_op=datetime.now(UTC))
    async with runtime.db.transaction() as conn:
        lid = (
            await conn.execute(
                text("SELECT organisatie_id, lid_sinds, lid_tot FROM leden WHERE id = :id FOR UPDATE"), {"id": lid_id}
            )
        ).mappings().one_or_none()
        if lid is None:
            raise LidNietGevonden(str(lid_id))
        lid_tot = lid["lid_tot"]
        if lid_tot is None:
            # The same last day kpi derives from LidGewist, so both count the same members.
            lid_tot = max(gewist.laatste_lidmaatschapsdag, lid["lid_sinds"])
            await outbox.add(conn, LidUitgeschreven(lid_id=lid_id, lid_tot=lid_tot), source=runtime.source)
        open_sinds = await open_kennisdeling_sinds(conn, lid_id)
        if open_sinds is not None:
            await sluit_kennisdeling(conn, lid_id, max(lid_tot, open_sinds), source=runtime.source)
        await conn.execute(
            text(
                "INSERT INTO gewiste_leden (id, organisatie_id, lid_sinds, lid_tot, gewist_op)"
                " VALUES (:id, :organisatie_id, :lid_sinds, :lid_tot, :gewist_op)"
            ),
            {
                "id": lid_id,
                "organisatie_id": lid["organisatie_id"],
                "lid_sinds": lid["lid_sinds"],
                "lid_tot": lid_tot,
                "gewist_op": gewist.gewist_op,
            },
        )
        # Before the delete, which would drop the places without moving the waitlist up.
        await schrijf_overal_uit(SchrijfOveralUit(lid_id), ActiviteitenUoW.within(conn, source=runtime.source))
        await conn.execute(text("DELETE FROM leden WHERE id = :id"), {"id": lid_id})
        await conn.execute(
            text("DELETE FROM outbox WHERE subject LIKE :s"), {"s": f"dinet.pii.lid.{lid_id}.%"}
        )
        await outbox.add(conn, gewist, source=runtime.source)
        await purgeer_stromen(runtime.js, lid_id)
    try:
        await purgeer_stromen(runtime.js, lid_id)
    except Exception:
        log.exception("wissen.tweede_purge_mislukt", lid_id=str(lid_id))
    log.info("lid.gewist", lid_id=str(lid_id))
    return gewist.gewist_op
