"""beleidsplan's handler table: which op each event type reaches, without servers (milliseconds).
test_netwerk_en_zelfevaluatie.py checks what the ops write, on the real servers."""

from __future__ import annotations

from dinet_chassis.handlers import Handlers
from dinet_contracts.envelope import Event
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import LidGeregistreerd, OrganisatieBijgewerkt

from beleidsplan import handlers
from beleidsplan.handlers import HANDLERS


def test_every_activity_version_reaches_the_activity_op_and_other_types_none():
    tabel = Handlers(HANDLERS["beleidsplan-aanbod"])
    for cls in (
        act.ActiviteitGepland, act.ActiviteitGeplandV2, act.ActiviteitGewijzigd, act.ActiviteitGewijzigdV2,
        act.ActiviteitGeannuleerd, act.ActiviteitGeannuleerdV2, act.ActiviteitAfgelopen, act.ActiviteitAfgelopenV2,
    ):
        assert tabel.op_for_type(cls) is handlers.op_activiteit, cls.__name__
    assert tabel.op_for_type(OrganisatieBijgewerkt) is handlers.op_organisatie_bijgewerkt
    assert tabel.op_for_type(LidGeregistreerd) is None
    assert tabel.op_for_type(Event) is None
