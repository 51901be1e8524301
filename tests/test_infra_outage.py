"""An outage of a service's own infrastructure is not a message failure: the KPI service waits
out a PostgreSQL outage without dead-lettering what arrives meanwhile, and its readiness says
what is down while it lasts."""

from __future__ import annotations

import asyncio
import time

from dinet_contracts import wrap

from dinet_chassis import deadletter
from dinet_chassis.testing import wait_until


async def test_postgres_down_longer_than_the_retry_budget_loses_no_event_to_the_dead_letters(
    start_service, http, stoppable_postgres, hulp
):
    from kpi.main import DEFINITION

    # Retry budget: 5 tries with 0.05 + 0.1 + 0.1 + 0.1 s of backoff, ack_wait 2 s; the outage
    # below lasts longer than both, so the old behaviour dead-lettered every event of it.
    async with start_service(
        DEFINITION, database_url=stoppable_postgres.url(), ack_wait=2, consumer_backoff=(0.05, 0.1)
    ) as kpi:
        js = kpi.js
        client = http(kpi)
        consumer = next(c for c in kpi.consumers if c.definition.durable == "kpi-projectie")

        ready = await client.get("/kpi/health/ready")
        assert ready.status_code == 200 and ready.json()["controles"]["database"] == {"werkt": True}

        stoppable_postgres.stop()
        down_at = time.monotonic()
        for _ in range(20):
            envelope = wrap(hulp.lid(), source="/dinet/registratie")
            event = envelope.data
            await js.publish(
                event.nats_subject(), envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": envelope.id}
            )
            await asyncio.sleep(0.1)
        await wait_until(lambda: consumer.status()["gepauzeerd"], timeout=5)

        started = time.monotonic()
        ready = await client.get("/kpi/health/ready")
        assert time.monotonic() - started < 3  # a probe answers quickly, also when the database is gone
        assert ready.status_code == 503
        assert ready.headers["content-type"] == "application/problem+json"
        problem = ready.json()
        assert problem["code"] == "niet_klaar" and problem["status"] == 503
        assert problem["controles"]["database"]["werkt"] is False
        assert problem["controles"]["nats"] == {"werkt": True}
        assert "database" in problem["detail"]
        assert any(c["consument"] == "kpi-projectie" and c["gepauzeerd"] for c in problem["consumenten"])
        assert (await client.get("/kpi/health/live")).status_code == 200  # alive: no reason to restart it

        await asyncio.sleep(max(0.0, 4.0 - (time.monotonic() - down_at)))
        stoppable_postgres.start()
        await wait_until(lambda: hulp.gelijk(hulp.leden(client), 20), timeout=20)
        assert consumer.dead_lettered == 0
        assert await deadletter.list_dead_letters(js) == []
        assert (await client.get("/kpi/health/ready")).status_code == 200
        info = await js.consumer_info("DINET_EVENTS", "kpi-projectie")
        assert info.num_pending == 0 and info.num_ack_pending == 0
        assert not kpi.failed.is_set()  # waited it out; no crash for a supervisor to restart


async def test_readiness_names_nats_when_it_is_down_and_recovers(start_service, http, nats_server):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION) as kpi:
        client = http(kpi)
        assert (await client.get("/kpi/health/ready")).status_code == 200
        nats_server.stop()
        try:
            started = time.monotonic()
            ready = await wait_until(
                lambda: _status(client.get("/kpi/health/ready"), 503), timeout=10
            )
            assert time.monotonic() - started < 10
            problem = ready.json()
            assert problem["controles"]["nats"]["werkt"] is False
            assert problem["controles"]["database"] == {"werkt": True}
            assert "nats" in problem["detail"]
            assert (await client.get("/kpi/health/live")).status_code == 200
        finally:
            nats_server.start()
        await wait_until(lambda: _status(client.get("/kpi/health/ready"), 200), timeout=15)


async def _status(response, expected: int):
    answer = await response
    return answer if answer.status_code == expected else None
