"""toegang's credential use cases refuse wrong input with domain errors, every field at once,
before they touch the database (none is given here): milliseconds."""

from __future__ import annotations

import pytest
from dinet_chassis.errors import Invalid

from registratie.toegang import use_cases

pytestmark = pytest.mark.unit


async def test_a_token_needs_an_organisation_and_a_purpose() -> None:
    with pytest.raises(Invalid) as fout:
        await use_cases.geef_sleutel_uit(None, "", "   ", door="Medewerker (m1)")
    assert {(p.veld, p.code) for p in fout.value.problemen} == {("organisatie_id", "verplicht"), ("omschrijving", "verplicht")}


async def test_a_token_refuses_a_malformed_organisation_and_a_long_purpose() -> None:
    with pytest.raises(Invalid) as fout:
        await use_cases.geef_sleutel_uit(None, "gent", "x" * (use_cases.MAX_OMSCHRIJVING + 1), door="m1")
    assert {(p.veld, p.code) for p in fout.value.problemen} == {
        ("organisatie_id", "ongeldige_waarde"),
        ("omschrijving", "te_lang"),
    }


async def test_a_nats_user_needs_an_organisation() -> None:
    with pytest.raises(Invalid) as fout:
        await use_cases.geef_nats_gebruiker_uit(None, None, "", door="m1")  # type: ignore[arg-type]
    assert [(p.veld, p.code) for p in fout.value.problemen] == [("nats_organisatie_id", "verplicht")]
