"""beleidsplan's consumers and, per event type, the op that handles it: the one place to look."""

from __future__ import annotations

from dinet_contracts.events.activiteiten import (
    ActiviteitAfgelopen,
    ActiviteitGeannuleerd,
    ActiviteitGepland,
    ActiviteitGewijzigd,
)
from dinet_contracts.events.registratie import OrganisatieBijgewerkt

from .aanbod import op_activiteit, op_organisatie_bijgewerkt

HANDLERS = {
    "beleidsplan-aanbod": {
        OrganisatieBijgewerkt: op_organisatie_bijgewerkt,
        # A version-1 key also catches its version 2 (a subclass), the only one an op ever sees.
        ActiviteitGepland: op_activiteit,
        ActiviteitGewijzigd: op_activiteit,
        ActiviteitGeannuleerd: op_activiteit,
        ActiviteitAfgelopen: op_activiteit,
    },
}
