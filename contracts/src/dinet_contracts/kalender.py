"""One activity as an iCalendar VEVENT (RFC 5545), for every service that shows one.

registratie's public feed and meldingen's mail attachments must describe an activity the same
way: UID is the activity's id and SEQUENCE its version minus one, so a calendar that has both
holds one entry and every change (a higher version) replaces the older copy. That rule is part of
what the services agree on, so it lives here, beside the events it reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from icalendar import Calendar, Event

from .types import ACTIVITEIT_SOORT_LABELS, ActiviteitSoort, Vorm

PRODID = "-//VVSG//Netwerk digitale inclusie//NL"


def pagina_url(publieke_url: str, activiteit_id: Any) -> str:
    """The activity's public page, where people read it and register."""
    return f"{publieke_url.rstrip('/')}/registratie/activiteiten/{activiteit_id}"


def nieuwe_kalender(naam: str | None = None) -> Calendar:
    kalender = Calendar()
    kalender.add("prodid", PRODID)
    kalender.add("version", "2.0")
    kalender.add("calscale", "GREGORIAN")
    kalender.add("method", "PUBLISH")
    if naam:
        kalender.add("x-wr-calname", naam)
    return kalender


def vevent(
    *,
    activiteit_id: UUID,
    versie: int,
    titel: str,
    soort: ActiviteitSoort,
    vorm: Vorm,
    start: datetime,
    einde: datetime,
    stempel: datetime,
    pagina: str,
    geannuleerd: bool,
    beschrijving: str | None = None,
    plaats: str | None = None,
    url: str | None = None,
    deelnamelink: str | None = None,
    meer_informatie: str = "Meer informatie",
) -> Event:
    """`deelnamelink` only for people who registered: the public feed leaves it out."""
    ev = Event()
    ev.add("uid", str(activiteit_id))
    ev.add("dtstamp", stempel.astimezone(UTC))
    ev.add("dtstart", start.astimezone(UTC))
    ev.add("dtend", einde.astimezone(UTC))
    # SEQUENCE grows with every change, so calendar apps take the newer copy.
    ev.add("sequence", versie - 1)
    ev.add("summary", titel)
    label = ACTIVITEIT_SOORT_LABELS[soort]
    ev.add("categories", [label])
    tekst = [label]
    if beschrijving:
        tekst.append(beschrijving)
    if vorm is Vorm.ONLINE and deelnamelink:
        tekst.append(f"Deelnemen: {deelnamelink}")
    tekst.append(f"{meer_informatie}: {pagina}")
    ev.add("description", "\n\n".join(tekst))
    if vorm is Vorm.ONLINE:
        ev.add("location", "Online")
        ev.add("url", deelnamelink or url or pagina)
    else:
        if plaats:
            ev.add("location", plaats)
        ev.add("url", pagina)
    ev.add("status", "CANCELLED" if geannuleerd else "CONFIRMED")
    return ev
