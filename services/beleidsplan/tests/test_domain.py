"""Plans, accounts, catalogue and organisation ids without any I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from beleidsplan import accounts, catalogus
from beleidsplan.domain import OngeldigPlan, start_plan
from beleidsplan.organisaties import organisatie_id_voor_nis


def test_organisatie_id_volgt_de_platformregel():
    assert organisatie_id_voor_nis("44021") == uuid.uuid5(
        uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021"
    )
    with pytest.raises(ValueError):
        organisatie_id_voor_nis("4402")


def test_plan_start_op_de_catalogusversie():
    org = uuid.uuid4()
    nu = datetime(2026, 3, 1, 9, tzinfo=UTC)
    plan = start_plan(titel="  Digitaal\nmee  ", organisatie_id=org, catalogus_versie="v1", nu=nu)
    assert (plan.titel, plan.organisatie_id, plan.catalogus_versie, plan.aangemaakt_op) == ("Digitaal mee", org, "v1", nu)


@pytest.mark.parametrize(("titel", "code"), [("", "verplicht"), ("  \t ", "verplicht"), (None, "verplicht"), ("x" * 201, "te_lang")])
def test_ongeldige_titel(titel, code):
    with pytest.raises(OngeldigPlan) as fout:
        start_plan(titel=titel, organisatie_id=uuid.uuid4(), catalogus_versie="v1", nu=datetime.now(UTC))
    assert [(f.veld, f.code) for f in fout.value.fouten] == [("titel", code)]


def test_demo_accounts_gehasht_en_gecontroleerd():
    demo = accounts.laad_demo()
    gent = demo.zoek("gent")
    assert gent is not None and gent.organisatie_id == organisatie_id_voor_nis("44021")
    assert {a.nis_code for a in demo} == {"44021", "24062", "71072"}
    assert b"demo" not in gent.wachtwoord_hash.hash
    assert demo.aanmelden("Gent ", "demo") is gent
    assert demo.aanmelden("gent", "Demo") is None
    assert demo.aanmelden("onbekend", "demo") is None
    assert len(accounts.geen()) == 0


def test_catalogus_heeft_versie_en_vier_pijlers():
    c = catalogus.laad()
    assert c.versie
    assert [p.code for p in c.pijlers] == ["TOE", "VAA", "DIE", "REG"]
