"""What people and partners do with activities: one function per command, taking the command and
a unit of work (`UoW` below); no HTTP, no runtime. Each enters the unit of work itself, so it is
atomic however it is called, and refuses with a domain error (see ../domain.py) whose kind and
stable code the web layer turns into an answer.

The real unit of work is `store.ActiviteitenUoW`; the fast tests give an in-memory one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Self

from dinet_contracts.envelope import Event

from ..store.aanwezigheden import AanwezighedenStore
from ..store.activiteiten import ActiviteitenStore
from ..store.feedback import FeedbackStore
from ..store.inschrijvingen import InschrijvingenStore
from ..store.ondersteuningsvragen import VragenStore


class UoW(Protocol):
    """What the activities' use cases see of a unit of work."""

    source: str
    activiteiten: ActiviteitenStore
    inschrijvingen: InschrijvingenStore
    aanwezigheden: AanwezighedenStore
    feedback: FeedbackStore
    vragen: VragenStore

    def now(self) -> datetime: ...

    async def publish(self, event: Event, *, event_id: str | None = None) -> str: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: Any) -> Any: ...
