"""The mail worker is woken by the chassis' commit hook: a welcome mail goes out as soon as the
consumer batch that queued it commits, not at the worker's next poll. (It also shows the worker
really sleeps when no mail waits: it used to poll every 50 ms.)"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid

import nats
from dinet_contracts import wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.registratie import LidContactgegevens

from meldingen.bezorging import Bezorger
from meldingen.bootstrap import bootstrap
from meldingen.main import DEFINITION, MeldingenDiensten
from dinet_chassis.testing import wait_until


class TellendeBezorger(Bezorger):
    rondes = 0

    async def bezorg_wachtende(self):
        try:
            return await super().bezorg_wachtende()
        finally:
            self.rondes += 1


async def test_welkomstmail_vertrekt_zonder_op_de_poll_te_wachten(start_service, nats_server, mail_sink, h):
    # A poll far beyond the test's patience: only a wake-up can send the mail in time.
    traag = dataclasses.replace(
        DEFINITION, bootstrap=lambda runtime: dataclasses.replace(
            bootstrap(runtime), bezorger=TellendeBezorger(runtime, poll_interval=600)
        ),
    )
    async with start_service(traag, smtp_url=mail_sink.url) as runtime:
        assert isinstance(runtime.diensten, MeldingenDiensten)
        # Let the worker finish its first round and go to sleep for the long poll.
        await wait_until(lambda: runtime.diensten.bezorger.rondes >= 1)
        await asyncio.sleep(0.5)
        nc = await nats.connect(nats_server.url)
        try:
            lid_id = uuid.uuid4()
            email = f"wakker.{lid_id.hex[:6]}@gemeente.be"
            event = LidContactgegevens(lid_id=lid_id, naam="Wim Wakker", email=email, nieuwsbrief=False, aanleiding="registratie")
            envelope = wrap(event, source="/dinet/registratie")
            begin = time.monotonic()
            await nc.jetstream().publish(
                event.nats_subject(), envelope.model_dump_json().encode(),
                headers={"Nats-Msg-Id": envelope.id, "Content-Type": CONTENT_TYPE},
            )
            mails = await h.wacht_op(mail_sink.mail_dir, email, 1, timeout=10)
        finally:
            await nc.close()
    assert mails[0]["onderwerp"] == "Welkom bij het netwerk digitale inclusie"
    assert time.monotonic() - begin < 10
