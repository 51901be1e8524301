"""What every mail meldingen sends shares: the sender, a stable Message-ID, the confirmation link.
The texts themselves are templates (sjablonen.py), which staff may edit."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

AFZENDER = "Netwerk digitale inclusie <netwerk@vvsg.be>"
AFZENDER_ADRES = "netwerk@vvsg.be"
BEVESTIGINGSPAD = "/meldingen/nieuwsbrief/bevestigen"


def message_id(melding_id: UUID) -> str:
    """Stable per melding: a mail sent again after a crash can be recognised as the same one."""
    return f"<melding.{melding_id}@meldingen.dinet>"


def bevestigingslink(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{BEVESTIGINGSPAD}?{urlencode({'token': token})}"
