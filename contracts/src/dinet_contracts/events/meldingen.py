"""Events published by `meldingen`."""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

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


class ToestemmingGewijzigd(Event):
    """A member gave or withdrew consent for a purpose through meldingen (the unsubscribe link in
    a mail, or the preferences page). registratie keeps the record of consent and writes it down
    with when, how and the exact wording the member saw."""

    event_type: ClassVar[str] = "be.dinet.toestemming.gewijzigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.meldingen.toestemming.gewijzigd.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    doel: Literal["nieuwsbrief", "netwerkmail"] = Field(description="registratie's purpose: network mail covers invitations.")
    gegeven: bool
    tekst: str = Field(min_length=1, max_length=1000, description="The exact sentence the member confirmed.")
    hoe: Literal["afmeldlink", "voorkeurenpagina"]
    wanneer: Tijdstip


class MeldingGebounced(Event):
    """A mail bounced (a delivery status notification, RFC 3464, came back). No address, no content."""

    event_type: ClassVar[str] = "be.dinet.melding.gebounced.v1"
    subject_template: ClassVar[str] = "dinet.evt.meldingen.melding.gebounced.v1"
    aggregate_field: ClassVar[str] = "melding_id"

    melding_id: UUID
    lid_id: UUID
    soort: Literal["hard", "zacht"] = Field(description="hard: the address does not work (5.x.x); zacht: for now (4.x.x).")
    status: str = Field(pattern=r"^[245]\.\d{1,3}\.\d{1,3}$", description="The enhanced status code (RFC 3463).")
    adres_geblokkeerd: bool = Field(description="Optional mail to this member stops until staff release the address.")
    ontvangen_op: Tijdstip
