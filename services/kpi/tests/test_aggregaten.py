"""The summed projections (aggregaten.py) give exactly the figures of the facts they sum, whatever
the order of the events, with corrections, duplicates, leaves, erasures and moved activities;
and a rebuild's set-based computation gives the very same rows as the live recomputing."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from dinet_chassis.db import Database
from dinet_chassis.migrations import migrate
from dinet_contracts import OrganisatieType, wrap
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import (
    LidGeregistreerd,
    LidGewist,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from kpi.store import aggregaten
from kpi import domain, handlers, store
from kpi.use_cases import projectie
from kpi.catalogus import KPI_PER_ID, Bron, Dimensie

AGGREGATEN = ("lid_periode", "leden_teller", "uren_per_activiteit", "uren_per_organisatie", "activiteit_teller")
GETOETST = [k for k in KPI_PER_ID.values() if k.bron in (Bron.LEDEN, Bron.BESTUREN, Bron.UREN, Bron.ACTIVITEITEN)]


def geschiedenis(rng: random.Random) -> list:
    """Members and activities whose events correct, repeat and contradict each other."""
    typen = [OrganisatieType.LOKAAL_BESTUUR, OrganisatieType.IGS, OrganisatieType.MIDDENVELDORGANISATIE]
    orgs = [(uuid.uuid4(), rng.choice(typen)) for _ in range(12)]
    events: list = [
        OrganisatieBijgewerkt(organisatie_id=o, versie=1, naam=f"Organisatie {i}", type=t, provincie=rng.choice(("Antwerpen", "Limburg", None)))
        for i, (o, t) in enumerate(orgs)
    ]

    def dag() -> date:
        return date(2025, 1, 1) + timedelta(days=rng.randint(0, 4 * 365))

    for _ in range(150):
        lid = uuid.uuid4()
        org, soort = rng.choice(orgs)
        sinds = dag()
        events.append(LidGeregistreerd(lid_id=lid, organisatie_id=org, organisatie_type=soort, lid_sinds=sinds, nieuwsbrief=False))
        if rng.random() < 0.2:  # registered again, earlier, elsewhere: the earliest date counts
            ander, ander_soort = rng.choice(orgs)
            events.append(LidGeregistreerd(lid_id=lid, organisatie_id=ander, organisatie_type=ander_soort, lid_sinds=sinds - timedelta(days=rng.randint(1, 60)), nieuwsbrief=False))
        for _ in range(rng.choice((0, 0, 1, 2, 3))):  # moves, also on the day of joining or before it
            nieuw, nieuw_soort = rng.choice(orgs)
            events.append(LidOrganisatieGewijzigd(lid_id=lid, organisatie_id=nieuw, organisatie_type=nieuw_soort, vanaf=sinds + timedelta(days=rng.randint(-30, 500))))
        if rng.random() < 0.3:
            events.append(LidUitgeschreven(lid_id=lid, lid_tot=sinds + timedelta(days=rng.randint(-5, 700))))
        if rng.random() < 0.15:
            gewist = datetime.combine(sinds + timedelta(days=rng.randint(0, 900)), datetime.min.time(), tzinfo=UTC)
            events.append(LidGewist(lid_id=lid, gewist_op=gewist + timedelta(hours=rng.choice((8, 23)))))

    for i in range(40):
        activiteit_id = uuid.uuid4()
        soort = rng.choice((ActiviteitSoort.INFOSESSIE, ActiviteitSoort.THEMATISCHE_OPLEIDING, ActiviteitSoort.MEERDAAGSE_OPLEIDING))
        trekker = rng.choice((Trekker.VVSG, Trekker.MEDIAWIJS, Trekker.PARTNER))
        for versie in range(1, rng.randint(2, 4)):  # moved, lengthened, cancelled, held
            begin = datetime.combine(dag(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=rng.choice((9, 23)))
            duur = rng.choice(("1.5", "3", "4"))
            status = rng.choice((ActiviteitStatus.AFGELOPEN, ActiviteitStatus.AFGELOPEN, ActiviteitStatus.GEANNULEERD, ActiviteitStatus.GEPLAND))
            a = act.Activiteit(
                activiteit_id=activiteit_id, versie=versie, soort=soort, titel=f"Activiteit {i}", organisator_id=orgs[0][0],
                trekker=trekker, vorm=rng.choice((Vorm.FYSIEK, Vorm.ONLINE)), start=begin, einde=begin + timedelta(hours=float(duur)),
                duur_uren=Decimal(duur), status=status, vvsg_werkte_mee=rng.random() < 0.5,
            )
            events.append(act.ActiviteitAfgelopen(activiteit_id=activiteit_id, activiteit=a))
        for _ in range(rng.randint(0, 12)):
            lid, (org, soort) = uuid.uuid4(), rng.choice(orgs)
            for versie in range(1, rng.randint(2, 3)):  # corrections: a later version wins
                aanwezig = rng.random() < 0.8
                events.append(
                    act.AanwezigheidGeregistreerd(
                        activiteit_id=activiteit_id, lid_id=lid, versie=versie, organisatie_id=org, organisatie_type=soort,
                        aanwezig=aanwezig, uren=Decimal(rng.choice(("0", "1", "2.5", "5"))) if aanwezig else Decimal(0),
                        geregistreerd_op=datetime(2025, 1, 1, tzinfo=UTC),
                    )
                )
    return events


async def toepassen(db: Database, events: list, rng: random.Random) -> None:
    """As the live consumer does: one event per transaction; some delivered twice."""
    for event in events:
        envelope = wrap(event, source="/dinet/test")
        for _ in range(2 if rng.random() < 0.05 else 1):
            async with db.transaction() as conn, projectie.schrijfopdrachten(conn) as w:
                await handlers.vertaal(envelope, w)


async def vergelijk(conn, peildagen: list[date]) -> int:
    """Every figure, split and record from the summed rows against the same from the facts."""
    vergeleken = 0
    for peil in peildagen:
        p = domain.Periode(peil.year, peil)
        samen = await store.waarden(conn, tuple(GETOETST), p)  # the dashboard's one statement
        for kpi in GETOETST:
            feiten, params = store.feiten_sql(kpi, p)
            # The reference: the facts as they were added up before the summed projections.
            totaal = "COALESCE(sum(f.gewicht), 0)" if kpi.bron is Bron.UREN else "count(DISTINCT f.sleutel)"
            verwacht = await conn.scalar(text(f"SELECT {totaal} FROM ({feiten}) f"), params)
            assert Decimal(await store.waarde(conn, kpi, p)) == Decimal(verwacht) == Decimal(samen[kpi.id]), (kpi.id, peil)
            vergeleken += 1
            if kpi.bron is Bron.ACTIVITEITEN:
                continue  # their splits and records are read from the facts themselves
            for dim in (Dimensie.ORGANISATIETYPE, Dimensie.PROVINCIE, Dimensie.TREKKER if kpi.bron is Bron.UREN else Dimensie.GROOTTEKLASSE):
                expr = store._DIMENSIE_SQL[dim]
                rows = await conn.execute(
                    text(
                        f"SELECT {expr} AS waarde, {totaal} AS aantal FROM ({feiten}) f"
                        " LEFT JOIN organisatie o ON o.organisatie_id = f.org_id"
                        " LEFT JOIN organisatie org ON org.organisatie_id = f.organisator_id GROUP BY 1"
                    ),
                    params,
                )
                verwacht_delen = {r.waarde: Decimal(r.aantal) for r in rows}
                delen = {d.waarde: Decimal(d.aantal) for d in await store.opsplitsing(conn, kpi, p, dim)}
                assert delen == verwacht_delen, (kpi.id, peil, dim)
            if kpi.bron is Bron.UREN:
                rows = await conn.execute(
                    text(f"SELECT activiteit_id, count(lid_id), sum(gewicht) FROM ({feiten}) f GROUP BY 1"), params
                )
                verwacht_records = {r[0]: (r[1], Decimal(r[2])) for r in rows}
                records = {r.activiteit_id: (r.deelnemers, Decimal(r.uren)) for r in await store.records(conn, kpi, p)}
            else:
                rows = await conn.execute(
                    text(f"SELECT f.org_id, count(DISTINCT f.lid_id) FROM ({feiten}) f GROUP BY 1"), params
                )
                verwacht_records = dict(rows.all())
                records = {r.organisatie_id: r.leden for r in await store.records(conn, kpi, p)}
            assert records == verwacht_records, (kpi.id, peil)
    return vergeleken


async def inhoud(conn) -> dict[str, tuple[int, str]]:
    uit = {}
    for tabel in AGGREGATEN:
        rij = (await conn.execute(text(f"SELECT count(*), md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {tabel} t"))).one()
        uit[tabel] = (rij[0], rij[1])
    return uit


@pytest.mark.parametrize("seed", [1, 2])
async def test_opgetelde_projecties_geven_de_cijfers_van_de_feiten_in_elke_volgorde(database_url, seed):
    rng = random.Random(seed)
    events = geschiedenis(rng)
    rng.shuffle(events)
    db = Database(database_url, "kpi")
    try:
        await migrate(db, Path(handlers.__file__).parent / "migrations")
        await toepassen(db, events, rng)
        # Month ends, year ends, the first of a month and random days, over the whole plan.
        peildagen = sorted(
            {date(j, 12, 31) for j in range(2025, 2030)}
            | {date(2026, 3, 1), date(2027, 1, 1), date(2025, 1, 1)}
            | {date(2025, 1, 1) + timedelta(days=rng.randint(0, 5 * 365)) for _ in range(8)}
        )
        async with db.engine.connect() as conn:
            leden = await conn.scalar(text("SELECT count(DISTINCT lid_id) FROM lid_periode"))
            assert leden > 100 and await conn.scalar(text("SELECT count(*) FROM uren_per_activiteit")) > 10
            assert await vergelijk(conn, peildagen) == len(peildagen) * len(GETOETST)
            live = await inhoud(conn)
        # What a rebuild computes at its end, from the same facts: the very same rows.
        async with db.transaction() as conn:
            await conn.execute(text("SELECT 1"))
            await aggregaten.alles_opnieuw((await conn.get_raw_connection()).driver_connection)
        async with db.engine.connect() as conn:
            assert await inhoud(conn) == live
    finally:
        await db.dispose()
