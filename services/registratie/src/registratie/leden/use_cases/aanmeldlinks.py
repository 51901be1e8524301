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

from ..domain.lidmaatschap import AANMELDLINK_GELDIGHEID, MAX_OPEN_AANMELDLINKS, nieuw_token, token_hash
from ..mail import aanmeldlink, aanmeldmail
from ..store import LedenStore, LedenUnitOfWork


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


async def maak_aanmeldlink(uow: LedenUnitOfWork, email: str, public_url: str) -> EmailMessage | None:
    """The mail with a fresh link for this address, or None when there is nobody to send it to."""
    email = (email or "").strip().lower()
    if not email or len(email) > 254:
        return None
    token = nieuw_token()
    async with uow:
        lid = await uow.leden.lid_met_adres(email)
        if lid is None:
            return None
        lid_id, naam = lid
        if await uow.leden.open_aanmeldlinks(lid_id) >= MAX_OPEN_AANMELDLINKS:
            return None
        # Expired and used links have done their work; keeping them only keeps data.
        await uow.leden.ruim_aanmeldlinks_op(lid_id)
        await uow.leden.bewaar_aanmeldlink(token_hash(token), lid_id, uow.now() + AANMELDLINK_GELDIGHEID)
    return aanmeldmail(
        naam=naam,
        email=email,
        link=aanmeldlink(public_url, token),
        minuten=int(AANMELDLINK_GELDIGHEID.total_seconds() // 60),
    )


async def status(db: Any, token: str) -> LinkStatus:
    async with db.engine.connect() as conn:
        return await _status(LedenStore(conn), token)


async def _status(leden: LedenStore, token: str) -> LinkStatus:
    rij = await leden.aanmeldlink(token_hash(token or ""))
    if rij is None:
        return LinkStatus.ONBEKEND
    if rij["gebruikt_op"] is not None:
        return LinkStatus.GEBRUIKT
    return LinkStatus.VERLOPEN if rij["verlopen"] else LinkStatus.GELDIG


async def gebruik(uow: LedenUnitOfWork, token: str) -> Aangemeld | LinkStatus:
    """Spend the link: the member it signs in, or why it cannot be used."""
    async with uow:
        rij = await uow.leden.gebruik_aanmeldlink(token_hash(token or ""))
        if rij is None:
            reden = await _status(uow.leden, token)
            return LinkStatus.ONBEKEND if reden is LinkStatus.GELDIG else reden
    return Aangemeld(lid_id=rij["id"], naam=rij["naam"], organisatie_id=rij["organisatie_id"])
