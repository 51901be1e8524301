"""The JSON API: the same figures as the dashboard, documented in OpenAPI at /kpi/schema.

`GET /kpi/api/v1/kpis` stays as the foundation published it (`kpis` with `id`, `waarde`,
`doel`, plus `context`); it shows only aggregated figures and remains open. The records behind
a figure and its events are for the committee and staff (401/403 problem+json otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, PathParameter, QueryParameter

from dinet_chassis.runtime import Runtime
from dinet_chassis.web import problemen
from dinet_chassis.web.auth import Rol, vereist
from dinet_contracts.tijd import lokale_datum

from kpi import domain, store
from kpi.use_cases import overzicht
from kpi.catalogus import KPI_PER_ID, Kpi, soort_label, waarde_label

LEZEN = vereist(Rol.STUURGROEP, Rol.MEDEWERKER)
# What `domain.lees_jaar` accepts: four digits from EERSTE_JAAR up to this year, or nothing. Only
# documented (schema_extra), not enforced by Litestar, so a wrong year keeps the domain's message
# and code `ongeldig_jaar`. The upper bound is this year when the process started.
_JAREN = "|".join(str(j) for j in range(domain.EERSTE_JAAR, datetime.now(UTC).year + 1))
JAAR = Annotated[
    str | None,
    QueryParameter(
        description=f"Kalenderjaar van {domain.EERSTE_JAAR} tot nu, bv. 2026; zonder jaar: het lopende jaar, "
        "geteld tot vandaag. Een ander jaar geeft 422 met code `ongeldig_jaar`.",
        schema_extra={"pattern": rf"^\s*({_JAREN})?\s*$"},
    ),
]
Getal = int | float


@dataclass
class KpiCijfer:
    id: str
    label: str
    waarde: Getal
    doel: Getal | None
    status: str
    eenheid: str
    goedgekeurd: Getal | None = field(default=None, metadata={"description": "In een afgesloten jaar: het goedgekeurde cijfer."})
    na_afsluiting: Getal | None = field(default=None, metadata={"description": "Wat na de afsluiting bijkwam (waarde min goedgekeurd)."})


@dataclass
class ContextCijfer:
    id: str
    label: str
    waarde: Getal


@dataclass
class Jaarcijfers:
    jaar: int
    peildatum: date
    afgesloten: bool
    afgesloten_op: datetime | None
    kpis: list[KpiCijfer]
    context: list[ContextCijfer]


@dataclass
class Deel:
    waarde: str | None
    label: str
    aantal: Getal


@dataclass
class Opsplitsing:
    dimensie: str
    delen: list[Deel]


@dataclass
class Record:
    id: str
    titel: str
    datum: date | None = None
    soort: str | None = None
    organisator: str | None = None
    trekker: str | None = None
    vorm: str | None = None
    lokaal_bestuur: str | None = None
    ondersteuning: str | None = None
    methode: str | None = None
    deelnemers: int | None = None
    uren: Getal | None = None
    leden: int | None = None
    type: str | None = None
    provincie: str | None = None
    grootteklasse: str | None = None
    ontvangers: int | None = None


@dataclass
class KpiDetail:
    jaar: int
    kpi: KpiCijfer
    records: list[Record]
    opsplitsingen: list[Opsplitsing]


@dataclass
class Gebeurtenis:
    id: str
    type: str
    tijd: datetime
    over: str | None
    na_afsluiting: bool


@dataclass
class Uitleg:
    jaar: int
    kpi_id: str
    aantal: int
    gebeurtenissen: list[Gebeurtenis]


@dataclass
class Trendjaar:
    jaar: int
    kpis: list[KpiCijfer]


def _vandaag() -> date:
    return domain.vandaag(datetime.now(UTC))


def _cijfer(c: domain.Cijfer) -> KpiCijfer:
    return KpiCijfer(c.id, c.label, c.waarde, c.doel, c.status.value, c.eenheid, c.goedgekeurd, c.na_afsluiting)


def _kpi(kpi_id: str) -> Kpi:
    kpi = KPI_PER_ID.get(kpi_id)
    if kpi is None:
        raise NotFoundException(detail=f"Er is geen kerncijfer met id {kpi_id}.")
    return kpi


@get("/kpi/api/v1/kpis", summary="Kerncijfers van één jaar", tags=["kerncijfers"])
async def kpis(runtime: NamedDependency[Runtime], jaar: JAAR = None) -> Jaarcijfers:
    """Every KPI of the catalogue for a calendar year with its target and status, and the context figures."""
    p = domain.lees_jaar(jaar, _vandaag())
    async with runtime.db.engine.connect() as conn:
        o = await overzicht.jaaroverzicht(conn, p)
        _, context = await overzicht.contextcijfers(conn, p)
    return Jaarcijfers(
        jaar=p.jaar,
        peildatum=p.peildatum,
        afgesloten=o.afgesloten,
        afgesloten_op=o.afsluiting.op if o.afgesloten and o.afsluiting else None,
        kpis=[_cijfer(c) for c in o.kpis],
        context=[ContextCijfer(c.id, c.label, c.waarde) for c in context],
    )


@get("/kpi/api/v1/trend", summary="Kerncijfers over de jaren van het plan", tags=["kerncijfers"], guards=[LEZEN])
async def trend(runtime: NamedDependency[Runtime]) -> list[Trendjaar]:
    async with runtime.db.engine.connect() as conn:
        jaren = await overzicht.trend(conn, _vandaag())
    return [Trendjaar(o.periode.jaar, [_cijfer(c) for c in o.kpis]) for o in jaren]


def _record(r: store.Record) -> Record:
    if isinstance(r, store.ActiviteitRecord):
        return Record(
            id=str(r.activiteit_id),
            titel=r.titel,
            datum=lokale_datum(r.start),
            soort=soort_label(r.soort),
            organisator=r.organisator,
            trekker=r.trekker,
            vorm=r.vorm,
            lokaal_bestuur=r.lokaal_bestuur,
            ondersteuning=r.ondersteuning,
            methode=r.methode,
            deelnemers=r.deelnemers or None,
            uren=domain.als_getal(r.uren) if r.deelnemers else None,
        )
    if isinstance(r, store.NieuwsbriefRecord):
        return Record(
            id=str(r.nieuwsbrief_id), titel=r.titel, datum=lokale_datum(r.verzonden_op), ontvangers=r.aantal_ontvangers
        )
    return Record(
        id=str(r.organisatie_id or ""),
        titel=r.naam,
        leden=r.leden,
        type=r.type,
        provincie=r.provincie,
        grootteklasse=r.grootteklasse,
    )


@get(
    "/kpi/api/v1/kpis/{kpi_id:str}",
    summary="Eén kerncijfer met de records erachter en de opsplitsingen",
    tags=["kerncijfers"],
    guards=[LEZEN],
    responses=problemen({404: "Er is geen kerncijfer met deze id."}),
)
async def kpi_detail(
    runtime: NamedDependency[Runtime],
    kpi_id: Annotated[str, PathParameter(description="Id uit de KPI-catalogus, bv. od12_deelnemersuren.")],
    jaar: JAAR = None,
) -> KpiDetail:
    kpi = _kpi(kpi_id)
    p = domain.lees_jaar(jaar, _vandaag())
    async with runtime.db.engine.connect() as conn:
        o = await overzicht.jaaroverzicht(conn, p)
        rijen = await store.records(conn, kpi, p)
        splits = [(d, await store.opsplitsing(conn, kpi, p, d)) for d in kpi.dimensies]
    return KpiDetail(
        jaar=p.jaar,
        kpi=_cijfer(next(c for c in o.kpis if c.id == kpi.id)),
        records=[_record(r) for r in rijen],
        opsplitsingen=[
            Opsplitsing(d.value, [Deel(x.waarde, waarde_label(d, x.waarde), domain.als_getal(x.aantal)) for x in delen])  # type: ignore[arg-type]
            for d, delen in splits
        ],
    )


@get(
    "/kpi/api/v1/kpis/{kpi_id:str}/uitleg",
    summary="De gebeurtenissen die een kerncijfer maakten",
    tags=["kerncijfers"],
    guards=[LEZEN],
    responses=problemen({404: "Er is geen kerncijfer met deze id."}),
)
async def kpi_uitleg(
    runtime: NamedDependency[Runtime],
    kpi_id: FromPath[str],
    jaar: JAAR = None,
    limiet: Annotated[int, QueryParameter(ge=1, le=10_000, description="Hoogstens zoveel gebeurtenissen.")] = 1000,
) -> Uitleg:
    kpi = _kpi(kpi_id)
    p = domain.lees_jaar(jaar, _vandaag())
    async with runtime.db.engine.connect() as conn:
        afsluiting = await store.afsluiting(conn, p.jaar)
        totaal, events = await store.uitleg(conn, kpi, p, limiet=limiet)
    grens = afsluiting.op if afsluiting is not None and afsluiting.afgesloten else None
    return Uitleg(
        jaar=p.jaar,
        kpi_id=kpi.id,
        aantal=totaal,
        gebeurtenissen=[
            Gebeurtenis(e.event_id, e.type, e.tijd, str(e.sleutel) if e.sleutel else None, bool(grens and e.tijd > grens))
            for e in events
        ],
    )


ROUTES = [kpis, trend, kpi_detail, kpi_uitleg]
