"""A consumer process killed with SIGKILL between commit and ack counts its event once."""

from __future__ import annotations

import asyncio
import signal
import uuid
from functools import partial
from datetime import date

import httpx
from dinet_contracts import wrap
from dinet_contracts.events.registratie import LidGeregistreerd

from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.embedded import free_port, wait_for_port
from dinet_chassis.testing import start_process, wait_until


start_kpi = partial(start_process, "kpi", DINET_ACK_WAIT="2")


async def test_sigkill_between_commit_and_ack_counts_once(nats_server, database_url, tmp_path):
    nc = await connect(nats_server.url)
    js = nc.jetstream()
    await ensure_streams(js)
    port = free_port()
    doomed = start_kpi(nats_server.url, database_url, port, tmp_path, fault="kill-after-commit")
    try:
        event = LidGeregistreerd(
            lid_id=uuid.uuid4(),
            organisatie_id=uuid.uuid4(),
            organisatie_type="lokaal_bestuur",
            lid_sinds=date.today(),
            nieuwsbrief=False,
        )
        envelope = wrap(event, source="/dinet/registratie")
        await js.publish(event.nats_subject(), envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": envelope.id})
        # The process commits the effect, then kills itself before it can ack.
        exit_code = await asyncio.to_thread(doomed.wait, 60)
        assert exit_code == -signal.SIGKILL
        info = await js.consumer_info("DINET_EVENTS", "kpi-projectie")
        assert info.num_ack_pending == 1  # committed but never acknowledged
    finally:
        if doomed.poll() is None:
            doomed.kill()

    survivor = start_kpi(nats_server.url, database_url, port, tmp_path)
    try:
        await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 60)

        async def settled():
            info = await js.consumer_info("DINET_EVENTS", "kpi-projectie")
            # Delivered twice (consumer sequence 2 for stream sequence 1), now acknowledged.
            return info.num_ack_pending == 0 and info.num_pending == 0 and info.delivered.consumer_seq == 2

        await wait_until(settled, timeout=30)
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/kpi/api/v1/kpis", params={"jaar": date.today().year})
        leden = next(k for k in response.json()["kpis"] if k["id"] == "od11_leden")
        assert leden["waarde"] == 1  # redelivered after the crash, absorbed by the inbox
    finally:
        survivor.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(survivor.wait, 30) == 0
        await nc.close()
