"""Events published by `meldingen`."""

from typing import ClassVar
from uuid import UUID

from ..envelope import Event
from ..types import Tijdstip


class NieuwsbriefInschrijvingBevestigd(Event):
    """A member confirmed the newsletter through the double opt-in link."""

    event_type: ClassVar[str] = "be.dinet.nieuwsbrief.inschrijving_bevestigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.meldingen.nieuwsbrief.inschrijving_bevestigd.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    bevestigd_op: Tijdstip


class MeldingVerzonden(Event):
    """A mail left for the member's mailbox. Which member, which kind: no address, no content."""

    event_type: ClassVar[str] = "be.dinet.melding.verzonden.v1"
    subject_template: ClassVar[str] = "dinet.evt.meldingen.melding.verzonden.v1"
    aggregate_field: ClassVar[str] = "melding_id"

    melding_id: UUID
    lid_id: UUID
    soort: str
    verzonden_op: Tijdstip


class NieuwsbriefVerzonden(Event):
    """A newsletter issue went out: how many received it (no addresses)."""

    event_type: ClassVar[str] = "be.dinet.nieuwsbrief.verzonden.v1"
    subject_template: ClassVar[str] = "dinet.evt.meldingen.nieuwsbrief.verzonden.v1"
    aggregate_field: ClassVar[str] = "nieuwsbrief_id"

    nieuwsbrief_id: UUID
    titel: str
    verzonden_op: Tijdstip
    aantal_ontvangers: int
