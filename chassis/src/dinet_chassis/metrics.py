"""Metrics through OpenTelemetry: read as Prometheus text at `/<service>/metrics`, and exported
over OTLP when `OTEL_METRICS_EXPORTER=otlp` (or an `OTEL_EXPORTER_OTLP_*ENDPOINT`) says so.

Each runtime has its own meter provider, not the process's global one: tests start several
services in one process, and each must show its own figures. The Prometheus text is rendered
here from the SDK's in-memory reader, which needs no extra package and no extra port.
"""

from __future__ import annotations

import math
import os
from typing import Any, Iterable

from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    Gauge,
    Histogram,
    InMemoryMetricReader,
    MetricReader,
    PeriodicExportingMetricReader,
    Sum,
)
from opentelemetry.sdk.resources import Resource

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _otlp_wanted() -> bool:
    exporter = os.environ.get("OTEL_METRICS_EXPORTER")
    if exporter is not None:
        return "otlp" in [e.strip() for e in exporter.split(",")]
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.reader = InMemoryMetricReader()
        readers: list[MetricReader] = [self.reader]
        if _otlp_wanted():
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", f"dinet-{service}")})
        self.readers = readers
        self.provider = MeterProvider(metric_readers=readers, resource=resource)
        self.meter: Meter = self.provider.get_meter("dinet")

    def observe(self, name: str, kind: str, description: str, unit: str, read: Any) -> None:
        """An instrument read when collected: `read()` gives (value, attributes) pairs."""

        def callback(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(value, attributes) for value, attributes in read()]

        create = {
            "counter": self.meter.create_observable_counter,
            "gauge": self.meter.create_observable_gauge,
        }[kind]
        create(name, callbacks=[callback], description=description, unit=unit)

    def prometheus_text(self) -> str:
        data = self.reader.get_metrics_data()
        lines: list[str] = []
        for resource_metrics in data.resource_metrics if data else ():
            for scope in resource_metrics.scope_metrics:
                for metric in scope.metrics:
                    lines += _render(metric)
        return "\n".join(lines) + "\n"

    def shutdown(self) -> None:
        try:
            self.provider.shutdown(timeout_millis=2000)
        except Exception:
            pass


def _name(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


def _labels(attributes: Any, extra: dict[str, str] | None = None) -> str:
    items = {**{_name(k): str(v) for k, v in (attributes or {}).items()}, **(extra or {})}
    if not items:
        return ""
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34)).replace(chr(10), " ")}"' for k, v in sorted(items.items()))
    return "{" + ",".join(escaped) + "}"


def _number(value: float) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if isinstance(value, float) else str(value)


def _render(metric: Any) -> list[str]:
    name = _name(metric.name)
    data = metric.data
    lines = [f"# HELP {name} {metric.description or metric.name}"]
    if isinstance(data, Sum):
        kind = "counter" if data.is_monotonic else "gauge"
        full = f"{name}_total" if kind == "counter" and not name.endswith("_total") else name
        lines.append(f"# TYPE {name} {kind}")
        lines += [f"{full}{_labels(p.attributes)} {_number(p.value)}" for p in data.data_points]
    elif isinstance(data, Gauge):
        lines.append(f"# TYPE {name} gauge")
        lines += [f"{name}{_labels(p.attributes)} {_number(p.value)}" for p in data.data_points]
    elif isinstance(data, Histogram):
        lines.append(f"# TYPE {name} histogram")
        for p in data.data_points:
            cumulative = 0
            for bound, count in zip([*p.explicit_bounds, math.inf], p.bucket_counts):
                cumulative += count
                lines.append(f"{name}_bucket{_labels(p.attributes, {'le': _number(float(bound))})} {cumulative}")
            lines.append(f"{name}_sum{_labels(p.attributes)} {_number(p.sum)}")
            lines.append(f"{name}_count{_labels(p.attributes)} {p.count}")
    else:
        return []
    return lines
