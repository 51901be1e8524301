"""Bounces: delivery status notifications (RFC 3464) read from the bounce mailbox.

Every mail goes out with its own envelope sender, `netwerk+bounce-<mail id>@vvsg.be` (VERP), so a
notification names the mail it is about even when the remote server quotes nothing of it. The
mailbox is a folder of messages (`MELDINGEN_BOUNCE_MAP`; in embedded mode the local mail sink's
`mail/bounces/`, where it answers mail to the reserved domains with a real DSN). Read messages
are filed in `gelezen/`.

Thresholds (the issue left them open): one hard bounce (5.x.x) holds the address; so do three
soft ones (4.x.x) within 30 days. Held means no optional mail (newsletter, invitations); mail
about the member's own registrations still goes. Staff see held addresses and release them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from uuid import UUID

from dinet_chassis import outbox
from dinet_chassis.logging import get_logger
from dinet_chassis.uow import UnitOfWork
from dinet_contracts.events.meldingen import MeldingGebounced
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.mails import AFZENDER_ADRES

log = get_logger(__name__)

ZACHTE_DREMPEL = 3
ZACHT_VENSTER = timedelta(days=30)
_LOKAAL, _, _DOMEIN = AFZENDER_ADRES.partition("@")
_VERP = re.compile(rf"{re.escape(_LOKAAL)}\+bounce-([0-9a-f-]{{36}})@{re.escape(_DOMEIN)}", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<melding\.([0-9a-f-]{36})@meldingen\.dinet>")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def bounce_adres(melding_id: UUID) -> str:
    return f"{_LOKAAL}+bounce-{melding_id}@{_DOMEIN}"


@dataclass(frozen=True)
class Melding:
    melding_id: UUID
    ontvanger: str | None
    status: str
    hard: bool


def lees_dsn(data: bytes) -> list[Melding]:
    """The failed or delayed recipients of one DSN; [] for anything else (an auto-reply, spam)."""
    msg = message_from_bytes(data, policy=policy.default)
    if msg.get_content_type() != "multipart/report" or msg.get_param("report-type") != "delivery-status":
        return []
    melding_id: UUID | None = None
    for kop in (str(msg.get("To", "")), str(msg.get("X-Original-To", ""))):
        if found := _VERP.search(kop):
            melding_id = UUID(found.group(1))
    uit: list[Melding] = []
    for deel in msg.iter_parts():
        if melding_id is None and deel.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            inhoud = deel.get_payload(decode=True) or str(deel.get_payload()).encode()
            if found := _MESSAGE_ID.search(inhoud.decode("utf-8", "replace") if isinstance(inhoud, bytes) else str(inhoud)):
                melding_id = UUID(found.group(1))
        if deel.get_content_type() != "message/delivery-status":
            continue
        blokken = deel.get_payload()
        for blok in blokken[1:] if isinstance(blokken, list) else []:  # the first block is per message
            actie = str(blok.get("Action", "")).strip().lower()
            status = _STATUS.search(str(blok.get("Status", "")))
            if actie not in ("failed", "delayed") or status is None:
                continue
            ontvanger = str(blok.get("Final-Recipient", "")).partition(";")[2].strip() or None
            uit.append(Melding(melding_id, ontvanger, status.group(0), status.group(1) == "5"))  # type: ignore[arg-type]
    return [m for m in uit if m.melding_id is not None]


def bounce_map(settings: Any) -> Path:
    eigen = os.environ.get("MELDINGEN_BOUNCE_MAP")
    return Path(eigen) if eigen else Path(settings.data_dir) / "mail" / "bounces"


async def verwerk(conn: AsyncConnection, m: Melding, bron: str, source: str) -> bool:
    """Record one bounce; hold the address at the threshold; announce it. False if known already."""
    lid_id = (await conn.execute(text("SELECT lid_id FROM melding WHERE id = :id"), {"id": m.melding_id})).scalar()
    if lid_id is None:
        return False
    nieuw = (
        await conn.execute(
            text(
                "INSERT INTO bounce (melding_id, lid_id, soort, status, bron) VALUES (:m, :l, :s, :st, :b)"
                " ON CONFLICT (melding_id, bron) DO NOTHING RETURNING ontvangen_op"
            ),
            {"m": m.melding_id, "l": lid_id, "s": "hard" if m.hard else "zacht", "st": m.status, "b": bron},
        )
    ).scalar()
    if nieuw is None:
        return False
    zacht = (
        await conn.execute(
            text("SELECT count(*) FROM bounce WHERE lid_id = :l AND soort = 'zacht' AND ontvangen_op > :van"),
            {"l": lid_id, "van": datetime.now(UTC) - ZACHT_VENSTER},
        )
    ).scalar()
    if m.hard or zacht >= ZACHTE_DREMPEL:
        reden = f"{'harde' if m.hard else str(zacht) + ' zachte'} bounce ({m.status})"
        await conn.execute(
            text("UPDATE contact SET geblokkeerd_op = now(), blokkeer_reden = :r WHERE lid_id = :l AND geblokkeerd_op IS NULL"),
            {"l": lid_id, "r": reden},
        )
    geblokkeerd = bool(
        (await conn.execute(text("SELECT geblokkeerd_op IS NOT NULL FROM contact WHERE lid_id = :l"), {"l": lid_id})).scalar()
    )
    await outbox.add(
        conn,
        MeldingGebounced(melding_id=m.melding_id, lid_id=lid_id, soort="hard" if m.hard else "zacht", status=m.status,
                         adres_geblokkeerd=geblokkeerd, ontvangen_op=nieuw),
        source=source,
    )
    return True


async def lees_map(db: Any, map_: Path, source: str) -> int:
    """Read every new notification in the bounce mailbox; returns how many bounces were new."""
    if not map_.is_dir():
        return 0
    gelezen = map_ / "gelezen"
    nieuw = 0
    for pad in sorted(map_.glob("*.eml")):
        try:
            meldingen = lees_dsn(pad.read_bytes())
        except Exception:  # noqa: BLE001 (a malformed message must not stop the others)
            log.warning("bounce.onleesbaar", bestand=pad.name)
            meldingen = []
        async with db.transaction() as conn:
            for m in meldingen:
                nieuw += await verwerk(conn, m, pad.name, source)
        gelezen.mkdir(exist_ok=True)
        pad.rename(gelezen / pad.name)
    return nieuw


async def geef_vrij(conn: AsyncConnection, lid_id: UUID) -> bool:
    row = (
        await conn.execute(
            text(
                "UPDATE contact SET geblokkeerd_op = NULL, blokkeer_reden = NULL WHERE lid_id = :l"
                " AND geblokkeerd_op IS NOT NULL RETURNING lid_id"
            ),
            {"l": lid_id},
        )
    ).first()
    if row is not None:  # soft bounces before the release no longer count towards a new hold
        await conn.execute(text("DELETE FROM bounce WHERE lid_id = :l AND soort = 'zacht'"), {"l": lid_id})
    return row is not None


async def geef_adres_vrij(lid_id: UUID, uow: UnitOfWork) -> bool:
    """Staff release a held address: optional mail goes to it again."""
    async with uow:
        return await geef_vrij(uow.conn, lid_id)
