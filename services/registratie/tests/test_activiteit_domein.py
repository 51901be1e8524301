"""The rules of activities without I/O: form validation, lifecycle events, seats, hours, feedback."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from dinet_contracts.events.activiteiten import (
    ActiviteitAfgelopenV2 as ActiviteitAfgelopen,
    ActiviteitGeannuleerdV2 as ActiviteitGeannuleerd,
    ActiviteitGeplandV2 as ActiviteitGepland,
    ActiviteitGewijzigdV2 as ActiviteitGewijzigd,
)
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus

from dinet_chassis.errors import FieldProblem
from dinet_contracts.tijd import BRUSSEL

from registratie.activiteiten.domain import (
    ActiviteitGegevens,
    fout_aanwezigheid,
    fout_niet_open,
    formulier_waarden,
    gebeurtenis_voor,
    jaar_van,
    plaats_voor,
    snapshot,
    status_na_wijziging,
    valideer_feedback,
    valideer_formulier,
    valideer_uren,
    vat_feedback_samen,
    vrije_plaatsen,
)

ORG = uuid.uuid4()
GENT = uuid.uuid4()


def formulier(**over: str) -> dict[str, str]:
    return {
        "soort": "infosessie",
        "titel": "  Infosessie   digitale drempels ",
        "organisator_id": str(ORG),
        "trekker": "vvsg",
        "vorm": "fysiek",
        "start_datum": "2026-03-10",
        "start_tijd": "09:30",
        "einde_tijd": "12:00",
        "locatie": "Brussel",
    } | over


def test_a_one_day_activity_gets_its_duration_from_the_hours() -> None:
    g = valideer_formulier(formulier())
    assert isinstance(g, ActiviteitGegevens)
    assert g.titel == "Infosessie digitale drempels"
    assert g.start == datetime(2026, 3, 10, 9, 30, tzinfo=BRUSSEL)
    assert g.start.astimezone(UTC) == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)  # CET
    assert g.duur_uren == Decimal("2.50")
    assert g.capaciteit is None


def test_summer_time_and_belgian_date_and_hour_notation() -> None:
    g = valideer_formulier(formulier(start_datum="15/06/2026", start_tijd="9u", einde_tijd="12.15"))
    assert isinstance(g, ActiviteitGegevens)
    assert g.start.astimezone(UTC) == datetime(2026, 6, 15, 7, 0, tzinfo=UTC)  # CEST
    assert g.duur_uren == Decimal("3.25")


def test_a_multi_day_training_needs_its_duration() -> None:
    fouten = valideer_formulier(formulier(soort="meerdaagse_opleiding", einde_datum="2026-03-12"))
    assert [(f.veld, f.code) for f in fouten] == [("duur_uren", "verplicht")]
    g = valideer_formulier(
        formulier(soort="meerdaagse_opleiding", einde_datum="2026-03-12", duur_uren="18", vvsg_werkte_mee="ja")
    )
    assert isinstance(g, ActiviteitGegevens)
    assert g.duur_uren == Decimal("18.00") and g.vvsg_werkte_mee is True
    assert (g.einde - g.start).days == 2


def test_every_field_gets_a_dutch_message() -> None:
    fouten = valideer_formulier(
        {"start_datum": "31/02/2026", "start_tijd": "25:00", "capaciteit": "nul", "url": "www.vvsg.be", "duur_uren": "-1"}
    )
    assert isinstance(fouten, list)
    codes = {f.veld: f.code for f in fouten}
    assert codes == {
        "soort": "verplicht",
        "titel": "verplicht",
        "organisator_id": "verplicht",
        "trekker": "verplicht",
        "vorm": "verplicht",
        "start_datum": "ongeldige_datum",
        "start_tijd": "ongeldig_uur",
        "duur_uren": "ongeldig_getal",
        "capaciteit": "ongeldig_getal",
        "url": "ongeldige_url",
    }
    assert all(f.melding and f.melding[0].isupper() for f in fouten)


def test_end_before_start_is_refused() -> None:
    fouten = valideer_formulier(formulier(einde_tijd="08:00"))
    assert [(f.veld, f.code) for f in fouten] == [("einde_tijd", "einde_voor_start")]


def test_kind_specific_fields_are_required_or_dropped() -> None:
    fouten = valideer_formulier(formulier(soort="ondersteuning_op_maat"))
    assert {f.veld for f in fouten} == {"lokaal_bestuur_id", "ondersteuning", "methode"}
    g = valideer_formulier(
        formulier(soort="ondersteuning_op_maat", lokaal_bestuur_id=str(GENT), ondersteuning="Actieplan", methode="Coaching")
    )
    assert isinstance(g, ActiviteitGegevens) and g.lokaal_bestuur_id == GENT
    # A stray local government on an info session would be counted by od33: it is dropped.
    g = valideer_formulier(formulier(lokaal_bestuur_id=str(GENT), ondersteuning="x", vvsg_werkte_mee="ja"))
    assert isinstance(g, ActiviteitGegevens)
    assert g.lokaal_bestuur_id is None and g.ondersteuning is None and g.vvsg_werkte_mee is False


def test_form_values_round_trip() -> None:
    g = valideer_formulier(formulier(capaciteit="25", duur_uren="2,5", omschrijving="Over drempels."))
    assert isinstance(g, ActiviteitGegevens)
    assert valideer_formulier(formulier_waarden(g)) == g


@pytest.mark.parametrize(
    ("oud", "nieuw", "event"),
    [
        (None, ActiviteitStatus.GEPLAND, ActiviteitGepland),
        (None, ActiviteitStatus.AFGELOPEN, ActiviteitAfgelopen),
        (None, ActiviteitStatus.GEANNULEERD, ActiviteitGeannuleerd),
        (ActiviteitStatus.GEPLAND, ActiviteitStatus.GEPLAND, ActiviteitGewijzigd),
        (ActiviteitStatus.GEPLAND, ActiviteitStatus.VERPLAATST, ActiviteitGewijzigd),
        (ActiviteitStatus.VERPLAATST, ActiviteitStatus.AFGELOPEN, ActiviteitAfgelopen),
        (ActiviteitStatus.GEPLAND, ActiviteitStatus.GEANNULEERD, ActiviteitGeannuleerd),
        (ActiviteitStatus.AFGELOPEN, ActiviteitStatus.AFGELOPEN, ActiviteitGewijzigd),
    ],
)
def test_the_status_change_decides_the_event(oud, nieuw, event) -> None:
    assert gebeurtenis_voor(oud, nieuw) is event


def test_a_new_date_makes_it_moved_other_changes_do_not() -> None:
    g = valideer_formulier(formulier())
    later = valideer_formulier(formulier(start_datum="2026-04-10"))
    andere_titel = valideer_formulier(formulier(titel="Andere titel"))
    assert status_na_wijziging(ActiviteitStatus.GEPLAND, g, later) is ActiviteitStatus.VERPLAATST
    assert status_na_wijziging(ActiviteitStatus.GEPLAND, g, andere_titel) is ActiviteitStatus.GEPLAND
    assert status_na_wijziging(ActiviteitStatus.AFGELOPEN, g, later) is ActiviteitStatus.AFGELOPEN


def test_the_snapshot_has_no_description_or_place() -> None:
    g = valideer_formulier(formulier(omschrijving="Voor iedereen", capaciteit="20"))
    a = snapshot(uuid.uuid4(), 3, ActiviteitStatus.GEPLAND, g)
    velden = a.model_dump()
    assert velden["versie"] == 3 and velden["capaciteit"] == 20
    assert "omschrijving" not in velden and "locatie" not in velden


def test_seats_and_waitlist() -> None:
    assert plaats_voor(None, 1000) == "ingeschreven"
    assert plaats_voor(2, 1) == "ingeschreven"
    assert plaats_voor(2, 2) == "wachtlijst"
    assert vrije_plaatsen(2, 1, 5) == 1
    assert vrije_plaatsen(2, 3, 5) == 0  # capacity lowered below the registered: nobody loses a seat
    assert vrije_plaatsen(None, 10, 4) == 4
    assert vrije_plaatsen(10, 2, 3) == 3


def test_registration_closes_at_the_start() -> None:
    start = datetime(2026, 3, 10, 9, tzinfo=UTC)
    assert fout_niet_open(ActiviteitStatus.GEPLAND, ActiviteitSoort.INFOSESSIE, start, start - timedelta(minutes=1)) is None
    assert fout_niet_open(ActiviteitStatus.GEPLAND, ActiviteitSoort.INFOSESSIE, start, start).code == "inschrijving_gesloten"
    assert fout_niet_open(ActiviteitStatus.GEANNULEERD, ActiviteitSoort.INFOSESSIE, start, start - timedelta(days=1)).code == "activiteit_geannuleerd"
    assert fout_niet_open(ActiviteitStatus.GEPLAND, ActiviteitSoort.ARTIKEL_LOKAAL, start, start - timedelta(days=1)).code == "geen_inschrijvingen"


def test_attendance_from_the_day_itself_and_any_time_after() -> None:
    start = datetime(2025, 12, 10, 13, tzinfo=UTC)
    ochtend = datetime(2025, 12, 10, 7, tzinfo=UTC)
    assert fout_aanwezigheid(ActiviteitStatus.GEPLAND, ActiviteitSoort.INFOSESSIE, start, ochtend) is None
    assert fout_aanwezigheid(ActiviteitStatus.AFGELOPEN, ActiviteitSoort.INFOSESSIE, start, datetime(2026, 1, 20, tzinfo=UTC)) is None
    assert fout_aanwezigheid(ActiviteitStatus.GEPLAND, ActiviteitSoort.INFOSESSIE, start, start - timedelta(days=1)).code == "nog_niet_begonnen"
    assert jaar_van(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == 2026  # 00:30 on 1 January in Brussels


def test_partial_hours() -> None:
    duur = Decimal("3.00")
    assert valideer_uren(True, "", duur, "u") == duur
    assert valideer_uren(True, "1,5", duur, "u") == Decimal("1.50")
    assert valideer_uren(False, "2", duur, "u") == Decimal("0.00")
    assert isinstance(valideer_uren(True, "4", duur, "u"), FieldProblem)
    assert valideer_uren(True, "4", duur, "u").code == "meer_dan_duur"
    assert valideer_uren(True, "0", duur, "u").code == "ongeldig_getal"


def test_feedback_is_hidden_below_five_answers() -> None:
    verborgen = vat_feedback_samen([5, 1, 4, 4], ["Top", "Slecht"])
    assert verborgen.aantal == 4 and not verborgen.zichtbaar
    assert verborgen.gemiddelde is None and verborgen.teksten == () and verborgen.verdeling == ()
    zichtbaar = vat_feedback_samen([5, 1, 4, 4, 3], ["Top", "", "Slecht"])
    assert zichtbaar.zichtbaar and zichtbaar.gemiddelde == Decimal("3.4")
    assert dict(zichtbaar.verdeling) == {5: 1, 4: 2, 3: 1, 2: 0, 1: 1}
    assert zichtbaar.teksten == ("Slecht", "Top")


def test_feedback_form() -> None:
    assert valideer_feedback({"score": "4", "tekst": " Goed "}) == (4, "Goed")
    assert valideer_feedback({"score": "4"}) == (4, None)
    assert [f.code for f in valideer_feedback({"score": "6"})] == ["verplicht"]
    assert [f.code for f in valideer_feedback({"score": "3", "tekst": "x" * 2001})] == ["te_lang"]


def test_the_form_reads_join_link_pillars_and_elements() -> None:
    invoer = {
        "soort": "infosessie", "titel": "Digitale drempels", "organisator_id": str(uuid.uuid4()), "trekker": "vvsg",
        "vorm": "online", "start_datum": "2030-03-12", "start_tijd": "10:00", "einde_tijd": "12:00",
        "deelnamelink": "https://meet.example/abc", "pijlers": ["DIE"], "elementen": ["DIE-01", "DIE-09"],
    }
    g = valideer_formulier(invoer)
    assert not isinstance(g, list), g
    assert (g.deelnamelink, g.pijlers, g.elementen) == ("https://meet.example/abc", ("DIE",), ("DIE-01", "DIE-09"))
    fouten = valideer_formulier(invoer | {"deelnamelink": "meet.example", "pijlers": ["XXX"], "elementen": ["DIE-77"]})
    assert {(f.veld, f.code) for f in fouten} >= {
        ("deelnamelink", "ongeldige_url"), ("pijlers", "onbekende_pijler"), ("elementen", "onbekend_element")
    }
