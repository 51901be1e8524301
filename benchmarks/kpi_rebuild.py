"""Benchmark: `python -m kpi rebuild` on a generated five-year history, against reading the same
stream raw with nats-py.

The history (kpi.voorbeeldhistoriek: organisations, members, activities, attendance, feedback,
newsletters, plans, targets, about 2 % duplicates) is published with raw pipelined
`publish_async`, to the nats-server with the NATS default durability (fsync every two minutes)
when the run started one, for speed: publishing is setup here, not what is measured.

- rebuild: `kpi.use_cases.herbouw.herbouw` end to end (migrations, fresh copies of the projection tables,
  an ordered consumer from the first message, `handlers.vertaal`, batched upserts, the swap).
- baseline: an ordered consumer with nats-py reading every message of the stream, nothing else.
"""

from __future__ import annotations

import asyncio
import resource
import time

import nats
from dinet_chassis.settings import Settings
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.topology import EVENTS, EVENTS_SUBJECTS
from nats.js.api import ConsumerConfig, DeliverPolicy

from .common import log
from .report import Report, Row
from .servers import NATS_DEFAULT, Servers, checkpoint, fresh_database, reset_streams

CHUNK = 20_000


def peak_rss_mb() -> float:
    """The highest resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def publish_history(url: str, count: int) -> int:
    from kpi.voorbeeldhistoriek import Historiek

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        pending = []
        last = 0
        for envelope in Historiek(2025).events(count):
            body = envelope.model_dump_json().encode()
            pending.append(await js.publish_async(envelope.data.nats_subject(), body, headers={"Content-Type": CONTENT_TYPE}))
            if len(pending) >= CHUNK:
                last = max(a.seq for a in await asyncio.gather(*pending))
                pending.clear()
        if pending:
            last = max(a.seq for a in await asyncio.gather(*pending))
        return last
    finally:
        await nc.close()


async def read_raw(url: str, count: int) -> float:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(
            EVENTS_SUBJECTS, stream=EVENTS.name, ordered_consumer=True, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        start = time.perf_counter()
        read = 0
        while read < count:
            await sub.next_msg(timeout=30)
            read += 1
        elapsed = time.perf_counter() - start
        await sub.unsubscribe()
        return elapsed
    finally:
        await nc.close()


async def bench_kpi_rebuild(servers: Servers, report: Report, count: int) -> None:
    from kpi.use_cases.herbouw import herbouw

    url = servers.nats.get(NATS_DEFAULT) or servers.shipped_nats_url
    await reset_streams(url)
    async with fresh_database(servers.admin_database_url) as database_url:
        start = time.perf_counter()
        last = await publish_history(url, count)
        log(f"kpi rebuild: {last} berichten gepubliceerd in {time.perf_counter() - start:.0f} s")
        raw = await read_raw(url, last)
        await checkpoint(servers.admin_database_url)
        rss_before = peak_rss_mb()
        result = await herbouw(Settings(service="kpi", nats_url=url, database_url=database_url), batch=5000)
        rss_after = peak_rss_mb()
        raw_again = await read_raw(url, last)  # ABA: the raw rate before and after, to see drift
        raw_rate = 2 * last / (raw + raw_again)
        report.add(
            Row(
                "kpi rebuild (events/s)",
                result.per_seconde,
                "events/s",
                baseline=raw_rate,
                baseline_unit="events/s (nats-py, alleen lezen)",
                target=">= 0.5x",
                detail=(
                    f"{result.berichten} berichten ({result.events} verwerkt, {result.dubbel} dubbel) in"
                    f" {result.seconden:.1f} s; ruw lezen {raw:.1f} s en {raw_again:.1f} s; piek RSS van het proces"
                    f" {rss_before:.0f} MB voor en {rss_after:.0f} MB na de herbouw"
                ),
            )
        )
