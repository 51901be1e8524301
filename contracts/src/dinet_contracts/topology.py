"""Subjects, JetStream streams and durable consumers: the bus layout, in one place.

Streams, the services' NATS permissions (deploy/) and the AsyncAPI document are all derived
from these definitions; a test checks that deploy/ and docker-compose.yml agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .registry import EVENT_TYPES, PUBLISHED_BY

SERVICES: tuple[str, ...] = ("registratie", "kpi", "meldingen", "beleidsplan")

EVENTS_SUBJECTS = "dinet.evt.>"
PII_SUBJECTS = "dinet.pii.>"
DLQ_PREFIX = "dinet.dlq"


@dataclass(frozen=True)
class StreamDef:
    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_seconds: int = 0  # 0: kept for ever
    duplicate_window_seconds: int = 120


@dataclass(frozen=True)
class ConsumerDef:
    durable: str
    service: str
    stream: str
    filter_subjects: tuple[str, ...]
    max_attempts: int = 5
    backoff_seconds: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0)
    ack_wait_seconds: int = 30
    description: str = ""


EVENTS = StreamDef(
    name="DINET_EVENTS",
    subjects=(EVENTS_SUBJECTS,),
    description="Alle feiten zonder persoonsgegevens; projecties (KPI's) worden hieruit herbouwd.",
)
PERSOONSGEGEVENS = StreamDef(
    name="DINET_PERSOONSGEGEVENS",
    subjects=(PII_SUBJECTS,),
    description="Contactgegevens voor aflevering, één subject per lid zodat wissen elke kopie bereikt.",
    max_age_seconds=90 * 24 * 3600,
)
DEADLETTERS = StreamDef(
    name="DINET_DEADLETTERS",
    subjects=(f"{DLQ_PREFIX}.>",),
    description="Berichten die niet verwerkt konden worden, met reden, origineel en headers.",
    max_age_seconds=90 * 24 * 3600,
)
STREAMS: tuple[StreamDef, ...] = (EVENTS, PERSOONSGEGEVENS, DEADLETTERS)


def subjects_of(service: str) -> tuple[str, ...]:
    """The (possibly templated) subjects a service publishes on."""
    return tuple(cls.subject_template for cls in PUBLISHED_BY[service])


def _subject(event_type: str) -> str:
    return EVENT_TYPES[event_type].subject_template


CONSUMERS: tuple[ConsumerDef, ...] = (
    ConsumerDef(
        durable="kpi-projectie",
        service="kpi",
        stream=EVENTS.name,
        filter_subjects=(
            _subject("be.dinet.lid.geregistreerd.v1"),
            _subject("be.dinet.beleidsplan.aangemaakt.v1"),
            _subject("be.dinet.nieuwsbrief.inschrijving_bevestigd.v1"),
        ),
        description="Houdt de KPI-projecties per jaar bij.",
    ),
    ConsumerDef(
        durable="meldingen-contact",
        service="meldingen",
        stream=PERSOONSGEGEVENS.name,
        filter_subjects=("dinet.pii.lid.*.contactgegevens.v1",),
        description="Bewaart contactgegevens en stuurt welkomst- en bevestigingsmails.",
    ),
)


def consumers_of(service: str) -> tuple[ConsumerDef, ...]:
    return tuple(c for c in CONSUMERS if c.service == service)


def consumer(durable: str) -> ConsumerDef:
    for c in CONSUMERS:
        if c.durable == durable:
            return c
    raise KeyError(durable)


def dlq_subject(durable: str, original_subject: str) -> str:
    """Dead letters keep the original subject in theirs, so erasure can purge them per member."""
    return f"{DLQ_PREFIX}.{durable}.{original_subject}"


def stream_of_subject(subject: str) -> StreamDef:
    """The stream that stores a (possibly templated) subject."""
    for stream in STREAMS:
        if any(subject.startswith(pattern.rstrip(">")) for pattern in stream.subjects):
            return stream
    raise KeyError(subject)


def streams_of(service: str) -> tuple[StreamDef, ...]:
    """The streams a service writes to or reads from: the only ones its NATS user may manage."""
    names = {stream_of_subject(subject).name for subject in subjects_of(service)}
    for c in consumers_of(service):
        names |= {c.stream, DEADLETTERS.name}
    return tuple(s for s in STREAMS if s.name in names)
