"""The iCalendar attachment of activity mails (RFC 5545).

The UID is the activity's id and SEQUENCE is its version minus one, exactly as in registratie's
public feed (`/registratie/kalender.ics`): a calendar that got the mail and also subscribes to
the feed holds one entry, and every change (a higher version) replaces the older copy.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dinet_contracts.events.activiteiten import ActiviteitV2
from dinet_contracts.kalender import nieuwe_kalender, pagina_url, vevent
from dinet_contracts.types import ActiviteitStatus

__all__ = ["als_ical", "pagina_url"]


def als_ical(a: ActiviteitV2, public_url: str, *, geannuleerd: bool = False, nu: datetime | None = None) -> bytes:
    """One VEVENT. `geannuleerd` also for a member's own cancelled registration: their calendar
    should drop the entry even though the activity goes on. The join link goes along: only people
    who registered get this mail."""
    kalender = nieuwe_kalender()
    kalender.add_component(
        vevent(
            activiteit_id=a.activiteit_id,
            versie=a.versie,
            titel=a.titel,
            soort=a.soort,
            vorm=a.vorm,
            start=a.start,
            einde=a.einde,
            stempel=nu or datetime.now(UTC),
            pagina=pagina_url(public_url, a.activiteit_id),
            geannuleerd=geannuleerd or a.status is ActiviteitStatus.GEANNULEERD,
            beschrijving=a.beschrijving,
            plaats=a.plaats,
            deelnamelink=a.deelnamelink,
        )
    )
    return kalender.to_ical()
