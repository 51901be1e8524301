"""Consent withdrawn or given in meldingen (unsubscribe link, preferences page) is recorded here,
with meldingen's moment and wording, on real NATS and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import nats
from dinet_chassis.testing import wait_until
from dinet_contracts import wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.meldingen import ToestemmingGewijzigd
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")


async def test_afmelding_in_meldingen_komt_in_het_toestemmingsregister(start_service, http, mail_sink, nats_server):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        client = http(runtime)
        r = await client.post(
            "/registratie/api/v1/leden",
            json={"naam": "An Peeters", "email": "an@gent.be", "organisatie_id": str(GENT), "functie": "Coördinator",
                  "nieuwsbrief": True},
        )
        assert r.status_code == 201, r.text
        lid_id = uuid.UUID(r.json()["id"])
        wanneer = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        event = wrap(
            ToestemmingGewijzigd(lid_id=lid_id, doel="nieuwsbrief", gegeven=False, hoe="afmeldlink", wanneer=wanneer,
                                 tekst="Ik wil de nieuwsbrief van het netwerk digitale inclusie niet meer ontvangen."),
            source="/dinet/meldingen",
        )
        nc = await nats.connect(nats_server.url)
        try:
            for _ in range(2):  # delivered twice: recorded once
                await nc.jetstream().publish(
                    event.data.nats_subject(), event.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(uuid.uuid4()), "Content-Type": CONTENT_TYPE},
                )
        finally:
            await nc.close()

        async def vastgelegd():
            async with runtime.db.engine.connect() as conn:
                rijen = (
                    await conn.execute(
                        text("SELECT gegeven, tekst, wanneer, hoe FROM toestemmingen WHERE lid_id = :l AND hoe = 'afmeldlink'"),
                        {"l": lid_id},
                    )
                ).mappings().all()
                nieuwsbrief = (await conn.execute(text("SELECT nieuwsbrief FROM leden WHERE id = :l"), {"l": lid_id})).scalar()
            return (rijen, nieuwsbrief) if rijen and nieuwsbrief is False else None

        async def beide_verwerkt():
            info = await runtime.js.consumer_info("DINET_EVENTS", "registratie-toestemmingen")
            return info.delivered.consumer_seq >= 2 and not info.num_pending and not info.num_ack_pending

        await wait_until(beide_verwerkt)
        rijen, _ = await wait_until(vastgelegd)
        assert [dict(r) for r in rijen] == [
            {"gegeven": False, "tekst": event.data.tekst, "wanneer": wanneer, "hoe": "afmeldlink"}
        ]
