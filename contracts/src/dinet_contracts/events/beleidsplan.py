"""Events published by `beleidsplan`."""

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from ..beleidstool import ELEMENT_ID_PATTERN
from ..envelope import Event
from ..types import Tijdstip


class BeleidsplanAangemaakt(Event):
    """A local government started a digital-inclusion policy plan."""

    event_type: ClassVar[str] = "be.dinet.beleidsplan.aangemaakt.v1"
    subject_template: ClassVar[str] = "dinet.evt.beleidsplan.beleidsplan.aangemaakt.v1"
    aggregate_field: ClassVar[str] = "beleidsplan_id"

    beleidsplan_id: UUID
    organisatie_id: UUID
    titel: str = Field(min_length=1, max_length=200)
    catalogus_versie: str
    aangemaakt_op: Tijdstip


class BeleidsplanGepubliceerd(Event):
    """A local government published (adopted) its policy plan."""

    event_type: ClassVar[str] = "be.dinet.beleidsplan.gepubliceerd.v1"
    subject_template: ClassVar[str] = "dinet.evt.beleidsplan.beleidsplan.gepubliceerd.v1"
    aggregate_field: ClassVar[str] = "beleidsplan_id"

    beleidsplan_id: UUID
    organisatie_id: UUID
    gepubliceerd_op: Tijdstip


class ZelfevaluatieIngediend(Event):
    """A local government answered the self-assessment on the 18 imec policy actions for a year.

    Sent again when it revises that year's answers (same `zelfevaluatie_id`); counting local
    governments per year therefore counts organisations, not events. The answers stay in
    beleidsplan: only how many actions it does "(rather) yes" travels, per phase.
    """

    event_type: ClassVar[str] = "be.dinet.zelfevaluatie.ingediend.v1"
    subject_template: ClassVar[str] = "dinet.evt.beleidsplan.zelfevaluatie.ingediend.v1"
    aggregate_field: ClassVar[str] = "zelfevaluatie_id"

    zelfevaluatie_id: UUID
    organisatie_id: UUID
    jaar: int = Field(ge=2000, le=2100)
    catalogus_versie: str
    aantal_wel: dict[Literal["VV", "CC", "PE"], int] = Field(
        description="Per phase, how many of its six policy actions the government does (rather) yes."
    )
    ingediend_op: Tijdstip


class OndersteuningsnoodGesignaleerd(Event):
    """A local government asks VVSG for tailored support on an element of its plan.

    No names: VVSG contacts the organisation through the contacts it already knows. The question
    is the government's own words about its situation.
    """

    event_type: ClassVar[str] = "be.dinet.ondersteuningsnood.gesignaleerd.v1"
    subject_template: ClassVar[str] = "dinet.evt.beleidsplan.ondersteuningsnood.gesignaleerd.v1"
    aggregate_field: ClassVar[str] = "vraag_id"

    vraag_id: UUID
    organisatie_id: UUID
    beleidsplan_id: UUID
    element_id: Annotated[str, StringConstraints(pattern=ELEMENT_ID_PATTERN)]
    element_tekst: str = Field(min_length=1, max_length=500, description="The element as the plan shows it.")
    vraag: str = Field(min_length=1, max_length=2000)
    gesignaleerd_op: Tijdstip
