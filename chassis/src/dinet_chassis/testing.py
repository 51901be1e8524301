"""pytest fixtures on real servers: NATS JetStream and PostgreSQL, embedded by default.

Server choice, in order: NATS_URL / DATABASE_URL from the environment; testcontainers when
DINET_TESTCONTAINERS=1 and a Docker engine answers; else the embedded servers from the wheels.
Every test gets a fresh database and fresh streams, so tests never see each other's events.

Test tiers, marked at collection (`pytest -m unit`, `-m integration`, `-m browser`):
- `browser`: a module marked `needs_chromium` (a real Chromium, with axe-core);
- `integration`: a test that uses a real server, i.e. one of `SERVER_FIXTURES` (directly or
  through another fixture); every test of the cross-service `tests/` and of `cli/tests/` (they
  start processes and servers of their own) unless marked `unit`; a test marked `integration`;
- `unit`: every other test: no database, no NATS, no browser; milliseconds each (use cases on a
  fake unit of work, domain rules, handler tables on FastStream's in-memory broker).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from .db import asyncpg_connect_kwargs
from .embedded import EmbeddedNats, EmbeddedPostgres, MailSink, free_port, read_mails, wait_for_port
from .natsauth import NatsAuth
from .runtime import Runtime, ServiceDefinition
from .settings import Settings


# A test using one of these (or a fixture that does) runs on real servers.
SERVER_FIXTURES = frozenset(
    {"_postgres", "_nats_container", "nats_server", "secured_nats", "database_url", "stoppable_postgres", "mail_sink"}
)
# Test folders (from the workspace root) whose tests start processes and servers themselves.
PROCESS_TEST_DIRS = frozenset({"tests", "cli"})


def pytest_configure(config: pytest.Config) -> None:
    for regel in (
        "unit: no database, no NATS, no browser: milliseconds each",
        "integration: on real PostgreSQL and NATS, or processes of its own",
        "browser: a real Chromium (accessibility with axe-core)",
    ):
        config.addinivalue_line("markers", regel)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from .browser import ZONDER_CHROMIUM

    root = Path(str(config.rootpath))
    for item in items:
        try:
            top = Path(str(item.path)).relative_to(root).parts[0]
        except ValueError:
            top = ""
        if any(m.kwargs.get("reason") == ZONDER_CHROMIUM for m in item.iter_markers("skipif")):
            item.add_marker(pytest.mark.browser)
        elif item.get_closest_marker("integration") or SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
        elif item.get_closest_marker("unit"):
            continue  # a fast test in a folder of process tests, marked so by hand
        elif top in PROCESS_TEST_DIRS:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


async def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll a sync or async predicate until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = predicate()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"voorwaarde niet gehaald binnen {timeout} s (laatste waarde: {last!r})")
        await asyncio.sleep(interval)


def _docker_available() -> bool:
    if os.environ.get("DINET_TESTCONTAINERS") != "1":
        return False
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


class ExternalNats:
    """A server we do not own (NATS_URL or a container): reset by deleting our streams per test."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def reset(self) -> None:
        import nats
        from dinet_contracts.topology import STREAMS

        nc = await nats.connect(self.url)
        js = nc.jetstream()
        for stream in STREAMS:
            try:
                await js.delete_stream(stream.name)
            except Exception:
                pass
        await nc.close()

    def start(self) -> None:
        raise pytest.skip("de externe NATS-server kan de test niet herstarten")

    stop = restart = kill = start


