"""The CloudEvents 1.0 envelope (structured content mode) around every event on the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .types import Tijdstip

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
SCHEMA_BASE = "urn:dinet:schema:"


class Event(BaseModel):
    """Base of every event's `data`. Subclasses name their CloudEvents type and subject.

    `subject_template` may hold `{field}` placeholders, filled from the event's own fields,
    so a stream can be purged per aggregate (personal data) or filtered per source.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    subject_template: ClassVar[str]
    aggregate_field: ClassVar[str]
    contains_personal_data: ClassVar[bool] = False

    def nats_subject(self) -> str:
        return self.subject_template.format(**self.model_dump(mode="json"))

    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_field))


E = TypeVar("E", bound=Event)


class CloudEvent(BaseModel, Generic[E]):
    """A CloudEvents 1.0 envelope whose `data` is one of our events."""

    model_config = ConfigDict(extra="allow", frozen=True)

    # Required by CloudEvents 1.0, and by every consumer (`RawCloudEvent`): no default, so the
    # published schema says so too.
    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: Tijdstip
    datacontenttype: Literal["application/json"] | None = "application/json"
    dataschema: str | None = None
    data: E


class RawCloudEvent(BaseModel):
    """The envelope alone, with `data` still unvalidated: what a consumer reads first."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: Tijdstip
    datacontenttype: str | None = None
    dataschema: str | None = None
    data: Any = None


# pydantic keeps a parametrised model only weakly: once the garbage collector has taken
# `CloudEvent[X]`, the next use builds the model and its validator again (milliseconds, against
# microseconds for a validation). One strong reference per event type keeps it built.
_ENVELOPPEN: dict[type[Event], type[CloudEvent]] = {}


def envelope_model(cls: type[Event]) -> type[CloudEvent]:
    """`CloudEvent[cls]`, built once per event type for the life of the process."""
    model = _ENVELOPPEN.get(cls)
    if model is None:
        model = _ENVELOPPEN[cls] = CloudEvent[cls]  # type: ignore[valid-type]
    return model


def wrap(event: Event, *, source: str, event_id: str | None = None, time: datetime | None = None) -> CloudEvent:
    """Put an event in its envelope. The id is the deduplication key everywhere downstream."""
    return envelope_model(type(event))(
        specversion=SPECVERSION,
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=event.event_type,
        subject=event.aggregate_id(),
        time=time or datetime.now(UTC),
        dataschema=SCHEMA_BASE + event.event_type,
        data=event,
    )
