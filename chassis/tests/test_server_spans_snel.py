"""The HTTP server span only while a span processor receives it; the trace context always."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry import trace

from dinet_chassis import tracing
from dinet_chassis.tracing import ServerSpans, current_trace_headers, setup_tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"

pytestmark = pytest.mark.unit


class Seen:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def app(self, name: str):
        async def asgi(scope: Any, receive: Any, send: Any) -> None:
            span = trace.get_current_span()
            self.calls.append((name, (span.get_span_context(), span.is_recording(), current_trace_headers())))

        return asgi


def http(headers: tuple[tuple[bytes, bytes], ...] = ()) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/x", "headers": list(headers)}


@pytest.fixture
def without_processor(monkeypatch):
    setup_tracing("proef")
    monkeypatch.setattr(tracing, "_processors", 0)


async def test_without_a_processor_the_request_continues_the_callers_trace_without_a_span(without_processor) -> None:
    seen = Seen()
    app = ServerSpans(seen.app("app"), seen.app("traced"))
    await app(http(((b"traceparent", f"00-{TRACE_ID}-{CALLER_SPAN}-01".encode()),)), None, None)
    ((name, (context, recording, headers)),) = seen.calls
    assert name == "app" and not recording
    assert format(context.trace_id, "032x") == TRACE_ID and format(context.span_id, "016x") != CALLER_SPAN
    # What the outbox forwards: the caller's trace, this request as the parent.
    assert headers["traceparent"] == f"00-{TRACE_ID}-{format(context.span_id, '016x')}-01"
    assert trace.get_current_span().get_span_context().is_valid is False  # detached afterwards


async def test_without_a_processor_or_a_caller_the_request_still_gets_a_trace_id(without_processor) -> None:
    seen = Seen()
    app = ServerSpans(seen.app("app"), seen.app("traced"))
    await app(http(), None, None)
    await app(http(), None, None)
    ids = {c[1][0].trace_id for c in seen.calls}
    assert [c[0] for c in seen.calls] == ["app", "app"] and len(ids) == 2 and 0 not in ids


async def test_with_a_processor_or_outside_http_the_traced_app_serves(monkeypatch) -> None:
    setup_tracing("proef")
    seen = Seen()
    app = ServerSpans(seen.app("app"), seen.app("traced"))
    monkeypatch.setattr(tracing, "_processors", 1)
    await app(http(), None, None)
    monkeypatch.setattr(tracing, "_processors", 0)
    await app({"type": "lifespan"}, None, None)
    assert [c[0] for c in seen.calls] == ["traced", "traced"]
