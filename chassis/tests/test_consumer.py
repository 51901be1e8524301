"""Idempotent consumers and dead letters on a real PostgreSQL and a real JetStream."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid

from sqlalchemy import text

from dinet_chassis import deadletter
from dinet_chassis.bus import ensure_streams
from dinet_chassis.db import Database
from dinet_chassis.migrations import migrate
from dinet_chassis.consumer import EventConsumer, Onverwerkbaar, ensure_consumer
from dinet_chassis.testing import wait_until


async def record_effect(conn, event, ctx) -> None:
    await conn.execute(
        text("INSERT INTO effect (event_id, lid_id) VALUES (:e, :l)"),
        {"e": event.id, "l": str(event.data.lid_id)},
    )


async def effects(db) -> list[tuple[str, str]]:
    async with db.transaction() as conn:
        return [tuple(r) for r in (await conn.execute(text("SELECT event_id, lid_id FROM effect"))).all()]


async def publish(js, body: bytes, msg_id: str | None = None, subject: str = "dinet.evt.registratie.lid.geregistreerd.v1", **headers):
    return await js.publish(subject, body, headers={"Nats-Msg-Id": msg_id or uuid.uuid4().hex, **headers})


def start(consumer: EventConsumer) -> asyncio.Task:
    return asyncio.create_task(consumer.run())


async def test_the_same_event_three_times_has_one_effect_even_after_the_duplicate_window(kit, db, bus):
    nc, js = bus
    consumer = EventConsumer(kit.consumer_def(), record_effect, db=db, js=js)
    task = start(consumer)
    event_id, body = kit.cloud_event_bytes()
    # A fresh Nats-Msg-Id each time: what a re-publish after JetStream's window looks like.
    for _ in range(3):
        ack = await publish(js, body)
        assert not ack.duplicate
    # And once inside the window: JetStream itself drops it.
    assert not (await publish(js, body, msg_id="same")).duplicate
    assert (await publish(js, body, msg_id="same")).duplicate is True
    await wait_until(lambda: consumer.processed >= 1)
    await asyncio.sleep(0.3)
    assert [e for e, _ in await effects(db)] == [event_id]
    info = await js.consumer_info("DINET_EVENTS", "proef")
    assert info.num_pending == 0 and info.num_ack_pending == 0
    consumer.stop()
    await task


async def test_a_batch_commits_many_events_in_one_transaction(kit, db, bus):
    nc, js = bus
    for _ in range(500):
        await publish(js, kit.cloud_event_bytes()[1])
    consumer = EventConsumer(kit.consumer_def(), record_effect, db=db, js=js, batch_size=200)
    task = start(consumer)
    await wait_until(lambda: consumer.processed == 500)
    assert len(await effects(db)) == 500
    consumer.stop()
    await task


async def test_an_invalid_event_is_dead_lettered_with_its_reason_and_the_rest_flows(kit, db, bus):
    nc, js = bus
    good_before = kit.cloud_event_bytes()
    bad_envelope = json.loads(kit.cloud_event_bytes()[1])
    del bad_envelope["data"]["organisatie_id"]
    bad_id = bad_envelope["id"]
    good_after = kit.cloud_event_bytes()
    await publish(js, good_before[1])
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await publish(js, json.dumps(bad_envelope).encode(), msg_id="bad-1", traceparent=traceparent)
    await publish(js, b"this is not json", msg_id="garbage")
    await publish(js, good_after[1])
    consumer = EventConsumer(kit.consumer_def(), record_effect, db=db, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.processed == 2 and consumer.dead_lettered == 2)
    assert {e for e, _ in await effects(db)} == {good_before[0], good_after[0]}

    letters = await deadletter.list_dead_letters(js)
    assert len(letters) == 2
    by_id = {letter.event_id: letter for letter in letters}
    letter = by_id[bad_id]
    assert "data.organisatie_id" in letter.reason and "missing" in letter.reason
    assert letter.consumer == "proef"
    assert letter.subject == "dinet.evt.registratie.lid.geregistreerd.v1"
    assert letter.original_headers() == {"traceparent": traceparent}  # the original headers travel along
    assert letter.headers["Dinet-Dlq-Original-Msg-Id"] == "bad-1"
    assert json.loads(letter.body) == bad_envelope
    garbage = by_id[None]
    assert garbage.body == b"this is not json" and "ongeldig bericht" in garbage.reason

    # Replay with the missing field filled in: processed once, even when replayed twice.
    fixed = dict(bad_envelope["data"], organisatie_id=str(uuid.uuid4()))
    replayed_id = await deadletter.replay(js, letter.seq, data=fixed)
    assert replayed_id == bad_id
    await wait_until(lambda: consumer.processed == 3)
    assert bad_id in {e for e, _ in await effects(db)}
    assert [x.seq for x in await deadletter.list_dead_letters(js)] == [garbage.seq]
    consumer.stop()
    await task


async def test_a_failing_handler_is_retried_with_backoff_then_succeeds(kit, db, bus):
    nc, js = bus
    attempts: list[int] = []

    async def flaky(conn, event, ctx):
        attempts.append(ctx.num_delivered)
        if len(attempts) < 3:
            raise RuntimeError("database of andere dienst even weg")
        await record_effect(conn, event, ctx)

    consumer = EventConsumer(kit.consumer_def(max_attempts=5), flaky, db=db, js=js)
    task = start(consumer)
    event_id, body = kit.cloud_event_bytes()
    await publish(js, body)
    await wait_until(lambda: consumer.processed == 1, timeout=10)
    assert attempts == [1, 2, 3]
    assert [e for e, _ in await effects(db)] == [event_id]
    consumer.stop()
    await task


async def test_a_poison_message_is_dead_lettered_after_its_retries_and_others_are_not_held_back(kit, db, bus):
    nc, js = bus
    poison_lid = uuid.uuid4()

    async def handler(conn, event, ctx):
        if event.data.lid_id == poison_lid:
            raise ValueError("kan dit lid niet verwerken")
        await record_effect(conn, event, ctx)

    poison_id, poison = kit.cloud_event_bytes(kit.lid_event(lid_id=poison_lid))
    await publish(js, poison)
    good = [kit.cloud_event_bytes() for _ in range(5)]
    for _, body in good:
        await publish(js, body)
    consumer = EventConsumer(kit.consumer_def(max_attempts=3, backoff=(0.05, 0.1)), handler, db=db, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.processed == 5)
    await wait_until(lambda: consumer.dead_lettered == 1, timeout=10)
    letters = await deadletter.list_dead_letters(js)
    assert [x.event_id for x in letters] == [poison_id]
    assert "na 3 pogingen" in letters[0].reason and "kan dit lid niet verwerken" in letters[0].reason
    assert letters[0].deliveries == 3
    assert {e for e, _ in await effects(db)} == {e for e, _ in good}
    consumer.stop()
    await task


async def test_an_unprocessable_message_is_dead_lettered_at_once_without_retries(kit, db, bus):
    nc, js = bus
    refused_lid = uuid.uuid4()
    attempts: list[int] = []

    async def handler(conn, event, ctx):
        await record_effect(conn, event, ctx)  # rolled back with the refusal
        if event.data.lid_id == refused_lid:
            attempts.append(ctx.num_delivered)
            raise Onverwerkbaar("buiten de eigen organisatie")

    refused_id, refused = kit.cloud_event_bytes(kit.lid_event(lid_id=refused_lid))
    good = [kit.cloud_event_bytes() for _ in range(4)]
    await publish(js, good[0][1])
    await publish(js, refused)
    for _, body in good[1:]:
        await publish(js, body)
    consumer = EventConsumer(kit.consumer_def(max_attempts=5, backoff=(5.0,)), handler, db=db, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.processed == 4 and consumer.dead_lettered == 1, timeout=5)
    letters = await deadletter.list_dead_letters(js)
    assert [x.event_id for x in letters] == [refused_id]
    assert letters[0].reason == "onverwerkbaar: buiten de eigen organisatie"
    assert letters[0].deliveries == 1
    # Tried once in the batch and once alone (to isolate it), never redelivered.
    assert set(attempts) == {1}
    assert {e for e, _ in await effects(db)} == {e for e, _ in good}
    consumer.stop()
    await task


async def test_a_message_published_with_jetstream_publish_controls_still_reaches_the_dead_letters(kit, db, bus):
    """A partner event published with `stream=` carries `Nats-Expected-Stream`; copied onto the
    dead letter, JetStream refused it and the message came back every ack_wait for ever."""
    nc, js = bus
    refused_lid = uuid.uuid4()

    async def handler(conn, event, ctx):
        if event.data.lid_id == refused_lid:
            raise Onverwerkbaar("einde voor het begin")
        await record_effect(conn, event, ctx)

    refused_id, refused = kit.cloud_event_bytes(kit.lid_event(lid_id=refused_lid))
    subject = "dinet.evt.registratie.lid.geregistreerd.v1"
    await js.publish(subject, refused, stream="DINET_EVENTS", headers={"Nats-Msg-Id": "p-1", "traceparent": "tp"})
    # A subject sequence that is right when published, and wrong for any later publish.
    await js.publish(
        subject, b"not json", headers={"Nats-Msg-Id": "p-2", "Nats-Expected-Last-Subject-Sequence": "1"}
    )
    consumer = EventConsumer(kit.consumer_def(max_attempts=5, backoff=(5.0,)), handler, db=db, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.dead_lettered == 2, timeout=5)
    letters = {x.stream_seq: x for x in await deadletter.list_dead_letters(js)}
    assert sorted(letters) == [1, 2]
    assert letters[1].event_id == refused_id and letters[1].reason == "onverwerkbaar: einde voor het begin"
    # Still visible for inspection, under a name JetStream does not act on.
    assert letters[1].headers["Dinet-Dlq-Original-Nats-Expected-Stream"] == "DINET_EVENTS"
    assert letters[1].headers["Dinet-Dlq-Original-Msg-Id"] == "p-1"
    assert letters[2].headers["Dinet-Dlq-Original-Nats-Expected-Last-Subject-Sequence"] == "1"
    assert letters[1].original_headers() == {"traceparent": "tp"}
    assert consumer.dead_letter_failures == 0
    info = await js.consumer_info("DINET_EVENTS", "proef")
    assert info.num_ack_pending == 0 and info.num_pending == 0

    # A replay carries none of the control headers either, so it is not refused in turn.
    await deadletter.replay(js, letters[2].seq, data=None)
    await wait_until(lambda: consumer.dead_lettered == 3, timeout=5)
    consumer.stop()
    await task


async def test_a_database_outage_pauses_the_consumer_and_counts_no_attempt(kit, bus, stoppable_postgres):
    """PostgreSQL down for longer than the whole retry budget (3 tries, 0.15 s of backoff) and
    longer than ack_wait: before, every event arriving meanwhile was dead-lettered; now the
    consumer pauses, holds what it fetched, fetches nothing more and resumes when it is back."""
    nc, js = bus
    database = Database(stoppable_postgres.url(), "proef")
    await migrate(database, None)
    async with database.transaction() as conn:
        await conn.execute(text("CREATE TABLE effect (event_id text, lid_id text)"))
    definition = dataclasses.replace(kit.consumer_def(max_attempts=3, backoff=(0.05, 0.1)), ack_wait_seconds=2)
    consumer = EventConsumer(definition, record_effect, db=database, js=js, batch_size=8, outage_max_delay=0.5)
    task = start(consumer)
    before = [kit.cloud_event_bytes() for _ in range(5)]
    for _, body in before:
        await publish(js, body)
    await wait_until(lambda: consumer.processed == 5)

    stoppable_postgres.stop()
    down_at = time.monotonic()
    during = [kit.cloud_event_bytes() for _ in range(20)]
    for _, body in during:
        await publish(js, body)
    await wait_until(lambda: consumer.status()["gepauzeerd"], timeout=5)
    info = await js.consumer_info("DINET_EVENTS", "proef")
    delivered_at_pause = info.delivered.consumer_seq
    await asyncio.sleep(4.0)  # > ack_wait: the held messages are kept alive, not redelivered
    info = await js.consumer_info("DINET_EVENTS", "proef")
    assert info.delivered.consumer_seq == delivered_at_pause  # nothing fetched while paused
    assert info.num_redelivered == 0
    assert info.num_ack_pending <= 8  # at most the one batch it holds
    status = consumer.status()
    assert status["gepauzeerd"] and "database" in status["pauzereden"]
    assert consumer.dead_lettered == 0

    stoppable_postgres.start()
    outage = time.monotonic() - down_at
    await wait_until(lambda: consumer.processed == 25, timeout=15)
    assert outage > 4.0
    assert consumer.dead_lettered == 0 and await deadletter.list_dead_letters(js) == []
    assert sorted(e for e, _ in await effects(database)) == sorted(e for e, _ in before + during)
    status = consumer.status()
    assert not status["gepauzeerd"] and status["pauzes"] >= 1
    info = await js.consumer_info("DINET_EVENTS", "proef")
    assert info.num_pending == 0 and info.num_ack_pending == 0
    consumer.stop()
    await task
    await database.dispose()


async def test_a_failure_that_looks_like_an_outage_while_the_database_answers_counts_as_attempts(kit, db, bus):
    """Such a message cannot hold the consumer for ever: it is dead-lettered after its tries."""
    nc, js = bus
    attempts: list[int] = []

    async def handler(conn, event, ctx):
        attempts.append(ctx.num_delivered)
        raise ConnectionRefusedError("een andere server van deze handler weigert")

    event_id, body = kit.cloud_event_bytes()
    await publish(js, body)
    consumer = EventConsumer(kit.consumer_def(max_attempts=3, backoff=(0.05, 0.1)), handler, db=db, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.dead_lettered == 1, timeout=10)
    assert attempts == [1, 2, 3]
    letters = await deadletter.list_dead_letters(js)
    assert [x.event_id for x in letters] == [event_id]
    assert "na 3 pogingen: ConnectionRefusedError" in letters[0].reason
    assert consumer.status()["pauzes"] == 0
    consumer.stop()
    await task


async def test_a_message_whose_dead_lettering_fails_is_retried_with_backoff_counted_and_reported(kit, db, bus):
    nc, js = bus
    await js.delete_stream("DINET_DEADLETTERS")  # every dead-letter publish is refused now
    await publish(js, b"not json", msg_id="garbage")
    consumer = EventConsumer(kit.consumer_def(), record_effect, db=db, js=js, dead_letter_max_delay=0.5)
    task = start(consumer)
    await wait_until(lambda: consumer.dead_letter_failures >= 3, timeout=10)
    status = consumer.status()
    assert status["wacht_op_dead_letter_aantal"] == 1
    waiting = status["wacht_op_dead_letter"][0]
    assert waiting["stream_seq"] == 1 and waiting["reden"].startswith("ongeldig bericht")
    assert waiting["pogingen"] >= 3 and waiting["fout"]
    assert consumer.dead_lettered == 0

    await ensure_streams(js)  # the dead-letter stream is back
    await wait_until(lambda: consumer.dead_lettered == 1, timeout=10)
    letters = await deadletter.list_dead_letters(js)
    # Stored with the reason it first had, not as "too many deliveries".
    assert [x.body for x in letters] == [b"not json"] and letters[0].reason.startswith("ongeldig bericht")
    assert consumer.status()["wacht_op_dead_letter_aantal"] == 0
    info = await js.consumer_info("DINET_EVENTS", "proef")
    assert info.num_pending == 0 and info.num_ack_pending == 0
    consumer.stop()
    await task


async def test_restarts_during_an_outage_cost_no_attempt(kit, bus, stoppable_postgres):
    """Each instance that meets the outage hands its messages back when it stops; NATS's
    delivery count grows with every hand-over, the consumer's own count of attempts does not."""
    nc, js = bus
    database = Database(stoppable_postgres.url(), "proef")
    await migrate(database, None)
    async with database.transaction() as conn:
        await conn.execute(text("CREATE TABLE effect (event_id text, lid_id text)"))
    definition = dataclasses.replace(kit.consumer_def(max_attempts=2, backoff=(0.05,)), ack_wait_seconds=2)
    stoppable_postgres.stop()
    events = [kit.cloud_event_bytes() for _ in range(3)]
    for _, body in events:
        await publish(js, body)
    for _ in range(3):  # three instances in turn, each stopped while the database is down
        consumer = EventConsumer(definition, record_effect, db=database, js=js, outage_max_delay=0.2)
        task = start(consumer)
        await wait_until(lambda: consumer.status()["gepauzeerd"], timeout=10)
        consumer.stop()
        await task
    info = await js.consumer_info("DINET_EVENTS", "proef")
    assert info.num_redelivered == 3  # delivered three times each: more than max_attempts

    stoppable_postgres.start()
    consumer = EventConsumer(definition, record_effect, db=database, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.processed == 3, timeout=15)
    assert consumer.dead_lettered == 0 and await deadletter.list_dead_letters(js) == []
    assert sorted(e for e, _ in await effects(database)) == sorted(e for e, _ in events)
    async with database.transaction() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM consumer_pogingen"))).scalar_one() == 0
    consumer.stop()
    await task
    await database.dispose()


