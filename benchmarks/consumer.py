"""Benchmark 2: the chassis consumer (inbox + effect + ack) against a bare nats-py/asyncpg loop.

N LidGeregistreerd CloudEvents are on the stream before anything consumes. Each variant gets its
own durable consumer (so each reads all of them from the start) and its own schema with the
chassis tables and an `effect` table, and is timed from start until it has processed its share.

- chassis, batched: `EventConsumer` as the services run it (fetch up to 256, one transaction for
  the batch: inbox claim + one effect INSERT per event, commit, then ack each).
- chassis, batch 1: the same with `batch_size=1`, i.e. one transaction per event.
- baseline: what one would write without the chassis: fetch 1, one asyncpg transaction with the
  same statements (inbox INSERT .. ON CONFLICT DO NOTHING, the effect INSERT unless it was a
  duplicate), ack; message by message. It parses with `json.loads` only (no schema validation,
  no tracing): the chassis pays for both.

The per-message variants are run on a smaller count (`--serial-events`) because each pays a
commit (an fsync in PostgreSQL) per event; the figure is a rate, so the counts need not match.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
import nats
from dinet_chassis.bus import connect
from dinet_chassis.consumer import EventConsumer
from dinet_chassis.db import Database, asyncpg_connect_kwargs
from dinet_chassis.migrations import migrate
from dinet_contracts import wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.registratie import LidGeregistreerd
from dinet_contracts.topology import EVENTS, ConsumerDef
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from .common import SOURCE, lid_event, log, wait_for
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database, reset_streams

SUBJECT = LidGeregistreerd.subject_template
BATCH = 256  # the services' default (Settings.consumer_batch)
EFFECT_TABLE = "CREATE TABLE effect (event_id text PRIMARY KEY, lid_id uuid NOT NULL)"

_EFFECT = text("INSERT INTO effect (event_id, lid_id) VALUES (:event_id, :lid_id)")


async def record_effect(conn, event, ctx) -> None:
    await conn.execute(_EFFECT, {"event_id": event.id, "lid_id": event.data.lid_id})


def consumer_def(durable: str) -> ConsumerDef:
    return ConsumerDef(durable=durable, service="bench", stream=EVENTS.name, filter_subjects=(SUBJECT,))


async def prepare_schema(url: str, schema: str) -> Database:
    db = Database(url, schema)
    await migrate(db, None)
    async with db.transaction() as conn:
        await conn.execute(text(EFFECT_TABLE))
    return db


async def publish_events(nats_url: str, count: int) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        futures = []
        for _ in range(count):
            envelope = wrap(lid_event(), source=SOURCE)
            headers = {"Nats-Msg-Id": envelope.id, "Content-Type": CONTENT_TYPE, "ce-type": envelope.type}
            futures.append(await js.publish_async(SUBJECT, envelope.model_dump_json().encode(), headers=headers))
        await asyncio.gather(*futures)
    finally:
        await nc.close()


async def run_chassis(nats_url: str, db: Database, count: int, batch_size: int) -> float:
    nc = await connect(nats_url, name=f"bench-{db.schema}")
    try:
        consumer = EventConsumer(
            consumer_def(f"bench-{db.schema}"), record_effect, db=db, js=nc.jetstream(), batch_size=batch_size
        )
        start = time.perf_counter()
        task = asyncio.create_task(consumer.run())
        await wait_for(lambda: consumer.processed >= count or task.done(), timeout=300)
        elapsed = time.perf_counter() - start
        consumer.stop()
        await task
        if consumer.processed < count or consumer.dead_lettered:
            raise RuntimeError(f"{db.schema}: {consumer.processed} verwerkt, {consumer.dead_lettered} dead letters")
        return elapsed
    finally:
        await nc.close()


async def run_raw(nats_url: str, url: str, schema: str, count: int) -> float:
    durable = f"bench-{schema}"
    pg = await asyncpg.connect(**asyncpg_connect_kwargs(url), server_settings={"search_path": schema})
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_consumer(
            EVENTS.name,
            ConsumerConfig(
                durable_name=durable,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                filter_subject=SUBJECT,
                max_ack_pending=10_000,
            ),
        )
        sub = await js.pull_subscribe_bind(durable=durable, stream=EVENTS.name)
        inbox_sql = (
            "INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        )
        effect_sql = "INSERT INTO effect (event_id, lid_id) VALUES ($1, $2)"
        done = 0
        start = time.perf_counter()
        while done < count:
            try:
                (msg,) = await sub.fetch(1, timeout=1.0)
            except TimeoutError:
                continue
            event = json.loads(msg.data)
            async with pg.transaction():
                status = await pg.execute(inbox_sql, durable, event["id"], event["type"])
                if status == "INSERT 0 1":  # not seen before
                    await pg.execute(effect_sql, event["id"], uuid.UUID(event["data"]["lid_id"]))
            await msg.ack()
            done += 1
        return time.perf_counter() - start
    finally:
        await nc.close()
        await pg.close()


async def bench_consumer(servers: Servers, report: Report, count: int, serial_count: int) -> None:
    """Order: raw, batch 1, batched, batch 1, raw (each per-message variant split in two halves
    around the batched run), so drift in disk speed during the run hits all variants alike."""
    nats_url = servers.shipped_nats_url
    serial_count = min(serial_count, count)
    half = max(1, serial_count // 2)
    await reset_streams(nats_url)
    log(f"consumer: {count} events vooraf publiceren")
    await publish_events(nats_url, count)
    async with fresh_database(servers.admin_database_url) as url:
        schemas = ["raw_a", "single_a", "batch", "single_b", "raw_b"]
        dbs = {name: await prepare_schema(url, f"consumer_{name}") for name in schemas}
        await checkpoint(url)
        times: dict[str, float] = {}
        try:
            for name in schemas:
                if name.startswith("raw"):
                    log(f"consumer: basislijn, ruwe lus ({half} events)")
                    times[name] = await run_raw(nats_url, url, dbs[name].schema, half)
                elif name.startswith("single"):
                    log(f"consumer: EventConsumer, batch 1 ({half} events)")
                    times[name] = await run_chassis(nats_url, dbs[name], half, 1)
                else:
                    log(f"consumer: EventConsumer, batch {BATCH} ({count} events)")
                    times[name] = await run_chassis(nats_url, dbs[name], count, BATCH)
        finally:
            for db in dbs.values():
                await db.dispose()
    raw = 2 * half / (times["raw_a"] + times["raw_b"])
    single = 2 * half / (times["single_a"] + times["single_b"])
    batched = count / times["batch"]
    halves = f"{half / times['raw_a']:.0f}/{half / times['raw_b']:.0f}"
    report.add(
        Row(
            f"consumer (batch {BATCH})",
            batched,
            "ev/s",
            raw,
            "ev/s",
            ">= 1.0x",
            detail=(
                f"{count} events; basislijn: ruwe lus fetch 1 -> asyncpg-transactie -> ack, "
                f"2 x {half} events ({halves} ev/s)"
            ),
        )
    )
    report.add(
        Row(
            "consumer (batch 1)",
            single,
            "ev/s",
            raw,
            "ev/s",
            detail=(
                f"2 x {half} events ({half / times['single_a']:.0f}/{half / times['single_b']:.0f} ev/s), "
                "één transactie per event zoals de basislijn"
            ),
        )
    )
