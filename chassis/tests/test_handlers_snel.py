"""The fast tier: routing a batch's events to a handler table, on FastStream's in-memory broker
with a fake unit of work. Milliseconds; the delivery guarantees are proven in test_consumer.py."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from faststream.nats import NatsBroker, TestNatsBroker

from dinet_chassis.consumer import Onverwerkbaar
from dinet_chassis.fakes import InMemoryConsumer
from dinet_chassis.handlers import HandlerContext, Handlers, as_handler
from dinet_contracts import wrap
from dinet_contracts.envelope import Event
from dinet_contracts.events.registratie import LidGeregistreerd, LidGewist, LidUitgeschreven
from dinet_contracts.topology import EVENTS, ConsumerDef

SOURCE = "/dinet/proef"
DEFINITION = ConsumerDef(
    durable="proef",
    service="proef",
    stream=EVENTS.name,
    filter_subjects=("dinet.evt.>",),
)


class FakeUow:
    """What the ops wrote, instead of a database."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, object]] = []


def geregistreerd() -> LidGeregistreerd:
    return LidGeregistreerd(
        lid_id=uuid.uuid4(),
        organisatie_id=uuid.uuid4(),
        organisatie_type="lokaal_bestuur",
        lid_sinds=datetime(2026, 3, 1, tzinfo=UTC).date(),
        nieuwsbrief=False,
    )


async def op_geregistreerd(e: LidGeregistreerd, uow: FakeUow, ctx: HandlerContext) -> None:
    assert ctx.event is not None and ctx.event.data is e
    uow.rows.append(("lid", e.lid_id))


async def op_gewist(e: LidGewist, uow: FakeUow, ctx: HandlerContext) -> None:
    raise Onverwerkbaar(f"lid {e.lid_id} bestaat niet")


async def publiceer(broker, event: Event):
    envelope = wrap(event, source=SOURCE)
    await broker.publish(envelope.model_dump_json(), event.nats_subject())
    return envelope


async def test_each_event_reaches_the_op_of_its_type_and_other_types_are_skipped():
    broker = NatsBroker()
    uow = FakeUow()
    consumer = InMemoryConsumer(broker, DEFINITION, {LidGeregistreerd: op_geregistreerd}, uow)
    async with TestNatsBroker(broker) as test_broker:
        eerste, tweede = geregistreerd(), geregistreerd()
        a = await publiceer(test_broker, eerste)
        b = await publiceer(test_broker, tweede)
        c = await publiceer(test_broker, LidUitgeschreven(lid_id=uuid.uuid4(), lid_tot=datetime(2026, 5, 1).date()))
    assert uow.rows == [("lid", eerste.lid_id), ("lid", tweede.lid_id)]
    assert consumer.handled == [a.id, b.id, c.id]
    assert consumer.skipped == [c.id]


async def test_onverwerkbaar_is_refused_and_an_invalid_body_never_reaches_an_op():
    broker = NatsBroker()
    uow = FakeUow()
    consumer = InMemoryConsumer(broker, DEFINITION, {LidGewist: op_gewist, LidGeregistreerd: op_geregistreerd}, uow)
    async with TestNatsBroker(broker) as test_broker:
        await publiceer(test_broker, LidGewist(lid_id=uuid.uuid4(), gewist_op=datetime.now(UTC)))
        await test_broker.publish(b'{"specversion": "1.0"}', "dinet.evt.registratie.lid.geregistreerd.v1")
    assert [reason.split(":")[0] for _, reason in consumer.refused] == ["onverwerkbaar", "ongeldig bericht"]
    assert uow.rows == [] and consumer.handled == []


async def test_a_base_class_key_catches_every_other_type_and_a_unit_of_work_wraps_each_op():
    seen: list[str] = []

    @asynccontextmanager
    async def unit_of_work(conn):
        uow = FakeUow()
        yield uow
        seen.append(f"commit {len(uow.rows)} via {conn}")

    async def op_rest(e: Event, uow: FakeUow, ctx: HandlerContext) -> None:
        uow.rows.append(("rest", ctx.event.type))

    handler = as_handler(Handlers({LidGeregistreerd: op_geregistreerd, Event: op_rest}, unit_of_work=unit_of_work))
    envelope = wrap(LidUitgeschreven(lid_id=uuid.uuid4(), lid_tot=datetime(2026, 5, 1).date()), source=SOURCE)
    await handler("conn", envelope, HandlerContext())
    assert seen == ["commit 1 via conn"]


def test_a_table_that_is_no_model_to_function_mapping_is_refused_at_start():
    with pytest.raises(TypeError):
        Handlers({"be.dinet.lid.geregistreerd.v1": op_geregistreerd})  # type: ignore[dict-item]
