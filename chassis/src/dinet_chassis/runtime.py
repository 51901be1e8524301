"""Wires one service: settings, database and migrations, NATS and streams, outbox relay,
consumers and the HTTP app; and its process entry point with a graceful shutdown."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from dinet_contracts import describe_error
from dinet_contracts.topology import consumers_of, streams_of
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from sqlalchemy import text

from .bus import connect, ensure_streams
from .asyncapi import asyncapi_html, declare_publishers, service_asyncapi
from .broker import ChassisBroker
from .consumer import EventConsumer, ensure_consumer
from .handlers import HandlerSpec, as_handler
from .db import Database
from .logging import configure_logging, get_logger
from .metrics import CONTENT_TYPE, Metrics
from .migrations import migrate
from .relay import OutboxRelay
from .settings import Settings
from .tracing import ServerSpans, setup_tracing
from .uow import Clock, SqlUnitOfWork, utc_now

log = get_logger(__name__)

Hook = Callable[["Runtime"], Awaitable[None]]
U = TypeVar("U", bound=SqlUnitOfWork)


@dataclass
class ServiceDefinition:
    name: str
    package_dir: Path
    create_app: Callable[["Runtime"], Any]
    # per durable consumer: `{ContractModel: op}` (see handlers.py), in one place per service
    handlers: dict[str, HandlerSpec] = field(default_factory=dict)
    on_start: Hook | None = None
    on_stop: Hook | None = None
    # The composition root: builds the service's one typed object of long-lived parts (stores,
    # clients, workers, the unit-of-work factory) once the runtime is connected, before the app.
    # It lands in `runtime.diensten`; the web layer hands it to handlers as `diensten`.
    bootstrap: Callable[["Runtime"], Any] | None = None

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
        self.broker: ChassisBroker | None = None
        self.metrics = Metrics(definition.name)
        self._asyncapi: dict[str, Any] | None = None
        self.outbox_backlog: int | None = None  # unpublished outbox rows, at the last refresh
        self.diensten: Any = None  # what the definition's `bootstrap` built
        self.clock: Clock = utc_now
        self._commit_listeners: list[Callable[[], Any]] = []
        self.run_workers = True
        self._tasks: list[asyncio.Task] = []
        self._server = None
        # A listening socket shared with the service's other worker processes (see run_workers);
        # None: the server binds settings.http_host/http_port itself.
        self.sockets: list[socket.socket] | None = None
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

        self.nc = await connect(
            self.settings.nats_url,
            name=f"dinet-{self.name}",
            on_final_close=final_close,
            creds=self.settings.nats_creds or None,
        )
        self.js = self.nc.jetstream()
        await ensure_streams(self.js, streams_of(self.name), replicas=self.settings.stream_replicas)
        # FastStream carries the consumers, on this connection.
        self.broker = ChassisBroker(self.nc)
        declare_publishers(self.broker, self.name)
        self.run_workers = run_workers
        if self.definition.bootstrap is not None:
            built = self.definition.bootstrap(self)
            self.diensten = await built if inspect.isawaitable(built) else built
        self.web = self.definition.create_app(self)
        # Framework-independent server spans; W3C context from the request's `traceparent`.
        # No child span per ASGI send/receive message: they cost a span each (three per request)
        # and say nothing the server span does not.
        # Without a span processor only the trace context is kept (see `ServerSpans`).
        self.app = HealthEndpoints(
            ServerSpans(
                self.web,
                OpenTelemetryMiddleware(self.web, excluded_urls=f"/{self.name}/health", exclude_spans=["receive", "send"]),
            ),
            self,
        )
        if run_workers:
            self.relay = OutboxRelay(self.settings.database_url, self.name, self.js)
            self._spawn(self.relay.run(), "relay")
            for definition in consumers_of(self.name):
                handler = self.definition.handlers.get(definition.durable)
                if handler is None:
                    continue
                if self.settings.ack_wait:
                    definition = dataclasses.replace(definition, ack_wait_seconds=self.settings.ack_wait)
                if self.settings.consumer_backoff:
                    definition = dataclasses.replace(definition, backoff_seconds=self.settings.consumer_backoff)
                consumer = EventConsumer(
                    definition,
                    handler,
                    db=self.db,
                    js=self.js,
                    runtime=self,
                    meter=self.metrics.meter,
                    batch_size=self.settings.consumer_batch,
                    fault=self.settings.fault,
                    # A handler may write to the outbox; the relay's NOTIFY covers that too.
                    after_commit=self._committed,
                )
                await ensure_consumer(self.js, definition)
                consumer.subscribe(self.broker)
                self.consumers.append(consumer)
            if self.consumers:
                await self.broker.start()
        self._observe()
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
            self._spawn(self._server.serve(sockets=self.sockets), "http")
        log.info("dienst.gestart", http_port=self.settings.http_port if serve_http else None)
        return self

    def on_commit(self, listener: Callable[[], Any]) -> None:
        """Call `listener` after every commit of this instance's work: each consumer batch and
        each `unit_of_work()` block. For a worker that waits for new rows (a mail
        worker): woken at once instead of at its next poll. Keep it quick: it runs on the
        committing task."""
        self._commit_listeners.append(listener)

    def _committed(self) -> None:
        for listener in self._commit_listeners:
            try:
                listener()
            except Exception:
                log.exception("na_commit.mislukt", listener=getattr(listener, "__qualname__", repr(listener)))

    def unit_of_work(self, cls: type[U] = SqlUnitOfWork) -> U:  # type: ignore[assignment]
        """A unit of work on this service's database, with its source, clock and commit listeners;
        `cls` is the service's subclass that adds its repositories."""
        return cls(self.db, source=self.source, clock=self.clock, on_commit=self._committed)

    def asyncapi(self) -> dict[str, Any]:
        """This service's AsyncAPI document (built once: the broker does not change)."""
        if self._asyncapi is None:
            broker = self.broker
            if broker is None or not self.consumers:  # no workers here: describe them all the same
                broker = ChassisBroker()
                declare_publishers(broker, self.name)
                for definition in consumers_of(self.name):
                    spec = self.definition.handlers.get(definition.durable)
                    if spec is not None:
                        EventConsumer(definition, spec, db=self.db, js=None).subscribe(broker)  # type: ignore[arg-type]
            handlers = {d.durable: as_handler(h) for d, h in self._handler_specs()}
            self._asyncapi = service_asyncapi(broker, self.name, handlers)
        return self._asyncapi

    def _handler_specs(self):
        for definition in consumers_of(self.name):
            spec = self.definition.handlers.get(definition.durable)
            if spec is not None:
                yield definition, spec

    def _observe(self) -> None:
        def per_consumer(attribute: str):
            def read():
                return [
                    (getattr(c, attribute), {"consumer": c.definition.durable})
                    for c in self.consumers
                    if getattr(c, attribute) is not None
                ]

            return read

        m = self.metrics
        m.observe("dinet_consumer_events_processed", "counter", "Events processed (effect committed)", "1", per_consumer("processed"))
        m.observe("dinet_consumer_failures", "counter", "Failed attempts (retried or dead-lettered)", "1", per_consumer("failures"))
        m.observe("dinet_consumer_dead_letters", "counter", "Messages stored as dead letters", "1", per_consumer("dead_lettered"))
        m.observe("dinet_consumer_lag", "gauge", "Messages the server has not yet delivered to the consumer", "1", per_consumer("lag"))
        m.observe("dinet_consumer_paused", "gauge", "1 while the consumer waits out an outage", "1",
                  lambda: [(int(c.paused_since is not None), {"consumer": c.definition.durable}) for c in self.consumers])
        m.observe("dinet_relay_events_published", "counter", "Outbox events published to JetStream", "1",
                  lambda: [(self.relay.published, {})] if self.relay is not None else [])
        m.observe("dinet_relay_backlog", "gauge", "Outbox events not yet published", "1",
                  lambda: [(self.outbox_backlog, {})] if self.outbox_backlog is not None else [])

    async def refresh_metrics(self, timeout: float = 2.0) -> None:
        """The figures only the servers know: each consumer's lag and the outbox backlog."""

        async def lag(consumer: EventConsumer) -> None:
            d = consumer.definition
            try:
                info = await self.js.consumer_info(d.stream, d.durable, timeout=timeout)  # type: ignore[union-attr]
                consumer.lag = info.num_pending
            except Exception:
                consumer.lag = None

        async def backlog() -> None:
            try:
                async with asyncio.timeout(timeout), self.db.engine.connect() as conn:
                    self.outbox_backlog = (
                        await conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
                    ).scalar_one()
            except Exception:
                self.outbox_backlog = None

        await asyncio.gather(backlog(), *(lag(c) for c in self.consumers))

    async def readiness(self, timeout: float = 2.0) -> tuple[bool, dict[str, Any]]:
        """Ready means the database and NATS answer now, each within `timeout` seconds. The
        consumers' state travels along: a paused consumer or a dead letter that cannot be stored
        is what an operator needs to see, though the service still answers requests."""

        async def database() -> dict[str, Any]:
            try:
                await self.db.ping(timeout)
            except Exception as exc:
                return {"werkt": False, "fout": describe_error(exc)}
            return {"werkt": True}

        async def nats() -> dict[str, Any]:
            nc = self.nc
            if nc is None or nc.is_closed:
                return {"werkt": False, "fout": "geen verbinding"}
            if not nc.is_connected:
                return {"werkt": False, "fout": "verbinding verbroken, probeert opnieuw te verbinden"}
            try:
                await nc.flush(timeout=timeout)  # type: ignore[arg-type]  # a round trip to the server
            except Exception as exc:
                return {"werkt": False, "fout": describe_error(exc)}
            return {"werkt": True}

        db_check, nats_check, _ = await asyncio.gather(database(), nats(), self.refresh_metrics(timeout))
        checks = {"database": db_check, "nats": nats_check}
        body = {
            "dienst": self.name,
            "controles": checks,
            "consumenten": [c.status() for c in self.consumers],
            "relay": {
                "gepubliceerd": self.relay.published if self.relay is not None else None,
                "achterstand": self.outbox_backlog,
            },
        }
        return all(c["werkt"] for c in checks.values()), body

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
            consumer.stop()  # a batch held through an outage is handed back at once
        if self.definition.on_stop is not None:
            try:
                await self.definition.on_stop(self)
            except Exception:
                log.exception("dienst.on_stop_mislukt")
        # Let in-flight batches finish (they commit, then ack) before cancelling what is left.
        if self.broker is not None and self.consumers:
            try:
                await self.broker.stop()
            except Exception:
                log.exception("broker.stoppen_mislukt")
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5)
            except Exception:
                # Draining needs a live connection; while NATS is away (reconnecting) closing is
                # all that is left, and the socket may already be gone: stopping must still finish.
                try:
                    await self.nc.close()
                except Exception as exc:
                    log.warning("nats.sluiten_mislukt", error=repr(exc))
        await self.db.dispose()
        self.metrics.shutdown()
        log.info("dienst.gestopt")


