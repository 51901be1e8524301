"""The one mail registratie sends itself: the member's sign-in link.

It does not go over the bus like other mail (through meldingen): a working sign-in link must not
sit in a stream, a dead-letter queue or another service's database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from html import escape
from urllib.parse import unquote, urlencode, urlsplit

import aiosmtplib

AFZENDER = "Netwerk digitale inclusie <netwerk@vvsg.be>"
ONDERWERP = "Je inloglink voor het netwerk digitale inclusie"
LINKPAD = "/registratie/mijn/inloggen/link"


def aanmeldlink(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LINKPAD}?{urlencode({'token': token})}"


def aanmeldmail(*, naam: str, email: str, link: str, minuten: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = AFZENDER
    msg["To"] = formataddr((naam, email))
    msg["Subject"] = ONDERWERP
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = f"<aanmeldlink.{uuid.uuid4()}@registratie.dinet>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        f"Beste {naam},\n\n"
        "Je vroeg om in te loggen op de pagina's voor leden van het netwerk digitale inclusie.\n"
        f"Open deze link binnen {minuten} minuten. Hij werkt maar één keer:\n\n"
        f"{link}\n\n"
        "Vroeg je dit niet? Dan mag je deze mail gewoon negeren; er verandert niets.\n\n"
        "Heb je een vraag? Bel VVSG op 02 211 55 00.\n\n"
        "Met vriendelijke groet,\nHet team van het netwerk digitale inclusie\nVVSG en Mediawijs\n"
    )
    msg.add_alternative(
        "<!DOCTYPE html>\n"
        f'<html lang="nl"><head><meta charset="utf-8"><title>{escape(ONDERWERP)}</title></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c;">\n'
        f"<p>Beste {escape(naam)},</p>\n"
        "<p>Je vroeg om in te loggen op de pagina's voor leden van het netwerk digitale inclusie.</p>\n"
        f'<p><a href="{escape(link)}" style="color: #005a50; font-weight: bold;">Inloggen</a></p>\n'
        f"<p>De link werkt {minuten} minuten en maar één keer.</p>\n"
        "<p>Vroeg je dit niet? Dan mag je deze mail gewoon negeren; er verandert niets.</p>\n"
        '<p>Heb je een vraag? Bel VVSG op <a href="tel:+3222115500">02 211 55 00</a>.</p>\n'
        "<p>Met vriendelijke groet,<br>Het team van het netwerk digitale inclusie<br>VVSG en Mediawijs</p>\n"
        "</body></html>\n",
        subtype="html",
    )
    msg["Content-Language"] = "nl"  # after the content: set_content() clears Content-* headers
    return msg


async def verstuur(smtp_url: str, bericht: EmailMessage, *, timeout: float = 30.0) -> None:
    """`smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://...` (TLS from the start)."""
    delen = urlsplit(smtp_url)
    if delen.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP_URL moet beginnen met smtp:// of smtps://, niet {delen.scheme!r}")
    tls = delen.scheme == "smtps"
    await aiosmtplib.send(
        bericht,
        hostname=delen.hostname or "localhost",
        port=delen.port or (465 if tls else 25),
        username=unquote(delen.username) if delen.username else None,
        password=unquote(delen.password) if delen.password else None,
        use_tls=tls,
        timeout=timeout,
    )
