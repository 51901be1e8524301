"""The public calendar: upcoming open activities, as a page and as an iCalendar feed (RFC 5545).

Only kinds that anyone may attend are public; advice conversations, tailored support, the
steering committee and publications are not events on a calendar. A cancelled activity stays
in the feed (STATUS:CANCELLED) until its date has passed, so subscribed calendars remove it
instead of keeping a stale entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dinet_contracts.types import ACTIVITEIT_SOORT_LABELS, ActiviteitSoort, ActiviteitStatus, Vorm
from icalendar import Calendar, Event
from sqlalchemy import text

from .domein import nu_utc
from .opslag import KOLOMMEN, ActiviteitRij, rij_naar_activiteit

PUBLIEKE_SOORTEN: tuple[ActiviteitSoort, ...] = (
    ActiviteitSoort.NETWERK_ALGEMEEN,
    ActiviteitSoort.NETWERK_SPECIFIEK,
    ActiviteitSoort.INFOSESSIE,
    ActiviteitSoort.INSPIRATIEDAG,
    ActiviteitSoort.THEMATISCHE_OPLEIDING,
    ActiviteitSoort.MEERDAAGSE_OPLEIDING,
    ActiviteitSoort.VVSG_OPLEIDING_GEINTEGREERD,
)
MAX_IN_KALENDER = 500
PRODID = "-//VVSG//Netwerk digitale inclusie//NL"


async def komende(db: Any, nu: datetime | None = None, *, met_geannuleerde: bool = True) -> list[ActiviteitRij]:
    statussen = ["gepland", "verplaatst"] + (["geannuleerd"] if met_geannuleerde else [])
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    f"SELECT id, versie, status, bron, gewijzigd_op, {KOLOMMEN} FROM activiteiten"
                    " WHERE einde >= :nu AND status = ANY(:statussen) AND soort = ANY(:soorten)"
                    " ORDER BY start, id LIMIT :max"
                ),
                {
                    "nu": nu or nu_utc(),
                    "statussen": statussen,
                    "soorten": [s.value for s in PUBLIEKE_SOORTEN],
                    "max": MAX_IN_KALENDER,
                },
            )
        ).mappings().all()
    return [rij_naar_activiteit(r) for r in rijen]


@dataclass(frozen=True)
class Kalenderinstellingen:
    publieke_url: str  # e.g. https://dinet.vvsg.be, for the activities' pages
    naam: str = "Netwerk digitale inclusie"


def pagina_url(publieke_url: str, activiteit_id: Any) -> str:
    return f"{publieke_url.rstrip('/')}/registratie/activiteiten/{activiteit_id}"


def als_ical(activiteiten: list[ActiviteitRij], instellingen: Kalenderinstellingen, nu: datetime | None = None) -> bytes:
    """An RFC 5545 VCALENDAR; the icalendar package does the escaping and the 75-octet folding."""
    kalender = Calendar()
    kalender.add("prodid", PRODID)
    kalender.add("version", "2.0")
    kalender.add("calscale", "GREGORIAN")
    kalender.add("method", "PUBLISH")
    kalender.add("x-wr-calname", instellingen.naam)
    stempel = (nu or nu_utc()).astimezone(UTC)
    for a in activiteiten:
        g = a.gegevens
        ev = Event()
        ev.add("uid", str(a.id))
        ev.add("dtstamp", (a.gewijzigd_op or stempel).astimezone(UTC))
        ev.add("dtstart", g.start.astimezone(UTC))
        ev.add("dtend", g.einde.astimezone(UTC))
        # SEQUENCE grows with every change, so calendar apps take the newer copy.
        ev.add("sequence", a.versie - 1)
        ev.add("summary", g.titel)
        soort = ACTIVITEIT_SOORT_LABELS[g.soort]
        ev.add("categories", [soort])
        beschrijving = [soort]
        if g.omschrijving:
            beschrijving.append(g.omschrijving)
        pagina = pagina_url(instellingen.publieke_url, a.id)
        beschrijving.append(f"Meer informatie en inschrijven: {pagina}")
        ev.add("description", "\n\n".join(beschrijving))
        if g.vorm is Vorm.ONLINE:
            ev.add("location", "Online")
            ev.add("url", g.url or pagina)
        else:
            if g.locatie:
                ev.add("location", g.locatie)
            ev.add("url", pagina)
        ev.add("status", "CANCELLED" if a.status is ActiviteitStatus.GEANNULEERD else "CONFIRMED")
        kalender.add_component(ev)
    return kalender.to_ical()
