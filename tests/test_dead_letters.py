"""An invalid event is dead-lettered with its reason, valid ones keep flowing, and a replay after
a fix counts once."""

from __future__ import annotations

import json
import uuid
from datetime import date

from dinet_contracts import wrap
from dinet_contracts.events.registratie import LidGeregistreerd

from dinet_chassis import deadletter
from dinet_chassis.testing import wait_until


def lid() -> LidGeregistreerd:
    return LidGeregistreerd(
        lid_id=uuid.uuid4(),
        organisatie_id=uuid.uuid4(),
        organisatie_type="igs",
        lid_sinds=date.today(),
        nieuwsbrief=False,
    )


async def test_invalid_event_goes_to_dead_letters_and_replay_counts_once(start_service, http):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION) as kpi:
        js = kpi.js
        client = http(kpi)

        async def leden() -> int:
            body = (await client.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})).json()
            return next(k["waarde"] for k in body["kpis"] if k["id"] == "od11_leden")

        subject = LidGeregistreerd.subject_template
        broken = json.loads(wrap(lid(), source="/dinet/partner-x").model_dump_json())
        broken["data"]["organisatie_type"] = "gemeente"  # not a known organisation type
        for body in (
            wrap(lid(), source="/dinet/registratie").model_dump_json().encode(),
            json.dumps(broken).encode(),
            wrap(lid(), source="/dinet/registratie").model_dump_json().encode(),
        ):
            await js.publish(subject, body, headers={"Nats-Msg-Id": uuid.uuid4().hex})

        await wait_until(lambda: _eq(leden(), 2), timeout=10)
        letters = await wait_until(lambda: deadletter.list_dead_letters(js), timeout=10)
        assert [x.event_id for x in letters] == [broken["id"]]
        assert "data.organisatie_type" in letters[0].reason
        assert letters[0].consumer == "kpi-projectie"

        fixed = dict(broken["data"], organisatie_type="lokaal_bestuur")
        await deadletter.replay(js, letters[0].seq, data=fixed)
        await wait_until(lambda: _eq(leden(), 3), timeout=10)
        assert await deadletter.list_dead_letters(js) == []

        # The same event once more, as a partner retrying it: still counted once.
        await js.publish(subject, json.dumps({**broken, "data": fixed}).encode(), headers={"Nats-Msg-Id": uuid.uuid4().hex})
        consumer = kpi.consumers[0]
        before = consumer.processed
        await wait_until(lambda: consumer.processed > before, timeout=10)
        assert await leden() == 3


async def _eq(value, expected) -> bool:
    return (await value) == expected
