"""The fast tier: a service's handler table on FastStream's in-memory `TestNatsBroker`, with a
fake unit of work instead of the database (the way cosmicpython tests its handlers).

It routes exactly as the real consumer does (parse, upcast, the op for the event's type, a type
without an op skipped, `Onverwerkbaar` refused), but keeps no inbox and acks nothing: the delivery
guarantees are proven by the tests on real NATS and PostgreSQL, not here.

    broker = NatsBroker()
    consumer = InMemoryConsumer(broker, consumer("<durable>"), HANDLERS["<durable>"], uow)
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(envelope.model_dump_json(), envelope.data.nats_subject())
    assert consumer.handled == [envelope.id]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dinet_contracts import describe_error, parse
from dinet_contracts.topology import ConsumerDef
from faststream import Context
from faststream.nats import NatsBroker

from .consumer import Onverwerkbaar
from .handlers import HandlerContext, HandlerSpec, Handlers, dispatch


@dataclass
class InMemoryConsumer:
    broker: NatsBroker
    definition: ConsumerDef
    handlers: HandlerSpec
    uow: Any
    handled: list[str] = field(default_factory=list)  # event ids whose op ran (or that have none)
    skipped: list[str] = field(default_factory=list)  # event ids of a type without an op
    refused: list[tuple[str, str]] = field(default_factory=list)  # (subject, reason): would be dead letters

    def __post_init__(self) -> None:
        table = self.handlers if isinstance(self.handlers, Handlers) else Handlers(self.handlers)  # type: ignore[arg-type]
        for subject in self.definition.filter_subjects:
            self.broker.subscriber(subject, title=f"{self.definition.durable} (in memory)")(self._handle)
        self._table = table

    async def _handle(self, body: Any, message: Any = Context("message")) -> None:
        subject = message.raw_message.subject
        try:
            event = parse(message.body)
        except Exception as exc:
            self.refused.append((subject, f"ongeldig bericht: {describe_error(exc)}"))
            return
        if self._table.op_for(event.data) is None:
            self.skipped.append(event.id)
        ctx = HandlerContext(None, subject, 1, self.definition.durable, event)
        try:
            await dispatch(self._table, self.uow, event, ctx)
        except Onverwerkbaar as exc:
            self.refused.append((subject, f"onverwerkbaar: {exc}"))
            return
        self.handled.append(event.id)
