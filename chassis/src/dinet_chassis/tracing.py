"""OpenTelemetry: one trace from the HTTP request through the outbox, NATS and every consumer.

Exporters follow the standard variables: OTEL_TRACES_EXPORTER (otlp, console, none) and
OTEL_EXPORTER_OTLP_*; with neither set nothing is exported, so nothing is printed by default.
Context crosses the bus as W3C `traceparent`/`tracestate` message headers.
"""

from __future__ import annotations

import os
from typing import Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
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


def inject_trace_headers(headers: dict[str, str], span: trace.Span) -> None:
    _propagator.inject(headers, context=trace.set_span_in_context(span))


def context_from_headers(headers: Mapping[str, str] | None) -> otel_context.Context:
    return _propagator.extract(dict(headers or {}))
