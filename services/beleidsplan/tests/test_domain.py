"""The beleidstool's rules without any I/O: forms of each step, history lines, thresholds."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dinet_contracts import beleidstool

from beleidsplan import domain
from beleidsplan.domain import OngeldigPlan, PlanElement, start_plan

CATALOGUS = beleidstool.huidige()


def test_plan_start_op_de_catalogusversie():
    org = uuid.uuid4()
    nu = datetime(2026, 3, 1, 9, tzinfo=UTC)
    plan = start_plan(titel="  Digitaal\nmee  ", organisatie_id=org, catalogus_versie="v1", nu=nu)
    assert (plan.titel, plan.organisatie_id, plan.catalogus_versie, plan.aangemaakt_op, plan.versie) == ("Digitaal mee", org, "v1", nu, 1)


@pytest.mark.parametrize(("titel", "code"), [("", "verplicht"), ("  \t ", "verplicht"), (None, "verplicht"), ("x" * 201, "te_lang")])
def test_ongeldige_titel(titel, code):
    with pytest.raises(OngeldigPlan) as fout:
        start_plan(titel=titel, organisatie_id=uuid.uuid4(), catalogus_versie="v1", nu=datetime.now(UTC))
    assert [f.code for f in fout.value.fouten] == [code]


def test_een_actie_met_alle_velden_van_de_specificatie():
    invoer = {
        "element_id": "TOE-04", "wat": "Laptops uitlenen via de bib", "eigenaar": "Dienst welzijn", "betrokken": "Bib, OCMW",
        "start": "15/03/2027", "einde": "2027-12-31", "budget": "12.500,50", "bbc_code": "0909", "doelgroep": "Ouderen",
        "indicator": "Uitgeleende laptops", "baseline": "0", "streefwaarde": "150", "bron": "Uitleenregister",
        "status": "oranje", "evaluatiedatum": "30/06/2027", "beleidsdoelstelling": "BD1", "actieplan": "AP1.2",
    }
    a = domain.lees_actie(invoer, ["TOE-04"])
    assert not isinstance(a, list), a
    assert (a.start, a.einde, a.budget, a.evaluatiedatum) == (date(2027, 3, 15), date(2027, 12, 31), Decimal("12500.50"), date(2027, 6, 30))
    assert domain.actie_waarden(a)["budget"] == "12.500,50"
    assert domain.lees_actie(domain.actie_waarden(a), ["TOE-04"], actie_id=a.actie_id) == a  # the form round-trips

    fouten = domain.lees_actie(invoer | {"element_id": "VAA-01", "wat": "", "einde": "01/01/2027", "budget": "veel", "status": "paars"}, ["TOE-04"])
    assert {(f.veld, f.code) for f in fouten} == {
        ("element_id", "onbekend_element"), ("wat", "verplicht"), ("einde", "einde_voor_start"),
        ("budget", "ongeldig_bedrag"), ("status", "ongeldige_status"),
    }


@pytest.mark.parametrize(
    ("tekst", "bedrag"),
    [("12.500", "12500.00"), ("12.500,50", "12500.50"), ("1.250.000", "1250000.00"), ("12.5", "12.50"), ("€ 300", "300.00"), ("2 000 euro", "2000.00")],
)
def test_bedragen_zoals_mensen_ze_hier_schrijven(tekst, bedrag):
    assert domain.lees_bedrag(tekst) == Decimal(bedrag)


def test_de_geschiedenis_zegt_wat_veranderde_in_woorden():
    a = domain.lees_actie({"element_id": "TOE-04", "wat": "Laptops", "budget": "100"}, ["TOE-04"])
    b = domain.lees_actie({"element_id": "TOE-04", "wat": "Laptops", "budget": "250", "status": "groen"}, ["TOE-04"], actie_id=a.actie_id)
    assert domain.actie_wijzigingen(a, b) == ["Budget (euro): € 100,00 werd € 250,00", "Stand: Rood werd Groen"]
    oud = {"TOE-01": PlanElement("TOE-01", "rood"), "VAA-02": PlanElement("VAA-02")}
    nieuw = {"TOE-01": PlanElement("TOE-01", "oranje", "", "kort"), "REG-01": PlanElement("REG-01")}
    assert domain.element_wijzigingen(oud, nieuw) == [
        "REG-01 gekozen", "VAA-02 niet meer gekozen", "TOE-01: stand Rood werd Oranje", "TOE-01: prioriteit (geen) werd Korte termijn",
    ]


def test_stappen_1_tot_3_lezen_alleen_wat_in_de_catalogus_staat():
    assert domain.lees_keuze({"elementen": ["TOE-01", "DIE-01", "TOE-01"]}, CATALOGUS) == ["TOE-01", "DIE-01"]
    assert domain.lees_keuze({"elementen": ["TOE-99"]}, CATALOGUS)[0].code == "onbekend_element"
    # An element of an older version the plan already had stays choosable.
    assert domain.lees_keuze({"elementen": ["TOE-99"]}, CATALOGUS, ["TOE-99"]) == ["TOE-99"]
    assert domain.lees_scores({"score-TOE-01": "rood", "notitie-TOE-01": "Niets"}, ["TOE-01"]) == {"TOE-01": ("rood", "Niets")}
    assert domain.lees_scores({"score-TOE-01": "paars"}, ["TOE-01"])[0].veld == "score-TOE-01"
    assert domain.lees_prioriteiten({"prioriteit-TOE-01": "kort"}, ["TOE-01", "DIE-01"]) == {"TOE-01": "kort", "DIE-01": None}


def test_zelfevaluatie_vergelijkt_pas_vanaf_vijf_organisaties():
    alles_wel = {a.id: "wel" for a in CATALOGUS.beleidsacties}
    assert domain.lees_zelfevaluatie(alles_wel, CATALOGUS) == alles_wel
    onvolledig = domain.lees_zelfevaluatie({"VV-1": "wel"}, CATALOGUS)
    assert len(onvolledig) == 17 and {f.code for f in onvolledig} == {"verplicht"}
    assert domain.aantal_wel(alles_wel | {"PE-3": "eerder_niet"}, CATALOGUS) == {"VV": 6, "CC": 6, "PE": 5}

    vier = domain.groep("klein", [alles_wel] * 4, CATALOGUS)
    assert not vier.zichtbaar and vier.procent_wel == {}
    vijf = domain.groep("klein", [alles_wel] * 3 + [{a.id: "niet" for a in CATALOGUS.beleidsacties}] * 2, CATALOGUS)
    assert vijf.zichtbaar and vijf.procent_wel["VV-1"] == 60


def test_het_overzicht_over_plannen_is_anoniem_en_zet_voorop_wat_het_netwerk_moet_programmeren():
    plannen = {uuid.uuid4(): [PlanElement("REG-09", "rood", "", "kort")] for _ in range(4)}
    assert domain.overzicht_over_plannen(plannen) is None
    plannen[uuid.uuid4()] = [PlanElement("TOE-01", "groen"), PlanElement("REG-09", "oranje")]
    rijen = domain.overzicht_over_plannen(plannen)
    assert [(r.element_id, r.gekozen, r.prioriteit, r.rood, r.oranje, r.groen) for r in rijen] == [
        ("REG-09", 5, 4, 4, 1, 0), ("TOE-01", 1, 0, 0, 0, 1),
    ]


def test_aanbod_voor_rood_of_geprioriteerd():
    assert domain.vraagt_aanbod(PlanElement("X", "rood"))
    assert domain.vraagt_aanbod(PlanElement("X", "groen", "", "lang"))
    assert not domain.vraagt_aanbod(PlanElement("X", "oranje", "", "niet_nu"))
