"""Signing a member in without a password: a single-use link by e-mail, valid for 30 minutes.

Only the sha256 hash of a token is stored. Asking for a link gives the same answer whether or not
the address belongs to a member (no way to find out who is a member), and the link itself is
used up by a POST from the page it opens, so a mail scanner that follows links cannot spend it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

from dinet_chassis.uow import UnitOfWork
from sqlalchemy import text

from ..domain.lidmaatschap import AANMELDLINK_GELDIGHEID, MAX_OPEN_AANMELDLINKS, nieuw_token, token_hash
from ..mail import aanmeldlink, aanmeldmail


class LinkStatus(StrEnum):
    GELDIG = "geldig"
    ONBEKEND = "onbekend"
    VERLOPEN = "verlopen"
    GEBRUIKT = "gebruikt"


@dataclass(frozen=True)
class Aangemeld:
    lid_id: uuid.UUID
    naam: str
    organisatie_id: uuid.UUID


async def maak_aanmeldlink(uow: UnitOfWork, email: str, public_url: str) -> EmailMessage | None:
    """The mail with a fresh link for this address, or None when there is nobody to send it to."""
    email = (email or "").strip().lower()
    if not email or len(email) > 254:
        return None
    token = nieuw_token()
    async with uow:
        conn = uow.conn
        lid = (
            await conn.execute(text("SELECT id, naam FROM leden WHERE email = :e FOR UPDATE"), {"e": email})
        ).mappings().one_or_none()
        if lid is None:
            return None
        open_links = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM aanmeldlinks"
                    " WHERE lid_id = :id AND gebruikt_op IS NULL AND verloopt_op > now()"
                ),
                {"id": lid["id"]},
            )
        ).scalar_one()
        if open_links >= MAX_OPEN_AANMELDLINKS:
            return None
        # Expired and used links have done their work; keeping them only keeps data.
        await conn.execute(
            text("DELETE FROM aanmeldlinks WHERE lid_id = :id AND (gebruikt_op IS NOT NULL OR verloopt_op <= now())"),
            {"id": lid["id"]},
        )
        await conn.execute(
            text("INSERT INTO aanmeldlinks (token_hash, lid_id, verloopt_op) VALUES (:h, :id, :tot)"),
            {"h": token_hash(token), "id": lid["id"], "tot": uow.now() + AANMELDLINK_GELDIGHEID},
        )
    return aanmeldmail(
        naam=lid["naam"],
        email=email,
        link=aanmeldlink(public_url, token),
        minuten=int(AANMELDLINK_GELDIGHEID.total_seconds() // 60),
    )


async def status(db: Any, token: str) -> LinkStatus:
    async with db.engine.connect() as conn:
        return await _status(conn, token)


async def _status(conn: Any, token: str) -> LinkStatus:
    rij = (
        await conn.execute(
            text("SELECT verloopt_op <= now() AS verlopen, gebruikt_op FROM aanmeldlinks WHERE token_hash = :h"),
            {"h": token_hash(token or "")},
        )
    ).mappings().one_or_none()
    if rij is None:
        return LinkStatus.ONBEKEND
    if rij["gebruikt_op"] is not None:
        return LinkStatus.GEBRUIKT
    return LinkStatus.VERLOPEN if rij["verlopen"] else LinkStatus.GELDIG


async def gebruik(uow: UnitOfWork, token: str) -> Aangemeld | LinkStatus:
    """Spend the link: the member it signs in, or why it cannot be used."""
    async with uow:
        rij = (
            await uow.conn.execute(
                text(
                    "UPDATE aanmeldlinks a SET gebruikt_op = now() FROM leden l"
                    " WHERE a.token_hash = :h AND a.gebruikt_op IS NULL AND a.verloopt_op > now() AND l.id = a.lid_id"
                    " RETURNING l.id, l.naam, l.organisatie_id"
                ),
                {"h": token_hash(token or "")},
            )
        ).mappings().one_or_none()
        if rij is None:
            reden = await _status(uow.conn, token)
            return LinkStatus.ONBEKEND if reden is LinkStatus.GELDIG else reden
    return Aangemeld(lid_id=rij["id"], naam=rij["naam"], organisatie_id=rij["organisatie_id"])
