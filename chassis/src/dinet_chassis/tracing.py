"""OpenTelemetry: one trace from the HTTP request through the outbox, NATS and every consumer.

Exporters follow the standard variables: OTEL_TRACES_EXPORTER (otlp, console, none) and
OTEL_EXPORTER_OTLP_*; with neither set nothing is exported, so nothing is printed by default.
Context crosses the bus as W3C `traceparent`/`tracestate` message headers.
"""

from __future__ import annotations

import os
import random
from typing import Any, Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_provider: TracerProvider | None = None
_processors = 0  # span processors attached: with none, a finished span goes nowhere
_propagator = TraceContextTextMapPropagator()


def setup_tracing(service: str) -> TracerProvider:
    """Install the process's tracer provider once (OpenTelemetry allows only one)."""
    global _provider, _processors
    if _provider is not None:
        return _provider
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", f"dinet-{service}")})
    provider = TracerProvider(resource=resource)
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER")
    if exporter_name is None and os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        exporter_name = "otlp"
    for name in (exporter_name or "none").split(","):
        name = name.strip()
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _processors += 1
        elif name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
            _processors += 1
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(_propagator)
    _provider = provider
    return provider


def add_span_processor(processor: SpanProcessor) -> None:
    """For tests and embedders: attach another processor (e.g. an in-memory exporter)."""
    global _processors
    if _provider is None:
        raise RuntimeError("setup_tracing() first")
    _provider.add_span_processor(processor)
    _processors += 1


def spans_exported() -> bool:
    """Whether a finished span reaches anything (an exporter, a test's processor). A hot path may
    skip spans of its own when not: the trace context it forwards stays valid either way."""
    return _processors > 0


def tracer(name: str = "dinet"):
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier


def _new_span_context(parent: SpanContext | None = None) -> SpanContext:
    """Ids for a span that is not recorded: a child of `parent` when it is valid, else a new trace
    (sampled, as the SDK's default sampler would decide)."""
    if parent is not None and parent.is_valid:
        trace_id, flags = parent.trace_id, parent.trace_flags
    else:
        trace_id, flags = random.getrandbits(128) or 1, TraceFlags(TraceFlags.SAMPLED)
    return SpanContext(trace_id, random.getrandbits(64) or 1, is_remote=False, trace_flags=flags)


def trace_headers_without_span() -> dict[str, str]:
    """What `current_trace_headers()` gives inside a span, without the cost of one: the current
    context when there is one, else a new trace, so what the headers start still has an id."""
    current = trace.get_current_span().get_span_context()
    if current.is_valid:
        return current_trace_headers()
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(NonRecordingSpan(_new_span_context())))
    return carrier


def inject_trace_headers(headers: dict[str, str], span: trace.Span) -> None:
    _propagator.inject(headers, context=trace.set_span_in_context(span))


def context_from_headers(headers: Mapping[str, str] | None) -> otel_context.Context:
    return _propagator.extract(dict(headers or {}))


class ServerSpans:
    """The HTTP server span of `traced` (OpenTelemetry's ASGI middleware around `app`) while a
    finished span reaches something; otherwise only the trace context, without the span.

    OpenTelemetry's middleware costs about a tenth of a short request's CPU (the span, its
    attributes, the wrapped send and receive), and with no span processor every span is thrown
    away. The context still matters without them: the log lines carry its trace id and the
    outbox forwards it to the consumers. So the request gets the caller's `traceparent` (a
    child of it) or a new trace id, as a non-recording span: ids only, nothing kept. The choice
    is made per request, so a processor attached later (a test's) gets its spans at once.
    """

    def __init__(self, app: Any, traced: Any) -> None:
        self.app = app
        self.traced = traced

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or spans_exported():
            await self.traced(scope, receive, send)
            return
        parent = None
        for name, value in scope.get("headers", ()):
            if name == b"traceparent":
                remote = _propagator.extract({"traceparent": value.decode("latin-1")})
                parent = trace.get_current_span(remote).get_span_context()
                break
        span = NonRecordingSpan(_new_span_context(parent))
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)
