"""The service's PostgreSQL access: one async engine bound to the service's own schema."""

from __future__ import annotations

from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import AsyncIterator

import asyncpg
import sqlalchemy.exc
from sqlalchemy import text
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


# A transaction that spans a whole request (see web/idempotentie.py): while it is set, every
# `transaction()` of that request runs inside it, so the request's effect and its stored answer
# commit together or not at all.
_request_transaction: ContextVar[AsyncConnection | None] = ContextVar("request_transaction", default=None)


class Database:
    """Every connection has `search_path` set to the service's schema: a service sees only its own tables."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"server_settings": {"search_path": f"{schema},public", "application_name": f"dinet-{schema}"}},
        )

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
        async with self.engine.connect() as conn:
            await conn.begin()
            token = _request_transaction.set(conn)
            try:
                yield conn
            finally:
                _request_transaction.reset(token)

    async def ensure_schema(self) -> None:
        async with self.engine.begin() as conn:
            # Look first: PostgreSQL checks the right to create schemas even with IF NOT EXISTS,
            # and a production role owns its schema without having that right on the database.
            exists = await conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": self.schema})
            if not exists:
                await conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))

    async def dispose(self) -> None:
        await self.engine.dispose()


# Errors that say the server is unreachable, starting or stopping, or out of connections: the
# request was fine and will succeed once the database is back. Class 08 and 57P0x of SQLSTATE.
_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    sqlalchemy.exc.TimeoutError,  # no connection free in the pool within its timeout
)
_DRIVER_MODULES = ("asyncpg", "sqlalchemy")


def _raised_by_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith(_DRIVER_MODULES):
            return True
        tb = tb.tb_next
    return False


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached (rather than a wrong query or a bug).

    asyncpg lets socket errors through unwrapped (connection refused, no such socket file), so an
    OSError counts only when it came out of the driver: a handler's own file error is a bug.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _OUTAGE_ERRORS):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(current):
            return True
        if isinstance(current, OSError) and _raised_by_driver(current):
            return True
        current = current.__cause__ or current.__context__
    return False
