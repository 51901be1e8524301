"""Shared pieces for the chassis tests: a throw-away schema, a consumer definition, events."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from dinet_contracts import wrap
from dinet_contracts.events.registratie import LidGeregistreerd
from dinet_contracts.topology import EVENTS, ConsumerDef

from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.db import Database
from dinet_chassis.logging import configure_logging
from dinet_chassis.migrations import migrate
from dinet_chassis.tracing import setup_tracing

SOURCE = "/dinet/proef"


def lid_event(**overrides) -> LidGeregistreerd:
    values = dict(
        lid_id=uuid.uuid4(),
        organisatie_id=uuid.uuid4(),
        organisatie_type="lokaal_bestuur",
        lid_sinds=date(2026, 3, 1),
        nieuwsbrief=False,
    )
    values.update(overrides)
    return LidGeregistreerd(**values)


def cloud_event_bytes(event=None, event_id: str | None = None) -> tuple[str, bytes]:
    envelope = wrap(event or lid_event(), source=SOURCE, event_id=event_id)
    return envelope.id, envelope.model_dump_json().encode()


def test_consumer(max_attempts: int = 3, backoff=(0.05, 0.1)) -> ConsumerDef:
    return ConsumerDef(
        durable="proef",
        service="proef",
        stream=EVENTS.name,
        filter_subjects=(LidGeregistreerd.subject_template,),
        max_attempts=max_attempts,
        backoff_seconds=backoff,
    )


test_consumer.__test__ = False  # a factory, not a test


class Kit:
    """The helpers above, handed to tests as a fixture (test modules cannot import conftest)."""

    SOURCE = SOURCE
    lid_event = staticmethod(lid_event)
    cloud_event_bytes = staticmethod(cloud_event_bytes)
    consumer_def = staticmethod(test_consumer)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit


@pytest.fixture
async def db(database_url):
    configure_logging("proef")
    setup_tracing("proef")
    database = Database(database_url, "proef")
    await migrate(database, None)
    async with database.transaction() as conn:
        from sqlalchemy import text

        await conn.execute(text("CREATE TABLE effect (event_id text, lid_id text)"))
    yield database
    await database.dispose()


@pytest.fixture
async def bus(nats_server):
    nc = await connect(nats_server.url)
    js = nc.jetstream()
    await ensure_streams(js)
    yield nc, js
    await nc.close()