class HealthEndpoints:
    """`/<service>/health/live` answers as long as the process serves requests (restart it when it
    does not); `/<service>/health/ready` answers 200 only while the database and NATS answer, else
    503 (problem+json) saying what is down, so a balancer sends no traffic and `dinet status` can
    tell why. Answered before the service's own app: no session, CSRF or tracing for probes."""

    def __init__(self, app: Any, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.live = f"/{runtime.name}/health/live"
        self.ready = f"/{runtime.name}/health/ready"
        self.metrics = f"/{runtime.name}/metrics"
        self.asyncapi_json = f"/{runtime.name}/asyncapi.json"
        self.asyncapi_html = f"/{runtime.name}/asyncapi"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path == self.live:
            await _json(send, 200, {"status": "ok", "dienst": self.runtime.name})
        elif path == self.ready:
            ready, body = await self.runtime.readiness()
            if ready:
                await _json(send, 200, {"status": "klaar", **body})
            else:
                checks = body["controles"].items()
                down = [f"{name} ({check['fout']})" for name, check in checks if not check["werkt"]]
                problem = {
                    "type": "urn:dinet:probleem:niet-klaar",
                    "title": "De dienst is niet klaar",
                    "status": 503,
                    "code": "niet_klaar",
                    "detail": "Werkt niet: " + "; ".join(down),
                    **body,
                }
                await _json(send, 503, problem, "application/problem+json", {"retry-after": "5"})
        elif path == self.asyncapi_json:
            await _json(send, 200, self.runtime.asyncapi())
        elif path == self.asyncapi_html:
            page = asyncapi_html(self.runtime.asyncapi(), self.runtime.name).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(page)).encode()),
            ]})
            await send({"type": "http.response.body", "body": page})
        elif path == self.metrics:
            await self.runtime.refresh_metrics()
            payload = self.runtime.metrics.prometheus_text().encode()
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", CONTENT_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
            ]})
            await send({"type": "http.response.body", "body": payload})
        else:
            await self.app(scope, receive, send)


