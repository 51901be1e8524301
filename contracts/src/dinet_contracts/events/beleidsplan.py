"""Events published by `beleidsplan`."""

from typing import ClassVar
from uuid import UUID

from pydantic import Field

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
