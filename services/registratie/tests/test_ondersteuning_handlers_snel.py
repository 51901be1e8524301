"""registratie's table for beleidsplan's support requests: which op a type reaches (milliseconds).
test_ondersteuningsvragen.py checks what the op writes, on the real servers."""

from __future__ import annotations

from dinet_chassis.handlers import Handlers
from dinet_contracts.events.beleidsplan import BeleidsplanGepubliceerd, OndersteuningsnoodGesignaleerd

from registratie.activiteiten.handlers import op_ondersteuningsnood_gesignaleerd
from registratie.handlers import HANDLERS


def test_a_support_request_reaches_its_op_and_nothing_else_does():
    tabel = Handlers(HANDLERS["registratie-ondersteuning"])
    assert tabel.op_for_type(OndersteuningsnoodGesignaleerd) is op_ondersteuningsnood_gesignaleerd
    assert tabel.op_for_type(BeleidsplanGepubliceerd) is None
