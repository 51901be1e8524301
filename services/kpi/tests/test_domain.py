"""The KPI rules without any I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from kpi import domain
from kpi.domain import Feiten, Lidmaatschap, Periode, Status
from kpi.grafiek import staafdiagram
from kpi.web import getal


def lid(soort: str, sinds: date, org: uuid.UUID | None = None, tot: date | None = None) -> Lidmaatschap:
    return Lidmaatschap(uuid.uuid4(), org or uuid.uuid4(), soort, sinds, tot)


def test_lopend_jaar_telt_tot_vandaag():
    p = domain.periode(2026, date(2026, 11, 23))
    assert p.peildatum == date(2026, 11, 23) and p.lopend
    assert domain.periode(2025, date(2026, 11, 23)).peildatum == date(2025, 12, 31)


@pytest.mark.parametrize("tekst", ["2017", "2027", "abcd", "202", "２０２５"])
def test_ongeldig_jaar(tekst):
    with pytest.raises(domain.OngeldigJaar):
        domain.lees_jaar(tekst, date(2026, 5, 1))


def test_leden_actief_op_peildatum():
    p = Periode(2025, date(2025, 12, 31))
    feiten = Feiten(
        lidmaatschappen=(
            lid("lokaal_bestuur", date(2024, 1, 1)),
            lid("lokaal_bestuur", date(2025, 12, 31)),
            lid("lokaal_bestuur", date(2026, 1, 1)),  # not yet a member on 31/12
            lid("igs", date(2024, 1, 1), tot=date(2025, 6, 30)),  # left during the year
        )
    )
    assert domain.od11_leden(feiten, p) == 2


def test_besturen_distinct_en_alleen_lokaal_bestuur_of_igs():
    p = Periode(2025, date(2025, 12, 31))
    gent, igs = uuid.uuid4(), uuid.uuid4()
    feiten = Feiten(
        lidmaatschappen=(
            lid("lokaal_bestuur", date(2025, 1, 1), gent),
            lid("lokaal_bestuur", date(2025, 2, 1), gent),
            lid("igs", date(2025, 1, 1), igs),
            lid("middenveldorganisatie", date(2025, 1, 1)),
            lid("bovenlokale_overheid", date(2025, 1, 1)),
        )
    )
    assert domain.od11_besturen(feiten, p) == 2


def test_jaargrens_in_belgische_tijd():
    p = Periode(2025, date(2025, 12, 31))
    oudjaar = domain.Beleidsplan(uuid.uuid4(), uuid.uuid4(), datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    assert domain.ctx_beleidsplannen_gestart(Feiten(beleidsplannen=(oudjaar,)), p) == 1


@pytest.mark.parametrize(
    ("waarde", "doel", "peildatum", "verwacht"),
    [
        (5, None, date(2025, 12, 31), Status.GEEN_DOEL),
        (2, 2, date(2025, 12, 31), Status.BEREIKT),
        (1, 2, date(2025, 12, 31), Status.ACHTER),
        (1, 2, date(2025, 7, 1), Status.OP_KOERS),  # not quite half the year gone, half the target reached
        (0, 2, date(2025, 7, 2), Status.ACHTER),
        (2, 2, date(2025, 1, 5), Status.BEREIKT),
    ],
)
def test_status_tegenover_doel(waarde, doel, peildatum, verwacht):
    assert domain.status(waarde, doel, Periode(2025, peildatum)) is verwacht


def test_jaaroverzicht_neemt_doelen_over():
    from decimal import Decimal

    p = Periode(2025, date(2025, 12, 31))
    overzicht = domain.jaaroverzicht(Feiten(), p, {"od11_leden": Decimal("700"), "andere": Decimal("1")})
    leden = overzicht.kpis[0]
    assert (leden.id, leden.waarde, leden.doel, leden.status) == ("od11_leden", 0, 700, Status.ACHTER)
    assert leden.status_label == "Achter op schema"
    assert [c.id for c in overzicht.context] == ["ctx_beleidsplannen_gestart", "ctx_nieuwsbrief_bevestigd"]


def test_staafdiagram_een_schaal_met_doelen():
    d = staafdiagram([("a", 100, None), ("b", 50, 200), ("c", 0, None)])
    a, b, c = d.staven
    assert b.doel_x is not None and b.doel_x > a.breedte  # the target sets the scale
    assert a.breedte == pytest.approx(2 * b.breedte, abs=0.2)
    assert c.breedte == 0
    assert a.y < b.y < c.y < d.hoogte
    assert max(s.waarde_x for s in d.staven) < d.breedte


def test_getal_in_nederlandse_notatie():
    assert getal(1234) == "1.234"
    assert getal(2.5) == "2,5"
    assert getal(1234.0) == "1.234"
    assert getal(None) == "–"
