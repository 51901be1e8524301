"""Activities, registrations, attendance and feedback, published by `registratie`.

No personal data: members appear only by their random `lid_id`, so the figures survive erasure.
Each activity event carries the whole activity as it is after the change (`activiteit`) with a
`versie` that grows with every change, so a consumer can ignore an older snapshot that arrives
late and needs no other event to know the activity's state.

Version 2 (`….v2`) adds place, description, join link and the beleidstool pillars/elements the
activity serves; registratie publishes v2, and `registry.parse` reads a v1 event as its v2 (the
new fields empty), so consumers handle one shape.
"""

from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..beleidstool import ELEMENT_ID_PATTERN, bekende_element_ids
from ..envelope import Event
from ..types import ActiviteitSoort, ActiviteitStatus, OrganisatieType, Tijdstip, Trekker, Uren, Vorm


class Activiteit(BaseModel):
    """An activity as the KPIs and the mails need it."""

    # JSON Schema cannot compare two fields: the schema states the rule in its own keyword.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"x-dinet-niet-voor": {"einde": "start"}})

    activiteit_id: UUID
    versie: int = Field(ge=1)
    soort: ActiviteitSoort
    titel: str = Field(min_length=1, max_length=300)
    organisator_id: UUID = Field(description="The organisation that organises (and publishes) it.")
    trekker: Trekker
    vorm: Vorm
    start: Tijdstip
    einde: Tijdstip = Field(description="Not before `start` (equal for a moment, e.g. a publication).")
    duur_uren: Uren
    capaciteit: int | None = Field(default=None, ge=0)
    status: ActiviteitStatus
    vvsg_werkte_mee: bool = Field(False, description="For trainings led by others: VVSG contributed.")
    lokaal_bestuur_id: UUID | None = Field(None, description="Advice or tailored support: for which local government.")
    ondersteuning: str | None = Field(None, max_length=2000, description="Tailored support: what was given.")
    methode: str | None = Field(None, max_length=500, description="Tailored support: how.")
    url: str | None = Field(None, max_length=500, description="Article or good practice: where it is published.")

    @field_validator("einde")
    @classmethod
    def _niet_voor_start(cls, einde: Any, info: ValidationInfo) -> Any:
        start = info.data.get("start")
        if start is not None and einde < start:
            raise PydanticCustomError("einde_voor_start", "Het einde mag niet voor het begin liggen.")
        return einde


class _ActiviteitEvent(Event):
    aggregate_field: ClassVar[str] = "activiteit_id"

    activiteit_id: UUID
    activiteit: Activiteit

    @model_validator(mode="after")
    def _zelfde_activiteit(self) -> "_ActiviteitEvent":
        # The subject (and a consumer's lock) is taken from `activiteit_id`: it must be the snapshot's.
        if self.activiteit_id != self.activiteit.activiteit_id:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "komt_niet_overeen", "data.activiteit_id moet gelijk zijn aan data.activiteit.activiteit_id."
                        ),
                        loc=("activiteit_id",),
                        input=str(self.activiteit_id),
                    )
                ],
            )
        return self


class ActiviteitGepland(_ActiviteitEvent):
    event_type: ClassVar[str] = "be.dinet.activiteit.gepland.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.gepland.v1"


class ActiviteitGewijzigd(_ActiviteitEvent):
    """Any change, including a move to another date (status `verplaatst` then `gepland` again)."""

    event_type: ClassVar[str] = "be.dinet.activiteit.gewijzigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.gewijzigd.v1"


class ActiviteitGeannuleerd(_ActiviteitEvent):
    event_type: ClassVar[str] = "be.dinet.activiteit.geannuleerd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.geannuleerd.v1"


class ActiviteitAfgelopen(_ActiviteitEvent):
    """The activity was held: from now on it counts."""

    event_type: ClassVar[str] = "be.dinet.activiteit.afgelopen.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.afgelopen.v1"


# --- version 2: what people need to find and join an activity, and what it serves --------------

PijlerCode = Literal["TOE", "VAA", "DIE", "REG"]
ElementId = Annotated[str, StringConstraints(pattern=ELEMENT_ID_PATTERN)]


