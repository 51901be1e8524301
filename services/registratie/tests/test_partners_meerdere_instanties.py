"""Two registratie instances share the durable partner consumer: every activity a partner
publishes exists once, at its newest version, and no version is announced twice, even when the
two instances handle versions of one activity at the same moment."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from typing import Any

import nats
from dinet_chassis.testing import wait_until
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.activiteiten import ActiviteitGepland, ActiviteitGewijzigd
from dinet_contracts.topology import DEADLETTERS, EVENTS, PARTNERS, partner_subject_prefix
from sqlalchemy import text

from registratie.main import DEFINITION

from .test_partner_gemengd import MEDIAWIJS, aantal_in, activiteit, event

ACTIVITEITEN = 60
VERSIES = 3
CANONIEK = "dinet.evt.registratie.activiteit.>"


async def test_twee_instanties_nemen_elke_partneractiviteit_een_keer_over(start_service: Any, nats_server: Any) -> None:
    async with start_service(DEFINITION, consumer_batch=4) as een, start_service(DEFINITION, consumer_batch=4) as twee:
        berichten = []
        for n in range(ACTIVITEITEN):
            for versie in range(1, VERSIES + 1):
                soort = ActiviteitGepland if versie == 1 else ActiviteitGewijzigd
                e = event(activiteit(n, versie=versie, titel=f"Activiteit {n} versie {versie}"), soort)
                berichten += [e, e]  # each sent twice: a partner's retry, without Nats-Msg-Id
        # Shuffled: one activity's versions are often in flight on both instances together.
        random.Random(7).shuffle(berichten)
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            onderwerp = f"{partner_subject_prefix(str(MEDIAWIJS))}.activiteiten"
            acks = [
                await js.publish_async(onderwerp, json.dumps(e).encode(), headers={"Content-Type": CONTENT_TYPE})
                for e in berichten
            ]
            await asyncio.gather(*acks)

            async def alles_verwerkt() -> bool:
                info = await js.consumer_info(PARTNERS.name, "registratie-partners")
                if info.num_pending or info.num_ack_pending or info.delivered.stream_seq < len(berichten):
                    return False
                async with een.db.engine.connect() as conn:
                    return not await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))

            await wait_until(alles_verwerkt, timeout=60, interval=0.2)
            async with een.db.engine.connect() as conn:
                versies = dict((await conn.execute(text("SELECT id::text, versie FROM activiteiten"))).all())
                aangekondigd = (await conn.execute(
                    text("SELECT convert_from(body, 'UTF8') FROM outbox WHERE subject LIKE 'dinet.evt.registratie.activiteit.%' ORDER BY seq")
                )).scalars().all()
            gepubliceerd = await aantal_in(js, EVENTS.name, CANONIEK)
            dode = (await js.stream_info(DEADLETTERS.name)).state.messages
        finally:
            await nc.close()

        assert len(versies) == ACTIVITEITEN and set(versies.values()) == {VERSIES}
        per_activiteit: dict[str, list[int]] = defaultdict(list)
        for body in aangekondigd:
            data = json.loads(body)["data"]
            per_activiteit[data["activiteit_id"]].append(data["activiteit"]["versie"])
        # Versions may be skipped (an older one arriving after a newer one is ignored), but each
        # activity's announced versions rise and none is announced twice; the newest always is.
        for activiteit_id, reeks in per_activiteit.items():
            assert reeks == sorted(set(reeks)) and reeks[-1] == VERSIES, (activiteit_id, reeks)
        assert len(per_activiteit) == ACTIVITEITEN
        assert gepubliceerd == len(aangekondigd)  # and each published exactly once
        assert dode == 0
        verwerkt = [next(c for c in rt.consumers if c.definition.stream == PARTNERS.name).processed for rt in (een, twee)]
        assert all(verwerkt), verwerkt
