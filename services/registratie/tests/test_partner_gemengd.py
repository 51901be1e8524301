"""One partner publishing 1 000 activities, half over HTTP and half directly on NATS, with retries
across both paths, copies under a new id, invalid events and events for another organisation mixed
in: exactly the valid activities exist, each once, with one canonical event per version."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import nats
from dinet_chassis import deadletter
from dinet_chassis.testing import wait_until
from dinet_contracts.envelope import CONTENT_TYPE, wrap
from dinet_contracts.events.activiteiten import Activiteit, ActiviteitGepland, ActiviteitGewijzigd
from dinet_contracts.topology import DEADLETTERS, EVENTS, PARTNERS, partner_subject_prefix
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_sleutel
from registratie.main import DEFINITION
from registratie.toegang import store as opslag

PAD = "/registratie/api/v1/partner/gebeurtenissen"
BATCH = "application/cloudevents-batch+json"
MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
LINK = organisatie_id_voor_sleutel("link-in-de-kabel")
SOORTEN = [ActiviteitSoort.INSPIRATIEDAG, ActiviteitSoort.MEERDAAGSE_OPLEIDING, ActiviteitSoort.INFOSESSIE]
AANTAL = 1000
CANONIEK = "dinet.evt.registratie.activiteit.>"


def activiteit(n: int, *, organisator: uuid.UUID = MEDIAWIJS, versie: int = 1, **over: Any) -> Activiteit:
    start = datetime(2026, 4, 6, 9, tzinfo=UTC) + timedelta(days=n % 250)
    velden: dict[str, Any] = dict(
        activiteit_id=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:mediawijs:gemengd:{n}"),
        versie=versie,
        soort=SOORTEN[n % 3],
        titel=f"Gemengde activiteit {n}",
        organisator_id=organisator,
        trekker=Trekker.MEDIAWIJS,
        vorm=Vorm.ONLINE if n % 2 else Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=3),
        duur_uren=Decimal("3.00"),
        capaciteit=30,
        status=ActiviteitStatus.GEPLAND,
    )
    velden.update(over)
    return Activiteit(**velden)


def event(a: Activiteit, soort: type = ActiviteitGepland) -> dict[str, Any]:
    envelope = wrap(soort(activiteit_id=a.activiteit_id, activiteit=a), source="/partner/mediawijs")
    return json.loads(envelope.model_dump_json())


def ongeldig(n: int) -> dict[str, Any]:
    e = event(activiteit(n))
    if n % 2:
        del e["data"]["activiteit"]["titel"]
    else:
        e["data"]["activiteit"]["duur_uren"] = "-1"
    return e


async def tel(runtime: Any, sql: str, **params: Any) -> int:
    async with runtime.db.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def aantal_in(js: Any, stream: str, onderwerp: str) -> int:
    info = await js.stream_info(stream, subjects_filter=onderwerp)
    return sum((info.state.subjects or {}).values())


async def stil(runtime: Any, js: Any, activiteiten: int, canoniek: int, dode: int) -> bool:
    if await tel(runtime, "SELECT count(*) FROM activiteiten") < activiteiten:
        return False
    info = await js.consumer_info(PARTNERS.name, "registratie-partners")
    if info.num_pending or info.num_ack_pending:
        return False
    return (
        await aantal_in(js, EVENTS.name, CANONIEK) >= canoniek
        and (await js.stream_info(DEADLETTERS.name)).state.messages >= dode
    )


async def test_a_thousand_activities_over_http_and_nats_exist_exactly_once(
    start_service: Any, http: Any, nats_server: Any
) -> None:
    async with start_service(DEFINITION) as runtime:
        _, nieuw = await opslag.maak_sleutel(runtime.db, MEDIAWIJS, "gemengd", "test")
        client = http(runtime)
        headers = {"Content-Type": BATCH, "Authorization": f"Bearer {nieuw.token}"}
        nc = await nats.connect(nats_server.url)  # an admin connection, publishing like the partner would
        js = nc.jetstream()

        async def post(events: list[dict[str, Any]]) -> Any:
            return await client.post(PAD, content=json.dumps(events), headers=headers)

        async def publiceer(e: dict[str, Any], organisatie: uuid.UUID = MEDIAWIJS) -> None:
            # No Nats-Msg-Id: only registratie's inbox may catch a retry across the two paths.
            await js.publish(
                f"{partner_subject_prefix(str(organisatie))}.activiteiten",
                json.dumps(e).encode(),
                headers={"Content-Type": CONTENT_TYPE},
            )

        try:
            rng = random.Random(44)
            geldig = {n: event(activiteit(n)) for n in range(AANTAL)}
            via_http = [n for n in range(AANTAL) if n % 2 == 0]
            via_nats = [n for n in range(AANTAL) if n % 2 == 1]

            # HTTP: the valid ones in batches of 100, with retries of NATS events (same id) and copies
            # under a new id mixed in.
            http_events = [geldig[n] for n in via_http]
            http_events += [geldig[n] for n in rng.sample(via_nats, 40)]
            http_events += [event(activiteit(n)) for n in rng.sample(range(AANTAL), 30)]
            rng.shuffle(http_events)
            for i in range(0, len(http_events), 100):
                r = await post(http_events[i : i + 100])
                assert r.status_code == 202, r.text
                assert len(r.json()["aanvaard"]) == len(http_events[i : i + 100])

            # Refused batches: nothing of them is accepted, not even the valid event beside the bad one.
            for i in range(5):
                r = await post([event(activiteit(5000 + i)), ongeldig(6000 + 2 * i), ongeldig(6001 + 2 * i)])
                assert r.status_code == 422 and "Er werd niets aanvaard." in r.json()["detail"]
                assert [e["index"] for e in r.json()["errors"]] == [1, 2]
            for i in range(3):
                r = await post([event(activiteit(7000 + i)), event(activiteit(7100 + i, organisator=LINK))])
                assert r.status_code == 403 and [e["index"] for e in r.json()["errors"]] == [1]

            # NATS: the other half, retries of HTTP events (same id), copies under a new id, invalid
            # events and events for another organisation (on Mediawijs's prefix and on Link's).
            nats_berichten: list[tuple[dict[str, Any], uuid.UUID]] = [(geldig[n], MEDIAWIJS) for n in via_nats]
            nats_berichten += [(geldig[n], MEDIAWIJS) for n in rng.sample(via_http, 40)]
            nats_berichten += [(geldig[n], MEDIAWIJS) for n in rng.sample(via_nats, 20)]
            nats_berichten += [(event(activiteit(n)), MEDIAWIJS) for n in rng.sample(range(AANTAL), 30)]
            nats_berichten += [(ongeldig(8000 + n), MEDIAWIJS) for n in range(20)]
            nats_berichten += [(event(activiteit(8100 + n, organisator=LINK)), MEDIAWIJS) for n in range(10)]
            nats_berichten += [(event(activiteit(8200 + n)), LINK) for n in range(5)]
            rng.shuffle(nats_berichten)
            for i in range(0, len(nats_berichten), 200):
                await asyncio.gather(*(publiceer(e, o) for e, o in nats_berichten[i : i + 200]))

            dode = 20 + 10 + 5
            await wait_until(lambda: stil(runtime, js, AANTAL, AANTAL, dode), timeout=30)

            # A second version of some activities, half over each path, each also sent twice.
            gewijzigd = rng.sample(range(AANTAL), 20)
            tweede = {n: event(activiteit(n, versie=2, titel=f"Gewijzigd {n}"), ActiviteitGewijzigd) for n in gewijzigd}
            r = await post([tweede[n] for n in gewijzigd[:10]])
            assert r.status_code == 202, r.text
            await asyncio.gather(*(publiceer(tweede[n]) for n in gewijzigd))  # all twenty, same ids as over HTTP
            r = await post([tweede[n] for n in gewijzigd[10:]])
            assert r.status_code == 202, r.text
            await wait_until(lambda: stil(runtime, js, AANTAL, AANTAL + 20, dode), timeout=15)

            async with runtime.db.engine.connect() as conn:
                rijen = (await conn.execute(text("SELECT id, versie, titel, bron, organisator_id FROM activiteiten"))).all()
            assert len(rijen) == AANTAL
            assert {r.id for r in rijen} == {activiteit(n).activiteit_id for n in range(AANTAL)}
            assert {(r.bron, r.organisator_id) for r in rijen} == {("partner", MEDIAWIJS)}
            per_id = {r.id: r for r in rijen}
            for n in range(AANTAL):
                rij = per_id[activiteit(n).activiteit_id]
                verwacht = (2, f"Gewijzigd {n}") if n in tweede else (1, f"Gemengde activiteit {n}")
                assert (rij.versie, rij.titel) == verwacht

            # One canonical event per activity version, on the bus as well as in the outbox.
            assert await aantal_in(js, EVENTS.name, CANONIEK) == AANTAL + 20
            sub = await js.subscribe(CANONIEK, stream=EVENTS.name, ordered_consumer=True)
            canoniek = [json.loads((await sub.next_msg(timeout=5)).data) for _ in range(AANTAL + 20)]
            await sub.unsubscribe()
            versies = [(e["data"]["activiteit_id"], e["data"]["activiteit"]["versie"]) for e in canoniek]
            assert len(set(versies)) == len(versies) == AANTAL + 20
            assert [e["type"] for e in canoniek].count("be.dinet.activiteit.gewijzigd.v2") == 20
            assert {e["source"] for e in canoniek} == {"/dinet/registratie"}

            letters = await deadletter.list_dead_letters(js)
            assert len(letters) == dode
            redenen = [x.reason for x in letters]
            assert sum("mag niet publiceren" in r for r in redenen) == 15
            assert sum("titel" in r for r in redenen) == 10 and sum("duur_uren" in r for r in redenen) == 10
            for n in [*range(5000, 5005), *range(7000, 7003), *range(8000, 8020), *range(8100, 8110), *range(8200, 8205)]:
                assert activiteit(n).activiteit_id not in per_id
        finally:
            await nc.close()
