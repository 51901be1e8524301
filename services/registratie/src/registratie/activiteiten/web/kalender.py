"""The public calendar as an iCalendar feed (RFC 5545); which activities it holds is
`store.lijsten.komende`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dinet_contracts.kalender import nieuwe_kalender, pagina_url, vevent
from dinet_contracts.types import ActiviteitStatus

from ..store.activiteiten import ActiviteitRij


@dataclass(frozen=True)
class Kalenderinstellingen:
    publieke_url: str  # e.g. https://dinet.vvsg.be, for the activities' pages
    naam: str = "Netwerk digitale inclusie"


def als_ical(activiteiten: list[ActiviteitRij], instellingen: Kalenderinstellingen, nu: datetime) -> bytes:
    """An RFC 5545 VCALENDAR; the icalendar package does the escaping and the 75-octet folding.
    No join links: this feed is public."""
    kalender = nieuwe_kalender(instellingen.naam)
    stempel = nu
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
