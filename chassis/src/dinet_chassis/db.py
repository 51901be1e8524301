"""The service's PostgreSQL access: one async engine bound to the service's own schema."""

from __future__ import annotations

import asyncio
import socket
import time
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, AsyncIterator, Callable

import asyncpg
import sqlalchemy.exc
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def asyncpg_dsn(url: str) -> str:
    """The same URL as a plain libpq DSN, for the raw asyncpg connections (LISTEN, benchmarks)."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def asyncpg_connect_kwargs(url: str) -> dict:
    """asyncpg.connect() keyword arguments for an SQLAlchemy URL, including a Unix-socket `host` query."""
    u = make_url(url)
    kwargs: dict = {
        "user": u.username,
        "password": u.password or None,
        "database": u.database,
        "host": u.host or u.query.get("host"),
        "port": u.port,
    }
    return {k: v for k, v in kwargs.items() if v is not None}


# A pooled connection unused for longer than this is pinged before it is handed out.
PING_NA_SECONDEN = 5.0


def _ping_when_stale(engine: AsyncEngine) -> None:
    """Hand out only live connections, without a round trip on every checkout.

    SQLAlchemy's `pool_pre_ping` costs three round trips per checkout with asyncpg (BEGIN, a
    ping, ROLLBACK): a third of a short request's statements. A connection whose server went
    away (a restart, a crash) is already marked closed by the driver when the socket closed, so
    that is checked for free; only one that sat idle for a while, where a silently dropped
    socket is possible, gets a real ping. A `DisconnectionError` makes the pool open a fresh one.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["teruggegeven"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if dbapi_connection._connection.is_closed():
            raise sqlalchemy.exc.DisconnectionError("de verbinding is gesloten")
        teruggegeven = record.info.get("teruggegeven")
        if teruggegeven is not None and time.monotonic() - teruggegeven > PING_NA_SECONDEN:
            try:
                dbapi_connection.ping()
            except Exception as exc:
                raise sqlalchemy.exc.DisconnectionError(repr(exc)) from exc


async def driver_connection(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under `conn`, inside `conn`'s transaction, for a hot path's
    statements (prepared once per connection, positional parameters, no SQLAlchemy per call).

    SQLAlchemy begins the driver's transaction lazily, at its first statement; a statement sent
    to the driver before that would commit on its own. So the transaction is begun here through
    SQLAlchemy's own adapter, which then commits or rolls it back as usual: no extra round trip.
    """
    sync = conn.sync_connection
    # A started connection is checked out and live, so reading it needs no I/O (and no greenlet,
    # which `get_raw_connection` spends on every call).
    fairy = sync.connection if sync is not None else await conn.get_raw_connection()
    adapted = fairy.dbapi_connection
    raw: asyncpg.Connection = adapted.driver_connection  # type: ignore[union-attr, assignment]
    if not raw.is_in_transaction():
        await adapted._start_transaction()  # type: ignore[union-attr]
    return raw


# A transaction that spans a whole request (see web/idempotentie.py): while it is set, every
# `transaction()` of that request runs inside it, so the request's effect and its stored answer
# commit together or not at all.
_request_transaction: ContextVar[AsyncConnection | None] = ContextVar("request_transaction", default=None)
# What a unit of work inside that transaction wants done once it commits (see uow.py).
_request_callbacks: ContextVar[list[Callable[[], Any]] | None] = ContextVar("request_callbacks", default=None)


class Database:
    """Every connection has `search_path` set to the service's schema: a service sees only its own tables."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={
                "server_settings": {"search_path": f"{schema},public", "application_name": f"dinet-{schema}"},
                # An unreachable host must fail in seconds (the driver's own default is a minute):
                # a consumer or a request waiting on it is waiting out an outage.
                "timeout": 10,
            },
        )
        _ping_when_stale(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        outer = _request_transaction.get()
        if outer is not None and outer.sync_engine is self.engine.sync_engine:
            # A savepoint: an exception still undoes only this block, as a transaction of its own would.
            async with outer.begin_nested():
                yield outer
            return
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def request_transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction for the rest of this task: `transaction()` joins it until the block ends.
        The caller commits (`await conn.commit()`); leaving the block without doing so rolls back."""
        callbacks: list[Callable[[], Any]] = []
        async with self.engine.connect() as conn:
            await conn.begin()
            token = _request_transaction.set(conn)
            callbacks_token = _request_callbacks.set(callbacks)
            try:
                yield conn
                committed = not conn.in_transaction()
            finally:
                _request_callbacks.reset(callbacks_token)
                _request_transaction.reset(token)
        if committed and callbacks:
            from .uow import run_callbacks

            await run_callbacks(callbacks)

    def after_request_commit(self, callbacks: list[Callable[[], Any]]) -> bool:
        """Inside this database's request transaction: keep `callbacks` for when it commits and
        say True; elsewhere say False (the caller's own transaction has committed already)."""
        outer = _request_transaction.get()
        pending = _request_callbacks.get()
        if outer is None or pending is None or outer.sync_engine is not self.engine.sync_engine:
            return False
        pending.extend(callbacks)
        return True

    async def ensure_schema(self) -> None:
        async with self.engine.begin() as conn:
            # Several processes of one service start together: one looks and creates at a time,
            # or two both see no schema and the second CREATE fails.
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"schema:{self.schema}"})
            # Look first: PostgreSQL checks the right to create schemas even with IF NOT EXISTS,
            # and a production role owns its schema without having that right on the database.
            exists = await conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": self.schema})
            if not exists:
                await conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))

    async def ping(self, timeout: float = 2.0) -> None:
        """Raise unless the server answers within `timeout` seconds (a probe: readiness, and a
        consumer waiting out an outage). Bounded here because a connect to an unreachable host
        would otherwise wait for the driver's own, much longer, timeout."""
        async with asyncio.timeout(timeout):
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


# SQLSTATE classes and codes that say "the server cannot serve you now", not "your statement is
# wrong": connection exceptions (08), insufficient resources such as too many connections or a
# full disk (53), operator intervention: shutdown, crash, still starting (57P01..57P03).
_OUTAGE_SQLSTATE_CLASSES = ("08", "53")
_OUTAGE_SQLSTATES = ("57P01", "57P02", "57P03")
_DRIVER_MODULES = ("asyncpg", "sqlalchemy")


def _raised_by_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith(_DRIVER_MODULES):
            return True
        tb = tb.tb_next
    return False


def is_outage(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) means the infrastructure is unavailable: the database
    unreachable, refusing connections or shutting down, the pool exhausted, a socket refused or
    reset. Such a failure says nothing about the message or request being handled.

    asyncpg lets socket errors through unwrapped; a plain OSError (a missing file, say) counts
    only when it came out of the driver, so a handler's own file error stays a bug."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (ConnectionError, TimeoutError, socket.gaierror)):
            return True  # refused, reset, unreachable, timed out
        if isinstance(current, OSError) and _raised_by_driver(current):
            return True  # e.g. the server's Unix socket file is gone
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sqlalchemy.exc.TimeoutError):  # no free connection in the pool
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "closed" in str(current):
            return True  # "connection is closed": the server went away under it
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and (sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES or sqlstate in _OUTAGE_SQLSTATES):
            return True
        todo.extend((current.__cause__, current.__context__, getattr(current, "orig", None)))
    return False
