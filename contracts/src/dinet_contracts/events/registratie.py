"""Events published by `registratie`."""

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import EmailStr, Field

from ..envelope import Event
from ..types import OrganisatieType


class LidGeregistreerd(Event):
    """A person joined the network. Facts only: no name or address, so KPIs can keep it forever."""

    event_type: ClassVar[str] = "be.dinet.lid.geregistreerd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.lid.geregistreerd.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    organisatie_id: UUID
    organisatie_type: OrganisatieType
    lid_sinds: date = Field(description="First day of network membership.")
    nieuwsbrief: bool = Field(description="Whether the member asked for the newsletter (to be confirmed).")


class LidContactgegevens(Event):
    """The personal data a delivery service needs to reach a member.

    Lives on its own stream, one subject per member, so erasure can purge every copy.
    """

    event_type: ClassVar[str] = "be.dinet.lid.contactgegevens.v1"
    subject_template: ClassVar[str] = "dinet.pii.lid.{lid_id}.contactgegevens.v1"
    aggregate_field: ClassVar[str] = "lid_id"
    contains_personal_data: ClassVar[bool] = True

    lid_id: UUID
    naam: str = Field(min_length=1, max_length=200)
    email: EmailStr
    nieuwsbrief: bool
    aanleiding: str = Field(description="Why the data was sent: 'registratie' or 'wijziging'.")
