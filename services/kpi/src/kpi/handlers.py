"""kpi's consumers and, per event type, the op that handles it: the one place to look.

The same table serves the live consumer (one event per unit of work, inside the chassis's inbox
transaction), a rebuild (thousands per unit of work) and a page that applies its own event at once.
"""

from __future__ import annotations

from dinet_chassis.handlers import Handlers, Op, dispatch
from dinet_contracts import CloudEvent
from dinet_contracts.events.activiteiten import (
    ActiviteitAfgelopen,
    ActiviteitGeannuleerd,
    ActiviteitGepland,
    ActiviteitGewijzigd,
    AanwezigheidGeregistreerd,
    FeedbackOntvangen,
)
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt, BeleidsplanGepubliceerd, ZelfevaluatieIngediend
from dinet_contracts.events.kpi import KpiDoelGewijzigd, KpiJaarAfgesloten, KpiJaarHeropend
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd, NieuwsbriefVerzonden
from dinet_contracts.events.registratie import (
    LidGeregistreerd,
    LidGewist,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)

from kpi.use_cases.projectie import (
    op_aanwezigheid_geregistreerd,
    op_activiteit,
    op_beleidsplan_aangemaakt,
    op_beleidsplan_gepubliceerd,
    op_feedback_ontvangen,
    op_kpi_doel_gewijzigd,
    op_kpi_jaar_afgesloten,
    op_kpi_jaar_heropend,
    op_lid_geregistreerd,
    op_lid_gewist,
    op_lid_kennisdeling_gewijzigd,
    op_lid_organisatie_gewijzigd,
    op_lid_uitgeschreven,
    op_nieuwsbrief_inschrijving_bevestigd,
    op_nieuwsbrief_verzonden,
    op_organisatie_bijgewerkt,
    op_zelfevaluatie_ingediend,
    Schrijfopdrachten,
    schrijfopdrachten,
)

# Per event type the op that turns it into write operations; any other type (registrations,
# mails sent, types this service does not know) changes no figure and is skipped.
PROJECTIE: dict[type, Op] = {
    LidGeregistreerd: op_lid_geregistreerd,
    LidOrganisatieGewijzigd: op_lid_organisatie_gewijzigd,
    LidUitgeschreven: op_lid_uitgeschreven,
    LidGewist: op_lid_gewist,
    LidKennisdelingGewijzigd: op_lid_kennisdeling_gewijzigd,
    OrganisatieBijgewerkt: op_organisatie_bijgewerkt,
    ActiviteitGepland: op_activiteit,
    ActiviteitGewijzigd: op_activiteit,
    ActiviteitGeannuleerd: op_activiteit,
    ActiviteitAfgelopen: op_activiteit,
    AanwezigheidGeregistreerd: op_aanwezigheid_geregistreerd,
    FeedbackOntvangen: op_feedback_ontvangen,
    NieuwsbriefVerzonden: op_nieuwsbrief_verzonden,
    NieuwsbriefInschrijvingBevestigd: op_nieuwsbrief_inschrijving_bevestigd,
    BeleidsplanAangemaakt: op_beleidsplan_aangemaakt,
    BeleidsplanGepubliceerd: op_beleidsplan_gepubliceerd,
    ZelfevaluatieIngediend: op_zelfevaluatie_ingediend,
    KpiDoelGewijzigd: op_kpi_doel_gewijzigd,
    KpiJaarAfgesloten: op_kpi_jaar_afgesloten,
    KpiJaarHeropend: op_kpi_jaar_heropend,
}

HANDLERS = {"kpi-projectie": Handlers(PROJECTIE, unit_of_work=schrijfopdrachten)}


async def vertaal(event: CloudEvent, w: Schrijfopdrachten) -> None:
    """Add the write operations `event` causes to `w` (a rebuild's thousands, or a page's one)."""
    # The prebuilt table: routing per type is looked up once, not again for every event.
    await dispatch(HANDLERS["kpi-projectie"], w, event)