@pytest.fixture(scope="session")
def _base_dir() -> Any:
    path = Path(tempfile.mkdtemp(prefix="dinet-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def _postgres(_base_dir: Path) -> Any:
    """A server URL whose `postgres` database we may CREATE DATABASE from."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    server = EmbeddedPostgres(_base_dir / "postgres").start()
    yield server.url("postgres")
    server.stop()


@pytest.fixture(scope="session")
def _nats_container() -> Any:
    if os.environ.get("NATS_URL") or not _docker_available():
        yield None
        return
    from testcontainers.nats import NatsContainer

    with NatsContainer("nats:2.12-alpine").with_command("-js") as container:
        yield container.nats_uri()


@pytest.fixture
async def nats_server(tmp_path: Path, _nats_container: str | None) -> Any:
    """An open server (no users) for tests of bus mechanics; `secured_nats` is the one `dinet up`
    and production run, and the security tests use it."""
    external = os.environ.get("NATS_URL") or _nats_container
    if external:
        server = ExternalNats(external)
        await server.reset()
        yield server
        return
    server = EmbeddedNats(tmp_path / "nats").start()
    yield server
    server.stop()


@pytest.fixture
async def secured_nats(tmp_path: Path) -> Any:
    """The embedded server exactly as `dinet up` runs it: the accounts and users of
    `dinet_chassis.natsauth`, keys in a folder of their own. `secured_nats.creds(user)` is a
    service's (or `beheer`'s) credentials file; `secured_nats.auth.partner_issuer()` issues and
    revokes partner users. The security tests run on this one."""
    server = EmbeddedNats(tmp_path / "nats-secured", auth=NatsAuth(tmp_path / "nats-auth")).start()
    yield server
    server.stop()


@pytest.fixture
async def database_url(_postgres: str) -> Any:
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin_kwargs = asyncpg_connect_kwargs(_postgres)
    conn = await asyncpg.connect(**admin_kwargs)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield make_url(_postgres).set(database=name).render_as_string(hide_password=False)
    conn = await asyncpg.connect(**admin_kwargs)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


class DatabaseSwitch:
    """The real test PostgreSQL behind a TCP relay a test can switch off and on again. Off closes
    every open connection and refuses new ones, as a stopped server does, without stopping the
    server the other tests share. `url` reaches the database through the relay."""

    def __init__(self, database_url: str) -> None:
        target = make_url(database_url)
        kwargs = asyncpg_connect_kwargs(database_url)
        host = str(kwargs.get("host") or "127.0.0.1")
        port = int(kwargs.get("port") or target.query.get("port") or 5432)
        self._unix = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else None
        self._tcp = (host, port)
        self.port = free_port()
        query = {k: v for k, v in target.query.items() if k not in ("host", "port")}
        self.url = target.set(host="127.0.0.1", port=self.port, query=query).render_as_string(hide_password=False)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def on(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def off(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self._unix:
                up_reader, up_writer = await asyncio.open_unix_connection(self._unix)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self._tcp)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


@pytest.fixture
async def database_switch(database_url: str) -> Any:
    switch = DatabaseSwitch(database_url)
    await switch.on()
    yield switch
    await switch.off()


@pytest.fixture
def stoppable_postgres() -> Any:
    """A PostgreSQL of this test's own, to stop and start again (outage tests): `.url()`,
    `.stop()`, `.start()`. Not on an external server, which a test must not stop."""
    if os.environ.get("DATABASE_URL") or _docker_available():
        pytest.skip("een externe PostgreSQL kan de test niet stoppen")
    # Not under pytest's own temporary folder: pytest makes that private again whenever a
    # session starts, and the server runs as another user who must reach its data folder.
    base = Path(tempfile.mkdtemp(prefix="dinet-test-pg-"))
    server = EmbeddedPostgres(base / "postgres").start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def start_process(
    module: str, nats_url: str, database_url: str, port: int, data_dir: Path, *, fault: str = "", **env: str
) -> subprocess.Popen:
    """A service in a process of its own (`python -m <module>`), to kill for real; `fault` injects a
    crash (Settings.fault). Its log: `<data_dir>/<module><fault>.log`."""
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "DATABASE_URL": database_url,
        "DINET_HTTP_PORT": str(port),
        "DINET_DATA_DIR": str(data_dir),
        "DINET_FAULT": fault,
        **env,
    }
    log = open(data_dir / f"{module}{fault}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", module], env=env, stdout=subprocess.DEVNULL, stderr=log)


def mails_per_address(mail_dir: Path) -> Counter[str]:
    """How many mails the mail sink holds for each recipient."""
    return Counter(parseaddr(m["to"])[1] for m in read_mails(mail_dir))


def mail_tally(per_address: Counter[str], accepted: Iterable[str]) -> dict[str, int]:
    """What a recovery test reports of the mail: how many, how many too many, how many lost."""
    return {
        "mails": sum(per_address.values()),
        "dubbel": sum(n - 1 for n in per_address.values() if n > 1),
        "verloren": sum(1 for a in accepted if not per_address[a]),
    }


@pytest.fixture
def mail_sink(tmp_path: Path) -> Any:
    sink = MailSink(tmp_path / "mail").start()
    yield sink
    sink.stop()


@pytest.fixture
def start_service(nats_server: Any, database_url: str, tmp_path: Path):
    """`async with start_service(DEFINITION, **settings) as runtime:` runs a service in-process."""

    @asynccontextmanager
    async def _start(definition: ServiceDefinition, **overrides: Any) -> AsyncIterator[Runtime]:
        values: dict[str, Any] = {
            "service": definition.name,
            "nats_url": nats_server.url,
            "database_url": database_url,
            "smtp_url": f"smtp://127.0.0.1:{free_port()}",
            "data_dir": tmp_path / "data",
            "public_url": "http://testserver",
            "secret_key": "test-secret-" + "x" * 32,
            "http_port": free_port(),
        }
        serve_http = overrides.pop("serve_http", False)
        values.update(overrides)
        runtime = Runtime(definition, Settings(**values))
        await runtime.start(serve_http=serve_http)
        if serve_http:
            await asyncio.to_thread(wait_for_port, runtime.settings.http_port)
        try:
            yield runtime
        finally:
            await runtime.stop()

    return _start


def asgi_client(app: Any, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client on the app itself, in-process: no port, no server."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", **kwargs)


@dataclass
class WebSettings:
    """The settings the web layer reads, to test it on its own."""

    service: str = "proef"
    secret_key: str = "een-geheim-voor-de-test"
    demo: bool = False
    public_url: str = "http://testserver"
    fault: str = ""


@dataclass
class WebRuntime:
    """What `create_web_app` and handlers need of a Runtime (settings, a database or none), without
    starting a service: for tests of the web layer alone."""

    db: Any = None
    settings: WebSettings = field(default_factory=WebSettings)


@pytest.fixture
async def http():
    clients: list[httpx.AsyncClient] = []

    def _client(runtime: Runtime, **kwargs: Any) -> httpx.AsyncClient:
        client = asgi_client(runtime.app, **kwargs)
        clients.append(client)
        return client

    yield _client
    for client in clients:
        await client.aclose()