class ActiviteitV2(Activiteit):
    """Version 1 plus where it takes place, what it is about, how to join online, and which
    pillars and policy elements of the beleidstool catalogue it serves (so a local government's
    plan can show it). Every new field is optional: a version-1 activity reads as one without."""

    plaats: str | None = Field(None, max_length=300, description="Address or venue, for people going there.")
    beschrijving: str | None = Field(None, max_length=5000, description="Plain text: what the activity is about.")
    deelnamelink: str | None = Field(
        None, max_length=500, pattern=r"^https://\S+$", description="Online activities: where to join (https)."
    )
    pijlers: tuple[PijlerCode, ...] = Field((), description="Pillars of the beleidstool catalogue it serves.")
    elementen: tuple[ElementId, ...] = Field(
        (), description="Policy elements of the beleidstool catalogue it serves (ids of any published catalogue version)."
    )

    @field_validator("pijlers", "elementen")
    @classmethod
    def _geen_dubbels(cls, waarden: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(waarden)) != len(waarden):
            raise PydanticCustomError("dubbel", "Elke waarde mag maar één keer voorkomen.")
        return waarden

    @field_validator("elementen")
    @classmethod
    def _in_catalogus(cls, waarden: tuple[str, ...]) -> tuple[str, ...]:
        onbekend = [w for w in waarden if w not in bekende_element_ids()]
        if onbekend:
            raise PydanticCustomError(
                "onbekend_element",
                "Deze beleidselementen staan niet in de catalogus: {onbekend}.",
                {"onbekend": ", ".join(onbekend)},
            )
        return waarden


class ActiviteitGeplandV2(ActiviteitGepland):
    event_type: ClassVar[str] = "be.dinet.activiteit.gepland.v2"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.gepland.v2"

    activiteit: ActiviteitV2


class ActiviteitGewijzigdV2(ActiviteitGewijzigd):
    """Any change, including a move to another date (status `verplaatst` then `gepland` again)."""

    event_type: ClassVar[str] = "be.dinet.activiteit.gewijzigd.v2"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.gewijzigd.v2"

    activiteit: ActiviteitV2


class ActiviteitGeannuleerdV2(ActiviteitGeannuleerd):
    event_type: ClassVar[str] = "be.dinet.activiteit.geannuleerd.v2"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.geannuleerd.v2"

    activiteit: ActiviteitV2


class ActiviteitAfgelopenV2(ActiviteitAfgelopen):
    """The activity was held: from now on it counts."""

    event_type: ClassVar[str] = "be.dinet.activiteit.afgelopen.v2"
    subject_template: ClassVar[str] = "dinet.evt.registratie.activiteit.afgelopen.v2"

    activiteit: ActiviteitV2


# Each version-1 activity event and the version it reads as (see `registry.parse`). A v2 event is
# also an instance of its v1 class, so a consumer matching on the v1 class keeps working.
OPVOLGERS: dict[type[Event], type[Event]] = {
    ActiviteitGepland: ActiviteitGeplandV2,
    ActiviteitGewijzigd: ActiviteitGewijzigdV2,
    ActiviteitGeannuleerd: ActiviteitGeannuleerdV2,
    ActiviteitAfgelopen: ActiviteitAfgelopenV2,
}


class InschrijvingGewijzigd(Event):
    """A registration's state after a change: ingeschreven, wachtlijst, geannuleerd."""

    event_type: ClassVar[str] = "be.dinet.inschrijving.gewijzigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.inschrijving.gewijzigd.v1"
    aggregate_field: ClassVar[str] = "inschrijving_id"

    inschrijving_id: UUID
    versie: int = Field(ge=1)
    activiteit_id: UUID
    lid_id: UUID
    organisatie_id: UUID
    organisatie_type: OrganisatieType
    status: str = Field(pattern="^(ingeschreven|wachtlijst|geannuleerd)$")
    gewijzigd_op: Tijdstip


class AanwezigheidGeregistreerd(Event):
    """Attendance as recorded by staff (again on every correction; the highest `versie` wins).

    `uren` is what the person attended: the activity's duration, or less when they left early;
    0 when `aanwezig` is false. Counts in the year the activity was held, whenever recorded.
    """

    event_type: ClassVar[str] = "be.dinet.aanwezigheid.geregistreerd.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.aanwezigheid.geregistreerd.v1"
    aggregate_field: ClassVar[str] = "activiteit_id"

    activiteit_id: UUID
    lid_id: UUID
    versie: int = Field(ge=1)
    organisatie_id: UUID
    organisatie_type: OrganisatieType
    aanwezig: bool
    uren: Uren
    geregistreerd_op: Tijdstip


class FeedbackOntvangen(Event):
    """A score after an activity. The free text stays in `registratie`."""

    event_type: ClassVar[str] = "be.dinet.feedback.ontvangen.v1"
    subject_template: ClassVar[str] = "dinet.evt.registratie.feedback.ontvangen.v1"
    aggregate_field: ClassVar[str] = "feedback_id"

    feedback_id: UUID
    activiteit_id: UUID
    activiteit_soort: ActiviteitSoort
    score: int = Field(ge=1, le=5)
    ontvangen_op: Tijdstip
