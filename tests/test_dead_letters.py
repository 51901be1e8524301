"""An invalid event is dead-lettered with its reason, valid ones keep flowing, and a replay after
a fix counts once."""

from __future__ import annotations

import json
import uuid

from dinet_contracts import wrap
from dinet_contracts.events.registratie import LidGeregistreerd

from dinet_chassis import deadletter
from dinet_chassis.testing import wait_until


async def test_invalid_event_goes_to_dead_letters_and_replay_counts_once(start_service, http, hulp):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION) as kpi:
        js = kpi.js
        client = http(kpi)

        subject = LidGeregistreerd.subject_template
        broken = json.loads(wrap(hulp.lid(organisatie_type="igs"), source="/dinet/partner-x").model_dump_json())
        broken["data"]["organisatie_type"] = "gemeente"  # not a known organisation type
        for body in (
            wrap(hulp.lid(organisatie_type="igs"), source="/dinet/registratie").model_dump_json().encode(),
            json.dumps(broken).encode(),
            wrap(hulp.lid(organisatie_type="igs"), source="/dinet/registratie").model_dump_json().encode(),
        ):
            await js.publish(subject, body, headers={"Nats-Msg-Id": uuid.uuid4().hex})

        await wait_until(lambda: hulp.gelijk(hulp.leden(client), 2), timeout=10)
        letters = await wait_until(lambda: deadletter.list_dead_letters(js), timeout=10)
        assert [x.event_id for x in letters] == [broken["id"]]
        assert "data.organisatie_type" in letters[0].reason
        assert letters[0].consumer == "kpi-projectie"

        fixed = dict(broken["data"], organisatie_type="lokaal_bestuur")
        await deadletter.replay(js, letters[0].seq, data=fixed)
        await wait_until(lambda: hulp.gelijk(hulp.leden(client), 3), timeout=10)
        assert await deadletter.list_dead_letters(js) == []

        # The same event once more, as a partner retrying it: still counted once.
        await js.publish(subject, json.dumps({**broken, "data": fixed}).encode(), headers={"Nats-Msg-Id": uuid.uuid4().hex})
        consumer = kpi.consumers[0]
        before = consumer.processed
        await wait_until(lambda: consumer.processed > before, timeout=10)
        assert await hulp.leden(client) == 3
