"""The iCalendar attachment of activity mails (RFC 5545).

The UID is the activity's id and SEQUENCE is its version minus one, exactly as in registratie's
public feed (`/registratie/kalender.ics`): a calendar that got the mail and also subscribes to
the feed holds one entry, and every change (a higher version) replaces the older copy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dinet_contracts.events.activiteiten import ActiviteitV2
from dinet_contracts.types import ACTIVITEIT_SOORT_LABELS, ActiviteitStatus, Vorm
from icalendar import Calendar, Event

PRODID = "-//VVSG//Netwerk digitale inclusie//NL"


def pagina_url(public_url: str, activiteit_id: Any) -> str:
    return f"{public_url.rstrip('/')}/registratie/activiteiten/{activiteit_id}"


def als_ical(a: ActiviteitV2, public_url: str, *, geannuleerd: bool = False, nu: datetime | None = None) -> bytes:
    """One VEVENT. `geannuleerd` also for a member's own cancelled registration: their calendar
    should drop the entry even though the activity goes on."""
    kalender = Calendar()
    kalender.add("prodid", PRODID)
    kalender.add("version", "2.0")
    kalender.add("calscale", "GREGORIAN")
    kalender.add("method", "PUBLISH")
    ev = Event()
    ev.add("uid", str(a.activiteit_id))
    ev.add("dtstamp", (nu or datetime.now(UTC)).astimezone(UTC))
    ev.add("dtstart", a.start.astimezone(UTC))
    ev.add("dtend", a.einde.astimezone(UTC))
    ev.add("sequence", a.versie - 1)
    ev.add("summary", a.titel)
    soort = ACTIVITEIT_SOORT_LABELS[a.soort]
    ev.add("categories", [soort])
    pagina = pagina_url(public_url, a.activiteit_id)
    beschrijving = [soort]
    if a.beschrijving:
        beschrijving.append(a.beschrijving)
    if a.vorm is Vorm.ONLINE and a.deelnamelink:
        beschrijving.append(f"Deelnemen: {a.deelnamelink}")
    beschrijving.append(f"Meer informatie: {pagina}")
    ev.add("description", "\n\n".join(beschrijving))
    if a.vorm is Vorm.ONLINE:
        ev.add("location", "Online")
        ev.add("url", a.deelnamelink or pagina)
    else:
        if a.plaats:
            ev.add("location", a.plaats)
        ev.add("url", pagina)
    weg = geannuleerd or a.status is ActiviteitStatus.GEANNULEERD
    ev.add("status", "CANCELLED" if weg else "CONFIRMED")
    kalender.add_component(ev)
    return kalender.to_ical()
