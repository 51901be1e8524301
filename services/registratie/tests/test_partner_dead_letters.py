"""A partner event published as the HTTP door publishes it (with `Nats-Expected-Stream`) and
refused later by the consumer reaches the dead letters at once, instead of coming back every
ack_wait for ever. The door itself now refuses a take-over it can see (test_partners_http); the
consumer still decides, because the data can change between the door and the consumer (here: the
event reaches the stream without passing the door's check)."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dinet_chassis import deadletter
from dinet_chassis.testing import wait_until
from dinet_contracts.topology import PARTNERS, partner_subject
from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm

from registratie.activiteiten.domain import ActiviteitGegevens
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_sleutel
from registratie.main import DEFINITION
from registratie.toegang.web.handleiding import voorbeeld

MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
VVSG = organisatie_id_voor_sleutel("vvsg")


async def test_a_take_over_accepted_over_http_is_dead_lettered_once_with_its_reason(start_service: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        js = runtime.js
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        van_vvsg = await levenscyclus.plan(
            levenscyclus.Plan(ActiviteitGegevens(
                soort=ActiviteitSoort.INFOSESSIE, titel="Van VVSG", organisator_id=VVSG, trekker=Trekker.VVSG,
                vorm=Vorm.FYSIEK, start=start, einde=start + timedelta(hours=2), duur_uren=Decimal("2.00"),
            )),
            ActiviteitenUoW(runtime.db, source=runtime.source),
        )
        kaping = copy.deepcopy(voorbeeld(MEDIAWIJS))
        kaping["id"] = str(uuid.uuid4())
        kaping["subject"] = str(van_vvsg)
        kaping["data"]["activiteit_id"] = str(van_vvsg)
        kaping["data"]["activiteit"]["activiteit_id"] = str(van_vvsg)
        # What the door publishes: the partner's subject, bound to the partner stream.
        ack = await js.publish(
            partner_subject(str(MEDIAWIJS), kaping["type"]),
            json.dumps(kaping).encode(),
            stream=PARTNERS.name,
            headers={"Nats-Msg-Id": kaping["id"]},
        )
        assert ack.stream == PARTNERS.name

        (letter,) = await wait_until(lambda: deadletter.list_dead_letters(js), timeout=10)
        assert letter.event_id == kaping["id"] and letter.deliveries == 1
        assert letter.consumer.startswith("registratie") and "onverwerkbaar" in letter.reason
        assert letter.headers["Dinet-Dlq-Original-Nats-Expected-Stream"] == PARTNERS.name
        assert not any(k.lower().startswith("nats-expected") for k in letter.original_headers())
        consumer = next(c for c in runtime.consumers if c.definition.stream == PARTNERS.name)
        assert consumer.dead_letter_failures == 0
        info = await js.consumer_info(PARTNERS.name, consumer.definition.durable)
        assert info.num_ack_pending == 0 and info.num_redelivered == 0