async def test_a_message_that_kills_its_process_every_time_is_dead_lettered_after_its_attempts(kit, db, bus):
    """Killing is simulated by cancelling the consumer mid-handler (no ack, no nak, no rollback
    hook of its own); each redelivery counts its attempt before it starts, committed."""
    nc, js = bus
    deadly_lid = uuid.uuid4()

    async def handler(conn, event, ctx):
        if event.data.lid_id == deadly_lid:
            await asyncio.Event().wait()  # hangs until the "process" dies
        await record_effect(conn, event, ctx)

    deadly_id, deadly = kit.cloud_event_bytes(kit.lid_event(lid_id=deadly_lid))
    await publish(js, deadly)
    definition = dataclasses.replace(kit.consumer_def(max_attempts=2), ack_wait_seconds=1)
    await ensure_consumer(js, definition)
    for _ in range(3):  # deliveries 1, 2 and 3 each die in the handler
        consumer = EventConsumer(definition, handler, db=db, js=js)
        task = start(consumer)
        before = (await js.consumer_info("DINET_EVENTS", "proef")).delivered.consumer_seq

        async def delivered_again():
            return (await js.consumer_info("DINET_EVENTS", "proef")).delivered.consumer_seq > before

        await wait_until(delivered_again, timeout=10)
        await asyncio.sleep(0.2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    good_id, good = kit.cloud_event_bytes()
    await publish(js, good)
    consumer = EventConsumer(definition, handler, db=db, js=js)
    task = start(consumer)
    await wait_until(lambda: consumer.dead_lettered == 1 and consumer.processed == 1, timeout=10)
    (letter,) = await deadletter.list_dead_letters(js)
    assert letter.event_id == deadly_id and letter.deliveries == 4
    assert letter.reason == "2 pogingen zonder succes"
    assert [e for e, _ in await effects(db)] == [good_id]
    consumer.stop()
    await task
