"""Belgian time for the whole platform, and the only place that names the time zone.

Moments are kept and sent in UTC. The network works in Belgium, though: a date in an event
(`lid_tot`, `vanaf`, `datum`) is a Belgian calendar day, a figure counts in the Belgian year, and
a person reads a Belgian clock. A moment printed without going through here shows UTC, an hour or
two early.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRUSSEL = ZoneInfo("Europe/Brussels")


def lokaal(moment: datetime) -> datetime:
    """The moment on a Belgian clock. A naive moment is UTC, as the database and the events keep
    time; Python would otherwise take it as the server's own zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BRUSSEL)


def lokale_datum(moment: datetime) -> date:
    """The Belgian day of a moment: 23:30 UTC on 31 December is already 1 January."""
    return lokaal(moment).date()


def vandaag(nu: datetime | None = None) -> date:
    return lokale_datum(nu or datetime.now(UTC))


def datum(waarde: datetime | date) -> str:
    """"31/01/2025": a day as people here write it; a moment first becomes its Belgian day."""
    dag = lokale_datum(waarde) if isinstance(waarde, datetime) else waarde
    return dag.strftime("%d/%m/%Y")


def datum_tijd(moment: datetime) -> str:
    """"31/01/2025 09:30" on a Belgian clock."""
    return lokaal(moment).strftime("%d/%m/%Y %H:%M")


def iso(moment: datetime, timespec: str = "seconds") -> str:
    """ISO 8601 with the Belgian offset ("2025-01-31T09:30:00+01:00"): the same instant as in
    UTC, for machines, but with the clock time a person reading the file expects."""
    return lokaal(moment).isoformat(timespec=timespec)
