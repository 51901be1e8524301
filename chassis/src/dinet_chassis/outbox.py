"""Transactional outbox: the state change and its outgoing event commit together or not at all."""

from __future__ import annotations

import json

from dinet_contracts.envelope import CONTENT_TYPE, Event, wrap
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .tracing import current_trace_headers, tracer

_INSERT = text(
    "INSERT INTO outbox (event_id, event_type, subject, aggregate_id, body, headers)"
    " VALUES (:event_id, :event_type, :subject, :aggregate_id, :body, CAST(:headers AS jsonb))"
)


def notify_channel(schema: str) -> str:
    return f"dinet_outbox_{schema}"


async def add(conn: AsyncConnection, event: Event, *, source: str, event_id: str | None = None) -> str:
    """Queue `event` in the caller's transaction; the relay publishes it once that commits.

    The trace context is captured now, in the request that caused the event, so the consumers'
    spans join the same trace even though the relay publishes later from another task.
    """
    envelope = wrap(event, source=source, event_id=event_id)
    with tracer().start_as_current_span(f"outbox {event.event_type}", kind=SpanKind.PRODUCER) as span:
        span.set_attribute("messaging.message.id", envelope.id)
        span.set_attribute("messaging.destination.name", event.nats_subject())
        headers = {
            "Nats-Msg-Id": envelope.id,
            "Content-Type": CONTENT_TYPE,
            "ce-type": envelope.type,
            **current_trace_headers(),
        }
    await conn.execute(
        _INSERT,
        {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "subject": event.nats_subject(),
            "aggregate_id": event.aggregate_id(),
            "body": envelope.model_dump_json().encode(),
            "headers": json.dumps(headers),
        },
    )
    return envelope.id
