"""Outbox and relay on a real PostgreSQL and a real JetStream."""

from __future__ import annotations

import asyncio
import json

from dinet_contracts.topology import EVENTS
from sqlalchemy import text

from dinet_chassis import outbox
from dinet_chassis.relay import OutboxRelay
from dinet_chassis.testing import wait_until



async def stream_messages(js, count: int, subject: str = ">") -> list:
    sub = await js.subscribe(subject, stream=EVENTS.name, ordered_consumer=True)
    msgs = []
    try:
        while len(msgs) < count:
            msgs.append(await sub.next_msg(timeout=5))
    finally:
        await sub.unsubscribe()
    return msgs


async def pending(db) -> int:
    async with db.transaction() as conn:
        return (await conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))).scalar_one()


async def test_committed_events_are_published_in_order_with_their_id(kit, db, bus, database_url):
    nc, js = bus
    relay = OutboxRelay(database_url, "proef", js, poll_interval=30)  # a long poll: only NOTIFY can wake it
    task = asyncio.create_task(relay.run())
    await wait_until(relay.active.is_set)
    lid = kit.lid_event()
    ids = []
    for _ in range(3):
        async with db.transaction() as conn:
            ids.append(await outbox.add(conn, lid, source=kit.SOURCE))
    msgs = await stream_messages(js, 3)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == ids
    assert [json.loads(m.data)["id"] for m in msgs] == ids
    assert all(m.headers["Content-Type"] == "application/cloudevents+json" for m in msgs)
    await wait_until(lambda: relay.published == 3)
    assert await pending(db) == 0
    relay.stop()
    await task


async def test_a_rolled_back_transaction_publishes_nothing(kit, db, bus, database_url):
    nc, js = bus
    relay = OutboxRelay(database_url, "proef", js, poll_interval=0.1)
    task = asyncio.create_task(relay.run())
    try:
        async with db.transaction() as conn:
            await outbox.add(conn, kit.lid_event(), source=kit.SOURCE)
            raise RuntimeError("the state change failed")
    except RuntimeError:
        pass
    async with db.transaction() as conn:
        kept = await outbox.add(conn, kit.lid_event(), source=kit.SOURCE)
    msgs = await stream_messages(js, 1)
    assert msgs[0].headers["Nats-Msg-Id"] == kept
    info = await js.stream_info(EVENTS.name)
    assert info.state.messages == 1
    relay.stop()
    await task


async def test_nats_restart_with_pending_events_loses_none(kit, db, bus, database_url, nats_server):
    nc, js = bus
    relay = OutboxRelay(database_url, "proef", js, poll_interval=0.2, publish_timeout=1.0)
    task = asyncio.create_task(relay.run())
    await wait_until(relay.active.is_set)
    ids = []
    async with db.transaction() as conn:
        for _ in range(50):
            ids.append(await outbox.add(conn, kit.lid_event(), source=kit.SOURCE))
    await wait_until(lambda: relay.published == 50)
    nats_server.stop()
    # Events committed while NATS is down wait in the outbox.
    async with db.transaction() as conn:
        for _ in range(100):
            ids.append(await outbox.add(conn, kit.lid_event(), source=kit.SOURCE))
    await asyncio.sleep(0.5)
    assert await pending(db) == 100
    nats_server.start()
    await wait_until(lambda: relay.published >= 150, timeout=30)
    info = await js.stream_info(EVENTS.name)
    assert info.state.messages == 150
    msgs = await stream_messages(js, 150)
    assert sorted(m.headers["Nats-Msg-Id"] for m in msgs) == sorted(ids)
    assert await pending(db) == 0
    relay.stop()
    await task


async def test_only_one_relay_is_active_per_service(kit, db, bus, database_url):
    nc, js = bus
    first = OutboxRelay(database_url, "proef", js, poll_interval=0.1)
    second = OutboxRelay(database_url, "proef", js, poll_interval=0.1)
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    await wait_until(lambda: first.active.is_set() or second.active.is_set())
    await asyncio.sleep(0.3)
    assert first.active.is_set() != second.active.is_set()
    active, standby = (first, second) if first.active.is_set() else (second, first)
    active.stop()
    await wait_until(standby.active.is_set, timeout=5)  # the standby takes over
    async with db.transaction() as conn:
        await outbox.add(conn, kit.lid_event(), source=kit.SOURCE)
    await wait_until(lambda: standby.published == 1)
    standby.stop()
    await asyncio.gather(*tasks)


async def test_pipelined_batches_keep_commit_order(kit, db, bus, database_url):
    nc, js = bus
    ids = []
    async with db.transaction() as conn:
        for _ in range(2500):
            ids.append(await outbox.add(conn, kit.lid_event(), source=kit.SOURCE))
    relay = OutboxRelay(database_url, "proef", js, batch_size=300, window=4)
    task = asyncio.create_task(relay.run())
    await wait_until(lambda: relay.published == 2500, timeout=30)
    msgs = await stream_messages(js, 2500)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == ids
    relay.stop()
    await task


async def test_a_slow_mark_does_not_hold_up_publishing(kit, db, bus, database_url):
    """Marking rows sent overlaps reading and publishing the next batches: while the first rows
    cannot be marked (another transaction holds them), every later batch still goes out."""
    nc, js = bus
    async with db.transaction() as conn:
        for _ in range(1500):
            await outbox.add(conn, kit.lid_event(), source=kit.SOURCE)
    async with db.engine.connect() as holder:
        await holder.begin()
        await holder.execute(text("SELECT seq FROM outbox ORDER BY seq LIMIT 10 FOR UPDATE"))
        relay = OutboxRelay(database_url, "proef", js, batch_size=100, window=2)
        task = asyncio.create_task(relay.run())
        try:

            async def on_the_bus() -> int:
                return (await js.stream_info(EVENTS.name)).state.messages

            await wait_until(lambda: _at_least(on_the_bus, 1500), timeout=30)
            assert relay.published < 1500  # the first mark still waits for the lock
        finally:
            await holder.rollback()
        await wait_until(lambda: relay.published == 1500, timeout=30)
        assert await pending(db) == 0
        relay.stop()
        await task
    assert (await js.stream_info(EVENTS.name)).state.messages == 1500  # nothing published twice


async def test_without_a_span_processor_the_outbox_trace_context_travels_unchanged(
    kit, db, bus, database_url, monkeypatch
):
    """A per-message publish span that nothing receives costs more than the publish itself: it is
    skipped, and the consumers' parent is the outbox span the request made."""
    from dinet_chassis import tracing

    monkeypatch.setattr(tracing, "_processors", 0)
    nc, js = bus
    async with db.transaction() as conn:
        event_id = await outbox.add(conn, kit.lid_event(), source=kit.SOURCE)
        stored = (await conn.execute(text("SELECT headers FROM outbox WHERE event_id = :e"), {"e": event_id})).scalar_one()
    assert stored["traceparent"]
    relay = OutboxRelay(database_url, "proef", js)
    task = asyncio.create_task(relay.run())
    (msg,) = await stream_messages(js, 1)
    assert msg.headers["traceparent"] == stored["traceparent"]
    relay.stop()
    await task


async def _at_least(probe, count: int) -> bool:
    return await probe() >= count
