"""Idempotent event consumers on durable JetStream pull consumers.

Per fetched batch: invalid messages go to the dead letters; the valid ones are processed in ONE
database transaction that also records their ids in the inbox, and are acked only after it
commits. A duplicate of any age finds its id in the inbox and changes nothing. If a handler
fails, the batch is rolled back and its messages are retried one by one, so one bad message
cannot hold the others back; it is retried with backoff and dead-lettered after `max_attempts`.
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from dinet_contracts import CloudEvent, describe_error, parse
from dinet_contracts.topology import ConsumerDef
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .deadletter import send_to_dead_letters
from .db import Database
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


@dataclass
class HandlerContext:
    runtime: "Runtime | None"
    subject: str
    num_delivered: int
    consumer: str


Handler = Callable[[AsyncConnection, CloudEvent, HandlerContext], Awaitable[None]]

_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id, event_type)"
    " SELECT :consumer, i, t FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) AS x(i, t)"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)


@dataclass
class _Item:
    msg: Msg
    event: CloudEvent


def consumer_config(definition: ConsumerDef) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=definition.durable,
        description=definition.description or None,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=definition.ack_wait_seconds,
        # The chassis counts attempts itself and dead-letters; the server must keep delivering.
        max_deliver=-1,
        max_ack_pending=10_000,
        filter_subjects=list(definition.filter_subjects),
    )


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
        handler: Handler,
        *,
        db: Database,
        js: JetStreamContext,
        runtime: "Runtime | None" = None,
        batch_size: int = 256,
        fault: str = "",
        after_commit: Callable[[], Any] | None = None,
    ) -> None:
        self.definition = definition
        self.handler = handler
        self.db = db
        self.js = js
        self.runtime = runtime
        self.batch_size = batch_size
        self.fault = fault
        self.after_commit = after_commit
        self.processed = 0
        self.dead_lettered = 0
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        await ensure_consumer(self.js, self.definition)
        sub = await self.js.pull_subscribe_bind(durable=self.definition.durable, stream=self.definition.stream)
        try:
            while not self._stopping.is_set():
                try:
                    msgs = await sub.fetch(self.batch_size, timeout=1.0)
                except (TimeoutError, asyncio.TimeoutError):
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # NATS reconnecting: wait and fetch again
                    log.warning("consumer.fetch_mislukt", consumer=self.definition.durable, error=repr(exc))
                    await asyncio.sleep(0.5)
                    continue
                if not msgs:
                    continue
                try:
                    await self.process(msgs)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Unacked messages come back after ack_wait; the inbox makes that harmless.
                    log.warning("consumer.batch_onderbroken", consumer=self.definition.durable, error=repr(exc))
                    await asyncio.sleep(0.5)
        finally:
            try:
                await sub.unsubscribe()
            except Exception:
                pass

    async def process(self, msgs: list[Msg]) -> None:
        items: list[_Item] = []
        seen: set[str] = set()
        for msg in msgs:
            try:
                event = parse(msg.data)
            except Exception as exc:
                await self._dead_letter(msg, f"ongeldig bericht: {describe_error(exc)}")
                continue
            if msg.metadata.num_delivered > self.definition.max_attempts:
                # e.g. a message that crashes the process every time it is handled
                await self._dead_letter(msg, f"{msg.metadata.num_delivered - 1} pogingen zonder succes")
                continue
            if event.id in seen:  # the same event twice in one batch
                await msg.ack()
                continue
            seen.add(event.id)
            items.append(_Item(msg, event))
        if not items:
            return
        try:
            await self._commit(items)
        except Exception:
            if len(items) == 1:
                await self._failed(items[0], *_current_exc())
                return
            for item in items:  # isolate the failing message(s)
                try:
                    await self._commit([item])
                except Exception:
                    await self._failed(item, *_current_exc())

    async def _commit(self, items: list[_Item]) -> None:
        async with self.db.transaction() as conn:
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
                ctx = HandlerContext(self.runtime, item.msg.subject, meta.num_delivered, self.definition.durable)
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
        for item in items:
            await item.msg.ack()
        if self.after_commit is not None:
            self.after_commit()

    async def _failed(self, item: _Item, exc: BaseException, reason: str) -> None:
        attempts = item.msg.metadata.num_delivered
        if isinstance(exc, Onverwerkbaar):
            await self._dead_letter(item.msg, f"onverwerkbaar: {exc}")
            return
        if attempts >= self.definition.max_attempts:
            await self._dead_letter(item.msg, f"verwerking mislukt na {attempts} pogingen: {reason}")
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

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        await send_to_dead_letters(self.js, self.definition.durable, msg, reason)
        await msg.ack()
        self.dead_lettered += 1
        log.error("consumer.dead_letter", consumer=self.definition.durable, subject=msg.subject, reason=reason)


def _current_exc() -> tuple[BaseException, str]:
    import sys

    exc = sys.exc_info()[1]
    assert exc is not None
    return exc, describe_error(exc)  # type: ignore[arg-type]
