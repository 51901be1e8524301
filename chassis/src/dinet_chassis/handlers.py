"""A handler per event type: what a service declares, and how the chassis routes an event to it.

A service lists, per durable consumer, a table `{ContractModel: op}` with
`async def op_<event>(event: ContractModel, uow, ctx: HandlerContext)`. The chassis parses and
upcasts the event (so an op sees the newest version of its type), looks up the op by the type of
`event.data` (its own class first, then its bases: a key `Event` catches every other type) and
calls it inside the consumer's inbox transaction. `uow` is that transaction's connection, or what
the table's `unit_of_work` makes of it (e.g. one that gathers its writes and runs them grouped).

An event whose type has no op is acked and skipped: its id still goes to the inbox, since a
consumer that subscribes to every fact sees many it does not use.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Union

from dinet_contracts import CloudEvent
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from .runtime import Runtime


@dataclass
class HandlerContext:
    runtime: "Runtime | None" = None
    subject: str = ""
    num_delivered: int = 1
    consumer: str = ""
    # The envelope: id, type, source and time of the event whose data the op receives.
    event: CloudEvent | None = None


Handler = Callable[[AsyncConnection, CloudEvent, HandlerContext], Awaitable[None]]
Op = Callable[[Any, Any, HandlerContext], Awaitable[None]]
# Makes what the ops write through from the consumer's transaction (e.g. uow.SqlUnitOfWork.within).
UnitOfWorkFactory = Callable[[AsyncConnection], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True)
class Handlers:
    """One consumer's ops per contract model, and the unit of work they write through."""

    ops: Mapping[type, Op]
    unit_of_work: UnitOfWorkFactory | None = None
    _cache: dict[type, Op | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for model, op in self.ops.items():
            if not isinstance(model, type) or not callable(op):
                raise TypeError(f"handlers: {model!r} -> {op!r} is no (contract model, async function) pair")

    def op_for(self, data: Any) -> Op | None:
        return self.op_for_type(type(data))

    def op_for_type(self, cls: type) -> Op | None:
        if cls not in self._cache:
            self._cache[cls] = next((self.ops[c] for c in cls.__mro__ if c in self.ops), None)
        return self._cache[cls]

    async def __call__(self, conn: AsyncConnection, event: CloudEvent, ctx: HandlerContext) -> None:
        op = self.op_for(event.data)
        if op is None:
            return
        if ctx.event is None:
            ctx.event = event
        if self.unit_of_work is None:
            await op(event.data, conn, ctx)
            return
        async with self.unit_of_work(conn) as uow:
            await op(event.data, uow, ctx)


HandlerSpec = Union[Handler, Handlers, Mapping[type, Op]]


def as_handler(spec: HandlerSpec) -> Handler:
    """What a service may give per consumer: a `{Model: op}` dict, `Handlers`, or (still) one
    function for every event."""
    if isinstance(spec, Handlers):
        return spec
    if isinstance(spec, Mapping):
        return Handlers(spec)
    return spec


async def dispatch(handlers: HandlerSpec, uow: Any, event: CloudEvent, ctx: HandlerContext | None = None) -> None:
    """Run the op for `event` against a unit of work the caller holds (a rebuild, a page's own
    transaction, a test's fake): the same routing as the consumer's, without a consumer."""
    table = handlers if isinstance(handlers, Handlers) else Handlers(handlers)  # type: ignore[arg-type]
    op = table.op_for(event.data)
    if op is None:
        return
    ctx = ctx or HandlerContext()
    if ctx.event is None:
        ctx.event = event
    await op(event.data, uow, ctx)
