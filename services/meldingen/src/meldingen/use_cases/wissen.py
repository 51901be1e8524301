"""What meldingen holds about a member: forgotten when the member is erased or leaves the network
(consumer `meldingen-gebeurtenissen`), handed over when they ask for their data (`gegevens_van`).

- `LidGewist`: the contact (name, address) goes, the opt-in tokens go, the member's choices,
  organisation and registrations go, and every mail row loses
  what could lead to the person (its token and any delivery error text, which may quote the
  address); mails still waiting are given up. What stays is a count: which kind of mail went out
  when, to a random id that no longer leads to anyone. The id is remembered in `gewiste_leden`,
  and triggers (migration 0100) refuse a contact or mail for it that arrives late.
- `LidUitgeschreven`: mails still waiting are not sent, and unused opt-in links stop working.

Both run in the consumer's transaction, with the inbox record: a redelivered event changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from dinet_contracts.events.registratie import LidGewist, LidUitgeschreven
from dinet_chassis.uow import UnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

REDEN_GEWIST = "lid gewist"
REDEN_UITGESCHREVEN = "lid uitgeschreven"


async def lid_gewist(e: LidGewist, uow: UnitOfWork) -> None:
    conn = uow.conn
    await wis_lid(conn, e.lid_id, e.gewist_op)


async def lid_uitgeschreven(e: LidUitgeschreven, uow: UnitOfWork) -> None:
    conn = uow.conn
    await stop_mails(conn, e.lid_id, REDEN_UITGESCHREVEN)


async def wis_lid(conn: AsyncConnection, lid_id: UUID, gewist_op: object) -> None:
    await conn.execute(
        text("INSERT INTO gewiste_leden (lid_id, gewist_op) VALUES (:id, :op) ON CONFLICT (lid_id) DO NOTHING"),
        {"id": lid_id, "op": gewist_op},
    )
    await conn.execute(text("DELETE FROM nieuwsbrief_token WHERE lid_id = :id"), {"id": lid_id})
    await stop_mails(conn, lid_id, REDEN_GEWIST)
    await conn.execute(
        text("UPDATE melding SET token = NULL, reden = :reden WHERE lid_id = :id AND (token IS NOT NULL OR reden IS NOT NULL)"),
        {"id": lid_id, "reden": REDEN_GEWIST},
    )
    await conn.execute(text("DELETE FROM contact WHERE lid_id = :id"), {"id": lid_id})
    # Choices, organisation and registrations lead back to the person through other services' data.
    for tabel in ("voorkeur", "lid_organisatie", "inschrijving"):
        await conn.execute(text(f"DELETE FROM {tabel} WHERE lid_id = :id"), {"id": lid_id})  # noqa: S608 (fixed names)
    await conn.execute(
        text("UPDATE melding SET gegevens = '{}'::jsonb WHERE lid_id = :id AND soort <> 'nieuwsbrief'"), {"id": lid_id}
    )


async def stop_mails(conn: AsyncConnection, lid_id: UUID, reden: str) -> None:
    await conn.execute(
        text(
            "UPDATE melding SET status = 'mislukt', reden = :reden, token = NULL"
            " WHERE lid_id = :id AND status = 'wachtend'"
        ),
        {"id": lid_id, "reden": reden},
    )
    await conn.execute(
        text(
            "UPDATE nieuwsbrief_token SET verloopt_op = least(verloopt_op, now())"
            " WHERE lid_id = :id AND gebruikt_op IS NULL"
        ),
        {"id": lid_id},
    )


async def gegevens_van(conn: Any, lid_id: Any) -> dict[str, Any]:
    contact = (
        await conn.execute(
            text("SELECT naam, email, nieuwsbrief_gewenst, nieuwsbrief_bevestigd_op FROM contact WHERE lid_id = :l"),
            {"l": lid_id},
        )
    ).mappings().first()
    voorkeur = (await conn.execute(text("SELECT uitnodigingen FROM voorkeur WHERE lid_id = :l"), {"l": lid_id})).scalar()
    mails = (
        await conn.execute(
            text(
                "SELECT soort, status, aangemaakt_op, verzonden_op, pogingen FROM melding WHERE lid_id = :l"
                " ORDER BY aangemaakt_op"
            ),
            {"l": lid_id},
        )
    ).mappings().all()
    return {
        "contact": dict(contact) if contact else None,
        "uitnodigingen": voorkeur or "geen",
        "mails": [dict(m) for m in mails],
    }
