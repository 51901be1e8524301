"""Idempotent event consumers on durable JetStream pull consumers.

Each consumer is a FastStream NATS subscriber (`subscribe`: the one subscriber factory every
service shares), bound to the durable consumer of the topology, pulling batches with manual
acknowledgement; FastStream creates and binds the subscription, runs each batch through its
consume pipeline and waits for the batch in hand on a graceful stop, and describes the consumer
for AsyncAPI. What follows is the chassis's own, since FastStream has no such guarantees (its
default policy would terminate a message that fails).

Per fetched batch: invalid messages go to the dead letters; the valid ones are processed in ONE
database transaction that also records their ids in the inbox, and are acked only after it
commits. A duplicate of any age finds its id in the inbox and changes nothing. If a handler
fails, the batch is rolled back and its messages are retried one by one, so one bad message
cannot hold the others back; it is retried with backoff and dead-lettered after `max_attempts`.

An outage of the consumer's own infrastructure is not a message failure. When a handler fails
in a way that says "unavailable" (`db.is_outage`) and the database does not answer a probe
either, the consumer pauses: it stops fetching, keeps the messages it holds (extending their ack
deadline, so they are not redelivered), probes with backoff and resumes with the same messages
once the database answers.

Attempts are therefore not NATS's delivery count (which also grows when an instance stops
during an outage and hands its messages back, or a hold outlives the ack deadline) but the
consumer's own, in `consumer_pogingen`: a first delivery is counted when it fails, a redelivery
when it starts (committed first, so a message that kills the process every time still reaches
the dead letters after `max_attempts`). Neither can be written while the database is down, so
an outage counts nothing; an attempt counted just before the database went away is given back
when it returns. First deliveries, nearly all of them, cost no extra statement.

If dead-lettering itself fails (JetStream refuses the publish, NATS away), the message is not
acked: it is retried with backoff, counted in `dead_letter_failures`, logged with the reason and
reported by `status()` (readiness, `dinet status`) until it is stored.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from functools import partial
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from dinet_contracts import CloudEvent, describe_error, parse
from dinet_contracts.generate import consumer_config as contract_consumer_config
from dinet_contracts.topology import ConsumerDef
from faststream import AckPolicy as FastStreamAck
from faststream.nats import JStream, NatsBroker, PullSub
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError
from opentelemetry.metrics import Meter
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .broker import ChassisBroker
from .deadletter import send_to_dead_letters
from .handlers import Handler, HandlerContext, HandlerSpec, as_handler
from .db import Database, is_outage
from .logging import get_logger
from .tracing import context_from_headers, tracer

if TYPE_CHECKING:
    from .runtime import Runtime

log = get_logger(__name__)


class Onverwerkbaar(Exception):
    """Raised by a handler for a message that can never succeed, whatever the number of tries
    (e.g. a partner publishing for another organisation). It goes straight to the dead letters
    with this exception's message as the reason; nothing of its transaction is kept, and the
    other messages of its batch are processed as usual."""


_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id, event_type)"
    " SELECT :consumer, i, t FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) AS x(i, t)"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)


@dataclass
class _Item:
    msg: Msg
    event: CloudEvent
    counted: bool = False  # its attempt was counted when it started (a redelivery)


_KEY = "consumer = :consumer AND stream = :stream"
_ANOTHER_ATTEMPT = text(
    "INSERT INTO consumer_pogingen (consumer, stream, stream_seq, pogingen) VALUES (:consumer, :stream, :seq, 1)"
    " ON CONFLICT (consumer, stream, stream_seq) DO UPDATE"
    " SET pogingen = consumer_pogingen.pogingen + 1, bijgewerkt_op = now()"
    " RETURNING pogingen, laatste_fout"
)
_ATTEMPTS_SO_FAR = text(f"SELECT pogingen, laatste_fout FROM consumer_pogingen WHERE {_KEY} AND stream_seq = :seq")
_FAILED_ATTEMPT = text(
    "INSERT INTO consumer_pogingen (consumer, stream, stream_seq, pogingen, laatste_fout)"
    " VALUES (:consumer, :stream, :seq, GREATEST(:add, 1), :error)"
    " ON CONFLICT (consumer, stream, stream_seq) DO UPDATE"
    " SET pogingen = consumer_pogingen.pogingen + :add, laatste_fout = :error, bijgewerkt_op = now()"
    " RETURNING pogingen"
)
_REFUND = text(
    f"UPDATE consumer_pogingen SET pogingen = GREATEST(pogingen - 1, 0) WHERE {_KEY} AND stream_seq = ANY(:seqs)"
)
_DONE = text(f"DELETE FROM consumer_pogingen WHERE {_KEY} AND stream_seq = ANY(:seqs)")


class _Outage(Exception):
    """The infrastructure went away while processing: hold `msgs` until it is back."""

    def __init__(self, msgs: list[Msg], reason: str) -> None:
        super().__init__(reason)
        self.msgs = msgs
        self.reason = reason


@dataclass
class _PendingDeadLetter:
    reason: str
    tries: int
    error: str
    since: float


def consumer_config(definition: ConsumerDef) -> ConsumerConfig:
    """The durable consumer as the contracts define it (the same dict deploy/ is generated from).
    The chassis counts attempts itself and dead-letters, so the server keeps delivering."""
    return ConsumerConfig.from_response(contract_consumer_config(definition))


async def ensure_consumer(js: JetStreamContext, definition: ConsumerDef) -> None:
    config = consumer_config(definition)
    try:
        await js.consumer_info(definition.stream, definition.durable)
    except NotFoundError:
        pass
    await js.add_consumer(definition.stream, config)  # create or update in place


class EventConsumer:
    def __init__(
        self,
        definition: ConsumerDef,
        handler: HandlerSpec,
        *,
        db: Database,
        js: JetStreamContext,
        runtime: "Runtime | None" = None,
        batch_size: int = 256,
        fault: str = "",
        after_commit: Callable[[], Any] | None = None,
        outage_max_delay: float = 5.0,
        dead_letter_max_delay: float = 60.0,
        fetch_wait: float = 1.0,
        meter: Meter | None = None,
    ) -> None:
        self.definition = definition
        self.handler: Handler = as_handler(handler)
        self.db = db
        self.js = js
        self.runtime = runtime
        self.batch_size = batch_size
        self.fault = fault
        self.after_commit = after_commit
        self.outage_max_delay = outage_max_delay
        self.dead_letter_max_delay = dead_letter_max_delay
        self.processed = 0
        self.dead_lettered = 0
        self.dead_letter_failures = 0  # failed tries to store a dead letter
        self.outages = 0
        self.paused_since: float | None = None
        self.pause_reason = ""
        # stream sequences whose delivery was given up during an outage: the next is no attempt
        self._lost: set[int] = set()
        # stream sequences whose counted attempt met an outage: to subtract once it is over
        self._refund: set[int] = set()
        # stream sequence -> a dead letter still to be stored, with its original reason
        self._pending_dead_letters: dict[int, _PendingDeadLetter] = {}
        self._outage_delay = 0.0
        self._stopping = asyncio.Event()
        self.fetch_wait = fetch_wait
        self.failures = 0  # failed attempts (each retried or dead-lettered)
        self.lag: int | None = None  # messages the server still has to deliver; set by the runtime
        self.processing_seconds = 0.0  # over all committed batches, for the average in status()
        self.batches = 0
        self._duration = (
            meter.create_histogram(
                "dinet_consumer_batch_duration_seconds",
                unit="s",
                description="Time from the start of a batch's transaction to its acks",
            )
            if meter is not None
            else None
        )

    def stop(self) -> None:
        self._stopping.set()

    def subscribe(self, broker: NatsBroker) -> None:
        """Register this consumer on `broker`: a FastStream pull subscriber bound to the durable
        consumer of the topology, fetching in batches, acknowledging by hand (after the commit)."""
        d = self.definition
        subscriber = broker.subscriber(
            d.filter_subjects[0],
            stream=JStream(d.stream, declare=False),
            durable=d.durable,
            config=consumer_config(d),
            pull_sub=PullSub(batch_size=self.batch_size, batch=True, timeout=self.fetch_wait),
            # FastStream's default would terminate a message on an exception: the chassis decides.
            ack_policy=FastStreamAck.MANUAL,
            # Each message is parsed and validated here, so that an invalid one is dead-lettered alone.
            decoder=_raw_messages,
            title=d.durable,
            description=d.description or None,
        )
        subscriber(self.handle_batch)
        subscriber._consume_pull = partial(self._pull_loop, subscriber)  # type: ignore[attr-defined]

    async def _pull_loop(self, subscriber: Any) -> None:
        """Replaces FastStream 0.7.8's pull loop, which waits up to its timeout to fill a batch
        (latency for every lone event) and, on a closed connection, retries without ever
        yielding to the event loop (the process hangs instead of exiting). The batch still goes
        through FastStream's `consume`: its context, and the lock its graceful stop waits on."""
        while subscriber.running:
            try:
                msgs = await subscriber.subscription.fetch(self.batch_size, timeout=self.fetch_wait)
            except (TimeoutError, asyncio.TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS reconnecting, or gone: wait, then fetch again
                log.warning("consumer.fetch_mislukt", consumer=self.definition.durable, error=repr(exc))
                await asyncio.sleep(0.5)
                continue
            if msgs and subscriber.running:
                await subscriber.consume(msgs)

    async def run(self) -> None:
        """Consume on a broker of its own until `stop()` (the runtime shares one broker instead)."""
        await ensure_consumer(self.js, self.definition)
        broker = ChassisBroker(self.js._nc)
        self.subscribe(broker)
        await broker.start()
        try:
            await self._stopping.wait()
        except asyncio.CancelledError:
            broker.abort()  # cancelled is killed: no graceful wait for a batch in hand
            raise
        finally:
            self._stopping.set()
            try:
                await broker.stop()
            except Exception as exc:  # e.g. unsubscribing on a connection that is gone
                log.debug("consumer.stoppen_onvolledig", consumer=self.definition.durable, error=repr(exc))

    async def handle_batch(self, msgs: Any) -> None:
        """One fetched batch. During an outage the batch is held here: FastStream fetches no
        more until this returns."""
        held: list[Msg] = list(msgs)
        while held:
            try:
                await self.process(held)
                return
            except _Outage as outage:
                self._pause(outage.reason)
                held = await self._wait_out_outage(outage.msgs)
                if self._stopping.is_set():
                    for msg in held:  # stopping during an outage: let another instance have them
                        self._not_an_attempt(msg)
                        await _quietly(msg.nak())
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Unacked messages come back after ack_wait; the inbox makes that harmless.
                log.warning("consumer.batch_onderbroken", consumer=self.definition.durable, error=repr(exc))
                await asyncio.sleep(0.5)
                return

    async def process(self, msgs: list[Msg]) -> None:
        items: list[_Item] = []
        seen: set[str] = set()
        for msg in msgs:
            pending = self._pending_dead_letters.get(msg.metadata.sequence.stream)
            if pending is not None:  # its dead-lettering failed before: try that again, not the handler
                await self._dead_letter(msg, pending.reason)
                continue
            try:
                event = parse(msg.data)
            except Exception as exc:
                await self._dead_letter(msg, f"ongeldig bericht: {describe_error(exc)}")
                continue
            if event.id in seen:  # the same event twice in one batch
                await msg.ack()
                continue
            seen.add(event.id)
            items.append(_Item(msg, event))
        if not items:
            return
        # A first delivery costs no bookkeeping; a redelivery counts its attempt before it starts.
        fresh = [i for i in items if i.msg.metadata.num_delivered == 1]
        again = [i for i in items if i.msg.metadata.num_delivered > 1]
        try:
            if fresh:
                await self._process_fresh(fresh)
        except _Outage as outage:
            raise _Outage(outage.msgs + [i.msg for i in again], outage.reason) from outage
        for index, item in enumerate(again):
            try:
                await self._process_again(item)
            except _Outage as outage:
                raise _Outage(outage.msgs + [i.msg for i in again[index + 1 :]], outage.reason) from outage

    async def _process_fresh(self, items: list[_Item]) -> None:
        try:
            await self._commit(items)
        except Exception:
            exc, reason = _current_exc()
            await self._raise_if_outage(exc, reason, items)
            if len(items) == 1:
                await self._failed(items[0], exc, reason)
                return
            for index, item in enumerate(items):  # isolate the failing message(s)
                try:
                    await self._commit([item])
                except Exception:
                    exc, reason = _current_exc()
                    await self._raise_if_outage(exc, reason, items[index:])
                    try:
                        await self._failed(item, exc, reason)
                    except _Outage as outage:
                        rest = [i.msg for i in items[index + 1 :]]
                        raise _Outage(outage.msgs + rest, outage.reason) from outage

    async def _process_again(self, item: _Item) -> None:
        """A redelivery: count the attempt first, committed, so that a message that kills the
        process every time it is handled still reaches the dead letters. A delivery lost to an
        outage is no attempt: while the database is down this count cannot be written."""
        seq = item.msg.metadata.sequence.stream
        lost = seq in self._lost
        try:
            async with self.db.transaction() as conn:
                row = (
                    await conn.execute(
                        _ANOTHER_ATTEMPT if not lost else _ATTEMPTS_SO_FAR,
                        {"consumer": self.definition.durable, "stream": self.definition.stream, "seq": seq},
                    )
                ).one_or_none()
        except Exception:
            exc, reason = _current_exc()
            await self._raise_if_outage(exc, reason, [item])
            raise
        self._lost.discard(seq)
        attempts, last_error = (row.pogingen, row.laatste_fout) if row is not None else (0, "")
        item.counted = not lost
        if attempts > self.definition.max_attempts:
            # e.g. a message that crashes the process every time it is handled
            why = f"; laatste fout: {last_error}" if last_error else ""
            await self._dead_letter(item.msg, f"{attempts - 1} pogingen zonder succes{why}")
            return
        try:
            await self._commit([item])
        except Exception:
            exc, reason = _current_exc()
            try:
                await self._raise_if_outage(exc, reason, [item])
            except _Outage:
                if item.counted:
                    self._refund.add(seq)  # it met the outage: given back once the database answers
                raise
            await self._failed(item, exc, reason)

    async def _count_failure(self, item: _Item, exc: BaseException) -> int:
        """Record that it failed; for a first delivery this is also where its attempt is counted.
        Only the kind of error is kept: its message may quote personal data, and this table is
        not one that erasure looks in."""
        params = {
            "consumer": self.definition.durable,
            "stream": self.definition.stream,
            "seq": item.msg.metadata.sequence.stream,
            "add": 0 if item.counted else 1,
            "error": type(exc).__name__,
        }
        try:
            async with self.db.transaction() as conn:
                return int((await conn.execute(_FAILED_ATTEMPT, params)).scalar_one())
        except Exception:
            exc, why = _current_exc()
            await self._raise_if_outage(exc, why, [item])
            raise

    async def _raise_if_outage(self, exc: BaseException, reason: str, items: list[_Item]) -> None:
        """A failure that says "unavailable" is an outage only if the database does not answer
        now either: a message that fails this way while the database is healthy (say, one that
        makes a handler open something that does not exist) counts its attempt like any other,
        so it cannot hold the consumer for ever."""
        if isinstance(exc, Onverwerkbaar) or not is_outage(exc):
            return
        try:
            await self.db.ping()
        except Exception as probe:
            raise _Outage([i.msg for i in items], f"{reason} (database: {describe_error(probe)})") from exc

    async def _commit(self, items: list[_Item]) -> None:
        started = time.perf_counter()
        async with self.db.transaction() as conn:
            retried = [i.msg.metadata.sequence.stream for i in items if i.msg.metadata.num_delivered > 1]
            if retried:  # its attempts are done with, together with its effect
                await conn.execute(
                    _DONE,
                    {"consumer": self.definition.durable, "stream": self.definition.stream, "seqs": retried},
                )
            result = await conn.execute(
                _CLAIM,
                {
                    "consumer": self.definition.durable,
                    "ids": [i.event.id for i in items],
                    "types": [i.event.type for i in items],
                },
            )
            new_ids = set(result.scalars().all())
            for item in items:
                if item.event.id not in new_ids:
                    continue  # processed before: the effect is already committed
                meta = item.msg.metadata
                ctx = HandlerContext(
                    self.runtime, item.msg.subject, meta.num_delivered, self.definition.durable, item.event
                )
                with tracer().start_as_current_span(
                    f"{self.definition.durable} process {item.event.type}",
                    context=context_from_headers(item.msg.headers),
                    kind=SpanKind.CONSUMER,
                ) as span:
                    span.set_attribute("messaging.system", "nats")
                    span.set_attribute("messaging.message.id", item.event.id)
                    span.set_attribute("messaging.destination.name", item.msg.subject)
                    span.set_attribute("messaging.consumer.group.name", self.definition.durable)
                    try:
                        await self.handler(conn, item.event, ctx)
                    except Exception as exc:
                        span.record_exception(exc)
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        raise
        self.processed += len(items)
        if self.fault == "kill-after-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        self._outage_delay = 0.0
        for item in items:
            await item.msg.ack()
        took = time.perf_counter() - started
        self.processing_seconds += took
        self.batches += 1
        if self._duration is not None:
            self._duration.record(took, {"consumer": self.definition.durable})
        if self.after_commit is not None:
            self.after_commit()

    async def _failed(self, item: _Item, exc: BaseException, reason: str) -> None:
        self.failures += 1
        if isinstance(exc, Onverwerkbaar):
            await self._dead_letter(item.msg, f"onverwerkbaar: {exc}")
            return
        attempts = await self._count_failure(item, exc)
        if attempts >= self.definition.max_attempts:
            await self._dead_letter(
                item.msg, f"verwerking mislukt na {attempts} pogingen: {reason}", attempts_recorded=True
            )
            return
        backoff = self.definition.backoff_seconds
        delay = backoff[min(attempts - 1, len(backoff) - 1)] if backoff else 1.0
        log.warning(
            "consumer.poging_mislukt",
            consumer=self.definition.durable,
            event_id=item.event.id,
            attempt=attempts,
            retry_in=delay,
            error=reason,
        )
        await item.msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, reason: str, *, attempts_recorded: bool = False) -> None:
        seq = msg.metadata.sequence.stream
        try:
            await send_to_dead_letters(self.js, self.definition.durable, msg, reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Not stored, so not acked: retried with backoff, and shown until it is stored.
            self.dead_letter_failures += 1
            previous = self._pending_dead_letters.get(seq)
            tries = previous.tries + 1 if previous else 1
            since = previous.since if previous else time.time()
            self._pending_dead_letters[seq] = _PendingDeadLetter(reason, tries, describe_error(exc), since)
            delay = min(self.dead_letter_max_delay, 2.0 ** (tries - 1))
            log.error(
                "consumer.dead_letter_mislukt",
                consumer=self.definition.durable,
                subject=msg.subject,
                stream_seq=seq,
                reason=reason,
                error=describe_error(exc),
                tries=tries,
                retry_in=delay,
            )
            await _quietly(msg.nak(delay=delay))
            return
        await msg.ack()
        self._pending_dead_letters.pop(seq, None)
        if attempts_recorded or msg.metadata.num_delivered > 1:
            await self._forget_attempts(seq)
        self.dead_lettered += 1
        log.error("consumer.dead_letter", consumer=self.definition.durable, subject=msg.subject, reason=reason)

    # -- outages ------------------------------------------------------------------------------

    def _pause(self, reason: str) -> None:
        self.outages += 1
        self.paused_since = time.time()
        self.pause_reason = reason
        log.warning("consumer.gepauzeerd", consumer=self.definition.durable, reason=reason)

    async def _wait_out_outage(self, held: list[Msg]) -> list[Msg]:
        """Hold `held` without fetching more until the database answers; returns what is still
        held (nothing if the hold was lost and the messages will be redelivered)."""
        ack_wait = self.definition.ack_wait_seconds
        touched = time.monotonic()  # about when they were fetched
        while not self._stopping.is_set():
            # Grows over back-to-back outages, reset by the next successful commit, so a
            # failure the probe cannot see (another server of the handler's) does not spin.
            self._outage_delay = min(self.outage_max_delay, max(0.1, self._outage_delay * 2))
            try:
                # Often enough to keep the held deliveries alive, whatever ack_wait is.
                await asyncio.wait_for(self._stopping.wait(), timeout=min(self._outage_delay, ack_wait / 3))
            except (TimeoutError, asyncio.TimeoutError):
                pass
            if held:
                try:
                    for msg in held:
                        await msg.in_progress()
                    touched = time.monotonic()
                except Exception:
                    pass  # NATS away too; checked below
                if time.monotonic() - touched > ack_wait * 0.9:
                    # The deliveries expire: they come back by fetch, not counted as attempts.
                    for msg in held:
                        self._not_an_attempt(msg)
                    held = []
            try:
                await self.db.ping()
                await self._give_back_attempts()
            except Exception as exc:
                self.pause_reason = f"database: {describe_error(exc)}"
                continue
            break
        else:
            return held  # stopping: the caller hands them back
        log.info(
            "consumer.hervat",
            consumer=self.definition.durable,
            paused_seconds=round(time.time() - (self.paused_since or time.time()), 1),
        )
        self.paused_since = None
        self.pause_reason = ""
        return held

    def _not_an_attempt(self, msg: Msg) -> None:
        """Its delivery is given up during an outage: the redelivery must not count."""
        if len(self._lost) > 100_000:  # bounded: entries of messages another instance took
            self._lost.clear()
        self._lost.add(msg.metadata.sequence.stream)

    async def _give_back_attempts(self) -> None:
        if not self._refund:
            return
        seqs = sorted(self._refund)
        async with self.db.transaction() as conn:
            await conn.execute(
                _REFUND, {"consumer": self.definition.durable, "stream": self.definition.stream, "seqs": seqs}
            )
        self._refund.difference_update(seqs)

    async def _forget_attempts(self, seq: int) -> None:
        try:
            async with asyncio.timeout(5), self.db.transaction() as conn:
                await conn.execute(
                    _DONE, {"consumer": self.definition.durable, "stream": self.definition.stream, "seqs": [seq]}
                )
        except Exception as exc:  # a leftover row only matters if the same sequence came again
            log.debug("consumer.pogingen_niet_opgeruimd", error=repr(exc))

    def status(self) -> dict[str, Any]:
        """For readiness and `dinet status`: what this consumer did and what is wrong now."""
        pending = sorted(self._pending_dead_letters.items())
        return {
            "consument": self.definition.durable,
            "verwerkt": self.processed,
            "mislukt": self.failures,
            "achterstand": self.lag,
            "verwerkingstijd_ms": round(1000 * self.processing_seconds / self.batches, 1) if self.batches else None,
            "dead_letters": self.dead_lettered,
            "gepauzeerd": self.paused_since is not None,
            "gepauzeerd_sinds": self.paused_since,
            "pauzereden": self.pause_reason,
            "pauzes": self.outages,
            "dead_letter_mislukt": self.dead_letter_failures,
            "wacht_op_dead_letter": [
                {"stream_seq": seq, "reden": p.reason, "fout": p.error, "pogingen": p.tries} for seq, p in pending[:20]
            ],
            "wacht_op_dead_letter_aantal": len(pending),
        }


def _raw_messages(message: Any) -> list[Msg]:
    return message.raw_message


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception as exc:  # NATS away: the message comes back after ack_wait all the same
        log.debug("consumer.nak_mislukt", error=repr(exc))


def _current_exc() -> tuple[BaseException, str]:
    import sys

    exc = sys.exc_info()[1]
    assert exc is not None
    return exc, describe_error(exc)  # type: ignore[arg-type]
