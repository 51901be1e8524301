"""beleidsplan's use cases on an in-memory unit of work: what each writes, publishes and refuses.
No database, no bus: milliseconds each. The same flows run on the real servers in
test_plan_stappen.py and test_netwerk_en_zelfevaluatie.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from dinet_chassis.errors import Conflict, FieldProblem, Invalid, NotFound
from dinet_contracts import beleidstool
from dinet_contracts.events.beleidsplan import (
    BeleidsplanAangemaakt,
    BeleidsplanGepubliceerd,
    OndersteuningsnoodGesignaleerd,
    ZelfevaluatieIngediend,
)

from beleidsplan import use_cases as uc
from beleidsplan.domain import PlanElement

pytestmark = pytest.mark.unit

GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
NU = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CATALOGUS = beleidstool.huidige()
E1, E2 = CATALOGUS.elementen[0].id, CATALOGUS.elementen[1].id


async def _plan(uow):
    plan = await uc.start_plan(uc.StartPlan(GENT, "  Digitaal\nmee  ", "Griet"), uow)
    uow.published.clear()
    return plan


async def test_starting_a_plan_stores_it_and_publishes_once_committed(nep_uow) -> None:
    uow = nep_uow(clock=lambda: NU)
    plan = await uc.start_plan(uc.StartPlan(GENT, "  Digitaal\nmee  ", "Griet"), uow)
    assert uow.committed and (plan.titel, plan.aangemaakt_op, plan.catalogus_versie) == ("Digitaal mee", NU, CATALOGUS.versie)
    assert uow.published == [
        BeleidsplanAangemaakt(beleidsplan_id=plan.beleidsplan_id, organisatie_id=GENT, titel="Digitaal mee",
                              catalogus_versie=CATALOGUS.versie, aangemaakt_op=NU)
    ]
    assert uow.plannen.historiek == [(plan.beleidsplan_id, "Griet", f"Plan gestart op catalogusversie {CATALOGUS.versie}")]


async def test_a_plan_without_title_is_refused_before_anything_is_written(nep_uow) -> None:
    uow = nep_uow(clock=lambda: NU)
    with pytest.raises(Invalid) as fout:
        await uc.start_plan(uc.StartPlan(GENT, " \n ", "Griet"), uow)
    assert fout.value.problemen == (FieldProblem("titel", "verplicht", "Geef je beleidsplan een titel."),)
    assert uow.published == [] and uow.plannen.plannen == {}


async def test_a_change_on_an_old_version_is_a_conflict_and_writes_nothing(nep_uow) -> None:
    uow = nep_uow(clock=lambda: NU)
    plan = await _plan(uow)
    await uc.bewaar_elementen(uc.BewaarElementen(plan.beleidsplan_id, 1, "Griet", {E1: PlanElement(E1)}), uow)
    assert (await uow.plannen.plan(plan.beleidsplan_id)).versie == 2
    # A colleague's form, opened on version 1.
    with pytest.raises(Conflict) as fout:
        await uc.bewaar_elementen(uc.BewaarElementen(plan.beleidsplan_id, 1, "Piet", {E2: PlanElement(E2)}), uow)
    assert fout.value.code == "versie_conflict" and fout.value.huidige_versie == 2
    assert uow.rolled_back and list(await uow.plannen.elementen(plan.beleidsplan_id)) == [E1]
    assert [w for _, wie, w in uow.plannen.historiek if wie == "Piet"] == []


async def test_publishing_twice_says_so_in_the_history_and_publishes_each_time(nep_uow) -> None:
    uow = nep_uow(clock=lambda: NU)
    plan = await _plan(uow)
    await uc.publiceer(uc.Publiceer(plan.beleidsplan_id, 1, "Griet"), uow)
    await uc.publiceer(uc.Publiceer(plan.beleidsplan_id, 2, "Griet"), uow)
    assert uow.published == [BeleidsplanGepubliceerd(beleidsplan_id=plan.beleidsplan_id, organisatie_id=GENT, gepubliceerd_op=NU)] * 2
    assert [w for *_, w in uow.plannen.historiek][-2:] == ["Plan gepubliceerd", "Plan opnieuw gepubliceerd"]


async def test_a_support_request_names_every_wrong_field_then_signals_with_the_elements_text(nep_uow) -> None:
    uow = nep_uow(clock=lambda: NU)
    plan = await _plan(uow)
    await uc.bewaar_elementen(uc.BewaarElementen(plan.beleidsplan_id, 1, "Griet", {E1: PlanElement(E1)}), uow)
    with pytest.raises(Invalid) as fout:
        await uc.vraag_ondersteuning(uc.VraagOndersteuning(plan.beleidsplan_id, "Griet", E2, "  "), uow)
    assert [(p.veld, p.code) for p in fout.value.problemen] == [("element_id", "onbekend_element"), ("vraag", "verplicht")]
    assert uow.published == []
    vraag_id = await uc.vraag_ondersteuning(uc.VraagOndersteuning(plan.beleidsplan_id, "Griet", E1, " Hoe begin ik? "), uow)
    (signaal,) = uow.published
    assert isinstance(signaal, OndersteuningsnoodGesignaleerd)
    assert (signaal.vraag_id, signaal.element_id, signaal.vraag, signaal.element_tekst) == (vraag_id, E1, "Hoe begin ik?", CATALOGUS.elementen[0].tekst)
    # No new version: a request changes nothing in the plan itself.
    assert (await uow.plannen.plan(plan.beleidsplan_id)).versie == 2


async def test_a_plan_by_api_reports_title_elements_and_actions_at_once(nep_uow) -> None:
    uow = nep_uow(clock=lambda: NU)
    cmd = uc.MaakPlanAan(
        GENT, "", "Griet", elementen=[PlanElement(E1), PlanElement(E1)],
        acties=[{"element_id": E2, "wat": ""}],
    )
    with pytest.raises(Invalid) as fout:
        await uc.maak_plan_aan(cmd, uow)
    assert [(p.veld, p.code) for p in fout.value.problemen] == [
        ("titel", "verplicht"), ("elementen", "dubbel"), ("acties.0.element_id", "onbekend_element"), ("acties.0.wat", "verplicht"),
    ]
    assert uow.published == [] and uow.plannen.plannen == {}


async def test_a_self_assessment_counts_in_the_belgian_year(nep_uow) -> None:
    # 23:30 UTC on New Year's Eve is already the next year in Belgium.
    uow = nep_uow(clock=lambda: datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    await uow.plannen.bewaar_organisatie({"organisatie_id": GENT, "versie": 1, "naam": "Gent", "nis_code": "44021",
                                           "provincie": "Oost-Vlaanderen", "inwoners": 260000, "grootteklasse": "groot"})
    antwoorden = {a.id: "wel" for a in CATALOGUS.beleidsacties}
    jaar = await uc.dien_zelfevaluatie_in(uc.DienZelfevaluatieIn(GENT, antwoorden), uow)
    assert jaar == 2027
    (event,) = uow.published
    assert isinstance(event, ZelfevaluatieIngediend) and event.jaar == 2027
    assert sum(event.aantal_wel.values()) == len(CATALOGUS.beleidsacties)
    assert uow.plannen.zelfevaluaties[(GENT, 2027)]["provincie"] == "Oost-Vlaanderen"


async def test_an_unknown_plan_is_not_found(nep_uow) -> None:
    with pytest.raises(NotFound):
        await uc.publiceer(uc.Publiceer(uuid.uuid4(), 1, "Griet"), nep_uow())
