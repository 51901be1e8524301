"""Events published by `registratie`."""

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import EmailStr, Field

from ..envelope import Event
from ..tijd import lokale_datum
from ..types import OrganisatieType, Tijdstip


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


class LidContactgegevensV2(LidContactgegevens):
    """Version 2 adds the member's consent to network mail (invitations to activities), which the
    sign-up form asks next to the newsletter. A version-1 event reads as this one with `uitnodigingen`
    empty: it said nothing about that consent, so a consumer keeps what it knew."""

    event_type: ClassVar[str] = "be.dinet.lid.contactgegevens.v2"
    subject_template: ClassVar[str] = "dinet.pii.lid.{lid_id}.contactgegevens.v2"

    uitnodigingen: bool | None = Field(
        default=None,
        description="Consent to network mail (invitations to activities): true given, false withdrawn, null not said.",
    )


# Contact data, version 1 and its successor: consumers read both as the newest.
CONTACT_OPVOLGERS: dict[type[Event], type[Event]] = {LidContactgegevens: LidContactgegevensV2}


class LidOrganisatieGewijzigd(Event):
    """A member now works for another organisation (from `vanaf` on)."""

    event_type: ClassVar[str] = "be.dinet.lid.organisatie_gewijzigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.lid.organisatie_gewijzigd.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    organisatie_id: UUID
    organisatie_type: OrganisatieType
    vanaf: date


class LidUitgeschreven(Event):
    """A member left the network; membership ends after `lid_tot`."""

    event_type: ClassVar[str] = "be.dinet.lid.uitgeschreven.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.lid.uitgeschreven.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    lid_tot: date


class LidKennisdelingGewijzigd(Event):
    """A member joined (`lid` true) or left the online knowledge-sharing space on `datum`."""

    event_type: ClassVar[str] = "be.dinet.lid.kennisdeling_gewijzigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.lid.kennisdeling_gewijzigd.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    lid: bool
    datum: date


class LidGewist(Event):
    """The member asked to be erased: every service removes what it holds about this person.

    Figures keep the random `lid_id`, which no longer leads to anyone once the data are gone.
    """

    event_type: ClassVar[str] = "be.dinet.lid.gewist.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.lid.gewist.v1"
    aggregate_field: ClassVar[str] = "lid_id"

    lid_id: UUID
    gewist_op: Tijdstip

    @property
    def laatste_lidmaatschapsdag(self) -> date:
        """Being erased is leaving the network that (Belgian) day: the person was a member up to
        and including it, as with `LidUitgeschreven` and `lid_tot` today. The erasure page
        promises exactly this ("een lid ... tot vandaag"); registratie and kpi both use it."""
        return lokale_datum(self.gewist_op)


class OrganisatieBijgewerkt(Event):
    """An organisation as it is now (new or changed): what figures are split by. No persons."""

    event_type: ClassVar[str] = "be.dinet.organisatie.bijgewerkt.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.organisatie.bijgewerkt.v1"
    aggregate_field: ClassVar[str] = "organisatie_id"

    organisatie_id: UUID
    versie: int = Field(ge=1)
    naam: str = Field(min_length=1, max_length=300)
    type: OrganisatieType
    nis_code: str | None = Field(None, pattern=r"^\d{5}$")
    provincie: str | None = None
    inwoners: int | None = Field(None, ge=0)
    grootteklasse: str | None = Field(None, pattern="^(klein|middelgroot|groot)$")
