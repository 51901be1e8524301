"""The rules of membership, consent, organisation size and sign-in links, free of I/O."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from dinet_chassis.errors import FieldProblem
from dinet_contracts.types import OrganisatieType

from ...kernel.datum import lees_datum
from .aanmelding import NIEUWSBRIEF_TEKST

AANMELDLINK_GELDIGHEID = timedelta(minutes=30)
# More open links than this in one validity period and we stop mailing: nobody needs them, and
# it keeps the form from being used to flood someone's mailbox.
MAX_OPEN_AANMELDLINKS = 5
LID_SESSIE_SECONDEN = 2 * 3600


# --- the member -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lid:
    id: uuid.UUID
    naam: str
    email: str
    organisatie_id: uuid.UUID
    organisatie_naam: str
    organisatie_type: OrganisatieType
    functie: str | None
    nieuwsbrief: bool
    lid_sinds: date
    lid_tot: date | None
    aangemaakt_op: datetime

    @property
    def uitgeschreven(self) -> bool:
        return self.lid_tot is not None


@dataclass(frozen=True, slots=True)
class NieuwLid:
    """Someone who joins: from the sign-up form or API, or a row of the old member list."""

    id: uuid.UUID
    naam: str
    email: str  # lowercased: one person, one membership, however they type it
    organisatie_id: uuid.UUID
    organisatie_type: OrganisatieType
    functie: str | None
    nieuwsbrief: bool
    lid_sinds: date
    # The newsletter consent record: the exact sentence and how it was given. None when nobody
    # was asked (an import row with an empty newsletter column): then no record is written.
    toestemming: tuple[str, Hoe] | None
    # "registratie": a new member, who gets a welcome; "wijziging": someone from the old list,
    # who joined long ago and gets no welcome mail now.
    aanleiding: str = "registratie"
    kennisdeling_sinds: date | None = None


# --- membership on a day -----------------------------------------------------------------------


def lid_op(dag: date, lid_sinds: date, lid_tot: date | None) -> bool:
    """Was someone a member on `dag`? `lid_tot` is the last day of membership."""
    return lid_sinds <= dag and (lid_tot is None or dag <= lid_tot)


@dataclass(frozen=True, slots=True)
class Wissel:
    van_organisatie_id: uuid.UUID
    naar_organisatie_id: uuid.UUID
    vanaf: date


def organisatie_op(dag: date, huidige_organisatie_id: uuid.UUID, wissels: list[Wissel]) -> uuid.UUID:
    """The organisation a member belonged to on `dag`, given the current one and the changes."""
    latere = sorted((w for w in wissels if w.vanaf > dag), key=lambda w: w.vanaf)
    return latere[0].van_organisatie_id if latere else huidige_organisatie_id


@dataclass(frozen=True, slots=True)
class Wissing:
    """What erasing a member decides before a row is touched: the person goes, the figures stay."""

    lid_tot: date  # the last day of membership the figures keep (tombstone, events)
    uitschrijven: bool  # still a member: the membership ends on `lid_tot` first (LidUitgeschreven)
    kennisdeling_tot: date | None  # an open period in the knowledge-sharing space ends on this day


def beslis_wissing(
    *, lid_sinds: date, lid_tot: date | None, open_kennisdeling_sinds: date | None, laatste_lidmaatschapsdag: date
) -> Wissing:
    """`laatste_lidmaatschapsdag` is the one LidGewist carries, so kpi, which derives the end from
    that event, counts the same members. A period is never closed before it began."""
    uitschrijven = lid_tot is None
    tot = max(laatste_lidmaatschapsdag, lid_sinds) if lid_tot is None else lid_tot
    kennisdeling_tot = max(tot, open_kennisdeling_sinds) if open_kennisdeling_sinds is not None else None
    return Wissing(lid_tot=tot, uitschrijven=uitschrijven, kennisdeling_tot=kennisdeling_tot)


def controleer_einddatum(lid_sinds: date, lid_tot: date) -> FieldProblem | None:
    if lid_tot < lid_sinds:
        return FieldProblem(
            "lid_tot",
            "voor_lid_sinds",
            f"De laatste dag van het lidmaatschap kan niet voor de eerste ({lid_sinds:%d/%m/%Y}) liggen.",
        )
    return None


# --- organisation size ------------------------------------------------------------------------

KLEIN_TOT = 20_000  # fewer inhabitants than this: klein
GROOT_VANAF = 50_000  # more inhabitants than this: groot


def grootteklasse(inwoners: int) -> str:
    """klein < 20 000, middelgroot 20 000 to 50 000, groot > 50 000 inhabitants."""
    if inwoners < KLEIN_TOT:
        return "klein"
    if inwoners > GROOT_VANAF:
        return "groot"
    return "middelgroot"


GROOTTEKLASSE_LABELS = {
    "klein": "Klein (minder dan 20 000 inwoners)",
    "middelgroot": "Middelgroot (20 000 tot 50 000 inwoners)",
    "groot": "Groot (meer dan 50 000 inwoners)",
}


def valideer_inwoners(ruw_inwoners: str, ruwe_peildatum: str, *, vandaag_: date) -> tuple[int, date] | list[FieldProblem]:
    fouten: list[FieldProblem] = []
    inwoners: int | None = None
    tekst = ruw_inwoners.replace(" ", "").replace(".", "").replace("\u202f", "").strip()
    if not tekst:
        fouten.append(FieldProblem("inwoners", "verplicht", "Vul het aantal inwoners in."))
    elif not tekst.isdigit():
        fouten.append(FieldProblem("inwoners", "ongeldig_getal", "Geef het aantal inwoners als een geheel getal, zoals 23450."))
    else:
        inwoners = int(tekst)
        if inwoners > 10_000_000:
            fouten.append(FieldProblem("inwoners", "te_groot", "Dat zijn meer inwoners dan Vlaanderen telt."))
    peildatum = lees_datum(ruwe_peildatum)
    if not ruwe_peildatum.strip():
        fouten.append(FieldProblem("peildatum", "verplicht", "Vul de datum in waarop het aantal inwoners geteld werd."))
    elif peildatum is None:
        fouten.append(FieldProblem("peildatum", "ongeldige_datum", "Geef een geldige datum, zoals 01/01/2025."))
    elif peildatum > vandaag_:
        fouten.append(FieldProblem("peildatum", "in_de_toekomst", "De peildatum kan niet in de toekomst liggen."))
    if fouten:
        return fouten
    assert inwoners is not None and peildatum is not None
    return inwoners, peildatum


# --- consent -----------------------------------------------------------------------------------


class Doel(StrEnum):
    NIEUWSBRIEF = "nieuwsbrief"
    NETWERKMAIL = "netwerkmail"


class Hoe(StrEnum):
    AANMELDFORMULIER = "aanmeldformulier"
    API = "api"
    ZELFSERVICE = "zelfservice"
    MEDEWERKER = "medewerker"
    IMPORT = "import"
    AFMELDLINK = "afmeldlink"  # the unsubscribe link in a mail (meldingen)
    VOORKEURENPAGINA = "voorkeurenpagina"  # meldingen's preferences page


# The exact sentences people choose between; stored with each consent record. Changing one is a
# new text for new records, never a rewrite of what was agreed to before.
NETWERKMAIL_TEKST = (
    "Ja, stuur mij uitnodigingen en berichten van het netwerk digitale inclusie "
    "(netwerkmomenten, infosessies en opleidingen)."
)
TOESTEMMING_TEKSTEN: dict[Doel, dict[bool, str]] = {
    Doel.NIEUWSBRIEF: {True: NIEUWSBRIEF_TEKST, False: "Nee, stuur mij de nieuwsbrief niet."},
    Doel.NETWERKMAIL: {True: NETWERKMAIL_TEKST, False: "Nee, stuur mij geen uitnodigingen en berichten van het netwerk."},
}
TOESTEMMING_TITELS = {Doel.NIEUWSBRIEF: "Nieuwsbrief", Doel.NETWERKMAIL: "Uitnodigingen en berichten van het netwerk"}
UITSCHRIJVEN_TEKST = "Ik schreef me uit uit het netwerk; daarmee stopt alle mail van het netwerk."


def import_tekst(bestandsnaam: str, dag: date) -> str:
    # The old list did not keep the sentence people agreed to; say so rather than pretend.
    return (
        f"Overgenomen uit de bestaande ledenlijst van VVSG (bestand {bestandsnaam}, import van {dag:%d/%m/%Y}). "
        "De oorspronkelijke tekst van de toestemming is niet bewaard."
    )


# --- sign-in links -----------------------------------------------------------------------------


def nieuw_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
