"""The rules of the KPI catalogue, free of I/O: which year a fact counts in, whether it counts,
how many hours an attendance is worth, and how a figure stands against its target.

The projection (projectie.py) applies the per-fact rules when an event arrives, so the queries
in store.py only filter and add up; what "counts" is decided here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from dinet_contracts.tijd import lokale_datum

# The oldest year the dashboard answers for: the network started in 2018.
EERSTE_JAAR = 2018

# A year is a Belgian calendar year: a plan started at 00:30 on 1 January counts in the new year.


def vandaag(nu: datetime) -> date:
    return lokale_datum(nu)


def lokaal_jaar(moment: datetime) -> int:
    return lokale_datum(moment).year


ORGANISATIETYPES_BESTUREN = frozenset({"lokaal_bestuur", "igs"})


class Status(StrEnum):
    BEREIKT = "bereikt"
    OP_KOERS = "op_koers"
    ACHTER = "achter"
    GEEN_DOEL = "geen_doel"


STATUS_LABELS: dict[Status, str] = {
    Status.BEREIKT: "Doel bereikt",
    Status.OP_KOERS: "Op koers",
    Status.ACHTER: "Achter op schema",
    Status.GEEN_DOEL: "Geen doel vastgelegd",
}


@dataclass(frozen=True)
class Periode:
    """A calendar year, cut off at `peildatum` ("to date") while the year is still running."""

    jaar: int
    peildatum: date

    @property
    def begin(self) -> date:
        return date(self.jaar, 1, 1)

    @property
    def einde(self) -> date:
        return date(self.jaar, 12, 31)

    @property
    def lopend(self) -> bool:
        return self.peildatum < self.einde

    def bevat(self, dag: date) -> bool:
        return self.begin <= dag <= self.peildatum


class OngeldigJaar(ValueError):
    pass


def periode(jaar: int, vandaag: date) -> Periode:
    if not EERSTE_JAAR <= jaar <= vandaag.year:
        raise OngeldigJaar(f"Kies een jaar van {EERSTE_JAAR} tot en met {vandaag.year}.")
    return Periode(jaar=jaar, peildatum=min(date(jaar, 12, 31), vandaag))


def lees_jaar(waarde: str | None, vandaag: date) -> Periode:
    """The period for a `jaar` as typed in a URL or form; empty means the running year."""
    if waarde is None or not waarde.strip():
        return periode(vandaag.year, vandaag)
    tekst = waarde.strip()
    if not (tekst.isascii() and tekst.isdigit() and len(tekst) == 4):
        raise OngeldigJaar(f"Geef een jaar in vier cijfers, bijvoorbeeld {vandaag.year}.")
    return periode(int(tekst), vandaag)


# --- status against the target ------------------------------------------------------------


def status(waarde: float, doel: float | None, p: Periode) -> Status:
    """Targets are yearly minimums. While the year runs, "op koers" means at least the pro-rata share."""
    if doel is None:
        return Status.GEEN_DOEL
    if waarde >= doel:
        return Status.BEREIKT
    if p.lopend:
        if waarde >= doel * verstreken_deel(p):
            return Status.OP_KOERS
    return Status.ACHTER




# --- rules per fact ----------------------------------------------------------------------


def activiteit_jaar(start: datetime) -> int:
    """An activity counts in the (Belgian) year it was held, i.e. of its latest start: a move to
    another year moves it, and an attendance recorded in January for December counts in December."""
    return lokaal_jaar(start)


def activiteit_telt(status: str) -> bool:
    """Only what was held counts: planned, moved or cancelled activities add nothing."""
    return status == "afgelopen"


def deelnemersuren(aanwezig: bool, uren: Decimal, duur: Decimal) -> Decimal:
    """Attendance, not registration: absent adds 0; a partial attendance adds the hours recorded,
    never more than the activity lasted; present without hours recorded adds the full duration.

    store.UREN_SQL is the same rule in SQL (tested against this function).
    """
    if not aanwezig:
        return Decimal(0)
    if uren > 0:
        return min(uren, duur)
    return duur


def grootteklasse(opgegeven: str | None, inwoners: int | None) -> str | None:
    """Size class of a local government: klein < 20 000, middelgroot 20 000–50 000, groot > 50 000."""
    if opgegeven:
        return opgegeven
    if inwoners is None:
        return None
    if inwoners < 20_000:
        return "klein"
    if inwoners <= 50_000:
        return "middelgroot"
    return "groot"


# --- figures against targets -----------------------------------------------------------------

Getal = int | Decimal


def als_getal(waarde: Decimal | float | int | None) -> int | float | None:
    """For JSON and templates: whole numbers as int, others as float."""
    if waarde is None:
        return None
    d = Decimal(str(waarde))
    return int(d) if d == d.to_integral_value() else float(d)


@dataclass(frozen=True)
class Afsluiting:
    """The state of a year: closed with approved figures, or re-opened with a reason."""

    jaar: int
    afgesloten: bool
    op: datetime
    cijfers: Mapping[str, tuple[Decimal, Decimal | None]]  # kpi_id -> (approved value, target then)
    reden: str | None = None


@dataclass(frozen=True)
class Cijfer:
    id: str
    label: str
    kort: str
    waarde: int | float
    doel: int | float | None
    status: Status
    eenheid: str = "aantal"
    goedgekeurd: int | float | None = None  # when the year is closed: the approved figure
    goedgekeurd_doel: int | float | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def na_afsluiting(self) -> int | float | None:
        """What events after the closing changed: shown beside the approved figure, never in it."""
        if self.goedgekeurd is None:
            return None
        verschil = als_getal(Decimal(str(self.waarde)) - Decimal(str(self.goedgekeurd)))
        return verschil or None


@dataclass(frozen=True)
class Jaaroverzicht:
    periode: Periode
    kpis: tuple[Cijfer, ...]
    afsluiting: Afsluiting | None = None

    @property
    def afgesloten(self) -> bool:
        return self.afsluiting is not None and self.afsluiting.afgesloten


def cijfer(
    kpi_id: str,
    label: str,
    kort: str,
    waarde: Getal,
    doel: Decimal | int | None,
    p: Periode,
    *,
    eenheid: str = "aantal",
    afsluiting: Afsluiting | None = None,
) -> Cijfer:
    """A figure with its status. In a closed year the status is the approved figure's."""
    goedgekeurd = goedgekeurd_doel = None
    beoordeeld = waarde
    if afsluiting is not None and afsluiting.afgesloten and kpi_id in afsluiting.cijfers:
        g, gd = afsluiting.cijfers[kpi_id]
        goedgekeurd, goedgekeurd_doel = als_getal(g), als_getal(gd)
        beoordeeld = g
    d = als_getal(doel)
    return Cijfer(
        id=kpi_id,
        label=label,
        kort=kort,
        waarde=als_getal(waarde),  # type: ignore[arg-type]
        doel=d,
        status=status(float(beoordeeld), d, p),
        eenheid=eenheid,
        goedgekeurd=goedgekeurd,
        goedgekeurd_doel=goedgekeurd_doel,
    )


def doelen_samenvoegen(
    catalogus: Mapping[str, Decimal], gewijzigd: Mapping[str, Decimal | None]
) -> dict[str, Decimal]:
    """Staff changes win over the catalogue's target; a change to "no target" removes it."""
    result = dict(catalogus)
    for kpi_id, doel in gewijzigd.items():
        if doel is None:
            result.pop(kpi_id, None)
        else:
            result[kpi_id] = doel
    return result


def verstreken_deel(p: Periode) -> float:
    return ((p.peildatum - p.begin).days + 1) / ((p.einde - p.begin).days + 1)
