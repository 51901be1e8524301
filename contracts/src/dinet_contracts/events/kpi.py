"""Events published by `kpi`: targets and year closing, so they too can be rebuilt from the stream."""

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..envelope import Event
from ..types import Tijdstip


class KpiDoelGewijzigd(Event):
    """VVSG staff set (or cleared, `doel` null) the target of one KPI for one year."""

    event_type: ClassVar[str] = "be.dinet.kpi.doel_gewijzigd.v1"
    subject_template: ClassVar[str] = "dinet.evt.kpi.doel_gewijzigd.v1"
    aggregate_field: ClassVar[str] = "kpi_id"

    kpi_id: str = Field(min_length=1, max_length=100)
    jaar: int = Field(ge=2000, le=2100)
    doel: Decimal | None = None
    gewijzigd_op: Tijdstip


class KpiWaarde(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kpi_id: str
    waarde: Decimal
    doel: Decimal | None = None


class KpiJaarAfgesloten(Event):
    """The steering committee approved a year's figures; they are kept as they are."""

    event_type: ClassVar[str] = "be.dinet.kpi.jaar_afgesloten.v1"
    subject_template: ClassVar[str] = "dinet.evt.kpi.jaar_afgesloten.v1"
    aggregate_field: ClassVar[str] = "jaar"

    jaar: int = Field(ge=2000, le=2100)
    afgesloten_op: Tijdstip
    cijfers: list[KpiWaarde]


class KpiJaarHeropend(Event):
    """A closed year was explicitly re-opened, with the reason."""

    event_type: ClassVar[str] = "be.dinet.kpi.jaar_heropend.v1"
    subject_template: ClassVar[str] = "dinet.evt.kpi.jaar_heropend.v1"
    aggregate_field: ClassVar[str] = "jaar"

    jaar: int = Field(ge=2000, le=2100)
    heropend_op: Tijdstip
    reden: str = Field(min_length=1, max_length=1000)
