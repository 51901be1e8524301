"""The mails meldingen sends, composed as standard `EmailMessage`s (plain text + simple HTML)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from html import escape
from urllib.parse import urlencode
from uuid import UUID

from .domain import TOKEN_GELDIGHEID

AFZENDER = "Netwerk digitale inclusie <netwerk@vvsg.be>"
AFZENDER_ADRES = "netwerk@vvsg.be"
TELEFOON = "02 211 55 00"
BEVESTIGINGSPAD = "/meldingen/nieuwsbrief/bevestigen"

ONDERWERP_WELKOM = "Welkom bij het netwerk digitale inclusie"
ONDERWERP_BEVESTIGING = "Bevestig je inschrijving voor de nieuwsbrief"


def message_id(melding_id: UUID) -> str:
    """Stable per melding: a mail sent again after a crash can be recognised as the same one."""
    return f"<melding.{melding_id}@meldingen.dinet>"


def bevestigingslink(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{BEVESTIGINGSPAD}?{urlencode({'token': token})}"


def _bericht(
    *, melding_id: UUID, naam: str, email: str, onderwerp: str, tekst: str, html_body: str, tijd: datetime
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = AFZENDER
    msg["To"] = formataddr((naam, email))
    msg["Subject"] = onderwerp
    msg["Date"] = format_datetime(tijd)
    msg["Message-ID"] = message_id(melding_id)
    # RFC 3834: tells auto-responders not to answer a machine.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(tekst)
    msg.add_alternative(
        "<!DOCTYPE html>\n"
        f'<html lang="nl"><head><meta charset="utf-8"><title>{escape(onderwerp)}</title></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c;">\n'
        f"{html_body}\n</body></html>\n",
        subtype="html",
    )
    msg["Content-Language"] = "nl"  # after the content: set_content() clears Content-* headers
    return msg


def _afsluiting_tekst() -> str:
    return (
        f"Heb je een vraag? Antwoord op deze mail of bel VVSG op {TELEFOON}.\n\n"
        "Met vriendelijke groet,\n"
        "Het team van het netwerk digitale inclusie\n"
        "VVSG en Mediawijs\n"
    )


def _afsluiting_html() -> str:
    return (
        f'<p>Heb je een vraag? Antwoord op deze mail of bel VVSG op <a href="tel:+3222115500">{TELEFOON}</a>.</p>\n'
        "<p>Met vriendelijke groet,<br>Het team van het netwerk digitale inclusie<br>VVSG en Mediawijs</p>"
    )


def welkomstmail(*, melding_id: UUID, naam: str, email: str, nieuwsbrief: bool, tijd: datetime) -> EmailMessage:
    nieuwsbrief_tekst = (
        "Je vroeg ook om onze nieuwsbrief. Daarover krijg je een aparte mail met een link. "
        "Pas als je die link opent en bevestigt, ben je ingeschreven.\n\n"
        if nieuwsbrief
        else ""
    )
    tekst = (
        f"Beste {naam},\n\n"
        "Welkom bij het netwerk digitale inclusie. Fijn dat je erbij bent!\n\n"
        "Als lid van het netwerk:\n"
        "- krijg je uitnodigingen voor netwerkmomenten, infosessies, opleidingen en inspiratiedagen;\n"
        "- lees en deel je goede praktijken van andere lokale besturen;\n"
        "- kan je bij ons terecht voor advies en ondersteuning.\n\n"
        f"{nieuwsbrief_tekst}"
        f"{_afsluiting_tekst()}"
    )
    nieuwsbrief_html = (
        "<p>Je vroeg ook om onze nieuwsbrief. Daarover krijg je een aparte mail met een link. "
        "Pas als je die link opent en bevestigt, ben je ingeschreven.</p>\n"
        if nieuwsbrief
        else ""
    )
    html_body = (
        f"<p>Beste {escape(naam)},</p>\n"
        "<p>Welkom bij het netwerk digitale inclusie. Fijn dat je erbij bent!</p>\n"
        "<p>Als lid van het netwerk:</p>\n<ul>\n"
        "<li>krijg je uitnodigingen voor netwerkmomenten, infosessies, opleidingen en inspiratiedagen;</li>\n"
        "<li>lees en deel je goede praktijken van andere lokale besturen;</li>\n"
        "<li>kan je bij ons terecht voor advies en ondersteuning.</li>\n</ul>\n"
        f"{nieuwsbrief_html}"
        f"{_afsluiting_html()}"
    )
    return _bericht(
        melding_id=melding_id, naam=naam, email=email, onderwerp=ONDERWERP_WELKOM,
        tekst=tekst, html_body=html_body, tijd=tijd,
    )


def bevestigingsmail(*, melding_id: UUID, naam: str, email: str, link: str, tijd: datetime) -> EmailMessage:
    dagen = TOKEN_GELDIGHEID.days
    tekst = (
        f"Beste {naam},\n\n"
        "Je vroeg om de nieuwsbrief van het netwerk digitale inclusie.\n"
        "Bevestig je inschrijving via deze link:\n\n"
        f"{link}\n\n"
        "Op die pagina klik je op de knop \"Ja, stuur mij de nieuwsbrief\". Pas dan ben je ingeschreven.\n"
        f"De link werkt {dagen} dagen en maar één keer.\n\n"
        "Vroeg je de nieuwsbrief niet? Dan hoef je niets te doen. Zonder bevestiging krijg je hem niet.\n\n"
        f"{_afsluiting_tekst()}"
    )
    html_body = (
        f"<p>Beste {escape(naam)},</p>\n"
        "<p>Je vroeg om de nieuwsbrief van het netwerk digitale inclusie.</p>\n"
        f'<p><a href="{escape(link)}" style="color: #1d70b8; font-weight: bold;">Bevestig je inschrijving</a></p>\n'
        "<p>Op die pagina klik je op de knop &ldquo;Ja, stuur mij de nieuwsbrief&rdquo;. Pas dan ben je ingeschreven. "
        f"De link werkt {dagen} dagen en maar één keer.</p>\n"
        f"<p>Werkt de link niet? Kopieer dan dit adres in je browser:<br>{escape(link)}</p>\n"
        "<p>Vroeg je de nieuwsbrief niet? Dan hoef je niets te doen. Zonder bevestiging krijg je hem niet.</p>\n"
        f"{_afsluiting_html()}"
    )
    return _bericht(
        melding_id=melding_id, naam=naam, email=email, onderwerp=ONDERWERP_BEVESTIGING,
        tekst=tekst, html_body=html_body, tijd=tijd,
    )
