"""The consumer's pull loop on FastStream: a lone event is not held back to fill a batch, and a
NATS connection that closes for good does not freeze the process."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import text

from dinet_chassis.consumer import EventConsumer
from dinet_chassis.bus import connect, ensure_streams


async def record_effect(conn, event, ctx) -> None:
    await conn.execute(text("INSERT INTO effect (event_id, lid_id) VALUES (:e, :l)"), {"e": event.id, "l": "x"})


async def test_a_lone_event_is_processed_at_once_not_after_the_fetch_wait(kit, db, bus):
    nc, js = bus
    consumer = EventConsumer(kit.consumer_def(), record_effect, db=db, js=js, batch_size=256, fetch_wait=2.0)
    task = asyncio.create_task(consumer.run())
    await asyncio.sleep(0.5)  # subscribed and waiting
    started = time.perf_counter()
    await js.publish(
        "dinet.evt.registratie.lid.geregistreerd.v1", kit.cloud_event_bytes()[1], headers={"Nats-Msg-Id": uuid.uuid4().hex}
    )
    while consumer.processed < 1 and time.perf_counter() - started < 5:
        await asyncio.sleep(0.01)
    took = time.perf_counter() - started
    consumer.stop()
    await task
    assert consumer.processed == 1
    assert took < 1.0, f"{took:.2f} s: the batch waited to be filled"


async def test_a_connection_closed_for_good_leaves_the_event_loop_running(kit, db, nats_server):
    nc = await connect(nats_server.url)
    js = nc.jetstream()
    await ensure_streams(js)
    consumer = EventConsumer(kit.consumer_def(), record_effect, db=db, js=js, fetch_wait=0.2)
    task = asyncio.create_task(consumer.run())
    await asyncio.sleep(0.5)
    await nc.close()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        for _ in range(10):
            await asyncio.sleep(0.05)
            ticks += 1

    await asyncio.wait_for(tick(), timeout=5)
    assert ticks == 10
    consumer.stop()
    await asyncio.wait_for(task, timeout=15)
