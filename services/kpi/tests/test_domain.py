"""The KPI rules without any I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from dinet_contracts.events.registratie import LidGewist

from kpi import domain
from kpi.domain import Periode, Status
from kpi.web.grafiek import staafdiagram
from kpi.web.paginas import getal


def test_lopend_jaar_telt_tot_vandaag():
    p = domain.periode(2026, date(2026, 11, 23))
    assert p.peildatum == date(2026, 11, 23) and p.lopend
    assert domain.periode(2025, date(2026, 11, 23)).peildatum == date(2025, 12, 31)


@pytest.mark.parametrize("tekst", ["2017", "2027", "abcd", "202", "２０２５"])
def test_ongeldig_jaar(tekst):
    with pytest.raises(domain.OngeldigJaar):
        domain.lees_jaar(tekst, date(2026, 5, 1))


def test_jaargrens_in_belgische_tijd():
    # 23:30 UTC on 31 December is already New Year in Brussels.
    assert domain.activiteit_jaar(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == 2025
    assert domain.activiteit_jaar(datetime(2025, 6, 30, 21, 59, tzinfo=UTC)) == 2025


def test_alleen_wat_afgelopen_is_telt():
    assert domain.activiteit_telt("afgelopen")
    assert not any(domain.activiteit_telt(s) for s in ("gepland", "geannuleerd", "verplaatst"))


@pytest.mark.parametrize(
    ("aanwezig", "uren", "duur", "verwacht"),
    [
        (False, "3", "3", "0"),  # registered or recorded absent: nothing
        (True, "1.5", "3", "1.5"),  # left halfway: the hours recorded
        (True, "0", "3", "3"),  # present, no hours recorded: the full duration
        (True, "5", "3", "3"),  # never more than the activity lasted
    ],
)
def test_deelnemersuren(aanwezig, uren, duur, verwacht):
    assert domain.deelnemersuren(aanwezig, Decimal(uren), Decimal(duur)) == Decimal(verwacht)


@pytest.mark.parametrize(
    ("opgegeven", "inwoners", "verwacht"),
    [(None, 19_999, "klein"), (None, 20_000, "middelgroot"), (None, 50_000, "middelgroot"), (None, 50_001, "groot"), ("klein", 90_000, "klein"), (None, None, None)],
)
def test_grootteklasse(opgegeven, inwoners, verwacht):
    assert domain.grootteklasse(opgegeven, inwoners) == verwacht


def test_gewist_lid_was_lid_tot_en_met_de_dag_zelf():
    # As when leaving: the erasure page promises "een lid ... tot vandaag", registratie keeps that day.
    def laatste_dag(gewist_op: datetime) -> date:
        return LidGewist(lid_id=uuid.uuid4(), gewist_op=gewist_op).laatste_lidmaatschapsdag

    assert laatste_dag(datetime(2025, 12, 31, 12, tzinfo=UTC)) == date(2025, 12, 31)
    # 23:30 UTC on 31 December is 00:30 on New Year's day in Brussels.
    assert laatste_dag(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 1, 1)


def test_doelen_van_medewerkers_winnen_en_kunnen_wegvallen():
    samen = domain.doelen_samenvoegen({"a": Decimal(2), "b": Decimal(1)}, {"a": Decimal(5), "b": None, "c": Decimal(3)})
    assert samen == {"a": Decimal(5), "c": Decimal(3)}


def test_afgesloten_jaar_houdt_goedgekeurd_cijfer_en_toont_verschil():
    p = Periode(2025, date(2025, 12, 31))
    afsluiting = domain.Afsluiting(2025, True, datetime(2026, 2, 1, tzinfo=UTC), {"x": (Decimal(2), Decimal(2))})
    c = domain.cijfer("x", "X", "X", 3, Decimal(2), p, afsluiting=afsluiting)
    assert (c.goedgekeurd, c.waarde, c.na_afsluiting, c.status) == (2, 3, 1, Status.BEREIKT)
    heropend = domain.Afsluiting(2025, False, datetime(2026, 3, 1, tzinfo=UTC), {}, "correctie")
    assert domain.cijfer("x", "X", "X", 3, None, p, afsluiting=heropend).goedgekeurd is None


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
