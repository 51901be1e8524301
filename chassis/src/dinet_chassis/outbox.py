"""Transactional outbox: the state change and its outgoing event commit together or not at all."""

from __future__ import annotations

import json

from dinet_contracts.envelope import CONTENT_TYPE, Event, wrap
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import driver_connection
from .tracing import current_trace_headers, spans_exported, trace_headers_without_span, tracer

# Positional, straight to the driver in the caller's transaction (see `db.driver_connection`):
# this insert is on every command's path, and SQLAlchemy's per-statement work (compiling the
# parameters, the result proxy) cost more CPU than the insert's own round trip.
_INSERT = (
    "INSERT INTO outbox (event_id, event_type, subject, aggregate_id, body, headers)"
    " VALUES ($1, $2, $3, $4, $5, CAST($6::text AS jsonb))"
)


def notify_channel(schema: str) -> str:
    return f"dinet_outbox_{schema}"


async def add(conn: AsyncConnection, event: Event, *, source: str, event_id: str | None = None) -> str:
    """Queue `event` in the caller's transaction; the relay publishes it once that commits.

    The trace context is captured now, in the request that caused the event, so the consumers'
    spans join the same trace even though the relay publishes later from another task.
    """
    envelope = wrap(event, source=source, event_id=event_id)
    subject = event.nats_subject()
    if spans_exported():
        with tracer().start_as_current_span(f"outbox {event.event_type}", kind=SpanKind.PRODUCER) as span:
            span.set_attribute("messaging.message.id", envelope.id)
            span.set_attribute("messaging.destination.name", subject)
            trace_headers = current_trace_headers()
    else:
        # No span that nobody would receive; the request's trace context is forwarded all the same.
        trace_headers = trace_headers_without_span()
    headers = {"Nats-Msg-Id": envelope.id, "Content-Type": CONTENT_TYPE, "ce-type": envelope.type, **trace_headers}
    raw = await driver_connection(conn)
    await raw.execute(
        _INSERT,
        envelope.id,
        envelope.type,
        subject,
        event.aggregate_id(),
        envelope.model_dump_json().encode(),
        json.dumps(headers),
    )
    return envelope.id
