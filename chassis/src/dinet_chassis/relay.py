"""The outbox relay: publishes committed outbox rows to JetStream, in order, exactly once in effect.

One relay per service is active at a time (a session advisory lock), so one aggregate's events
are published in the order they were committed; other instances wait as hot standbys. The relay
wakes on NOTIFY at commit and polls slowly as a fallback, since notifications are lost while
disconnected. A crash between JetStream's ack and marking the row sent republishes the row:
`Nats-Msg-Id` (the event id) lets JetStream drop it, and consumer inboxes absorb older repeats.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque

import asyncpg
from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind

from .db import asyncpg_connect_kwargs
from .logging import get_logger
from .outbox import notify_channel
from .tracing import context_from_headers, inject_trace_headers, spans_exported, tracer

log = get_logger(__name__)
_tracer = tracer("dinet.relay")

_PENDING = (
    "SELECT seq, subject, body, headers FROM outbox"
    " WHERE published_at IS NULL AND seq > $1 ORDER BY seq LIMIT $2"
)
_MARK = "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])"


class OutboxRelay:
    def __init__(
        self,
        database_url: str,
        schema: str,
        js: JetStreamContext,
        *,
        batch_size: int = 1000,
        window: int = 4,
        poll_interval: float = 2.0,
        publish_timeout: float = 10.0,
    ) -> None:
        self.database_url = database_url
        self.schema = schema
        self.js = js
        self.batch_size = batch_size
        self.window = window
        self._send_lock = asyncio.Lock()
        self.poll_interval = poll_interval
        self.publish_timeout = publish_timeout
        self.published = 0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.active = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        delay = 0.2
        while not self._stopping.is_set():
            try:
                await self._run_connected()
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a NATS or PostgreSQL outage: keep the rows, retry later
                self.active.clear()
                log.warning("relay.onderbroken", error=repr(exc), retry_in=delay)
                await self._sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    async def _connect(self, role: str) -> asyncpg.Connection:
        return await asyncpg.connect(
            **asyncpg_connect_kwargs(self.database_url),
            server_settings={"search_path": self.schema, "application_name": f"dinet-{self.schema}-{role}"},
        )

    async def _run_connected(self) -> None:
        conn = await self._connect("relay")
        marker: asyncpg.Connection | None = None
        try:
            await conn.add_listener(notify_channel(self.schema), lambda *_: self._wake.set())
            lock_key = f"outbox-relay:{self.schema}"
            while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock_key):
                await self._sleep(self.poll_interval)  # another instance relays; stand by
                if self._stopping.is_set():
                    return
            # Marking rows sent has a connection of its own, so it overlaps reading the next batch
            # instead of queueing behind it. Only the lock holder marks, and a mark that lands
            # after this relay died is harmless: JetStream had acknowledged those rows.
            marker = await self._connect("relay-mark")
            self.active.set()
            while not self._stopping.is_set():
                self._wake.clear()
                await self._drain(conn, marker)
                await self._sleep(self.poll_interval)
        finally:
            self.active.clear()
            if marker is not None:
                await marker.close()
            await conn.close()

    async def _drain(self, conn: asyncpg.Connection, marker: asyncpg.Connection) -> None:
        """Publish everything pending. Up to `window` batches are in flight at once: while JetStream
        stores (and fsyncs) one batch, the next is already on the wire, all in seq order on one
        connection, so JetStream stores them in commit order. Acknowledged rows are marked on the
        other connection meanwhile; the drain ends only when every mark is written, so the next
        drain (which reads from the start again) never sees a row that is already published."""
        cursor = 0  # rows in flight are still unmarked: read past them, not again
        inflight: deque[tuple[list, asyncio.Future]] = deque()
        marking: asyncio.Task | None = None
        to_mark: list[int] = []
        try:
            while True:
                rows = await conn.fetch(_PENDING, cursor, self.batch_size) if len(inflight) < self.window else []
                if rows:
                    inflight.append((rows, self._send(rows)))
                    cursor = rows[-1]["seq"]
                    continue
                if not inflight:
                    break  # a row committed late with a lower seq is found by the next drain
                rows, acks = inflight.popleft()
                done, failure = await self._settle(rows, acks)
                to_mark.extend(done)
                if marking is None or marking.done():
                    if marking is not None:
                        marking.result()  # a failed mark stops the drain
                    marking = asyncio.ensure_future(self._mark(marker, to_mark))
                    to_mark = []
                if failure is not None:
                    raise failure
        finally:
            for _, acks in inflight:
                acks.cancel()
            if marking is not None:
                await marking
            await self._mark(marker, to_mark)

    async def _mark(self, marker: asyncpg.Connection, seqs: list[int]) -> None:
        if seqs:
            await marker.execute(_MARK, seqs)
            self.published += len(seqs)

    def _send(self, rows: list) -> asyncio.Future:
        async def send() -> list:
            futures = []
            spans_kept = spans_exported()
            async with self._send_lock:  # FIFO: batches never interleave on the wire
                for row in rows:
                    headers = row["headers"]
                    if isinstance(headers, str):
                        headers = json.loads(headers)
                    if not spans_kept:
                        # Nothing would ever see the hop's span: the headers keep the outbox span
                        # as the consumers' parent, and the span's cost (more than the publish
                        # itself) is saved.
                        futures.append(await self.js.publish_async(row["subject"], row["body"], headers=headers))
                        continue
                    # The NATS hop as its own span in the request's trace; consumers become its
                    # children. Started and ended by hand: this loop is the relay's hot path.
                    span = _tracer.start_span(
                        f"publish {row['subject']}",
                        context=context_from_headers(headers),
                        kind=SpanKind.PRODUCER,
                        attributes={
                            "messaging.system": "nats",
                            "messaging.destination.name": row["subject"],
                            "messaging.message.id": headers.get("Nats-Msg-Id", ""),
                        },
                    )
                    inject_trace_headers(headers, span)
                    span.end()
                    futures.append(await self.js.publish_async(row["subject"], row["body"], headers=headers))
            return await asyncio.gather(*futures, return_exceptions=True)

        # Started now, so this batch is written to the socket before the next one is read.
        return asyncio.ensure_future(send())

    async def _settle(self, rows: list, acks: asyncio.Future) -> tuple[list[int], Exception | None]:
        """The seqs JetStream acknowledged, and an error if any row of the batch was not."""
        results = await asyncio.wait_for(acks, timeout=self.publish_timeout)
        done = [row["seq"] for row, result in zip(rows, results) if not isinstance(result, BaseException)]
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            return done, RuntimeError(f"{len(failed)} van {len(rows)} publicaties mislukt: {failed[0]!r}")
        return done, None
