"""What meldingen decides, without I/O: which mails an event calls for, opt-in tokens, retries."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

TOKEN_GELDIGHEID = timedelta(days=14)

# Seconds to wait before the next attempt after a temporary SMTP failure; when the list runs out
# (about half a day of trying) the mail is given up as 'mislukt'.
STANDAARD_WACHTTIJDEN: tuple[float, ...] = (1, 5, 15, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600)


class Soort(StrEnum):
    WELKOM = "welkom"
    NIEUWSBRIEF_BEVESTIGING = "nieuwsbrief_bevestiging"
    INSCHRIJVING_BEVESTIGD = "inschrijving_bevestigd"
    WACHTLIJST = "wachtlijst"
    PLAATS_GEKREGEN = "plaats_gekregen"
    INSCHRIJVING_GEANNULEERD = "inschrijving_geannuleerd"
    ACTIVITEIT_GEWIJZIGD = "activiteit_gewijzigd"
    ACTIVITEIT_GEANNULEERD = "activiteit_geannuleerd"
    HERINNERING = "herinnering"
    FEEDBACK_VRAAG = "feedback_vraag"
    UITNODIGING = "uitnodiging"
    WEEKOVERZICHT = "weekoverzicht"
    NIEUWSBRIEF = "nieuwsbrief"


# Mails that carry the activity as an iCalendar attachment, and those that take it off the calendar.
MET_AGENDA: frozenset[Soort] = frozenset(
    {Soort.INSCHRIJVING_BEVESTIGD, Soort.PLAATS_GEKREGEN, Soort.ACTIVITEIT_GEWIJZIGD,
     Soort.ACTIVITEIT_GEANNULEERD, Soort.INSCHRIJVING_GEANNULEERD}
)
UIT_AGENDA: frozenset[Soort] = frozenset({Soort.ACTIVITEIT_GEANNULEERD, Soort.INSCHRIJVING_GEANNULEERD})


def mail_voor_inschrijving(vorige_status: str | None, status: str) -> Soort | None:
    """The mail a registration's new state calls for, given the state meldingen knew before."""
    if status == vorige_status:
        return None
    if status == "ingeschreven":
        return Soort.PLAATS_GEKREGEN if vorige_status == "wachtlijst" else Soort.INSCHRIJVING_BEVESTIGD
    if status == "wachtlijst":
        return Soort.WACHTLIJST
    if status == "geannuleerd" and vorige_status is not None:
        return Soort.INSCHRIJVING_GEANNULEERD
    return None


# What makes an activity's change worth a mail: when and where, not a typo in its description.
_PRAKTISCH = ("start", "einde", "vorm", "plaats", "deelnamelink")


def praktisch_gewijzigd(vorige: dict, nieuw: dict) -> bool:
    return any(vorige.get(k) != nieuw.get(k) for k in _PRAKTISCH)


class Aanleiding(StrEnum):
    REGISTRATIE = "registratie"
    WIJZIGING = "wijziging"


@dataclass(frozen=True)
class Contact:
    lid_id: UUID
    naam: str
    email: str
    nieuwsbrief_gewenst: bool
    nieuwsbrief_bevestigd_op: datetime | None
    gegevens_van: datetime


@dataclass(frozen=True)
class NieuweGegevens:
    lid_id: UUID
    naam: str
    email: str
    nieuwsbrief: bool
    aanleiding: str
    tijd: datetime


@dataclass(frozen=True)
class Besluit:
    contact: Contact | None  # the contact to store, or None to keep what we have
    meldingen: tuple[Soort, ...]


def verwerk_contactgegevens(vorige: Contact | None, nieuw: NieuweGegevens) -> Besluit:
    """Decide what to store and which mails to send for one `LidContactgegevens` event."""
    actueel = vorige is None or nieuw.tijd >= vorige.gegevens_van
    contact: Contact | None = None
    if actueel:
        blijft_bevestigd = nieuw.nieuwsbrief and vorige is not None and vorige.nieuwsbrief_bevestigd_op is not None
        contact = Contact(
            lid_id=nieuw.lid_id,
            naam=nieuw.naam,
            email=nieuw.email,
            nieuwsbrief_gewenst=nieuw.nieuwsbrief,
            # Withdrawing the wish withdraws the consent: asking again needs a new opt-in.
            nieuwsbrief_bevestigd_op=vorige.nieuwsbrief_bevestigd_op if blijft_bevestigd else None,
            gegevens_van=nieuw.tijd,
        )
    huidig = contact or vorige
    assert huidig is not None

    meldingen: list[Soort] = []
    if nieuw.aanleiding == Aanleiding.REGISTRATIE:
        meldingen.append(Soort.WELKOM)
    nieuw_gevraagd = (
        nieuw.aanleiding == Aanleiding.REGISTRATIE or vorige is None or not vorige.nieuwsbrief_gewenst
    )
    if huidig.nieuwsbrief_gewenst and huidig.nieuwsbrief_bevestigd_op is None and nieuw.nieuwsbrief and nieuw_gevraagd:
        meldingen.append(Soort.NIEUWSBRIEF_BEVESTIGING)
    return Besluit(contact=contact, meldingen=tuple(meldingen))


# The rhythm a member gets when consent to network mail arrives without one (the sign-up form only
# asks yes or no): a mail per new activity, the default of the preferences page too.
STANDAARD_RITME = "per_mail"


def uitnodigingen_na(huidig: str | None, toestemming: bool | None) -> str | None:
    """The invitations choice after registratie's consent arrives; None: keep what there is.

    Consent given keeps a rhythm the member already chose (weekly stays weekly); withdrawn is none."""
    if toestemming is None:
        return None
    if not toestemming:
        return None if huidig in (None, "geen") else "geen"
    return STANDAARD_RITME if huidig in (None, "geen") else None


def nieuw_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStatus(StrEnum):
    GELDIG = "geldig"
    ONBEKEND = "onbekend"
    VERLOPEN = "verlopen"
    GEBRUIKT = "gebruikt"
    INGETROKKEN = "ingetrokken"  # the member no longer wants the newsletter


@dataclass(frozen=True)
class Token:
    lid_id: UUID
    verloopt_op: datetime
    gebruikt_op: datetime | None
    nieuwsbrief_gewenst: bool  # the member's current wish, from their contact


def beoordeel_token(token: Token | None, nu: datetime) -> TokenStatus:
    if token is None:
        return TokenStatus.ONBEKEND
    if token.gebruikt_op is not None:
        return TokenStatus.GEBRUIKT
    if nu >= token.verloopt_op:
        return TokenStatus.VERLOPEN
    if not token.nieuwsbrief_gewenst:
        return TokenStatus.INGETROKKEN
    return TokenStatus.GELDIG


def volgende_poging_na(pogingen: int, wachttijden: tuple[float, ...] = STANDAARD_WACHTTIJDEN) -> timedelta | None:
    """After `pogingen` failed attempts: how long to wait, or None to give up."""
    if pogingen < 1 or pogingen > len(wachttijden):
        return None
    return timedelta(seconds=wachttijden[pogingen - 1])
