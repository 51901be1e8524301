"""Staff's commands refuse with domain errors (a kind and a stable code, no HTTP), before they
touch the database: no database here, milliseconds."""

from __future__ import annotations

from datetime import date

import pytest

from dinet_chassis.errors import Conflict, FieldProblem, Invalid
from kpi import domain
from kpi.use_cases import opdrachten
from kpi.catalogus import KPIS, PLANJAREN

pytestmark = pytest.mark.unit

GEEN_DATABANK = None  # every refusal below comes before the first query


async def test_wrong_targets_are_named_all_at_once() -> None:
    ingevuld = {KPIS[0].id: "veel", KPIS[1].id: "-3", KPIS[2].id: "12,5"}
    with pytest.raises(Invalid) as fout:
        await opdrachten.wijzig_doelen(GEEN_DATABANK, min(PLANJAREN), ingevuld, "/dinet/kpi")
    assert [(p.veld, p.code) for p in fout.value.problemen] == [(KPIS[0].id, "ongeldig_doel"), (KPIS[1].id, "ongeldig_doel")]
    assert fout.value.problemen[1].melding == f"{KPIS[1].kort}: Een doel is een getal van 0 of meer."


async def test_a_year_outside_the_plan_is_invalid() -> None:
    with pytest.raises(Invalid) as fout:
        await opdrachten.wijzig_doelen(GEEN_DATABANK, max(PLANJAREN) + 1, {}, "/dinet/kpi")
    assert fout.value.problemen == (FieldProblem("jaar", "ongeldig_jaar", "Kies een jaar van het meerjarenplan."),)


async def test_closing_a_running_year_is_a_conflict() -> None:
    lopend = domain.lees_jaar(None, date.today())
    with pytest.raises(Conflict) as fout:
        await opdrachten.sluit_af(GEEN_DATABANK, lopend, "/dinet/kpi")
    assert fout.value.code == "jaar_loopt" and fout.value.fout.veld == "jaar"
    assert not hasattr(fout.value, "status")


@pytest.mark.parametrize("reden, code", [("  ", "reden_ontbreekt"), ("x" * 1001, "reden_te_lang")])
async def test_reopening_needs_a_reason(reden: str, code: str) -> None:
    with pytest.raises(Invalid) as fout:
        await opdrachten.heropen(GEEN_DATABANK, 2025, reden, "/dinet/kpi")
    assert (fout.value.code, fout.value.fout.veld) == (code, "reden")
    assert isinstance(fout.value, opdrachten.Geweigerd)  # pages still catch the one type
