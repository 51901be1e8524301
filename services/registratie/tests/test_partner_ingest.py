"""Partners publishing their own activities on NATS (`dinet.partner.<organisatie-id>.>`):
exactly the valid ones exist, once; everything else is dead-lettered with its reason."""

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
from dinet_contracts.events.activiteiten import (
    Activiteit,
    ActiviteitGeannuleerd,
    ActiviteitGepland,
    ActiviteitGewijzigd,
)
from dinet_contracts.topology import partner_subject_prefix
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from sqlalchemy import text

from dinet_chassis.errors import Conflict
from registratie.activiteiten.domain import ActiviteitGegevens
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
LINK = organisatie_id_voor_sleutel("link-in-de-kabel")
VVSG = organisatie_id_voor_sleutel("vvsg")
GENT = organisatie_id_voor_nis("44021")
SOORTEN = [ActiviteitSoort.INSPIRATIEDAG, ActiviteitSoort.MEERDAAGSE_OPLEIDING, ActiviteitSoort.INFOSESSIE]


def activiteit(n: int, *, organisator: uuid.UUID = MEDIAWIJS, versie: int = 1, **over: Any) -> Activiteit:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(days=n % 300)
    velden: dict[str, Any] = dict(
        activiteit_id=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:mediawijs:activiteit:{n}"),
        versie=versie,
        soort=SOORTEN[n % 3],
        titel=f"Mediawijs-activiteit {n}",
        organisator_id=organisator,
        trekker=Trekker.MEDIAWIJS,
        vorm=Vorm.ONLINE if n % 2 else Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=6),
        duur_uren=Decimal("6.00"),
        capaciteit=50,
        status=ActiviteitStatus.GEPLAND,
        vvsg_werkte_mee=SOORTEN[n % 3] is ActiviteitSoort.MEERDAAGSE_OPLEIDING,
    )
    velden.update(over)
    return Activiteit(**velden)


def bericht(soort: type, a: Activiteit, *, event_id: str | None = None) -> tuple[str, bytes]:
    envelope = wrap(soort(activiteit_id=a.activiteit_id, activiteit=a), source="/partner/mediawijs", event_id=event_id)
    return envelope.id, envelope.model_dump_json().encode()


async def publiceer(js: Any, body: bytes, organisatie: uuid.UUID = MEDIAWIJS) -> None:
    # No Nats-Msg-Id: JetStream's own duplicate window must not hide duplicates from the test.
    await js.publish(f"{partner_subject_prefix(str(organisatie))}.activiteiten", body, headers={"Content-Type": CONTENT_TYPE})


