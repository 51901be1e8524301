"""Unsubscribe links: a signed (member, purpose) pair, so one click works without a sign-in and
without a table of tokens, and nobody can forge a link that withdraws someone else's consent."""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

DOELEN = ("nieuwsbrief", "uitnodigingen")
AFMELDPAD = "/meldingen/afmelden"


def _mac(secret: str, bericht: str) -> str:
    digest = hmac.new(secret.encode(), f"afmelden:{bericht}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def afmeldtoken(secret: str, lid_id: UUID, doel: str) -> str:
    bericht = f"{lid_id}.{doel}"
    return f"{bericht}.{_mac(secret, bericht)}"


def lees_afmeldtoken(secret: str, token: str) -> tuple[UUID, str] | None:
    try:
        lid, doel, mac = token.split(".")
        lid_id = UUID(lid)
    except ValueError:
        return None
    if doel not in DOELEN or not hmac.compare_digest(mac, _mac(secret, f"{lid}.{doel}")):
        return None
    return lid_id, doel


def afmeldlink(public_url: str, secret: str, lid_id: UUID, doel: str) -> str:
    return f"{public_url.rstrip('/')}{AFMELDPAD}/{afmeldtoken(secret, lid_id, doel)}"


def voorkeurenlink(public_url: str, secret: str, lid_id: UUID) -> str:
    # The same signature serves the preferences page (purpose "uitnodigingen" names the member).
    return f"{public_url.rstrip('/')}/meldingen/voorkeuren/{afmeldtoken(secret, lid_id, 'uitnodigingen')}"
