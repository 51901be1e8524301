"""The projections' write operations on a real PostgreSQL: atomic in the caller's transaction,
and a large batch (staged with COPY) leaves exactly the rows a row-by-row write leaves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from dinet_chassis.db import Database
from dinet_chassis.migrations import migrate
from kpi.use_cases import projectie
from kpi.main import PACKAGE_DIR


@pytest.fixture
async def db(database_url):
    database = Database(database_url, "kpi", pool_size=1)
    await migrate(database, PACKAGE_DIR / "migrations")
    yield database
    await database.dispose()


def _bron(i: int) -> dict:
    return {
        "event_id": f"e-{i}",
        "type": "be.dinet.lid.geregistreerd.v1",
        "tijd": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
        "sleutel": uuid.UUID(int=i),
        "onderwerp": None,
    }


async def _bron_events(db: Database) -> list[tuple]:
    async with db.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text("SELECT event_id, type, tijd, sleutel FROM bron_event ORDER BY event_id"))]


async def test_writes_are_undone_with_the_callers_transaction(db):
    class Terug(Exception):
        pass

    w = projectie.Schrijfopdrachten()
    for i in range(3):  # row by row
        w.voeg_toe(projectie._BRON, _bron(i))
    with pytest.raises(Terug):
        async with db.transaction() as conn:
            await w.uitvoeren(conn)
            raise Terug
    w = projectie.Schrijfopdrachten()
    for i in range(projectie._COPY_VANAF + 5):  # staged with COPY
        w.voeg_toe(projectie._BRON, _bron(i))
    with pytest.raises(Terug):
        async with db.transaction() as conn:
            await w.uitvoeren(conn)
            raise Terug
    assert await _bron_events(db) == []


async def test_a_staged_batch_leaves_the_rows_of_a_row_by_row_write(db):
    # One row already there (the live consumer wrote it) and one duplicate in the batch:
    # the first one written stays, as ON CONFLICT DO NOTHING row by row keeps it.
    bestaand = {**_bron(7), "type": "al.geschreven"}
    async with db.transaction() as conn:
        w = projectie.Schrijfopdrachten()
        w.voeg_toe(projectie._BRON, bestaand)
        await w.uitvoeren(conn)
    rijen = [_bron(i) for i in range(2 * projectie._COPY_VANAF)] + [{**_bron(3), "type": "later"}]
    async with db.transaction() as conn:
        w = projectie.Schrijfopdrachten()
        for r in rijen:
            w.voeg_toe(projectie._BRON, r)
        await w.uitvoeren(conn)
        # A second batch in the same transaction (the rebuild's last one, before the swap).
        w = projectie.Schrijfopdrachten()
        for i in range(2 * projectie._COPY_VANAF, 3 * projectie._COPY_VANAF):
            w.voeg_toe(projectie._BRON, _bron(i))
        await w.uitvoeren(conn)
    verwacht = sorted(
        (r["event_id"], r["type"], r["tijd"], r["sleutel"])
        for r in [bestaand] + [_bron(i) for i in range(3 * projectie._COPY_VANAF) if i != 7]
    )
    assert await _bron_events(db) == verwacht