async def tel(runtime: Any, sql: str, **params: Any) -> int:
    async with runtime.db.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_a_thousand_partner_activities_with_duplicates_and_invalid_ones(start_service: Any, nats_server: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)  # an admin connection: publish like a partner would
        js = nc.jetstream()
        try:
            rng = random.Random(4)
            geldig = [bericht(ActiviteitGepland, activiteit(n)) for n in range(1000)]
            berichten: list[tuple[bytes, uuid.UUID]] = [(b, MEDIAWIJS) for _, b in geldig]
            # The same event again (a retry): the inbox ignores it.
            berichten += [(geldig[n][1], MEDIAWIJS) for n in rng.sample(range(1000), 100)]
            # The same content under a new event id: versie 1 is not newer than versie 1.
            berichten += [(bericht(ActiviteitGepland, activiteit(n))[1], MEDIAWIJS) for n in rng.sample(range(1000), 50)]
            # Invalid against the contract: the chassis dead-letters them before the handler.
            ongeldig = []
            for n in range(40):
                envelope = json.loads(bericht(ActiviteitGepland, activiteit(2000 + n))[1])
                if n % 2:
                    del envelope["data"]["activiteit"]["titel"]
                else:
                    envelope["data"]["activiteit"]["duur_uren"] = "-1"
                ongeldig.append(json.dumps(envelope).encode())
            berichten += [(b, MEDIAWIJS) for b in ongeldig]
            # Mediawijs publishing for Link in de Kabel, and Link in de Kabel's own subject used for Mediawijs.
            berichten += [(bericht(ActiviteitGepland, activiteit(3000 + n, organisator=LINK))[1], MEDIAWIJS) for n in range(20)]
            berichten += [(bericht(ActiviteitGepland, activiteit(3100 + n))[1], LINK) for n in range(10)]
            # Valid JSON, but tailored support must name the local government.
            berichten += [
                (bericht(ActiviteitGepland, activiteit(4000 + n, soort=ActiviteitSoort.ONDERSTEUNING_OP_MAAT))[1], MEDIAWIJS)
                for n in range(10)
            ]
            rng.shuffle(berichten)
            # Then cancellations (versie 2) of twenty, and a stale versie 1 "gewijzigd" for five of them.
            geannuleerd = list(range(0, 1000, 50))
            latere = [
                (bericht(ActiviteitGewijzigd, activiteit(n, versie=2, status=ActiviteitStatus.GEANNULEERD))[1], MEDIAWIJS)
                for n in geannuleerd
            ] + [(bericht(ActiviteitGewijzigd, activiteit(n, titel="Oud"))[1], MEDIAWIJS) for n in geannuleerd[:5]]

            for i in range(0, len(berichten), 200):  # order does not matter within this phase
                await asyncio.gather(*(publiceer(js, b, o) for b, o in berichten[i : i + 200]))
            verwacht_dlq = 40 + 20 + 10 + 10
            await wait_until(lambda: _klaar(runtime, js, 1000, verwacht_dlq), timeout=30)
            for body, organisatie in latere:
                await publiceer(js, body, organisatie)
            await wait_until(lambda: _geannuleerd(runtime, 20), timeout=10)
            assert await tel(runtime, "SELECT count(*) FROM activiteiten") == 1000
            assert await tel(runtime, "SELECT count(*) FROM activiteiten WHERE bron = 'partner' AND organisator_id = :o", o=MEDIAWIJS) == 1000
            verwachte_ids = {activiteit(n).activiteit_id for n in range(1000)}
            async with runtime.db.engine.connect() as conn:
                ids = set((await conn.execute(text("SELECT id FROM activiteiten"))).scalars())
                canoniek = [
                    json.loads(b)
                    for b in (
                        await conn.execute(text("SELECT body FROM outbox WHERE event_type LIKE 'be.dinet.activiteit.%' ORDER BY seq"))
                    ).scalars()
                ]
            assert ids == verwachte_ids
            assert await tel(runtime, "SELECT count(*) FROM activiteiten WHERE titel = 'Oud'") == 0
            # One canonical event per accepted change, from registratie, with the partner's versie.
            soorten = [e["type"] for e in canoniek]
            assert soorten.count("be.dinet.activiteit.gepland.v2") == 1000
            assert soorten.count("be.dinet.activiteit.geannuleerd.v2") == 20 and len(soorten) == 1020
            assert {e["source"] for e in canoniek} == {"/dinet/registratie"}
            assert {e["data"]["activiteit"]["versie"] for e in canoniek if "geannuleerd" in e["type"]} == {2}
            letters = await deadletter.list_dead_letters(js)
            assert len(letters) == verwacht_dlq
            redenen = [x.reason for x in letters]
            assert sum("onverwerkbaar" in r and "mag niet publiceren" in r for r in redenen) == 30
            assert sum("lokaal_bestuur_id: verplicht" in r for r in redenen) == 10
            assert sum("titel" in r and "missing" in r for r in redenen) == 20
            assert sum("duur_uren" in r for r in redenen) == 20
            assert {x.deliveries for x in letters} == {1}  # refused at once, no retries
        finally:
            await nc.close()


async def _klaar(runtime: Any, js: Any, activiteiten: int, dode: int) -> bool:
    if await tel(runtime, "SELECT count(*) FROM activiteiten") < activiteiten:
        return False
    info = await js.consumer_info("DINET_PARTNERS", "registratie-partners")
    dlq = await js.stream_info("DINET_DEADLETTERS")
    return info.num_pending == 0 and info.num_ack_pending == 0 and dlq.state.messages >= dode


async def _geannuleerd(runtime: Any, aantal: int) -> bool:
    return await tel(runtime, "SELECT count(*) FROM activiteiten WHERE status = 'geannuleerd'") == aantal


