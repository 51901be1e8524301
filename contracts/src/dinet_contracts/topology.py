"""Subjects, JetStream streams and durable consumers: the bus layout, in one place.

Streams, the services' NATS permissions (deploy/) and the AsyncAPI document are all derived
from these definitions; a test checks that deploy/ and docker-compose.yml agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .registry import EVENT_TYPES, PUBLISHED_BY

SERVICES: tuple[str, ...] = ("registratie", "kpi", "meldingen", "beleidsplan")
# The service that issues and revokes partner NATS users (it holds the PARTNER account's key).
PARTNER_ISSUER = "registratie"

EVENTS_SUBJECTS = "dinet.evt.>"
PII_SUBJECTS = "dinet.pii.>"
DLQ_PREFIX = "dinet.dlq"
PARTNER_PREFIX = "dinet.partner"


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
PARTNERS = StreamDef(
    name="DINET_PARTNERS",
    subjects=(f"{PARTNER_PREFIX}.>",),
    description=(
        "Wat partnerorganisaties zelf publiceren, op dinet.partner.<organisatie-id>.>;"
        " registratie valideert het en neemt het over als eigen gebeurtenis."
    ),
)
STREAMS: tuple[StreamDef, ...] = (EVENTS, PERSOONSGEGEVENS, DEADLETTERS, PARTNERS)


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
        # Every fact: the projections (and a rebuild) may need any of them; unknown ones are skipped.
        filter_subjects=(EVENTS_SUBJECTS,),
        description="Houdt de KPI-projecties per jaar bij.",
    ),
    ConsumerDef(
        durable="meldingen-contact",
        service="meldingen",
        stream=PERSOONSGEGEVENS.name,
        filter_subjects=("dinet.pii.lid.*.contactgegevens.v1",),
        description="Bewaart contactgegevens en stuurt welkomst- en bevestigingsmails.",
    ),
    ConsumerDef(
        durable="meldingen-gebeurtenissen",
        service="meldingen",
        stream=EVENTS.name,
        filter_subjects=(
            _subject("be.dinet.lid.gewist.v1"),
            _subject("be.dinet.lid.uitgeschreven.v1"),
        ),
        description="Wist contactgegevens van wie gewist werd; stopt mails aan wie uitschreef.",
    ),
    ConsumerDef(
        durable="registratie-ondersteuning",
        service="registratie",
        stream=EVENTS.name,
        filter_subjects=(_subject("be.dinet.ondersteuningsnood.gesignaleerd.v1"),),
        description="Zet vragen om ondersteuning op maat uit beleidsplannen op de lijst van VVSG.",
    ),
    ConsumerDef(
        durable="beleidsplan-aanbod",
        service="beleidsplan",
        stream=EVENTS.name,
        # Every version of the activity events (v1 ones are read as v2), and the organisations
        # for a plan's municipality profile.
        filter_subjects=(
            "dinet.evt.registratie.activiteit.>",
            _subject("be.dinet.organisatie.bijgewerkt.v1"),
        ),
        description="Houdt het komende aanbod van het netwerk per beleidselement en de gemeenteprofielen bij.",
    ),
    ConsumerDef(
        durable="meldingen-activiteiten",
        service="meldingen",
        stream=EVENTS.name,
        # Both versions of the activity events: a v1 still published reads as its v2.
        filter_subjects=tuple(
            _subject(f"be.dinet.activiteit.{wat}.{versie}")
            for wat in ("gepland", "gewijzigd", "geannuleerd", "afgelopen")
            for versie in ("v1", "v2")
        )
        + (
            _subject("be.dinet.inschrijving.gewijzigd.v1"),
            _subject("be.dinet.aanwezigheid.geregistreerd.v1"),
            # Organisation facts, for the newsletter's segments (type, province, size class).
            _subject("be.dinet.lid.geregistreerd.v1"),
            _subject("be.dinet.lid.organisatie_gewijzigd.v1"),
            _subject("be.dinet.organisatie.bijgewerkt.v1"),
        ),
        description=(
            "Mails bij inschrijvingen, wijzigingen en annulaties, herinneringen, feedback en uitnodigingen;"
            " organisaties voor de segmenten van de nieuwsbrief."
        ),
    ),
    ConsumerDef(
        durable="registratie-toestemmingen",
        service="registratie",
        stream=EVENTS.name,
        filter_subjects=(_subject("be.dinet.toestemming.gewijzigd.v1"),),
        description="Legt toestemmingen vast die leden via meldingen gaven of introkken (afmeldlink, voorkeuren).",
    ),
    ConsumerDef(
        durable="registratie-partners",
        service="registratie",
        stream=PARTNERS.name,
        filter_subjects=(f"{PARTNER_PREFIX}.>",),
        description="Valideert activiteiten die partners zelf publiceren en neemt ze over.",
    ),
)


def partner_subject_prefix(organisatie_id: str) -> str:
    """A partner publishes only below this prefix; its NATS user may publish nothing else."""
    return f"{PARTNER_PREFIX}.{organisatie_id}"


TYPE_PREFIX = "be.dinet."


def partner_subject_template(event_type: str) -> str:
    """Where a partner publishes an event of `event_type`: its prefix, then the type without
    `be.dinet.` (`dinet.partner.{organisatie_id}.activiteit.gepland.v1`). The consumer reads the
    type from the event itself; the subject names it so a partner's stream can be filtered."""
    return f"{PARTNER_PREFIX}.{{organisatie_id}}.{event_type.removeprefix(TYPE_PREFIX)}"


def partner_subject(organisatie_id: str, event_type: str) -> str:
    return partner_subject_template(event_type).format(organisatie_id=organisatie_id)


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
