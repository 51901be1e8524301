"""Prometheus text from the OpenTelemetry SDK, and OTLP export when the environment asks for it."""

from __future__ import annotations

from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

from dinet_chassis.metrics import Metrics


def test_counters_gauges_and_histograms_render_as_prometheus_text():
    metrics = Metrics("proef")
    processed = {"a": 3}
    metrics.observe("dinet_consumer_events_processed", "counter", "Events", "1", lambda: [(processed["a"], {"consumer": 'a"b'})])
    metrics.observe("dinet_relay_backlog", "gauge", "Backlog", "1", lambda: [(7, {})])
    duration = metrics.meter.create_histogram("dinet_consumer_batch_duration_seconds", unit="s")
    duration.record(0.003, {"consumer": "a"})
    duration.record(20.0, {"consumer": "a"})
    text = metrics.prometheus_text()
    lines = text.splitlines()
    assert "# TYPE dinet_consumer_events_processed counter" in lines
    assert 'dinet_consumer_events_processed_total{consumer="a\\"b"} 3' in lines
    assert "dinet_relay_backlog 7" in lines
    assert 'dinet_consumer_batch_duration_seconds_count{consumer="a"} 2' in lines
    assert 'dinet_consumer_batch_duration_seconds_bucket{consumer="a",le="+Inf"} 2' in lines
    assert 'dinet_consumer_batch_duration_seconds_bucket{consumer="a",le="5.0"} 1' in lines
    processed["a"] = 5  # cumulative, read again at the next scrape
    assert 'dinet_consumer_events_processed_total{consumer="a\\"b"} 5' in metrics.prometheus_text().splitlines()
    metrics.shutdown()


def test_otlp_export_only_when_the_environment_asks(monkeypatch):
    monkeypatch.delenv("OTEL_METRICS_EXPORTER", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", raising=False)
    stil = Metrics("proef")
    assert not any(isinstance(r, PeriodicExportingMetricReader) for r in stil.readers)
    stil.shutdown()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "600000")
    uit = Metrics("proef")
    assert any(isinstance(r, PeriodicExportingMetricReader) for r in uit.readers)
    uit.provider.shutdown(timeout_millis=100)
