"""Wires one service: settings, database and migrations, NATS and streams, outbox relay,
consumers and the HTTP app; and its process entry point with a graceful shutdown."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

from dinet_contracts.topology import consumers_of, streams_of
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

from .bus import connect, ensure_streams
from .consumer import EventConsumer, Handler
from .db import Database
from .logging import configure_logging, get_logger
from .migrations import migrate
from .relay import OutboxRelay
from .settings import Settings
from .tracing import setup_tracing

log = get_logger(__name__)

Hook = Callable[["Runtime"], Awaitable[None]]


@dataclass
class ServiceDefinition:
    name: str
    package_dir: Path
    create_app: Callable[["Runtime"], Any]
    handlers: dict[str, Handler] = field(default_factory=dict)
    on_start: Hook | None = None
    on_stop: Hook | None = None

    def __post_init__(self) -> None:
        declared = {c.durable for c in consumers_of(self.name)}
        unknown = set(self.handlers) - declared
        if unknown:
            raise ValueError(f"{self.name}: handlers for consumers not in the topology: {sorted(unknown)}")


class Runtime:
    def __init__(self, definition: ServiceDefinition, settings: Settings) -> None:
        self.definition = definition
        self.settings = settings
        self.source = f"/dinet/{definition.name}"
        self.db: Database = Database(settings.database_url, definition.name, pool_size=settings.db_pool_size)
        self.nc = None
        self.js = None
        self.app: Any = None  # the ASGI app to serve: the service's app wrapped for tracing
        self.web: Any = None  # the service's own app object (e.g. Litestar)
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []
        self.state: dict[str, Any] = {}  # for a service's own long-lived objects (workers, caches)
        self._tasks: list[asyncio.Task] = []
        self._server = None
        self.failed = asyncio.Event()
        self._stopping = False

    @property
    def name(self) -> str:
        return self.definition.name

    async def start(self, *, serve_http: bool = True, run_workers: bool = True) -> "Runtime":
        configure_logging(self.name)
        setup_tracing(self.name)
        applied = await migrate(self.db, self.definition.package_dir / "migrations")
        if applied:
            log.info("migraties.toegepast", migraties=applied)

        async def final_close() -> None:
            if self._stopping:
                return  # our own drain closed it
            log.error("nats.verbinding_definitief_gesloten")
            self.failed.set()

        self.nc = await connect(self.settings.nats_url, name=f"dinet-{self.name}", on_final_close=final_close)
        self.js = self.nc.jetstream()
        await ensure_streams(self.js, streams_of(self.name), replicas=self.settings.stream_replicas)
        self.web = self.definition.create_app(self)
        # Framework-independent server spans; W3C context from the request's `traceparent`.
        self.app = OpenTelemetryMiddleware(self.web, excluded_urls=f"/{self.name}/health")
        if run_workers:
            self.relay = OutboxRelay(self.settings.database_url, self.name, self.js)
            self._spawn(self.relay.run(), "relay")
            for definition in consumers_of(self.name):
                handler = self.definition.handlers.get(definition.durable)
                if handler is None:
                    continue
                if self.settings.ack_wait:
                    definition = dataclasses.replace(definition, ack_wait_seconds=self.settings.ack_wait)
                consumer = EventConsumer(
                    definition,
                    handler,
                    db=self.db,
                    js=self.js,
                    runtime=self,
                    batch_size=self.settings.consumer_batch,
                    fault=self.settings.fault,
                    # A handler may write to the outbox; the relay's NOTIFY covers that too.
                )
                self.consumers.append(consumer)
                self._spawn(consumer.run(), f"consumer {definition.durable}")
        if self.definition.on_start is not None:
            await self.definition.on_start(self)
        if serve_http:
            import uvicorn

            config = uvicorn.Config(
                self.app,
                host=self.settings.http_host,
                port=self.settings.http_port,
                log_config=None,
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=10,
            )
            self._server = uvicorn.Server(config)
            self._spawn(self._server.serve(), "http")
        log.info("dienst.gestart", http_port=self.settings.http_port if serve_http else None)
        return self

    def _spawn(self, coro, what: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("taak.gecrasht", taak=what)
                self.failed.set()

        self._tasks.append(asyncio.create_task(guarded(), name=f"{self.name} {what}"))

    async def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.should_exit = True
        if self.relay is not None:
            self.relay.stop()
        for consumer in self.consumers:
            consumer.stop()
        if self.definition.on_stop is not None:
            try:
                await self.definition.on_stop(self)
            except Exception:
                log.exception("dienst.on_stop_mislukt")
        # Let in-flight batches finish (they commit, then ack) before cancelling what is left.
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5)
            except Exception:
                await self.nc.close()
        await self.db.dispose()
        log.info("dienst.gestopt")


async def serve(definition: ServiceDefinition, settings: Settings | None = None) -> int:
    settings = settings or Settings(service=definition.name)
    runtime = Runtime(definition, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    failed = asyncio.create_task(runtime.failed.wait())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({failed, stopped}, return_when=asyncio.FIRST_COMPLETED)
    await runtime.stop()
    # A failed runtime exits non-zero, so a supervisor restarts it in a clean state.
    return 1 if runtime.failed.is_set() and not stop.is_set() else 0


def main(definition: ServiceDefinition) -> None:
    sys.exit(asyncio.run(serve(definition)))
