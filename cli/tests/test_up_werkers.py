"""`dinet up --werkers N` hands every service the worker setting (fast: no servers started)."""

from __future__ import annotations

from types import SimpleNamespace

from dinet_cli import paths
from dinet_cli.commands.up import Stack


def infra() -> SimpleNamespace:
    return SimpleNamespace(
        nats_url="nats://127.0.0.1:1",
        database_url="postgresql+asyncpg://x@/y",
        smtp_url="smtp://127.0.0.1:2",
        embedded=False,
        nats_env=lambda name: {},
    )


def specs(tmp_path, monkeypatch, workers, env_value=None):
    if env_value is None:
        monkeypatch.delenv("DINET_WORKERS", raising=False)
    else:
        monkeypatch.setenv("DINET_WORKERS", env_value)
    monkeypatch.setattr(paths, "secret_key", lambda data: "s" * 40)
    stack = Stack(tmp_path, 8000, workers=workers)
    stack.infra = infra()
    stack.ports = {name: 9000 + i for i, name in enumerate(paths.SERVICES)}
    return stack._specs()


def test_the_option_sets_the_worker_count_of_every_service(tmp_path, monkeypatch):
    result = specs(tmp_path, monkeypatch, workers=3, env_value="2")
    assert {s.name: s.env["DINET_WORKERS"] for s in result} == {name: "3" for name in paths.SERVICES}


def test_without_the_option_the_environment_decides(tmp_path, monkeypatch):
    assert {s.env.get("DINET_WORKERS") for s in specs(tmp_path, monkeypatch, None, "2")} == {"2"}
    assert {s.env.get("DINET_WORKERS") for s in specs(tmp_path, monkeypatch, None)} == {None}
