"""The unit of work a use case receives: one transaction, its outbox, the clock and the source.

A use case is a plain function (or a small class) taking a command or an event and a unit of
work; it reads and writes through `uow.conn` (or the repositories a service's subclass attaches),
queues events with `await uow.publish(event)` and raises a `dinet_chassis.errors.DomainError` to
refuse. It knows no HTTP, no Litestar and no runtime, so it runs as well under a page, an API
endpoint, a consumer or a test with `FakeUnitOfWork`.

    async def start_plan(cmd: StartPlan, uow: PlanUoW) -> uuid.UUID:
        async with uow:                     # commits on a clean exit, rolls back on an exception
            ...
            await uow.publish(BeleidsplanGestart(...))

    plan_id = await start_plan(cmd, diensten.uow())     # the web layer, a handler or a test

The use case enters the unit of work itself (as in cosmicpython), so it is atomic however it is
called; entering again inside (one use case calling another) joins the same transaction.

Everything in the block commits together or not at all: the state change and the events it
publishes (transactional outbox; the relay publishes once the row is committed). Work that must
only happen once the change is durable (wake a worker, push to a cache) goes to
`uow.on_commit(callback)`: it runs after the commit, never after a rollback.

A service adds its repositories by subclassing both, as cosmicpython does:

    class PlanUoW(SqlUnitOfWork):
        async def __aenter__(self):
            await super().__aenter__()
            self.plannen = PlanStore(self.conn)
            return self
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Self

from dinet_contracts.envelope import Event
from sqlalchemy.ext.asyncio import AsyncConnection

from . import outbox
from .db import Database
from .logging import get_logger

__all__ = ["Clock", "FakeUnitOfWork", "SqlUnitOfWork", "UnitOfWork", "utc_now"]

log = get_logger(__name__)

Clock = Callable[[], datetime]
Callback = Callable[[], Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """What a use case sees. Not used directly: `SqlUnitOfWork` in the service, `FakeUnitOfWork`
    in fast tests."""

    conn: Any  # an AsyncConnection in a transaction (None in the fake)
    source: str  # the CloudEvents source of the service, e.g. "/dinet/<service>"

    def __init__(self, *, source: str, clock: Clock = utc_now) -> None:
        self.source = source
        self._clock = clock
        self._on_commit: list[Callback] = []

    def now(self) -> datetime:
        """The time of this unit of work's clock, aware and in UTC."""
        moment = self._clock()
        if moment.tzinfo is None:
            raise ValueError("de klok moet een tijdstip met tijdzone geven")
        return moment.astimezone(UTC)

    async def publish(self, event: Event, *, event_id: str | None = None) -> str:
        raise NotImplementedError

    def on_commit(self, callback: Callback) -> None:
        """Run `callback` (sync, or returning an awaitable) once this work has committed; never
        when it rolls back. Callbacks run in the order given; one that fails is logged and does
        not stop the others: the work is committed by then."""
        self._on_commit.append(callback)

    async def _run_callbacks(self) -> None:
        callbacks, self._on_commit = self._on_commit, []
        await run_callbacks(callbacks)


async def run_callbacks(callbacks: list[Callback]) -> None:
    for callback in callbacks:
        try:
            result = callback()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("na_commit.mislukt", callback=getattr(callback, "__qualname__", repr(callback)))


class SqlUnitOfWork(UnitOfWork):
    """One PostgreSQL transaction of the service's own schema, with its outbox.

    `on_commit` given to the constructor runs after every commit of this unit of work, after the
    callbacks the use case registered: the runtime passes its commit listeners here (see
    `Runtime.unit_of_work`). Inside a request that holds one transaction for the whole request
    (Idempotency-Key, see web/idempotentie.py) the block is a savepoint of it, and the callbacks
    wait for that request's commit.
    """

    conn: AsyncConnection

    def __init__(
        self,
        db: Database,
        *,
        source: str,
        clock: Clock = utc_now,
        on_commit: Callback | None = None,
    ) -> None:
        super().__init__(source=source, clock=clock)
        self.db = db
        self._after_every_commit = on_commit
        self._transaction: AbstractAsyncContextManager[AsyncConnection] | None = None
        self._depth = 0

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth > 1:
            return self  # joined: the outermost block commits
        if self._transaction is not None:
            raise RuntimeError("een unit of work is niet herbruikbaar: maak er een nieuwe")
        self._transaction = self.db.transaction()
        self.conn = await self._transaction.__aenter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        self._depth -= 1
        if self._depth > 0:
            return None
        assert self._transaction is not None
        # Commits on a clean exit, rolls back when the block raised (or when the commit fails).
        suppress = await self._transaction.__aexit__(exc_type, exc, tb)
        if exc_type is not None and not suppress:
            self._on_commit.clear()
            return None
        if self._after_every_commit is not None:
            self._on_commit.append(self._after_every_commit)
        callbacks, self._on_commit = self._on_commit, []
        if not self.db.after_request_commit(callbacks):
            await run_callbacks(callbacks)
        return suppress

    async def publish(self, event: Event, *, event_id: str | None = None) -> str:
        return await outbox.add(self.conn, event, source=self.source, event_id=event_id)

    @classmethod
    def within(
        cls, conn: AsyncConnection, *, source: str, clock: Clock = utc_now
    ) -> "BorrowedUnitOfWork":
        """A unit of work on a transaction someone else owns and commits (a consumer's inbox
        transaction, a rebuild): the same interface, but no commit or rollback of its own."""
        return BorrowedUnitOfWork(conn, source=source, clock=clock)


class BorrowedUnitOfWork(UnitOfWork):
    """See `SqlUnitOfWork.within`. `on_commit` is refused: the owner of the transaction is the
    one who knows when it commits (a consumer wakes workers through `Runtime.on_commit`)."""

    def __init__(self, conn: AsyncConnection, *, source: str, clock: Clock = utc_now) -> None:
        super().__init__(source=source, clock=clock)
        self.conn = conn

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def publish(self, event: Event, *, event_id: str | None = None) -> str:
        return await outbox.add(self.conn, event, source=self.source, event_id=event_id)

    def on_commit(self, callback: Callback) -> None:
        raise RuntimeError("deze transactie is van iemand anders: gebruik Runtime.on_commit")


class FakeUnitOfWork(UnitOfWork):
    """For use-case tests in milliseconds: no database. `published` holds the events in order
    (`published_ids` their ids), `committed` / `rolled_back` say how the outermost block ended.
    A service's fake subclass attaches in-memory repositories in `__init__`.

    Like the real one it keeps nothing a block published when that block raised, so a test sees
    exactly what would have reached the outbox. (In-memory repositories are not rolled back:
    assert on them only after a commit.)
    """

    conn = None

    def __init__(self, *, source: str = "/dinet/test", clock: Clock = utc_now) -> None:
        super().__init__(source=source, clock=clock)
        self.published: list[Event] = []
        self.published_ids: list[str] = []
        self.committed = False
        self.rolled_back = False
        self._depth = 0
        self._mark = 0

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self._mark = len(self.published)
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._depth -= 1
        if self._depth > 0:
            return None
        if exc_type is not None:
            self.rolled_back = True
            del self.published[self._mark :], self.published_ids[self._mark :]
            self._on_commit.clear()
            return None
        self.committed = True
        await self._run_callbacks()
        return None

    async def publish(self, event: Event, *, event_id: str | None = None) -> str:
        event_id = event_id or str(uuid.uuid4())
        self.published.append(event)
        self.published_ids.append(event_id)
        return event_id
