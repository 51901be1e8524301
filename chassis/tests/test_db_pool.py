"""The service's connection pool on a real PostgreSQL: live connections without a round trip per
checkout, and a schema created once when several processes start together."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from dinet_chassis import db as db_module
from dinet_chassis.db import Database
from dinet_chassis.testing import wait_until


def count_pings(monkeypatch) -> list[str]:
    """Every ping a pool sends before handing out a connection (the driver adapter's `ping`)."""
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    pings: list[str] = []
    ping = AsyncAdapt_asyncpg_connection.ping

    def counted(self):
        pings.append("ping")
        return ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    return pings


async def backend_pid(database: Database) -> int:
    async with database.transaction() as conn:
        return (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def test_a_recently_used_connection_is_handed_out_without_a_ping(database_url, monkeypatch):
    database = Database(database_url, "proef_pool", pool_size=1)
    pings = count_pings(monkeypatch)
    try:
        for _ in range(20):
            await backend_pid(database)
        assert pings == []
    finally:
        await database.dispose()


async def test_a_connection_idle_for_a_while_is_pinged_first(database_url, monkeypatch):
    database = Database(database_url, "proef_pool", pool_size=1)
    pings = count_pings(monkeypatch)
    try:
        await backend_pid(database)
        monkeypatch.setattr(db_module, "PING_NA_SECONDEN", 0.0)
        await asyncio.sleep(0.01)
        await backend_pid(database)
        assert pings == ["ping"]
    finally:
        await database.dispose()


async def test_a_connection_the_server_closed_is_replaced_without_an_error(database_url):
    database = Database(database_url, "proef_pool", pool_size=1)
    admin = Database(database_url, "proef_pool_admin", pool_size=1)
    opened: list = []
    event.listen(database.engine.sync_engine.pool, "connect", lambda dbapi, _record: opened.append(dbapi))
    try:
        doomed = await backend_pid(database)
        async with admin.transaction() as conn:
            assert (await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": doomed})).scalar_one()
        # The driver sees the socket close as soon as the loop reads it: no ping needed to know.
        await wait_until(lambda: opened[0]._connection.is_closed())
        assert await backend_pid(database) != doomed
    finally:
        await database.dispose()
        await admin.dispose()


@pytest.mark.parametrize("processes", [6])
async def test_several_processes_starting_together_create_the_schema_once(database_url, processes):
    databases = [Database(database_url, "proef_samen", pool_size=1) for _ in range(processes)]
    try:
        await asyncio.gather(*(d.ensure_schema() for d in databases))
        async with databases[0].transaction() as conn:
            found = (await conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = 'proef_samen'"))).scalar_one()
        assert found == 1
    finally:
        await asyncio.gather(*(d.dispose() for d in databases))