async def _json(
    send: Any, status: int, body: dict, media_type: str = "application/json", extra: dict | None = None
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
    ]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def serve(
    definition: ServiceDefinition,
    settings: Settings | None = None,
    *,
    sockets: list[socket.socket] | None = None,
    on_signal: Callable[[], None] | None = None,
    stop_when: asyncio.Event | None = None,
) -> int:
    """Run the service until SIGTERM/SIGINT (then `on_signal` too), a failure, or `stop_when`."""
    settings = settings or Settings(service=definition.name)
    runtime = Runtime(definition, settings)
    runtime.sockets = sockets
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def signalled() -> None:
        stop.set()
        if on_signal is not None:
            on_signal()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, signalled)
    await runtime.start()
    waits = {asyncio.create_task(runtime.failed.wait()), asyncio.create_task(stop.wait())}
    if stop_when is not None:
        waits.add(asyncio.create_task(stop_when.wait()))
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in waits:
        task.cancel()
    await runtime.stop()
    # A failed runtime exits non-zero, so a supervisor restarts it in a clean state.
    if stop.is_set():
        return 0
    return 1 if runtime.failed.is_set() or (stop_when is not None and stop_when.is_set()) else 0


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _die_with_parent(parent: int) -> None:
    """A worker ends when the process that forked it does, even by SIGKILL: no orphan keeps
    serving the port or relaying after its service was stopped."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(1)


def run_workers(definition: ServiceDefinition, settings: Settings) -> int:
    """Serve one service with `settings.workers` processes on one port.

    The process binds the port, forks `workers - 1` more before any event loop or thread exists,
    and serves as the first worker itself (a parent that only waited would hold a whole copy of
    the imported service for nothing). Each worker is a whole runtime: HTTP on the shared socket,
    where the kernel hands each connection to one of them, plus relay and consumers. What must
    happen once still does: the schema and migrations under advisory locks, one active relay per
    service (an advisory lock; the others wait as standbys), and the consumers share their durable
    JetStream consumers, whose inbox makes a redelivered event count once. A stop signal reaches
    every worker. When a forked worker ends unasked, the first stops the others and exits 1, so
    the supervisor (dinet up, compose) restarts the service whole; when the first one dies, the
    others follow (the kernel signals them).
    """
    sock = listening_socket(settings.http_host, settings.http_port)
    parent = os.getpid()
    children: set[int] = set()
    for _ in range(settings.workers - 1):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _die_with_parent(parent)
                code = asyncio.run(serve(definition, settings, sockets=[sock]))
            except BaseException:
                log.exception("werker.gecrasht")
            finally:
                os._exit(code)
        children.add(pid)
    return asyncio.run(_serve_with_workers(definition, settings, sock, children))


async def _serve_with_workers(
    definition: ServiceDefinition, settings: Settings, sock: socket.socket, children: set[int]
) -> int:
    loop = asyncio.get_running_loop()
    worker_gone = asyncio.Event()

    def reap() -> None:
        for pid in list(children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                children.discard(pid)
                log.error("werker.gestopt", pid=pid, exit_code=os.waitstatus_to_exitcode(status))
                worker_gone.set()

    def signal_workers(sig: int = signal.SIGTERM) -> None:
        for pid in list(children):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    loop.add_signal_handler(signal.SIGCHLD, reap)
    reap()  # one that ended before the handler was in place
    log.info("werkers.gestart", werkers=len(children) + 1, pids=[os.getpid(), *sorted(children)])
    try:
        code = await serve(definition, settings, sockets=[sock], on_signal=signal_workers, stop_when=worker_gone)
    finally:
        loop.remove_signal_handler(signal.SIGCHLD)
        signal_workers()
        for pid in list(children):
            try:
                await asyncio.wait_for(asyncio.to_thread(os.waitpid, pid, 0), timeout=20)
            except TimeoutError:
                signal_workers(signal.SIGKILL)
            except ChildProcessError:
                pass
    return code


def main(definition: ServiceDefinition) -> None:
    settings = Settings(service=definition.name)
    if settings.workers > 1:
        sys.exit(run_workers(definition, settings))
    sys.exit(asyncio.run(serve(definition, settings)))
