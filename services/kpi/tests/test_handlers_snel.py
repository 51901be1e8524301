"""The fast tier for kpi: its handler table on FastStream's in-memory broker, with the write
operations collected in `Schrijfopdrachten` instead of run against PostgreSQL. Milliseconds;
test_regels.py and test_herbouw.py check the same rules on the real servers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from faststream.nats import NatsBroker, TestNatsBroker

from dinet_chassis.fakes import InMemoryConsumer
from dinet_contracts import wrap
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.beleidsplan import ZelfevaluatieIngediend
from dinet_contracts.topology import consumer
from kpi.use_cases import projectie
from kpi.handlers import HANDLERS


def geschreven(w: projectie.Schrijfopdrachten, statement) -> list[dict]:
    return w.per_statement.get(statement, [])


async def test_each_fact_becomes_its_write_operations_and_a_registration_changes_nothing(maak):
    w = projectie.Schrijfopdrachten()
    broker = NatsBroker()
    kpi = InMemoryConsumer(broker, consumer("kpi-projectie"), HANDLERS["kpi-projectie"], w)
    sessie = maak.activiteit(dag=date(2025, 3, 10), duur="2")
    lid = maak.lid()
    inschrijving = act.InschrijvingGewijzigd(
        inschrijving_id=lid.lid_id, versie=1, activiteit_id=sessie.activiteit_id, lid_id=lid.lid_id,
        organisatie_id=lid.organisatie_id, organisatie_type=lid.organisatie_type, status="ingeschreven",
        gewijzigd_op=sessie.start,
    )
    async with TestNatsBroker(broker) as bus:
        for event in (lid, maak.event(sessie), maak.aanwezig(sessie), inschrijving):
            envelope = wrap(event, source="/dinet/test")
            await bus.publish(envelope.model_dump_json(), event.nats_subject())
    assert len(kpi.handled) == 4 and len(kpi.skipped) == 1  # the registration: no figure uses it
    assert [r["lid_id"] for r in geschreven(w, projectie._LIDMAATSCHAP)] == [lid.lid_id]
    (activiteit,) = geschreven(w, projectie._ACTIVITEIT)
    assert activiteit["jaar"] == 2025 and activiteit["duur_uren"] == sessie.duur_uren
    assert len(geschreven(w, projectie._AANWEZIGHEID)) == 1
    assert len(geschreven(w, projectie._BRON)) == 3


async def test_an_old_activity_version_reaches_the_op_of_the_newest(maak):
    """v1 is read as v2 (a subclass), so the v1 key of the table serves both."""
    w = projectie.Schrijfopdrachten()
    broker = NatsBroker()
    kpi = InMemoryConsumer(broker, consumer("kpi-projectie"), HANDLERS["kpi-projectie"], w)
    sessie = maak.activiteit()
    v1 = act.ActiviteitAfgelopen(activiteit_id=sessie.activiteit_id, activiteit=sessie)
    async with TestNatsBroker(broker) as bus:
        await bus.publish(wrap(v1, source="/dinet/test").model_dump_json(), v1.nats_subject())
    assert kpi.skipped == []
    assert [r["activiteit_id"] for r in geschreven(w, projectie._ACTIVITEIT)] == [sessie.activiteit_id]


async def test_a_self_assessment_becomes_its_row_and_its_source():
    """The beleidstool's self-assessment has its own op (it counts local governments per year)."""
    w = projectie.Schrijfopdrachten()
    broker = NatsBroker()
    kpi = InMemoryConsumer(broker, consumer("kpi-projectie"), HANDLERS["kpi-projectie"], w)
    ingediend = ZelfevaluatieIngediend(
        zelfevaluatie_id=uuid.uuid4(), organisatie_id=uuid.uuid4(), jaar=2025, catalogus_versie="test",
        aantal_wel={"VV": 3, "CC": 4, "PE": 2}, ingediend_op=datetime(2025, 11, 5, tzinfo=UTC),
    )
    async with TestNatsBroker(broker) as bus:
        await bus.publish(wrap(ingediend, source="/dinet/test").model_dump_json(), ingediend.nats_subject())
    assert kpi.skipped == [] and len(kpi.handled) == 1
    (rij,) = geschreven(w, projectie._ZELFEVALUATIE)
    assert (rij["zelfevaluatie_id"], rij["organisatie_id"], rij["jaar"]) == (
        ingediend.zelfevaluatie_id, ingediend.organisatie_id, 2025,
    )
    assert len(geschreven(w, projectie._BRON)) == 1
