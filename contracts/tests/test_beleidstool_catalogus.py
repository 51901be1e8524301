"""The beleidstool catalogue as versioned data, and the activity events (v2) that name its ids."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from dinet_contracts import beleidstool, parse
from dinet_contracts.events.activiteiten import ActiviteitGepland, ActiviteitGeplandV2, ActiviteitV2

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_de_huidige_catalogus_heeft_vier_pijlers_met_elk_hun_elementen():
    c = beleidstool.huidige()
    assert [p.code for p in c.pijlers] == ["TOE", "VAA", "DIE", "REG"]
    assert {p: len(c.elementen_van(p)) for p in beleidstool.PIJLER_CODES} == {"TOE": 7, "VAA": 7, "DIE": 9, "REG": 11}
    letterlijk = sorted(e.id for e in c.elementen if e.status == "letterlijk")
    assert letterlijk == ["DIE-01", "DIE-02", "DIE-03", "DIE-04", "REG-01", "REG-02", "REG-03", "REG-04"]
    assert c.element("REG-09").tags == ("fase:PE", "hefboom:participatie")
    assert all(p.indicatoren for p in c.pijlers)


def test_de_18_beleidsacties_in_drie_fasen_en_het_kompas():
    c = beleidstool.huidige()
    assert [code for code, _ in c.beleidsfasen] == ["VV", "CC", "PE"]
    assert [len(c.acties_van(f)) for f in ("VV", "CC", "PE")] == [6, 6, 6]
    zwakst = min(c.beleidsacties, key=lambda a: a.vlaanderen_procent)
    assert (zwakst.id, zwakst.vlaanderen_procent) == ("PE-3", 48)
    assert [k.code for k in c.kompas] == ["sterk", "midden", "zwak"]


def test_versies_staan_in_volgorde_en_verschillen_tonen_wat_een_plan_zou_veranderen():
    versies = beleidstool.alle_versies()
    assert [v.versie for v in versies] == ["2026.1-afgeleid", "2026.2-afgeleid"]
    assert beleidstool.versie("2026.1-afgeleid") is versies[0]
    verschil = beleidstool.verschillen(versies[0], versies[1])
    assert len(verschil) == 34 and {v.soort for v in verschil} == {"nieuw"}
    assert beleidstool.verschillen(versies[1], versies[0])[0].soort == "vervallen"
    assert beleidstool.verschillen(versies[1], versies[1]) == []


def test_een_v1_activiteit_wordt_gelezen_als_v2_zonder_de_nieuwe_velden():
    body = json.loads((EXAMPLES / "be.dinet.activiteit.gepland.v1.json").read_text())
    event = parse(body)
    assert event.type == "be.dinet.activiteit.gepland.v1"  # the envelope says what was sent
    assert isinstance(event.data, ActiviteitGeplandV2) and isinstance(event.data, ActiviteitGepland)
    a = event.data.activiteit
    assert (a.plaats, a.beschrijving, a.deelnamelink, a.pijlers, a.elementen) == (None, None, None, (), ())
    assert a.titel == body["data"]["activiteit"]["titel"]


def test_een_v2_activiteit_draagt_plaats_link_en_beleidselementen():
    event = parse((EXAMPLES / "be.dinet.activiteit.gepland.v2.json").read_text())
    a = event.data.activiteit
    assert a.pijlers == ("DIE",) and a.elementen == ("DIE-01", "DIE-09")
    assert a.deelnamelink.startswith("https://")


@pytest.mark.parametrize(
    ("veld", "waarde", "code"),
    [
        ("elementen", ["TOE-99"], "onbekend_element"),
        ("elementen", ["XYZ-01"], "string_pattern_mismatch"),
        ("elementen", ["TOE-01", "TOE-01"], "dubbel"),
        ("pijlers", ["MOB"], "literal_error"),
        ("deelnamelink", "http://niet-veilig.example", "string_pattern_mismatch"),
    ],
)
def test_een_v2_activiteit_noemt_alleen_wat_in_de_catalogus_staat(veld, waarde, code):
    a = json.loads((EXAMPLES / "be.dinet.activiteit.gepland.v2.json").read_text())["data"]["activiteit"]
    with pytest.raises(ValidationError) as err:
        ActiviteitV2.model_validate(a | {veld: waarde})
    assert code in {e["type"] for e in err.value.errors()}
