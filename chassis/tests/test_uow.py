"""SqlUnitOfWork on real PostgreSQL: the state change, its outbox row and the after-commit work
happen together on a commit, and none of them on a rollback."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from dinet_chassis.uow import SqlUnitOfWork

MOMENT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def _outbox_ids(db) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(text("SELECT event_id FROM outbox ORDER BY seq"))).scalars())


async def _effects(db) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(text("SELECT lid_id FROM effect"))).scalars())


async def test_commit_writes_state_and_outbox_then_runs_callbacks(db, kit) -> None:
    seen: list[tuple[str, list[str], list[str]]] = []
    listener: list[str] = []
    uow = SqlUnitOfWork(db, source=kit.SOURCE, clock=lambda: MOMENT, on_commit=lambda: listener.append("elke commit"))
    lid = str(uuid.uuid4())

    async def after() -> None:  # an async callback sees the committed rows from another connection
        seen.append(("na", await _outbox_ids(db), await _effects(db)))

    async with uow:
        assert uow.now() == MOMENT
        await uow.conn.execute(text("INSERT INTO effect (event_id, lid_id) VALUES ('x', :l)"), {"l": lid})
        event_id = await uow.publish(kit.lid_event())
        uow.on_commit(after)
        # Not yet visible to anyone else, and the callback has not run.
        assert await _outbox_ids(db) == [] and seen == []

    assert seen == [("na", [event_id], [lid])]
    assert listener == ["elke commit"]


async def test_exception_rolls_back_state_outbox_and_callbacks(db, kit) -> None:
    called: list[str] = []
    uow = SqlUnitOfWork(db, source=kit.SOURCE, on_commit=lambda: called.append("elke commit"))
    with pytest.raises(RuntimeError, match="mislukt"):
        async with uow:
            await uow.conn.execute(text("INSERT INTO effect (event_id, lid_id) VALUES ('x', 'y')"))
            await uow.publish(kit.lid_event())
            uow.on_commit(lambda: called.append("use case"))
            raise RuntimeError("mislukt")
    assert await _outbox_ids(db) == []
    assert await _effects(db) == []
    assert called == []


async def test_failing_commit_runs_no_callbacks(db, kit) -> None:
    """A commit the database refuses (a deferred constraint) is a rollback: no callback runs."""
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "CREATE TABLE uniek (n int UNIQUE DEFERRABLE INITIALLY DEFERRED);"
            )
        )
    called: list[str] = []
    uow = SqlUnitOfWork(db, source=kit.SOURCE, on_commit=lambda: called.append("x"))
    with pytest.raises(Exception):
        async with uow:
            await uow.conn.execute(text("INSERT INTO uniek VALUES (1), (1)"))
            await uow.publish(kit.lid_event())
            uow.on_commit(lambda: called.append("y"))
    assert called == [] and await _outbox_ids(db) == []


async def test_nested_block_joins_the_outer_transaction(db, kit) -> None:
    uow = SqlUnitOfWork(db, source=kit.SOURCE)
    with pytest.raises(ValueError):
        async with uow:
            async with uow:  # one use case calling another with the same unit of work
                await uow.publish(kit.lid_event())
            assert await _outbox_ids(db) == []  # the inner exit committed nothing
            raise ValueError("de buitenste faalt")
    assert await _outbox_ids(db) == []


async def test_inside_a_request_transaction_callbacks_wait_for_its_commit(db, kit) -> None:
    called: list[str] = []
    async with db.request_transaction() as conn:
        async with SqlUnitOfWork(db, source=kit.SOURCE) as uow:
            assert uow.conn is conn
            await uow.publish(kit.lid_event())
            uow.on_commit(lambda: called.append("na"))
        assert called == []  # only a savepoint so far
        await conn.commit()
    assert called == ["na"] and len(await _outbox_ids(db)) == 1

    async with db.request_transaction():
        async with SqlUnitOfWork(db, source=kit.SOURCE) as uow:
            await uow.publish(kit.lid_event())
            uow.on_commit(lambda: called.append("nooit"))
        # the request ends without committing: rolled back
    assert called == ["na"] and len(await _outbox_ids(db)) == 1
