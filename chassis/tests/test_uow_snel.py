"""The fake unit of work and the domain errors: no database, milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dinet_chassis.errors import Conflict, DomainError, FieldProblem, Forbidden, Invalid, NotFound
from dinet_chassis.uow import FakeUnitOfWork
from dinet_chassis.web import FieldError

pytestmark = pytest.mark.unit


def _event(kit):
    return kit.lid_event()


async def test_fake_records_what_a_clean_block_publishes(kit) -> None:
    uow = FakeUnitOfWork(source="/dinet/proef", clock=lambda: datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=1))))
    calls: list[str] = []
    event = _event(kit)
    async with uow:
        event_id = await uow.publish(event, event_id="vast-id")
        uow.on_commit(lambda: calls.append("na"))
        assert calls == []
    assert uow.committed and not uow.rolled_back
    assert uow.published == [event] and uow.published_ids == [event_id] == ["vast-id"]
    assert calls == ["na"]
    assert uow.now() == datetime(2026, 1, 1, 9, tzinfo=UTC) and uow.now().tzinfo is UTC


async def test_fake_keeps_nothing_of_a_block_that_raised(kit) -> None:
    uow = FakeUnitOfWork()
    async with uow:
        await uow.publish(_event(kit))
    calls: list[str] = []
    with pytest.raises(Conflict):
        async with uow:
            await uow.publish(_event(kit))
            async with uow:  # nested: joins
                await uow.publish(_event(kit))
            uow.on_commit(lambda: calls.append("nooit"))
            raise Conflict("bestaat_al", "Dit bestaat al.")
    assert uow.rolled_back and len(uow.published) == 1 and calls == []


def test_clock_without_time_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        FakeUnitOfWork(clock=lambda: datetime(2026, 1, 1)).now()


def test_domain_errors_carry_code_message_and_fields_no_status() -> None:
    fout = Invalid(problemen=[FieldProblem("email", "verplicht", "Vul je e-mailadres in."),
                              FieldProblem("naam", "verplicht", "Vul je naam in.")])
    assert fout.code == "ongeldige_gegevens" and len(fout.problemen) == 2
    assert fout.melding == "Verbeter de velden in `errors` en probeer opnieuw."
    een = Conflict.veld("email", "email_bestaat_al", "Dit e-mailadres is al lid.")
    assert (een.code, een.melding) == ("email_bestaat_al", "Dit e-mailadres is al lid.")
    assert een.problemen == (FieldProblem("email", "email_bestaat_al", "Dit e-mailadres is al lid."),)
    assert NotFound().code == "niet_gevonden" and Forbidden().code == "geen_toegang"
    assert isinstance(een, DomainError) and not hasattr(een, "status")
    assert FieldError is FieldProblem  # the web layer's old name is the same class
