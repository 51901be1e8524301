"""Benchmark 1: the outbox relay against raw pipelined JetStream publishing.

N events are committed to a fresh outbox first (the relay is not running), then the relay is
started and timed until it has published all of them, so the figure is the relay's own
drain rate: read a batch, publish it pipelined, wait for the acks, mark the rows sent.

The baseline publishes the very same subjects, bodies and headers (with a fresh Nats-Msg-Id
each, so JetStream does not drop them as duplicates) with `js.publish_async` for all and then
awaits the acks: the fastest a single nats-py client gets a durable ack for each message.
Both run against the same server, so both pay the same fsync policy.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
import nats
from dinet_chassis import outbox
from dinet_chassis.bus import connect
from dinet_chassis.db import Database, asyncpg_connect_kwargs
from dinet_chassis.migrations import migrate
from dinet_chassis.relay import OutboxRelay

from .common import SOURCE, lid_event, log, wait_for
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database, reset_streams

WRITE_BATCH = 500  # events per transaction when filling the outbox


async def fill_outbox(url: str, schema: str, count: int) -> float:
    """Commit `count` events through `outbox.add`; returns the rate (events/s) for information."""
    db = Database(url, schema)
    try:
        await migrate(db, None)
        events = [lid_event() for _ in range(count)]
        start = time.perf_counter()
        for i in range(0, count, WRITE_BATCH):
            async with db.transaction() as conn:
                for event in events[i : i + WRITE_BATCH]:
                    await outbox.add(conn, event, source=SOURCE)
        return count / (time.perf_counter() - start)
    finally:
        await db.dispose()


async def outbox_messages(url: str, schema: str) -> list[tuple[str, bytes, dict]]:
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url), server_settings={"search_path": schema})
    try:
        rows = await conn.fetch("SELECT subject, body, headers FROM outbox ORDER BY seq")
    finally:
        await conn.close()
    return [(r["subject"], r["body"], json.loads(r["headers"])) for r in rows]


async def raw_publish(nats_url: str, messages: list[tuple[str, bytes, dict]]) -> float:
    """Seconds for nats-py to publish all messages pipelined and receive every ack."""
    prepared = [(s, b, {**h, "Nats-Msg-Id": str(uuid.uuid4())}) for s, b, h in messages]
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        start = time.perf_counter()
        futures = [await js.publish_async(s, b, headers=h) for s, b, h in prepared]
        acks = await asyncio.gather(*futures)
        elapsed = time.perf_counter() - start
        if any(a.duplicate for a in acks):
            raise RuntimeError("de basislijn publiceerde duplicaten: de meting telt niet")
        return elapsed
    finally:
        await nc.close()


async def run_relay(nats_url: str, url: str, schema: str, count: int) -> float:
    """Seconds from the relay becoming active (connected, lock held) until it has published
    `count` pending rows: its drain rate, without the one-off connection set-up."""
    nc = await connect(nats_url, name="bench-relay")
    relay = OutboxRelay(url, schema, nc.jetstream())
    try:
        task = asyncio.create_task(relay.run())
        await asyncio.wait_for(relay.active.wait(), timeout=30)
        start = time.perf_counter()
        await wait_for(lambda: relay.published >= count or task.done(), timeout=300)
        elapsed = time.perf_counter() - start
        if relay.published != count:
            raise RuntimeError(f"relay publiceerde {relay.published} van {count}")
        relay.stop()
        await task
        return elapsed
    finally:
        await nc.close()


async def bench_relay(servers: Servers, report: Report, count: int, rounds: int) -> None:
    """Per durability setting: `rounds` runs of each, alternating which goes first (ABBA), so a
    disk that slows down or speeds up during the run does not favour either side."""
    raw_rates: dict[str, float] = {}
    async with fresh_database(servers.admin_database_url) as url:
        for label, nats_url in servers.nats.items():
            schemas = [f"relay_{label.replace(' ', '_')}_{r}" for r in range(rounds)]
            log(f"relay ({label}): {rounds} x {count} events in de outbox schrijven")
            write_rates = [await fill_outbox(url, schema, count) for schema in schemas]
            messages = await outbox_messages(url, schemas[0])
            await checkpoint(url)
            await reset_streams(nats_url)
            await raw_publish(nats_url, messages[: min(count, 2000)])  # warm-up, not measured

            raw_times: list[float] = []
            relay_times: list[float] = []
            for r, schema in enumerate(schemas):
                for which in ("raw", "relay") if r % 2 == 0 else ("relay", "raw"):
                    await reset_streams(nats_url)
                    if which == "raw":
                        log(f"relay ({label}): ronde {r + 1}, basislijn (ruw publish_async)")
                        raw_times.append(await raw_publish(nats_url, messages))
                    else:
                        log(f"relay ({label}): ronde {r + 1}, OutboxRelay")
                        relay_times.append(await run_relay(nats_url, url, schema, count))
            raw = count * rounds / sum(raw_times)
            relayed = count * rounds / sum(relay_times)
            raw_rates[label] = raw
            report.add(
                Row(
                    f"relay ({label})",
                    relayed,
                    "ev/s",
                    raw,
                    "msg/s",
                    ">= 0.5x",
                    detail=(
                        f"{rounds} x {count} events; per ronde relay {_rates(count, relay_times)}, "
                        f"ruw {_rates(count, raw_times)}; outbox.add schreef {min(write_rates):.0f}"
                        f"-{max(write_rates):.0f} ev/s in transacties van {WRITE_BATCH}"
                    ),
                )
            )
    if len(raw_rates) == 2:
        always, default = raw_rates.values()
        report.add(
            Row(
                "raw publish: fsync always / default",
                always,
                "msg/s",
                default,
                "msg/s",
                detail="de prijs van een fsync per bericht op deze schijf: de ratio is het deel van de doorvoer dat overblijft",
            )
        )


def _rates(count: int, times: list[float]) -> str:
    return "/".join(f"{count / t:.0f}" for t in times)