async def test_a_partner_cannot_take_over_someone_elses_activity(start_service: Any, nats_server: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        try:
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
            g = ActiviteitGegevens(
                soort=ActiviteitSoort.INFOSESSIE, titel="Van VVSG", organisator_id=VVSG, trekker=Trekker.VVSG,
                vorm=Vorm.FYSIEK, start=start, einde=start + timedelta(hours=2), duur_uren=Decimal("2.00"),
            )
            van_vvsg = await levenscyclus.plan(levenscyclus.Plan(g), ActiviteitenUoW(runtime.db, source=runtime.source))
            # Mediawijs reuses VVSG's id for an activity of its own, with a higher versie.
            kaping = activiteit(1, activiteit_id=van_vvsg, versie=9)
            _, body = bericht(ActiviteitGewijzigd, kaping)
            await publiceer(js, body)
            # And a correct update of its own activity, then held (versie 3).
            eigen = activiteit(2)
            await publiceer(js, bericht(ActiviteitGepland, eigen)[1])
            await publiceer(js, bericht(ActiviteitGewijzigd, activiteit(2, versie=3, status=ActiviteitStatus.AFGELOPEN))[1])
            await wait_until(lambda: _dlq(js, 1), timeout=10)
            await wait_until(lambda: tel(runtime, "SELECT count(*) FROM activiteiten WHERE status = 'afgelopen'"), timeout=10)

            (letter,) = await deadletter.list_dead_letters(js)
            assert "is niet van organisatie" in letter.reason
            assert await tel(runtime, "SELECT versie FROM activiteiten WHERE id = :id", id=van_vvsg) == 1
            async with runtime.db.engine.connect() as conn:
                types = (
                    await conn.execute(
                        text("SELECT event_type FROM outbox WHERE aggregate_id = :a ORDER BY seq"), {"a": str(eigen.activiteit_id)}
                    )
                ).scalars().all()
            assert types == ["be.dinet.activiteit.gepland.v2", "be.dinet.activiteit.afgelopen.v2"]
            # Staff cannot change a partner's activity either: its versie is the partner's.
            try:
                await levenscyclus.annuleer(levenscyclus.Annuleer(eigen.activiteit_id), ActiviteitenUoW(runtime.db, source=runtime.source))
                raise AssertionError("verwacht: geweigerd")
            except Conflict as fout:
                assert fout.code == "activiteit_van_partner"
            # A partner may not publish other kinds of events either.
            await js.publish(
                f"{partner_subject_prefix(str(MEDIAWIJS))}.x",
                bericht(ActiviteitGeannuleerd, activiteit(3))[1].replace(b"be.dinet.activiteit.geannuleerd.v1", b"be.dinet.kpi.jaar.afgesloten.v1"),
            )
            await wait_until(lambda: _dlq(js, 2), timeout=10)
        finally:
            await nc.close()


async def _dlq(js: Any, aantal: int) -> bool:
    return len(await deadletter.list_dead_letters(js)) >= aantal


async def test_an_end_before_the_start_on_nats_is_dead_lettered_once_naming_the_field(
    start_service: Any, nats_server: Any
) -> None:
    """The consumer side of the door's 422: the same contract refuses it, at the first delivery,
    whether it came as a plain publish (a partner with nats-cli) or as the HTTP gateway publishes
    (JetStream publish expecting the partner stream, a header the dead-letter stream must not get)."""
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        try:
            start = datetime(2027, 1, 5, 9, tzinfo=UTC)
            ids = []
            for n, manier in ((5001, "kern"), (5002, "jetstream")):
                envelope = json.loads(bericht(ActiviteitGepland, activiteit(n, start=start, einde=start + timedelta(hours=2)))[1])
                envelope["data"]["activiteit"]["einde"] = "2027-01-05T08:00:00Z"
                body = json.dumps(envelope).encode()
                onderwerp = f"{partner_subject_prefix(str(MEDIAWIJS))}.activiteit.gepland.v1"
                headers = {"Nats-Msg-Id": envelope["id"], "Content-Type": CONTENT_TYPE}
                if manier == "kern":
                    await nc.publish(onderwerp, body, headers=headers)
                else:
                    await js.publish(onderwerp, body, stream="DINET_PARTNERS", headers=headers)
                ids.append(envelope["id"])
            # And a time without offset, which used to be read as UTC.
            envelope = json.loads(bericht(ActiviteitGepland, activiteit(5003))[1])
            envelope["data"]["activiteit"]["start"] = "2027-01-05T10:00:00"
            await js.publish(
                f"{partner_subject_prefix(str(MEDIAWIJS))}.activiteit.gepland.v1",
                json.dumps(envelope).encode(),
                stream="DINET_PARTNERS",
                headers={"Nats-Msg-Id": envelope["id"]},
            )
            ids.append(envelope["id"])

            await wait_until(lambda: _dlq(js, 3), timeout=10)
            letters = {x.event_id: x for x in await deadletter.list_dead_letters(js)}
            assert set(letters) == set(ids)
            for event_id in ids[:2]:
                assert "data.activiteit.einde: einde_voor_start" in letters[event_id].reason, letters[event_id].reason
            assert "data.activiteit.start: tijdzone_ontbreekt" in letters[ids[2]].reason
            assert {x.deliveries for x in letters.values()} == {1}
            # Acknowledged, so never delivered again: nothing pending, nothing waiting for an ack.
            await asyncio.sleep(1)
            info = await js.consumer_info("DINET_PARTNERS", "registratie-partners")
            assert info.num_pending == 0 and info.num_ack_pending == 0 and info.num_redelivered == 0
            assert len(await deadletter.list_dead_letters(js)) == 3
            assert await tel(runtime, "SELECT count(*) FROM activiteiten") == 0
        finally:
            await nc.close()
