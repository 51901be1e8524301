"""toegang's credential use cases refuse wrong input with domain errors, every field at once,
before they touch the database (none is given here), and issue and revoke tokens on an
in-memory unit of work: milliseconds."""

from __future__ import annotations

import uuid

import pytest
from dinet_chassis.errors import Invalid
from dinet_chassis.uow import FakeUnitOfWork

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


class _FakeToegang:
    """In memory: the organisations that exist, the tokens issued and revoked."""

    def __init__(self, organisaties: dict) -> None:
        self.organisaties = organisaties
        self.sleutels: dict = {}

    async def organisatie_naam(self, organisatie_id):
        return self.organisaties.get(organisatie_id)

    async def maak_sleutel(self, organisatie_id, omschrijving, door):
        from registratie.toegang.domain import sleutels

        sleutel_id, nieuw = uuid.uuid4(), sleutels.nieuwe_sleutel()
        self.sleutels[sleutel_id] = {"organisatie_id": organisatie_id, "omschrijving": omschrijving, "door": door, "in": None}
        return sleutel_id, nieuw

    async def trek_sleutel_in(self, sleutel_id, door):
        sleutel = self.sleutels.get(sleutel_id)
        if sleutel is None or sleutel["in"] is not None:
            return False
        sleutel["in"] = door
        return True


class _FakeToegangUoW(FakeUnitOfWork):
    def __init__(self, toegang: _FakeToegang) -> None:
        super().__init__(source="/dinet/registratie")
        self.toegang = toegang


async def test_a_token_for_a_known_organisation_is_issued_once_and_revoked_once() -> None:
    gent = uuid.uuid4()
    toegang = _FakeToegang({gent: "Gent"})
    uitgegeven = await use_cases.geef_sleutel_uit(_FakeToegangUoW(toegang), str(gent), "  agenda   koppeling ", door="m1")
    assert (uitgegeven.organisatie_naam, toegang.sleutels[uitgegeven.sleutel_id]["omschrijving"]) == ("Gent", "agenda koppeling")
    uow = _FakeToegangUoW(toegang)
    assert await use_cases.trek_sleutel_in(uow, uitgegeven.sleutel_id, door="m2") and uow.committed
    assert not await use_cases.trek_sleutel_in(_FakeToegangUoW(toegang), uitgegeven.sleutel_id, door="m2")


async def test_an_unknown_organisation_is_refused_with_the_other_wrong_fields_and_nothing_is_issued() -> None:
    toegang = _FakeToegang({})
    uow = _FakeToegangUoW(toegang)
    with pytest.raises(Invalid) as fout:
        await use_cases.geef_sleutel_uit(uow, str(uuid.uuid4()), "", door="m1")
    assert [(p.veld, p.code) for p in fout.value.problemen] == [
        ("organisatie_id", "onbekende_organisatie"),
        ("omschrijving", "verplicht"),
    ]
    assert toegang.sleutels == {} and uow.rolled_back
