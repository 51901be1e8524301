"""The envelope model of each event type is built once per process, not again after a GC pass.

pydantic holds `CloudEvent[X]` only weakly; when the collector took it, every later parse paid
for building the model and its validator again (a profile of the kpi rebuild: 10 of its 17
seconds on 30 000 events)."""

from __future__ import annotations

import gc
import uuid
import weakref
from datetime import UTC, date, datetime

from dinet_contracts import parse, wrap
from dinet_contracts.events.registratie import LidGeregistreerd, OrganisatieType


def _event() -> LidGeregistreerd:
    return LidGeregistreerd(
        lid_id=uuid.uuid4(),
        organisatie_id=uuid.uuid4(),
        organisatie_type=next(iter(OrganisatieType)),
        lid_sinds=date(2026, 1, 5),
        nieuwsbrief=False,
    )


def _weak_model_of_parsed(body: bytes) -> weakref.ref:
    # Only a weak reference leaves this frame, as in a consumer that handled the event.
    return weakref.ref(type(parse(body)))


def test_parse_keeps_using_the_same_envelope_model_after_garbage_collection():
    body = wrap(_event(), source="test", time=datetime.now(UTC)).model_dump_json().encode()
    model = _weak_model_of_parsed(body)
    gc.collect()
    assert model() is not None, "the envelope model was collected and will be rebuilt on the next parse"
    assert type(parse(body)) is model()


def test_wrap_keeps_using_the_same_envelope_model_after_garbage_collection():
    model = weakref.ref(type(wrap(_event(), source="test")))
    gc.collect()
    assert model() is not None
    assert type(wrap(_event(), source="test")) is model()
