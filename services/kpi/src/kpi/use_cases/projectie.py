"""What happens when an event arrives: rows upserted in the projection tables.

One op per event type (the table in `handlers.py`) turns an event into write operations; `Schrijfopdrachten` runs them
grouped per statement (one executemany each), so the live consumer (one event at a time, inside the
chassis's inbox transaction) and the rebuild (thousands per transaction) share every line of this file.

Every statement is idempotent and order-independent: a newer `versie` or a later timestamp
wins, and a column filled by one event is never cleared by another. So the same fact under a new
event id counts once, two consumer instances may handle one aggregate's events in either order,
and a rebuild may apply an event again that the live consumer applied too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from dinet_chassis.db import driver_connection
from dinet_chassis.handlers import HandlerContext
from dinet_contracts import CloudEvent
from dinet_contracts.events.activiteiten import (
    ActiviteitAfgelopen,
    ActiviteitGeannuleerd,
    ActiviteitGepland,
    ActiviteitGewijzigd,
    AanwezigheidGeregistreerd,
    FeedbackOntvangen,
)
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt, BeleidsplanGepubliceerd, ZelfevaluatieIngediend
from dinet_contracts.events.kpi import KpiDoelGewijzigd, KpiJaarAfgesloten, KpiJaarHeropend
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd, NieuwsbriefVerzonden
from dinet_contracts.events.registratie import (
    LidGeregistreerd,
    LidGewist,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)

from kpi.store import aggregaten
from kpi import domain


_BRON = text(
    "INSERT INTO bron_event (event_id, type, tijd, sleutel, onderwerp)"
    " VALUES (:event_id, :type, :tijd, :sleutel, :onderwerp) ON CONFLICT (event_id) DO NOTHING"
)
# The earliest registration date wins; the organisation of the first registration stays.
_LIDMAATSCHAP = text(
    "INSERT INTO lidmaatschap (lid_id, organisatie_id, organisatie_type, lid_sinds)"
    " VALUES (:lid_id, :organisatie_id, :organisatie_type, :lid_sinds)"
    " ON CONFLICT (lid_id) DO UPDATE SET"
    " organisatie_id = COALESCE(lidmaatschap.organisatie_id, EXCLUDED.organisatie_id),"
    " organisatie_type = COALESCE(lidmaatschap.organisatie_type, EXCLUDED.organisatie_type),"
    " lid_sinds = LEAST(lidmaatschap.lid_sinds, EXCLUDED.lid_sinds)"
)
# A change of organisation on the day of registration wins over the registration's organisation.
_ORGANISATIE_BIJ_REGISTRATIE = text(
    "INSERT INTO lid_organisatie (lid_id, vanaf, organisatie_id, organisatie_type)"
    " VALUES (:lid_id, :vanaf, :organisatie_id, :organisatie_type) ON CONFLICT DO NOTHING"
)
_ORGANISATIE_GEWIJZIGD = text(
    "INSERT INTO lid_organisatie (lid_id, vanaf, organisatie_id, organisatie_type)"
    " VALUES (:lid_id, :vanaf, :organisatie_id, :organisatie_type)"
    " ON CONFLICT (lid_id, vanaf) DO UPDATE SET"
    " organisatie_id = EXCLUDED.organisatie_id, organisatie_type = EXCLUDED.organisatie_type"
)
_UITGESCHREVEN = text(
    "INSERT INTO lidmaatschap (lid_id, uitgeschreven_tot) VALUES (:lid_id, :tot)"
    " ON CONFLICT (lid_id) DO UPDATE SET uitgeschreven_tot = GREATEST(lidmaatschap.uitgeschreven_tot, EXCLUDED.uitgeschreven_tot)"
)
_GEWIST = text(
    "INSERT INTO lidmaatschap (lid_id, gewist_tot) VALUES (:lid_id, :tot)"
    " ON CONFLICT (lid_id) DO UPDATE SET gewist_tot = LEAST(lidmaatschap.gewist_tot, EXCLUDED.gewist_tot)"
)
_KENNISDELING = text(
    "INSERT INTO kennisdeling (lid_id, datum, lid) VALUES (:lid_id, :datum, :lid)"
    " ON CONFLICT (lid_id, datum) DO UPDATE SET lid = EXCLUDED.lid"
)
_ORGANISATIE = text(
    "INSERT INTO organisatie (organisatie_id, versie, naam, type, provincie, grootteklasse, nis_code)"
    " VALUES (:organisatie_id, :versie, :naam, :type, :provincie, :grootteklasse, :nis_code)"
    " ON CONFLICT (organisatie_id) DO UPDATE SET versie = EXCLUDED.versie, naam = EXCLUDED.naam,"
    " type = EXCLUDED.type, provincie = EXCLUDED.provincie, grootteklasse = EXCLUDED.grootteklasse,"
    " nis_code = EXCLUDED.nis_code WHERE organisatie.versie < EXCLUDED.versie"
)
_ACTIVITEIT_KOLOMMEN = (
    "versie", "soort", "titel", "organisator_id", "trekker", "vorm", "start", "einde", "duur_uren", "status",
    "vvsg_werkte_mee", "lokaal_bestuur_id", "ondersteuning", "methode", "url", "jaar", "telt",
)  # fmt: skip
_ACTIVITEIT = text(
    "INSERT INTO activiteit (activiteit_id, " + ", ".join(_ACTIVITEIT_KOLOMMEN) + ")"
    " VALUES (:activiteit_id, " + ", ".join(f":{k}" for k in _ACTIVITEIT_KOLOMMEN) + ")"
    " ON CONFLICT (activiteit_id) DO UPDATE SET "
    + ", ".join(f"{k} = EXCLUDED.{k}" for k in _ACTIVITEIT_KOLOMMEN)
    + " WHERE activiteit.versie < EXCLUDED.versie"
)
_AANWEZIGHEID = text(
    "INSERT INTO aanwezigheid (activiteit_id, lid_id, versie, organisatie_id, organisatie_type, aanwezig, uren)"
    " VALUES (:activiteit_id, :lid_id, :versie, :organisatie_id, :organisatie_type, :aanwezig, :uren)"
    " ON CONFLICT (activiteit_id, lid_id) DO UPDATE SET versie = EXCLUDED.versie,"
    " organisatie_id = EXCLUDED.organisatie_id, organisatie_type = EXCLUDED.organisatie_type,"
    " aanwezig = EXCLUDED.aanwezig, uren = EXCLUDED.uren WHERE aanwezigheid.versie < EXCLUDED.versie"
)
_FEEDBACK = text(
    "INSERT INTO feedback (feedback_id, activiteit_id, soort, score, ontvangen_op)"
    " VALUES (:feedback_id, :activiteit_id, :soort, :score, :ontvangen_op) ON CONFLICT DO NOTHING"
)
_NIEUWSBRIEF = text(
    "INSERT INTO nieuwsbrief (nieuwsbrief_id, titel, verzonden_op, aantal_ontvangers, jaar)"
    " VALUES (:nieuwsbrief_id, :titel, :verzonden_op, :aantal_ontvangers, :jaar) ON CONFLICT DO NOTHING"
)
_BELEIDSPLAN = text(
    "INSERT INTO beleidsplan (beleidsplan_id, organisatie_id, aangemaakt_op)"
    " VALUES (:beleidsplan_id, :organisatie_id, :aangemaakt_op)"
    " ON CONFLICT (beleidsplan_id) DO NOTHING"
)
_PUBLICATIE = text(
    "INSERT INTO beleidsplan_publicatie (beleidsplan_id, organisatie_id, gepubliceerd_op)"
    " VALUES (:beleidsplan_id, :organisatie_id, :gepubliceerd_op)"
    " ON CONFLICT (beleidsplan_id) DO UPDATE"
    " SET gepubliceerd_op = LEAST(beleidsplan_publicatie.gepubliceerd_op, EXCLUDED.gepubliceerd_op)"
)
_ZELFEVALUATIE = text(
    "INSERT INTO zelfevaluatie (zelfevaluatie_id, organisatie_id, jaar, ingediend_op)"
    " VALUES (:zelfevaluatie_id, :organisatie_id, :jaar, :ingediend_op)"
    " ON CONFLICT (zelfevaluatie_id) DO UPDATE SET ingediend_op = GREATEST(zelfevaluatie.ingediend_op, EXCLUDED.ingediend_op)"
)
# A member who confirms again (a second click on the link) was confirmed on the first date.
_BEVESTIGING = text(
    "INSERT INTO nieuwsbrief_bevestiging (lid_id, bevestigd_op) VALUES (:lid_id, :bevestigd_op)"
    " ON CONFLICT (lid_id) DO UPDATE"
    " SET bevestigd_op = LEAST(nieuwsbrief_bevestiging.bevestigd_op, EXCLUDED.bevestigd_op)"
)
# The latest change wins, whatever the order in which changes arrive (ties: the event id).
_DOEL = text(
    "INSERT INTO kpi_doel (kpi_id, jaar, doel, gewijzigd_op, event_id)"
    " VALUES (:kpi_id, :jaar, :doel, :gewijzigd_op, :event_id)"
    " ON CONFLICT (kpi_id, jaar) DO UPDATE SET doel = EXCLUDED.doel,"
    " gewijzigd_op = EXCLUDED.gewijzigd_op, event_id = EXCLUDED.event_id"
    " WHERE (EXCLUDED.gewijzigd_op, EXCLUDED.event_id) > (kpi_doel.gewijzigd_op, kpi_doel.event_id)"
)
_AFSLUITING = text(
    "INSERT INTO jaar_afsluiting (event_id, jaar, actie, op, reden, cijfers)"
    " VALUES (:event_id, :jaar, :actie, :op, :reden, CAST(:cijfers AS jsonb)) ON CONFLICT DO NOTHING"
)


@dataclass
class Schrijfopdrachten:
    """Write operations collected per statement; `uitvoeren` sends each statement once."""

    per_statement: dict[TextClause, list[dict[str, Any]]] = field(default_factory=dict)
    aantal: int = 0
    # Whose aggregates to recompute once the fact rows are written (aggregaten.py).
    leden: set[UUID] = field(default_factory=set)
    activiteiten: set[UUID] = field(default_factory=set)
    # A rebuild computes every aggregate once at its end, set-based, instead of per batch.
    aggregaten_later: bool = False
    # A rebuild applies every event id once (it skips repeats itself) into a `bron_event` whose
    # indexes it builds at the end: its rows go straight in with COPY, no conflict to check.
    bron_rechtstreeks: bool = False

    def voeg_toe(self, statement: TextClause, params: dict[str, Any]) -> None:
        self.per_statement.setdefault(statement, []).append(params)
        self.aantal += 1

    async def uitvoeren(self, conn: AsyncConnection) -> None:
        if not self.per_statement and not self.leden and not self.activiteiten:
            return
        # Straight to the driver, in the caller's transaction: the same statements, but with the
        # parameters as tuples. A rebuild's profile showed SQLAlchemy turning every row's dict
        # into positional parameters costing about as much CPU as validating the event.
        raw = await driver_connection(conn)
        if not self.aggregaten_later:
            await aggregaten.voor(raw, self.leden, self.activiteiten)
        for statement, rijen in self.per_statement.items():
            sql, namen = _positioneel(statement, conn)
            kopie = _VIA_COPY.get(statement)
            if statement is _BRON and self.bron_rechtstreeks:
                await raw.copy_records_to_table("bron_event", columns=list(namen), records=[tuple(r[n] for n in namen) for r in rijen])
            elif kopie is not None and len(rijen) >= _COPY_VANAF:
                await _via_copy(raw, kopie, namen, rijen)
            elif len(rijen) == 1:
                await raw.execute(sql, *[rijen[0][n] for n in namen])  # type: ignore[union-attr]
            else:
                await raw.executemany(sql, [tuple(r[n] for n in namen) for r in rijen])  # type: ignore[union-attr]
        if not self.aggregaten_later:
            # After every fact statement: an activity's hours need both its attendance and its duration.
            await aggregaten.na(raw, self.leden, self.activiteiten)
        self.per_statement.clear()
        self.leden.clear()
        self.activiteiten.clear()
        self.aantal = 0


_POSITIONEEL: dict[TextClause, tuple[str, tuple[str, ...]]] = {}

# Insert-only statements (ON CONFLICT DO NOTHING) that a batch may instead COPY into a staging
# table and then insert set-based, with the same conflict clause: the same rows result, for
# a fraction of the server's work per row. Upserts stay row by row, where a batch may hold
# several versions of one row and their order decides.
_VIA_COPY: dict[TextClause, tuple[str, str]] = {_BRON: ("bron_event", "ON CONFLICT (event_id) DO NOTHING")}
_COPY_VANAF = 100


async def _via_copy(raw: Any, kopie: tuple[str, str], namen: tuple[str, ...], rijen: list[dict[str, Any]]) -> None:
    tabel, conflict = kopie
    staging = f"_copy_{tabel}"
    kolommen = ", ".join(namen)
    # Resolved through search_path like the statement itself, so a rebuild stages for its copies.
    await raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {tabel}) ON COMMIT DELETE ROWS")
    await raw.copy_records_to_table(staging, schema_name="pg_temp", columns=list(namen), records=[tuple(r[n] for n in namen) for r in rijen])
    await raw.execute(f"INSERT INTO {tabel} ({kolommen}) SELECT {kolommen} FROM pg_temp.{staging} {conflict}")
    await raw.execute(f"TRUNCATE pg_temp.{staging}")


def _positioneel(statement: TextClause, conn: AsyncConnection) -> tuple[str, tuple[str, ...]]:
    """The statement in the driver's own form ($1, $2, ..) and the parameter names in that order."""
    klaar = _POSITIONEEL.get(statement)
    if klaar is None:
        compiled = statement.compile(dialect=conn.dialect)
        klaar = _POSITIONEEL[statement] = (compiled.string, tuple(compiled.positiontup or ()))
    return klaar


