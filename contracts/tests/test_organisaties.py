"""The platform's one rule for organisation ids, which registratie and beleidsplan both use."""

from __future__ import annotations

import uuid

import pytest

from dinet_contracts.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel

pytestmark = pytest.mark.unit


def test_local_government_id_from_its_nis_code() -> None:
    gent = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
    assert organisatie_id_voor_nis("44021") == organisatie_id_voor_nis(44021) == organisatie_id_voor_nis(" 44021 ") == gent


@pytest.mark.parametrize("fout", ["4402", "440211", "4402a", "", "٤٤٠٢١"])
def test_a_nis_code_is_five_ascii_digits(fout: str) -> None:
    # The Arabic-Indic digits pass str.isdigit(): one copy of the rule accepted them, the other not.
    with pytest.raises(ValueError):
        organisatie_id_voor_nis(fout)


def test_other_organisations_from_their_key() -> None:
    assert organisatie_id_voor_sleutel(" vvsg ") == uuid.uuid5(uuid.NAMESPACE_URL, "urn:dinet:organisatie:vvsg")
