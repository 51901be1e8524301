"""The KPI definitions: what each figure means, computed from facts that hold no personal data.

Pure functions only: the projection tables are read elsewhere (store.py) and handed in here,
so the rules of the catalogue ("active on 31/12", "distinct organisations") live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

# The oldest year the dashboard answers for: the network started in 2018.
EERSTE_JAAR = 2018

# A year is a Belgian calendar year: a plan started at 00:30 on 1 January counts in the new year.
TIJDZONE = ZoneInfo("Europe/Brussels")


def lokale_datum(moment: datetime) -> date:
    return moment.astimezone(TIJDZONE).date()


def vandaag(nu: datetime) -> date:
    return lokale_datum(nu)

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
class Lidmaatschap:
    lid_id: UUID
    organisatie_id: UUID
    organisatie_type: str
    lid_sinds: date
    # Filled once members can leave (lid.uitgeschreven): the last day of membership.
    lid_tot: date | None = None

    def actief_op(self, dag: date) -> bool:
        return self.lid_sinds <= dag and (self.lid_tot is None or self.lid_tot >= dag)


@dataclass(frozen=True)
class Beleidsplan:
    beleidsplan_id: UUID
    organisatie_id: UUID
    aangemaakt_op: datetime


@dataclass(frozen=True)
class NieuwsbriefBevestiging:
    lid_id: UUID
    bevestigd_op: datetime


@dataclass(frozen=True)
class Feiten:
    """Everything the KPIs of one year are computed from."""

    lidmaatschappen: tuple[Lidmaatschap, ...] = ()
    beleidsplannen: tuple[Beleidsplan, ...] = ()
    nieuwsbrief_bevestigingen: tuple[NieuwsbriefBevestiging, ...] = ()


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


# --- the indicators -----------------------------------------------------------------------


def od11_leden(feiten: Feiten, p: Periode) -> int:
    """Persons with an active network membership on 31/12 (or on the reference date this year)."""
    return sum(1 for m in feiten.lidmaatschappen if m.actief_op(p.peildatum))


def od11_besturen(feiten: Feiten, p: Periode) -> int:
    """Distinct local governments and IGS with at least one active member."""
    return len(
        {
            m.organisatie_id
            for m in feiten.lidmaatschappen
            if m.organisatie_type in ORGANISATIETYPES_BESTUREN and m.actief_op(p.peildatum)
        }
    )


def ctx_beleidsplannen_gestart(feiten: Feiten, p: Periode) -> int:
    return sum(1 for b in feiten.beleidsplannen if p.bevat(lokale_datum(b.aangemaakt_op)))


def ctx_nieuwsbrief_bevestigd(feiten: Feiten, p: Periode) -> int:
    return sum(1 for n in feiten.nieuwsbrief_bevestigingen if p.bevat(lokale_datum(n.bevestigd_op)))


@dataclass(frozen=True)
class Definitie:
    id: str
    label: str
    kort: str  # for the chart, where a full catalogue label does not fit on one line
    bereken: Callable[[Feiten, Periode], int]


# Ids and labels as in the KPI catalogue; the committee reads the labels.
KPIS: tuple[Definitie, ...] = (
    Definitie("od11_leden", "Aantal leden van het netwerk", "Leden van het netwerk", od11_leden),
    Definitie(
        "od11_besturen",
        "Aantal vertegenwoordigde lokale besturen en intergemeentelijke samenwerkingsverbanden",
        "Lokale besturen en IGS",
        od11_besturen,
    ),
)

# Context figures: no target, they explain the KPIs.
CONTEXT: tuple[Definitie, ...] = (
    Definitie(
        "ctx_beleidsplannen_gestart",
        "Gestarte lokale beleidsplannen digitale inclusie",
        "Gestarte beleidsplannen",
        ctx_beleidsplannen_gestart,
    ),
    Definitie(
        "ctx_nieuwsbrief_bevestigd",
        "Bevestigde inschrijvingen op de nieuwsbrief",
        "Bevestigde nieuwsbriefinschrijvingen",
        ctx_nieuwsbrief_bevestigd,
    ),
)


# --- status against the target ------------------------------------------------------------


def status(waarde: float, doel: float | None, p: Periode) -> Status:
    """Targets are yearly minimums. While the year runs, "op koers" means at least the pro-rata share."""
    if doel is None:
        return Status.GEEN_DOEL
    if waarde >= doel:
        return Status.BEREIKT
    if p.lopend:
        verstreken = ((p.peildatum - p.begin).days + 1) / ((p.einde - p.begin).days + 1)
        if waarde >= doel * verstreken:
            return Status.OP_KOERS
    return Status.ACHTER


@dataclass(frozen=True)
class Cijfer:
    id: str
    label: str
    kort: str
    waarde: int
    doel: int | float | None
    status: Status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Jaaroverzicht:
    periode: Periode
    kpis: tuple[Cijfer, ...]
    context: tuple[Cijfer, ...]


def _getal(doel: Decimal | float | int | None) -> int | float | None:
    if doel is None:
        return None
    d = Decimal(str(doel))
    return int(d) if d == d.to_integral_value() else float(d)


def jaaroverzicht(feiten: Feiten, p: Periode, doelen: Mapping[str, Decimal | float | int]) -> Jaaroverzicht:
    """All figures of one year, each with its target (from `doelen`, keyed by KPI id) and status."""

    def cijfers(defs: Iterable[Definitie]) -> tuple[Cijfer, ...]:
        result = []
        for d in defs:
            waarde = d.bereken(feiten, p)
            doel = _getal(doelen.get(d.id))
            result.append(Cijfer(d.id, d.label, d.kort, waarde, doel, status(waarde, doel, p)))
        return tuple(result)

    return Jaaroverzicht(periode=p, kpis=cijfers(KPIS), context=cijfers(CONTEXT))