def _bron(w: Schrijfopdrachten, event: CloudEvent, sleutel: Any, *, tijd: datetime | None = None, onderwerp: str | None = None) -> None:
    w.voeg_toe(
        _BRON,
        {"event_id": event.id, "type": event.type, "tijd": tijd or event.time, "sleutel": sleutel, "onderwerp": onderwerp},
    )


def _envelope(ctx: HandlerContext) -> CloudEvent:
    assert ctx.event is not None, "the chassis passes the envelope along"
    return ctx.event


async def op_lid_geregistreerd(e: LidGeregistreerd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _LIDMAATSCHAP,
        {
            "lid_id": e.lid_id,
            "organisatie_id": e.organisatie_id,
            "organisatie_type": e.organisatie_type.value,
            "lid_sinds": e.lid_sinds,
        },
    )
    w.voeg_toe(
        _ORGANISATIE_BIJ_REGISTRATIE,
        {
            "lid_id": e.lid_id,
            "vanaf": e.lid_sinds,
            "organisatie_id": e.organisatie_id,
            "organisatie_type": e.organisatie_type.value,
        },
    )
    w.leden.add(e.lid_id)
    _bron(w, event, e.lid_id)


async def op_lid_organisatie_gewijzigd(e: LidOrganisatieGewijzigd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _ORGANISATIE_GEWIJZIGD,
        {
            "lid_id": e.lid_id,
            "vanaf": e.vanaf,
            "organisatie_id": e.organisatie_id,
            "organisatie_type": e.organisatie_type.value,
        },
    )
    w.leden.add(e.lid_id)
    _bron(w, event, e.lid_id)


