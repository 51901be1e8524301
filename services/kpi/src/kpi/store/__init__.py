"""Reading the projections: figures, the records behind them, their splits and their events.

Every indicator is computed the same way: a query of *facts* for its source (catalogus.Bron),
each fact with a key (what is counted), a weight (hours), the organisation that splits use, the
organiser, the lead (trekker) and the form (online/physical). A figure is then the number of
distinct keys (or the sum of the weights), a split is the same grouped by one dimension, and the
records are the same grouped by activity or organisation. So a split always adds up to its
figure and the records are exactly those behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from kpi.store import aggregaten
from kpi import domain
from kpi.catalogus import Bron, Dimensie, Kpi

# The rule of domain.deelnemersuren in SQL: attendance, partial hours, capped at the duration.
UREN_SQL = (
    "CASE WHEN w.aanwezig THEN CASE WHEN w.uren > 0 THEN LEAST(w.uren, a.duur_uren) ELSE a.duur_uren END ELSE 0 END"
)

_EIND_LIDMAATSCHAP = "LEAST(m.uitgeschreven_tot, m.gewist_tot)"

# For every member, the organisation on the reference date.
_ORGANISATIE_OP_PEILDATUM = (
    "SELECT DISTINCT ON (lid_id) lid_id, organisatie_id, organisatie_type FROM lid_organisatie"
    " WHERE vanaf <= :peil ORDER BY lid_id, vanaf DESC"
)

_LEDEN = (
    "SELECT m.lid_id::text AS sleutel, 1::numeric AS gewicht, lo.organisatie_id AS org_id,"
    " lo.organisatie_type AS org_type, NULL::uuid AS organisator_id, NULL::text AS trekker,"
    " NULL::text AS vorm, NULL::uuid AS activiteit_id, m.lid_id AS lid_id"
    f" FROM lidmaatschap m LEFT JOIN ({_ORGANISATIE_OP_PEILDATUM}) lo ON lo.lid_id = m.lid_id"
    f" WHERE m.lid_sinds <= :peil AND ({_EIND_LIDMAATSCHAP} IS NULL OR {_EIND_LIDMAATSCHAP} >= :peil)"
)

_KENNISDELING = (
    "SELECT k.lid_id::text AS sleutel, 1::numeric AS gewicht, lo.organisatie_id AS org_id,"
    " lo.organisatie_type AS org_type, NULL::uuid AS organisator_id, NULL::text AS trekker,"
    " NULL::text AS vorm, NULL::uuid AS activiteit_id, k.lid_id AS lid_id"
    " FROM (SELECT DISTINCT ON (lid_id) lid_id, lid FROM kennisdeling WHERE datum <= :peil"
    "       ORDER BY lid_id, datum DESC) k"
    f" LEFT JOIN ({_ORGANISATIE_OP_PEILDATUM}) lo ON lo.lid_id = k.lid_id"
    " WHERE k.lid"
)

_NIEUWSBRIEVEN = (
    "SELECT n.nieuwsbrief_id::text AS sleutel, 1::numeric AS gewicht, NULL::uuid AS org_id,"
    " NULL::text AS org_type, NULL::uuid AS organisator_id, NULL::text AS trekker, NULL::text AS vorm,"
    " NULL::uuid AS activiteit_id, NULL::uuid AS lid_id"
    " FROM nieuwsbrief n WHERE n.jaar = :jaar"
)


def _activiteit_filter(kpi: Kpi, params: dict[str, Any], *, alleen_gehouden: bool = False) -> str:
    """With `alleen_gehouden` for rows of held activities only (uren_per_organisatie)."""
    voorwaarden = ["a.jaar = :jaar", "a.soort = ANY(CAST(:soorten AS text[]))"] + ([] if alleen_gehouden else ["a.telt"])
    params["soorten"] = [s.value for s in kpi.soorten]
    if kpi.trekker is not None:
        voorwaarden.append("a.trekker = :trekker")
        params["trekker"] = kpi.trekker.value
    if kpi.vorm is not None:
        voorwaarden.append("a.vorm = :vorm")
        params["vorm"] = kpi.vorm.value
    if kpi.vvsg_betrokken:
        voorwaarden.append("(a.vvsg_werkte_mee OR a.trekker = 'vvsg')")
    return " AND ".join(voorwaarden)


def feiten_sql(kpi: Kpi, p: domain.Periode) -> tuple[str, dict[str, Any]]:
    """The facts behind one indicator in one period, with the columns described above."""
    params: dict[str, Any] = {"jaar": p.jaar, "peil": p.peildatum}
    match kpi.bron:
        case Bron.LEDEN:
            return _LEDEN, params
        case Bron.BESTUREN:
            sql = (
                "SELECT l.org_id::text AS sleutel, 1::numeric AS gewicht, l.org_id, l.org_type,"
                " NULL::uuid AS organisator_id, NULL::text AS trekker, NULL::text AS vorm,"
                " NULL::uuid AS activiteit_id, l.lid_id"
                f" FROM ({_LEDEN}) l WHERE l.org_type IN ('lokaal_bestuur', 'igs')"
            )
            return sql, params
        case Bron.KENNISDELING:
            return _KENNISDELING, params
        case Bron.NIEUWSBRIEVEN:
            return _NIEUWSBRIEVEN, params
        case Bron.ACTIVITEITEN:
            waar = _activiteit_filter(kpi, params)
            sql = (
                "SELECT a.activiteit_id::text AS sleutel, 1::numeric AS gewicht, a.organisator_id AS org_id,"
                " NULL::text AS org_type, a.organisator_id, a.trekker, a.vorm, a.activiteit_id,"
                f" NULL::uuid AS lid_id FROM activiteit a WHERE {waar}"
            )
            return sql, params
        case Bron.OP_MAAT:
            waar = _activiteit_filter(kpi, params)
            sql = (
                "SELECT a.lokaal_bestuur_id::text AS sleutel, 1::numeric AS gewicht, a.lokaal_bestuur_id AS org_id,"
                " 'lokaal_bestuur'::text AS org_type, a.organisator_id, a.trekker, a.vorm, a.activiteit_id,"
                f" NULL::uuid AS lid_id FROM activiteit a WHERE {waar} AND a.lokaal_bestuur_id IS NOT NULL"
            )
            return sql, params
        case Bron.UREN:
            waar = _activiteit_filter(kpi, params)
            sql = (
                f"SELECT a.activiteit_id::text || '/' || w.lid_id::text AS sleutel, {UREN_SQL} AS gewicht,"
                " w.organisatie_id AS org_id, w.organisatie_type AS org_type, a.organisator_id, a.trekker,"
                " a.vorm, a.activiteit_id, w.lid_id"
                f" FROM aanwezigheid w JOIN activiteit a ON a.activiteit_id = w.activiteit_id"
                f" WHERE {waar} AND w.aanwezig"
            )
            return sql, params
    raise ValueError(kpi.bron)


_CIJFER_KOLOMMEN = "sleutel, aantal, org_id, org_type, organisator_id, trekker, vorm, activiteit_id, leden, deelnemers"


def cijfers_sql(kpi: Kpi, p: domain.Periode, *, per_organisatie: bool = False) -> tuple[str, dict[str, Any]]:
    """What the figures, splits and records add up: the facts of `feiten_sql`, or for members and
    participant hours the same facts summed ahead (aggregaten.py), so no page reads them all.

    Columns: sleutel, aantal (what the figure adds: a member count, hours, or 1 per fact), the
    split columns of the facts, leden (members behind the row) and deelnemers (attendees).
    Hours come per activity, or with `per_organisatie` per activity and attendee organisation.
    """
    params: dict[str, Any] = {"jaar": p.jaar, "peil": p.peildatum}
    match kpi.bron:
        case Bron.LEDEN | Bron.BESTUREN:
            sql = (
                "SELECT COALESCE(l.org_id::text, '') AS sleutel,"
                + (" 1::numeric" if kpi.bron is Bron.BESTUREN else " l.leden::numeric")
                + " AS aantal, l.org_id, l.org_type, NULL::uuid AS organisator_id, NULL::text AS trekker,"
                " NULL::text AS vorm, NULL::uuid AS activiteit_id, l.leden, 0 AS deelnemers"
                f" FROM ({aggregaten.LEDEN_PER_ORGANISATIE}) l"
            )
            if kpi.bron is Bron.BESTUREN:
                sql += " WHERE l.org_type IN ('lokaal_bestuur', 'igs')"
            return sql, params
        case Bron.UREN:
            if per_organisatie:
                waar = _activiteit_filter(kpi, params, alleen_gehouden=True)
                sql = (
                    "SELECT NULL::text AS sleutel, a.uren AS aantal, a.organisatie_id AS org_id, a.organisatie_type AS org_type,"
                    " NULL::uuid AS organisator_id, a.trekker, a.vorm, NULL::uuid AS activiteit_id, 0 AS leden, a.deelnemers"
                    f" FROM uren_per_organisatie a WHERE {waar}"
                )
            else:
                waar = _activiteit_filter(kpi, params)
                sql = (
                    "SELECT a.activiteit_id::text AS sleutel, a.uren AS aantal, NULL::uuid AS org_id, NULL::text AS org_type,"
                    " a.organisator_id, a.trekker, a.vorm, a.activiteit_id, 0 AS leden, a.deelnemers"
                    f" FROM uren_per_activiteit a WHERE {waar}"
                )
            return sql, params
    sql, params = feiten_sql(kpi, p)
    return (
        "SELECT f.sleutel, f.gewicht AS aantal, f.org_id, f.org_type, f.organisator_id, f.trekker, f.vorm,"
        f" f.activiteit_id, (f.lid_id IS NOT NULL)::int AS leden, 0 AS deelnemers FROM ({sql}) f",
        params,
    )


def _totaal(kpi: Kpi) -> str:
    # Member rows are per organisation (one member in exactly one), hours per activity or organisation.
    if kpi.bron in (Bron.UREN, Bron.LEDEN):
        return "COALESCE(sum(f.aantal), 0)"
    # One row per activity (its primary key): counting them needs no sort.
    return "count(f.sleutel)" if kpi.bron is Bron.ACTIVITEITEN else "count(DISTINCT f.sleutel)"


def waarde_sql(kpi: Kpi, p: domain.Periode, leden: str | None = None) -> tuple[str, dict[str, Any]]:
    """One figure. Activities are counted from their counters, members from `leden` when given
    (the name of a WITH that holds LEDEN_PER_ORGANISATIE, shared by the figures of one statement)."""
    if kpi.bron is Bron.ACTIVITEITEN:
        params: dict[str, Any] = {"jaar": p.jaar}
        waar = _activiteit_filter(kpi, params, alleen_gehouden=True)
        return f"SELECT COALESCE(sum(a.aantal), 0) FROM activiteit_teller a WHERE {waar}", params
    sql, params = cijfers_sql(kpi, p)
    if leden is not None:
        sql = sql.replace(f"({aggregaten.LEDEN_PER_ORGANISATIE})", leden)
    return f"SELECT {_totaal(kpi)} FROM ({sql}) f", params


async def waarde(conn: AsyncConnection, kpi: Kpi, p: domain.Periode) -> domain.Getal:
    sql, params = waarde_sql(kpi, p)
    result = await conn.scalar(text(sql), params)
    return result if kpi.bron is Bron.UREN else int(result)


async def waarden(conn: AsyncConnection, kpis: tuple[Kpi, ...], p: domain.Periode) -> dict[str, domain.Getal]:
    """Every indicator of one period in one round trip."""
    delen = []
    params: dict[str, Any] = {"peil": p.peildatum}
    for i, kpi in enumerate(kpis):
        sql, eigen = waarde_sql(kpi, p, leden="leden")
        # Each indicator gets its own parameter names, so the queries can share one statement.
        for naam, w in eigen.items():
            sql = sql.replace(f":{naam}", f":{naam}_{i}")
            params[f"{naam}_{i}"] = w
        delen.append(f"({sql}) AS k{i}")
    # The members per organisation on the reference date, read once for every member figure.
    met = f"WITH leden AS MATERIALIZED ({aggregaten.LEDEN_PER_ORGANISATIE}) "
    rij = (await conn.execute(text(met + "SELECT " + ", ".join(delen)), params)).one()
    return {
        kpi.id: (rij[i] if kpi.bron is Bron.UREN else int(rij[i])) for i, kpi in enumerate(kpis)
    }


# --- splits -----------------------------------------------------------------------------------

_DIMENSIE_SQL: dict[Dimensie, str] = {
    Dimensie.ORGANISATIETYPE: "COALESCE(o.type, f.org_type)",
    Dimensie.GROOTTEKLASSE: "o.grootteklasse",
    Dimensie.PROVINCIE: "o.provincie",
    Dimensie.ORGANISATOR: "COALESCE(org.naam, f.organisator_id::text)",
    Dimensie.TREKKER: "f.trekker",
    Dimensie.VORM: "f.vorm",
}


_ORGANISATIE_DIMENSIES = (Dimensie.ORGANISATIETYPE, Dimensie.GROOTTEKLASSE, Dimensie.PROVINCIE)


@dataclass(frozen=True)
class Deel:
    waarde: str | None  # the dimension's value (None: unknown)
    aantal: domain.Getal


async def opsplitsing(conn: AsyncConnection, kpi: Kpi, p: domain.Periode, dimensie: Dimensie) -> list[Deel]:
    """The figure split by one dimension; the parts add up to the figure (distinct keys per part)."""
    sql, params = cijfers_sql(kpi, p, per_organisatie=dimensie in _ORGANISATIE_DIMENSIES)
    expr = _DIMENSIE_SQL[dimensie]
    rows = await conn.execute(
        text(
            f"SELECT {expr} AS waarde, {_totaal(kpi)} AS aantal FROM ({sql}) f"
            " LEFT JOIN organisatie o ON o.organisatie_id = f.org_id"
            " LEFT JOIN organisatie org ON org.organisatie_id = f.organisator_id"
            f" GROUP BY 1 ORDER BY 2 DESC, 1"
        ),
        params,
    )
    return [Deel(r.waarde, r.aantal if kpi.bron is Bron.UREN else int(r.aantal)) for r in rows]


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiviteitRecord:
    activiteit_id: UUID
    titel: str
    start: datetime
    soort: str
    organisator: str
    trekker: str
    vorm: str
    status: str
    lokaal_bestuur: str | None
    ondersteuning: str | None
    methode: str | None
    url: str | None
    deelnemers: int
    uren: Decimal


@dataclass(frozen=True)
class OrganisatieRecord:
    organisatie_id: UUID | None
    naam: str
    type: str | None
    provincie: str | None
    grootteklasse: str | None
    leden: int


@dataclass(frozen=True)
class NieuwsbriefRecord:
    nieuwsbrief_id: UUID
    titel: str
    verzonden_op: datetime
    aantal_ontvangers: int


Record = ActiviteitRecord | OrganisatieRecord | NieuwsbriefRecord


async def records(conn: AsyncConnection, kpi: Kpi, p: domain.Periode, limiet: int | None = None, vanaf: int = 0) -> list[Record]:
    """The records behind a figure: activities, organisations (never persons) or newsletters;
    with `limiet` one page of them, from the `vanaf`-th on (the order is total: ids break ties)."""
    sql, params = cijfers_sql(kpi, p)
    beperk = (f" LIMIT {int(limiet)}" if limiet else "") + (f" OFFSET {int(vanaf)}" if vanaf else "")
    if kpi.bron in (Bron.ACTIVITEITEN, Bron.UREN, Bron.OP_MAAT):
        # The facts' own filter again on `a`: the planner then reads those activities by index.
        waar = _activiteit_filter(kpi, params)
        rows = await conn.execute(
            text(
                "SELECT a.activiteit_id, a.titel, a.start, a.soort, COALESCE(org.naam, a.organisator_id::text) AS organisator,"
                " a.trekker, a.vorm, a.status, lb.naam AS lokaal_bestuur, a.ondersteuning, a.methode, a.url,"
                " f.deelnemers, f.uren"
                f" FROM (SELECT activiteit_id, sum(deelnemers) AS deelnemers, sum(aantal) AS uren FROM ({sql}) f0"
                "       GROUP BY activiteit_id) f"
                " JOIN activiteit a ON a.activiteit_id = f.activiteit_id"
                " LEFT JOIN organisatie org ON org.organisatie_id = a.organisator_id"
                " LEFT JOIN organisatie lb ON lb.organisatie_id = a.lokaal_bestuur_id"
                f" WHERE {waar} ORDER BY a.start, a.titel, a.activiteit_id{beperk}"
            ),
            params,
        )
        return [
            ActiviteitRecord(
                **{
                    **r._asdict(),
                    "deelnemers": int(r.deelnemers) if kpi.bron is Bron.UREN else 0,
                    "uren": r.uren if kpi.bron is Bron.UREN else Decimal(0),
                }
            )
            for r in rows
        ]
    if kpi.bron is Bron.NIEUWSBRIEVEN:
        rows = await conn.execute(
            text(
                "SELECT n.nieuwsbrief_id, n.titel, n.verzonden_op, n.aantal_ontvangers"
                f" FROM ({sql}) f JOIN nieuwsbrief n ON n.nieuwsbrief_id::text = f.sleutel"
                f" ORDER BY n.verzonden_op, n.nieuwsbrief_id{beperk}"
            ),
            params,
        )
        return [NieuwsbriefRecord(*r) for r in rows]
    rows = await conn.execute(
        text(
            "SELECT f.org_id, COALESCE(o.naam, 'Onbekende organisatie') AS naam, COALESCE(o.type, max(f.org_type)) AS type,"
            " o.provincie, o.grootteklasse, sum(f.leden)::int AS leden"
            f" FROM ({sql}) f LEFT JOIN organisatie o ON o.organisatie_id = f.org_id"
            " GROUP BY f.org_id, o.naam, o.type, o.provincie, o.grootteklasse"
            f" ORDER BY leden DESC, naam, f.org_id{beperk}"
        ),
        params,
    )
    return [OrganisatieRecord(*r) for r in rows]


# --- explain ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BronEvent:
    event_id: str
    type: str
    tijd: datetime
    sleutel: UUID | None
    # What the event is about, in words, for the committee (None when not an activity or newsletter).
    titel: str | None = None
    start: datetime | None = None
    organisatie: str | None = None  # the organiser of an activity, or the member's organisation
    uren: Decimal | None = None
    is_activiteit: bool = False


_EVENT_TYPES_PER_BRON: dict[Bron, tuple[str, ...]] = {
    Bron.LEDEN: (
        "be.dinet.lid.geregistreerd.v1",
        "be.dinet.lid.organisatie_gewijzigd.v1",
        "be.dinet.lid.uitgeschreven.v1",
        "be.dinet.lid.gewist.v1",
    ),
    Bron.KENNISDELING: ("be.dinet.lid.kennisdeling_gewijzigd.v1", "be.dinet.lid.organisatie_gewijzigd.v1"),
    Bron.NIEUWSBRIEVEN: ("be.dinet.nieuwsbrief.verzonden.v1",),
    Bron.ACTIVITEITEN: (
        "be.dinet.activiteit.gepland.v1",
        "be.dinet.activiteit.gewijzigd.v1",
        "be.dinet.activiteit.geannuleerd.v1",
        "be.dinet.activiteit.afgelopen.v1",
        "be.dinet.activiteit.gepland.v2",
        "be.dinet.activiteit.gewijzigd.v2",
        "be.dinet.activiteit.geannuleerd.v2",
        "be.dinet.activiteit.afgelopen.v2",
    ),
}
_EVENT_TYPES_PER_BRON[Bron.BESTUREN] = _EVENT_TYPES_PER_BRON[Bron.LEDEN]
_EVENT_TYPES_PER_BRON[Bron.OP_MAAT] = _EVENT_TYPES_PER_BRON[Bron.ACTIVITEITEN]
_EVENT_TYPES_PER_BRON[Bron.UREN] = (*_EVENT_TYPES_PER_BRON[Bron.ACTIVITEITEN], "be.dinet.aanwezigheid.geregistreerd.v1")


def _sleutels_sql(kpi: Kpi) -> str:
    """Which aggregate ids (bron_event.sleutel) the facts of an indicator come from."""
    if kpi.bron in (Bron.LEDEN, Bron.BESTUREN, Bron.KENNISDELING):
        return "SELECT lid_id FROM ({sql}) f"
    if kpi.bron is Bron.NIEUWSBRIEVEN:
        return "SELECT sleutel::uuid FROM ({sql}) f"
    return "SELECT activiteit_id FROM ({sql}) f"


async def uitleg(
    conn: AsyncConnection,
    kpi: Kpi,
    p: domain.Periode,
    *,
    limiet: int = 500,
    vanaf: int = 0,
    na: datetime | None = None,
) -> tuple[int, list[BronEvent]]:
    """The events that made a figure: (how many, the first `limiet` in time order).

    With `na`, only those recorded after that moment (the events after a year's closing).
    """
    # Members are keyed by member (the detailed facts); activities and newsletters by the summed rows.
    sql, params = feiten_sql(kpi, p) if kpi.bron in (Bron.LEDEN, Bron.BESTUREN, Bron.KENNISDELING) else cijfers_sql(kpi, p)
    params["types"] = list(_EVENT_TYPES_PER_BRON[kpi.bron])
    tijdfilter = ""
    if na is not None:
        tijdfilter = " AND b.tijd > :na"
        params["na"] = na
    basis = (
        f"FROM bron_event b WHERE b.sleutel IN ({_sleutels_sql(kpi).format(sql=sql)})"
        f" AND b.type = ANY(CAST(:types AS text[])){tijdfilter}"
    )
    totaal = int(await conn.scalar(text(f"SELECT count(*) {basis}"), params))
    # Each event with what it is about, in words: the activity (title, start, organiser, hours),
    # the newsletter, or the organisation a member works for (never the person).
    rows = await conn.execute(
        text(
            "SELECT b.event_id, b.type, b.tijd, b.sleutel, COALESCE(a.titel, n.titel) AS titel,"
            " COALESCE(a.start, n.verzonden_op) AS start, COALESCE(ao.naam, lorg.naam) AS organisatie,"
            " a.duur_uren AS uren, a.activiteit_id IS NOT NULL AS is_activiteit"
            " FROM (SELECT b.event_id, b.type, b.tijd, b.sleutel "
            f"{basis} ORDER BY b.tijd, b.event_id LIMIT {int(limiet)} OFFSET {int(vanaf)}) b"
            " LEFT JOIN activiteit a ON a.activiteit_id = b.sleutel"
            " LEFT JOIN organisatie ao ON ao.organisatie_id = a.organisator_id"
            " LEFT JOIN nieuwsbrief n ON n.nieuwsbrief_id = b.sleutel"
            " LEFT JOIN LATERAL (SELECT lo.organisatie_id FROM lid_organisatie lo WHERE lo.lid_id = b.sleutel"
            "   ORDER BY lo.vanaf DESC LIMIT 1) lo ON a.activiteit_id IS NULL"
            " LEFT JOIN organisatie lorg ON lorg.organisatie_id = lo.organisatie_id"
            " ORDER BY b.tijd, b.event_id"
        ),
        params,
    )
    return totaal, [BronEvent(*r) for r in rows]


# --- targets and closing ----------------------------------------------------------------------


async def catalogusdoelen(conn: AsyncConnection, jaar: int) -> dict[str, Decimal]:
    rows = await conn.execute(text("SELECT kpi_id, doel FROM kpi_doel_catalogus WHERE jaar = :jaar"), {"jaar": jaar})
    return {kpi_id: doel for kpi_id, doel in rows.all()}


async def gewijzigde_doelen(conn: AsyncConnection, jaar: int) -> dict[str, Decimal | None]:
    rows = await conn.execute(text("SELECT kpi_id, doel FROM kpi_doel WHERE jaar = :jaar"), {"jaar": jaar})
    return {kpi_id: doel for kpi_id, doel in rows.all()}


async def doelen(conn: AsyncConnection, jaar: int) -> dict[str, Decimal]:
    """The targets in force for a year: the catalogue's, overruled by staff changes."""
    return domain.doelen_samenvoegen(await catalogusdoelen(conn, jaar), await gewijzigde_doelen(conn, jaar))


@dataclass(frozen=True)
class AfsluitingStap:
    event_id: str
    actie: str
    op: datetime
    reden: str | None


async def afsluiting(conn: AsyncConnection, jaar: int) -> domain.Afsluiting | None:
    row = (
        await conn.execute(
            text(
                "SELECT actie, op, reden, cijfers FROM jaar_afsluiting WHERE jaar = :jaar"
                " ORDER BY op DESC, event_id DESC LIMIT 1"
            ),
            {"jaar": jaar},
        )
    ).first()
    if row is None:
        return None
    cijfers_json = row.cijfers if isinstance(row.cijfers, list) else json.loads(row.cijfers)
    cijfers = {
        c["kpi_id"]: (Decimal(str(c["waarde"])), Decimal(str(c["doel"])) if c.get("doel") is not None else None)
        for c in cijfers_json
    }
    return domain.Afsluiting(jaar=jaar, afgesloten=row.actie == "afgesloten", op=row.op, cijfers=cijfers, reden=row.reden)


async def afsluitingshistoriek(conn: AsyncConnection, jaar: int) -> list[AfsluitingStap]:
    rows = await conn.execute(
        text("SELECT event_id, actie, op, reden FROM jaar_afsluiting WHERE jaar = :jaar ORDER BY op, event_id"),
        {"jaar": jaar},
    )
    return [AfsluitingStap(*r) for r in rows]


# --- context figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    beleidsplannen_gestart: int
    beleidsplannen_gepubliceerd: int
    zelfevaluaties: int  # local governments with a self-assessment for the year
    nieuwsbrief_bevestigd: int
    nieuwsbrief_bereik: int
    feedback: list[tuple[str, int, Decimal]]  # (kind of activity, number of scores, average)
    provincies: list[tuple[str, int, int]]  # (province, municipalities represented, municipalities)


def _utc_grenzen(p: domain.Periode) -> dict[str, Any]:
    return {"jaar": p.jaar, "peil": p.peildatum}


async def context(conn: AsyncConnection, p: domain.Periode, gemeenten: dict[str, int]) -> Context:
    params = _utc_grenzen(p)
    brussel = "AT TIME ZONE 'Europe/Brussels'"
    binnen = lambda kolom: (  # noqa: E731
        f"({kolom} {brussel})::date BETWEEN make_date(:jaar, 1, 1) AND :peil"
    )
    rij = (
        await conn.execute(
            text(
                f"SELECT (SELECT count(*) FROM beleidsplan WHERE {binnen('aangemaakt_op')}) AS gestart,"
                f" (SELECT count(*) FROM beleidsplan_publicatie WHERE {binnen('gepubliceerd_op')}) AS gepubliceerd,"
                # The year the assessment is about; submitted after the reference date it does not count yet.
                f" (SELECT count(DISTINCT organisatie_id) FROM zelfevaluatie WHERE jaar = :jaar"
                f" AND (ingediend_op {brussel})::date <= :peil) AS zelfevaluaties,"
                f" (SELECT count(*) FROM nieuwsbrief_bevestiging WHERE {binnen('bevestigd_op')}) AS bevestigd,"
                f" (SELECT COALESCE(sum(aantal_ontvangers), 0) FROM nieuwsbrief WHERE {binnen('verzonden_op')}) AS bereik"
            ),
            params,
        )
    ).one()
    # Feedback counts in the year of its activity; without a known activity, in the year received.
    feedback = await conn.execute(
        text(
            "SELECT fb.soort, count(*), round(avg(fb.score), 2) FROM feedback fb"
            " LEFT JOIN activiteit a ON a.activiteit_id = fb.activiteit_id"
            f" WHERE COALESCE(a.jaar, extract(year FROM fb.ontvangen_op {brussel})::int) = :jaar"
            f" AND (a.activiteit_id IS NOT NULL OR (fb.ontvangen_op {brussel})::date <= :peil)"
            " GROUP BY fb.soort ORDER BY fb.soort"
        ),
        params,
    )
    vertegenwoordigd = await conn.execute(
        text(
            "SELECT o.provincie, count(DISTINCT l.org_id) FROM"
            f" ({aggregaten.LEDEN_PER_ORGANISATIE}) l JOIN organisatie o ON o.organisatie_id = l.org_id"
            " WHERE o.type = 'lokaal_bestuur' AND o.provincie IS NOT NULL GROUP BY o.provincie"
        ),
        params,
    )
    per_provincie = dict(vertegenwoordigd.all())
    return Context(
        beleidsplannen_gestart=int(rij.gestart),
        beleidsplannen_gepubliceerd=int(rij.gepubliceerd),
        zelfevaluaties=int(rij.zelfevaluaties),
        nieuwsbrief_bevestigd=int(rij.bevestigd),
        nieuwsbrief_bereik=int(rij.bereik),
        feedback=[(s, int(n), gem) for s, n, gem in feedback.all()],
        provincies=[(prov, int(per_provincie.get(prov, 0)), totaal) for prov, totaal in gemeenten.items()],
    )


async def laatste_gebeurtenis(conn: AsyncConnection) -> datetime | None:
    return await conn.scalar(text("SELECT max(tijd) FROM bron_event"))

