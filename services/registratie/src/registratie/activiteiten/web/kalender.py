"""The public calendar: upcoming open activities, as a page and as an iCalendar feed (RFC 5545).

Only kinds that anyone may attend are public; advice conversations, tailored support, the
steering committee and publications are not events on a calendar. A cancelled activity stays
in the feed (STATUS:CANCELLED) until its date has passed, so subscribed calendars remove it
instead of keeping a stale entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dinet_contracts.kalender import nieuwe_kalender, pagina_url, vevent
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus
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


def als_ical(activiteiten: list[ActiviteitRij], instellingen: Kalenderinstellingen, nu: datetime | None = None) -> bytes:
    """An RFC 5545 VCALENDAR; the icalendar package does the escaping and the 75-octet folding.
    No join links: this feed is public."""
    kalender = nieuwe_kalender(instellingen.naam)
    stempel = nu or nu_utc()
    for a in activiteiten:
        g = a.gegevens
        kalender.add_component(
            vevent(
                activiteit_id=a.id,
                versie=a.versie,
                titel=g.titel,
                soort=g.soort,
                vorm=g.vorm,
                start=g.start,
                einde=g.einde,
                stempel=a.gewijzigd_op or stempel,
                pagina=pagina_url(instellingen.publieke_url, a.id),
                geannuleerd=a.status is ActiviteitStatus.GEANNULEERD,
                beschrijving=g.omschrijving,
                plaats=g.locatie,
                url=g.url,
                meer_informatie="Meer informatie en inschrijven",
            )
        )
    return kalender.to_ical()