async def op_lid_uitgeschreven(e: LidUitgeschreven, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(_UITGESCHREVEN, {"lid_id": e.lid_id, "tot": e.lid_tot})
    w.leden.add(e.lid_id)
    _bron(w, event, e.lid_id)


async def op_lid_gewist(e: LidGewist, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(_GEWIST, {"lid_id": e.lid_id, "tot": e.laatste_lidmaatschapsdag})
    w.leden.add(e.lid_id)
    _bron(w, event, e.lid_id)


async def op_lid_kennisdeling_gewijzigd(e: LidKennisdelingGewijzigd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(_KENNISDELING, {"lid_id": e.lid_id, "datum": e.datum, "lid": e.lid})
    _bron(w, event, e.lid_id)


async def op_organisatie_bijgewerkt(e: OrganisatieBijgewerkt, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    klasse = domain.grootteklasse(e.grootteklasse, e.inwoners) if e.type.value == "lokaal_bestuur" else e.grootteklasse
    w.voeg_toe(
        _ORGANISATIE,
        {
            "organisatie_id": e.organisatie_id,
            "versie": e.versie,
            "naam": e.naam,
            "type": e.type.value,
            "provincie": e.provincie,
            "grootteklasse": klasse,
            "nis_code": e.nis_code,
        },
    )
    _bron(w, event, e.organisatie_id)


async def op_activiteit(e: ActiviteitGepland | ActiviteitGewijzigd | ActiviteitGeannuleerd | ActiviteitAfgelopen, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    a = e.activiteit
    w.voeg_toe(
        _ACTIVITEIT,
        {
            "activiteit_id": a.activiteit_id,
            "versie": a.versie,
            "soort": a.soort.value,
            "titel": a.titel,
            "organisator_id": a.organisator_id,
            "trekker": a.trekker.value,
            "vorm": a.vorm.value,
            "start": a.start,
            "einde": a.einde,
            "duur_uren": a.duur_uren,
            "status": a.status.value,
            "vvsg_werkte_mee": a.vvsg_werkte_mee,
            "lokaal_bestuur_id": a.lokaal_bestuur_id,
            "ondersteuning": a.ondersteuning,
            "methode": a.methode,
            "url": a.url,
            "jaar": domain.activiteit_jaar(a.start),
            "telt": domain.activiteit_telt(a.status.value),
        },
    )
    w.activiteiten.add(a.activiteit_id)
    _bron(w, event, a.activiteit_id)


async def op_aanwezigheid_geregistreerd(e: AanwezigheidGeregistreerd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _AANWEZIGHEID,
        {
            "activiteit_id": e.activiteit_id,
            "lid_id": e.lid_id,
            "versie": e.versie,
            "organisatie_id": e.organisatie_id,
            "organisatie_type": e.organisatie_type.value,
            "aanwezig": e.aanwezig,
            "uren": e.uren,
        },
    )
    w.activiteiten.add(e.activiteit_id)
    _bron(w, event, e.activiteit_id)


async def op_feedback_ontvangen(e: FeedbackOntvangen, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _FEEDBACK,
        {
            "feedback_id": e.feedback_id,
            "activiteit_id": e.activiteit_id,
            "soort": e.activiteit_soort.value,
            "score": e.score,
            "ontvangen_op": e.ontvangen_op,
        },
    )
    _bron(w, event, e.activiteit_id)


async def op_nieuwsbrief_verzonden(e: NieuwsbriefVerzonden, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _NIEUWSBRIEF,
        {
            "nieuwsbrief_id": e.nieuwsbrief_id,
            "titel": e.titel,
            "verzonden_op": e.verzonden_op,
            "aantal_ontvangers": e.aantal_ontvangers,
            "jaar": domain.lokaal_jaar(e.verzonden_op),
        },
    )
    _bron(w, event, e.nieuwsbrief_id)


async def op_nieuwsbrief_inschrijving_bevestigd(e: NieuwsbriefInschrijvingBevestigd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(_BEVESTIGING, {"lid_id": e.lid_id, "bevestigd_op": e.bevestigd_op})
    _bron(w, event, e.lid_id)


async def op_beleidsplan_aangemaakt(e: BeleidsplanAangemaakt, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _BELEIDSPLAN,
        {"beleidsplan_id": e.beleidsplan_id, "organisatie_id": e.organisatie_id, "aangemaakt_op": e.aangemaakt_op},
    )
    _bron(w, event, e.beleidsplan_id)


async def op_beleidsplan_gepubliceerd(e: BeleidsplanGepubliceerd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _PUBLICATIE,
        {"beleidsplan_id": e.beleidsplan_id, "organisatie_id": e.organisatie_id, "gepubliceerd_op": e.gepubliceerd_op},
    )
    _bron(w, event, e.beleidsplan_id)


async def op_zelfevaluatie_ingediend(e: ZelfevaluatieIngediend, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _ZELFEVALUATIE,
        {"zelfevaluatie_id": e.zelfevaluatie_id, "organisatie_id": e.organisatie_id, "jaar": e.jaar, "ingediend_op": e.ingediend_op},
    )
    _bron(w, event, e.zelfevaluatie_id)


async def op_kpi_doel_gewijzigd(e: KpiDoelGewijzigd, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _DOEL,
        {"kpi_id": e.kpi_id, "jaar": e.jaar, "doel": e.doel, "gewijzigd_op": e.gewijzigd_op, "event_id": event.id},
    )
    # Our own events carry their moment in `data`: the same in the page's transaction,
    # where they are applied at once, and when they come back from the stream.
    _bron(w, event, None, tijd=e.gewijzigd_op, onderwerp=f"{e.kpi_id}/{e.jaar}")


async def op_kpi_jaar_afgesloten(e: KpiJaarAfgesloten, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    cijfers = [c.model_dump(mode="json") for c in e.cijfers]
    w.voeg_toe(
        _AFSLUITING,
        {
            "event_id": event.id,
            "jaar": e.jaar,
            "actie": "afgesloten",
            "op": e.afgesloten_op,
            "reden": None,
            "cijfers": json.dumps(cijfers),
        },
    )
    _bron(w, event, None, tijd=e.afgesloten_op, onderwerp=str(e.jaar))


async def op_kpi_jaar_heropend(e: KpiJaarHeropend, w: Schrijfopdrachten, ctx: HandlerContext) -> None:
    event = _envelope(ctx)
    w.voeg_toe(
        _AFSLUITING,
        {"event_id": event.id, "jaar": e.jaar, "actie": "heropend", "op": e.heropend_op, "reden": e.reden, "cijfers": "[]"},
    )
    _bron(w, event, None, tijd=e.heropend_op, onderwerp=str(e.jaar))


@asynccontextmanager
async def schrijfopdrachten(conn: AsyncConnection) -> AsyncIterator[Schrijfopdrachten]:
    """The unit of work of the live consumer: one event's writes, run when its op is done."""
    w = Schrijfopdrachten()
    yield w
    if w.aantal or w.leden or w.activiteiten:
        await w.uitvoeren(conn)
