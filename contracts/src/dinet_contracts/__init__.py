"""The events the services exchange, their envelope, and the bus layout (subjects, streams)."""

from .envelope import CloudEvent, Event, RawCloudEvent, wrap
from .registry import EVENT_TYPES, PUBLISHED_BY, UnknownEventType, describe_error, parse
from .types import ORGANISATIE_TYPE_LABELS, OrganisatieType

__all__ = [
    "CloudEvent",
    "Event",
    "RawCloudEvent",
    "wrap",
    "EVENT_TYPES",
    "PUBLISHED_BY",
    "UnknownEventType",
    "describe_error",
    "parse",
    "OrganisatieType",
    "ORGANISATIE_TYPE_LABELS",
]
