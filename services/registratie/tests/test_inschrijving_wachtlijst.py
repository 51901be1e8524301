"""Registrations through the API under real concurrency (asyncio.gather against real PostgreSQL):
never twice on a list, no overbooking, waitlist order kept when seats free up."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
from sqlalchemy import text

from registratie.activiteiten.domain import ActiviteitGegevens, Wie
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import inschrijvingen, levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
AALST = organisatie_id_voor_nis("41002")
VVSG = organisatie_id_voor_sleutel("vvsg")
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


async def nieuwe_leden(runtime: Any, aantal: int, organisatie_id: uuid.UUID = GENT) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(aantal)]
    async with runtime.db.transaction() as conn:
        await conn.execute(
            text(
                "INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds)"
                " VALUES (:id, :naam, :email, :org, DATE '2025-01-01')"
            ),
            [{"id": i, "naam": f"Lid {n:03}", "email": f"{i}@test.dinet.be", "org": organisatie_id} for n, i in enumerate(ids)],
        )
    return ids


def als_lid(runtime: Any, lid_id: uuid.UUID, organisatie_id: uuid.UUID = GENT) -> dict[str, str]:
    wie = Identiteit(sub=f"lid:{lid_id}", naam="Lid", rollen=frozenset({Rol.LID}), organisatie_id=organisatie_id, lid_id=lid_id)
    return {"Cookie": f"{COOKIE}={maak_cookie(wie, runtime.settings.secret_key)}"}


async def plan(runtime: Any, capaciteit: int | None, **over: Any) -> uuid.UUID:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    g = ActiviteitGegevens(
        soort=ActiviteitSoort.INFOSESSIE,
        titel="Infosessie digitale drempels",
        organisator_id=VVSG,
        trekker=Trekker.VVSG,
        vorm=Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=3),
        duur_uren=Decimal("3.00"),
        capaciteit=capaciteit,
    )
    return await levenscyclus.plan(levenscyclus.Plan(replace(g, **over)), ActiviteitenUoW(runtime.db, source=runtime.source))


async def statussen(runtime: Any, activiteit_id: uuid.UUID) -> dict[uuid.UUID, str]:
    async with runtime.db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text("SELECT lid_id, status FROM inschrijvingen WHERE activiteit_id = :a"), {"a": activiteit_id}
            )
        ).all()
    return {r.lid_id: r.status for r in rijen}


async def wachtlijst(runtime: Any, activiteit_id: uuid.UUID) -> list[uuid.UUID]:
    async with runtime.db.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    text(
                        "SELECT lid_id FROM inschrijvingen WHERE activiteit_id = :a AND status = 'wachtlijst'"
                        " ORDER BY wachtlijst_volgnummer"
                    ),
                    {"a": activiteit_id},
                )
            ).scalars()
        )


async def inschrijving_events(runtime: Any) -> dict[str, list[dict[str, Any]]]:
    """Per registration, its InschrijvingGewijzigd events in commit order (from the outbox)."""
    async with runtime.db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text("SELECT body FROM outbox WHERE event_type = 'be.dinet.inschrijving.gewijzigd.v1' ORDER BY seq")
            )
        ).scalars()
        per: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for body in rijen:
            data = json.loads(body)["data"]
            per[data["inschrijving_id"]].append(data)
    return per


def url(activiteit_id: uuid.UUID, lid_id: uuid.UUID | None = None) -> str:
    basis = f"/registratie/api/v1/activiteiten/{activiteit_id}/inschrijvingen"
    return f"{basis}/{lid_id}" if lid_id else basis


async def test_concurrent_registrations_fill_the_seats_then_the_waitlist(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        leden = await nieuwe_leden(runtime, 40)
        activiteit_id = await plan(runtime, capaciteit=7)

        antwoorden = await asyncio.gather(*(client.post(url(activiteit_id), headers=als_lid(runtime, l)) for l in leden))
        assert [r.status_code for r in antwoorden] == [201] * 40
        per_status = defaultdict(list)
        for r in antwoorden:
            per_status[r.json()["status"]].append(r.json())
        assert len(per_status["ingeschreven"]) == 7
        assert len(per_status["wachtlijst"]) == 33
        assert sorted(r["wachtlijst_positie"] for r in per_status["wachtlijst"]) == list(range(1, 34))

        # The same person many times at once: one row, one success.
        eén = leden[0]
        nog_eens = await asyncio.gather(*(client.post(url(activiteit_id), headers=als_lid(runtime, eén)) for _ in range(8)))
        assert {r.status_code for r in nog_eens} == {409}
        assert {r.json()["errors"][0]["code"] for r in nog_eens} <= {"al_ingeschreven", "al_op_wachtlijst"}
        assert nog_eens[0].headers["content-type"].startswith("application/problem+json")
        assert len(await statussen(runtime, activiteit_id)) == 40

        events = await inschrijving_events(runtime)
        assert len(events) == 40 and all(len(e) == 1 for e in events.values())
        assert sum(e[0]["status"] == "ingeschreven" for e in events.values()) == 7


async def test_concurrent_cancellations_promote_in_order_and_never_overbook(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        leden = await nieuwe_leden(runtime, 30)
        nieuwkomers = await nieuwe_leden(runtime, 6)
        activiteit_id = await plan(runtime, capaciteit=5)
        # One by one, so the order of the waitlist is known.
        for lid in leden[:15]:
            assert (await client.post(url(activiteit_id), headers=als_lid(runtime, lid))).status_code == 201
        zitplaatsen, wachtenden = leden[:5], leden[5:15]
        assert await wachtlijst(runtime, activiteit_id) == wachtenden

        verlaten_wachtlijst = wachtenden[1:7:2]  # three people leave the waitlist
        acties = (
            [client.delete(url(activiteit_id, l), headers=als_lid(runtime, l)) for l in zitplaatsen]
            + [client.delete(url(activiteit_id, l), headers=als_lid(runtime, l)) for l in verlaten_wachtlijst]
            + [client.post(url(activiteit_id), headers=als_lid(runtime, l)) for l in nieuwkomers]
            # and someone cancels twice at once: one of the two finds nothing left to cancel
            + [client.delete(url(activiteit_id, zitplaatsen[0]), headers=als_lid(runtime, zitplaatsen[0]))]
        )
        antwoorden = await asyncio.gather(*acties)
        codes = [r.status_code for r in antwoorden]
        assert codes[:8].count(200) + codes[-1:].count(200) == 8
        assert sorted([codes[0], codes[-1]]) == [200, 404]
        assert codes[8:14] == [201] * 6

        resterend = [l for l in wachtenden if l not in verlaten_wachtlijst]
        stand = await statussen(runtime, activiteit_id)
        ingeschreven = [l for l, s in stand.items() if s == "ingeschreven"]
        assert len(ingeschreven) == 5  # never more than the capacity
        # The freed seats went to the first in line, in their order; newcomers queue behind.
        assert set(ingeschreven) == set(resterend[:5])
        assert await wachtlijst(runtime, activiteit_id) == resterend[5:] + [
            l for l in await wachtlijst(runtime, activiteit_id) if l in nieuwkomers
        ]
        assert {stand[l] for l in nieuwkomers} == {"wachtlijst"}
        assert {stand[l] for l in zitplaatsen + verlaten_wachtlijst} == {"geannuleerd"}

        # Every change has its event; the last one per registration is the state in the table.
        events = await inschrijving_events(runtime)
        for reeks in events.values():
            assert [e["versie"] for e in reeks] == list(range(1, len(reeks) + 1))
        laatste = {uuid.UUID(r[-1]["lid_id"]): r[-1]["status"] for r in events.values()}
        assert laatste == stand


async def test_leave_the_waitlist_register_again_and_see_the_place(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        a, b, c = await nieuwe_leden(runtime, 3)
        activiteit_id = await plan(runtime, capaciteit=1)
        for lid in (a, b, c):
            await client.post(url(activiteit_id), headers=als_lid(runtime, lid))
        r = await client.get(url(activiteit_id, c), headers=als_lid(runtime, c))
        assert r.json()["status"] == "wachtlijst" and r.json()["wachtlijst_positie"] == 2
        # b leaves the waitlist: c moves to place 1, nobody is promoted (no seat freed).
        assert (await client.delete(url(activiteit_id, b), headers=als_lid(runtime, b))).json()["status"] == "geannuleerd"
        assert (await client.get(url(activiteit_id, c), headers=als_lid(runtime, c))).json()["wachtlijst_positie"] == 1
        assert (await statussen(runtime, activiteit_id))[a] == "ingeschreven"
        # b registers again: same registration, next version, back of the queue.
        weer = await client.post(url(activiteit_id), headers=als_lid(runtime, b))
        assert weer.status_code == 201
        assert weer.json()["status"] == "wachtlijst" and weer.json()["versie"] == 3 and weer.json()["wachtlijst_positie"] == 2
        # a cancels: c (first in line) gets the seat.
        await client.delete(url(activiteit_id, a), headers=als_lid(runtime, a))
        stand = await statussen(runtime, activiteit_id)
        assert stand == {a: "geannuleerd", b: "wachtlijst", c: "ingeschreven"}


async def test_a_colleague_of_the_same_organisation_only(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        ik, collega = await nieuwe_leden(runtime, 2, GENT)
        (vreemde,) = await nieuwe_leden(runtime, 1, AALST)
        activiteit_id = await plan(runtime, capaciteit=None)
        mij = als_lid(runtime, ik, GENT)
        r = await client.post(url(activiteit_id), json={"lid_id": str(collega)}, headers=mij)
        assert r.status_code == 201 and r.json()["lid_id"] == str(collega)
        r = await client.post(url(activiteit_id), json={"lid_id": str(vreemde)}, headers=mij)
        assert r.status_code == 403 and r.json()["errors"][0]["code"] == "andere_organisatie"
        assert (await client.get(url(activiteit_id, vreemde), headers=mij)).status_code == 404
        assert (await client.delete(url(activiteit_id, collega), headers=mij)).status_code == 200
        # Staff may register anyone; without a sign-in nobody may.
        staf = {"Cookie": f"{COOKIE}={maak_cookie(MEDEWERKER, runtime.settings.secret_key)}"}
        assert (await client.post(url(activiteit_id), json={"lid_id": str(vreemde)}, headers=staf)).status_code == 201
        assert (await client.post(url(activiteit_id), json={"lid_id": str(ik)})).status_code == 401
        assert (await client.post(url(activiteit_id), json={"lid_id": str(uuid.uuid4())}, headers=staf)).json()["errors"][0]["code"] == "onbekend_lid"
        assert (await client.post(url(uuid.uuid4()), headers=mij)).status_code == 404


async def test_closed_activities_take_no_registrations(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        (ik,) = await nieuwe_leden(runtime, 1)
        geannuleerd = await plan(runtime, capaciteit=10)
        await levenscyclus.annuleer(levenscyclus.Annuleer(geannuleerd), ActiviteitenUoW(runtime.db, source=runtime.source))
        begonnen = await plan(runtime, capaciteit=10, start=datetime.now(UTC) - timedelta(hours=1))
        for activiteit_id, code in ((geannuleerd, "activiteit_geannuleerd"), (begonnen, "inschrijving_gesloten")):
            r = await client.post(url(activiteit_id), headers=als_lid(runtime, ik))
            assert r.status_code == 409 and r.json()["errors"][0]["code"] == code


async def test_more_seats_move_people_up_from_the_waitlist(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        leden = await nieuwe_leden(runtime, 4)
        activiteit_id = await plan(runtime, capaciteit=1)
        for lid in leden:
            await client.post(url(activiteit_id), headers=als_lid(runtime, lid))
        async with ActiviteitenUoW(runtime.db, source=runtime.source) as uow:
            rij = await uow.activiteiten.lees(activiteit_id)
        await levenscyclus.wijzig(levenscyclus.Wijzig(activiteit_id, replace(rij.gegevens, capaciteit=3)), ActiviteitenUoW(runtime.db, source=runtime.source))
        stand = await statussen(runtime, activiteit_id)
        assert [stand[l] for l in leden] == ["ingeschreven", "ingeschreven", "ingeschreven", "wachtlijst"]


async def test_leaving_the_network_frees_the_seats_for_the_next_in_line(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        vertrekker, wachtende, later = await nieuwe_leden(runtime, 3)
        eerste = await plan(runtime, capaciteit=1)
        tweede = await plan(runtime, capaciteit=1)
        for activiteit_id in (eerste, tweede):
            for lid in (vertrekker, wachtende):
                await client.post(url(activiteit_id), headers=als_lid(runtime, lid))
        async with runtime.db.transaction() as conn:
            # What leaving (or erasure) in registratie.leden does first, in its own transaction.
            uow = ActiviteitenUoW.within(conn, source=runtime.source)
            assert await inschrijvingen.schrijf_overal_uit(inschrijvingen.SchrijfOveralUit(vertrekker), uow) == 2
            await conn.execute(text("UPDATE leden SET lid_tot = DATE '2025-06-30' WHERE id = :id"), {"id": vertrekker})
        for activiteit_id in (eerste, tweede):
            assert (await statussen(runtime, activiteit_id)) == {vertrekker: "geannuleerd", wachtende: "ingeschreven"}
        # Someone who left can no longer register; erasing them removes their rows.
        r = await client.post(url(eerste), headers=als_lid(runtime, vertrekker))
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "onbekend_lid"
        async with runtime.db.transaction() as conn:
            await conn.execute(text("DELETE FROM leden WHERE id = :id"), {"id": vertrekker})
        assert vertrekker not in await statussen(runtime, eerste)
        assert (await client.post(url(eerste), headers=als_lid(runtime, later))).json()["status"] == "wachtlijst"


async def test_a_waitlist_registration_with_an_idempotency_key_knows_its_place(start_service: Any, http: Any) -> None:
    # The request runs in one transaction: the place must be read inside it, not beside it.
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        eerste, tweede = await nieuwe_leden(runtime, 2)
        activiteit_id = await plan(runtime, capaciteit=1)
        assert (await client.post(url(activiteit_id), headers=als_lid(runtime, eerste))).status_code == 201
        sleutel = {"Idempotency-Key": str(uuid.uuid4()), **als_lid(runtime, tweede)}
        antwoord = await client.post(url(activiteit_id), headers=sleutel)
        opnieuw = await client.post(url(activiteit_id), headers=sleutel)
    assert antwoord.status_code == 201
    assert (antwoord.json()["status"], antwoord.json()["wachtlijst_positie"]) == ("wachtlijst", 1)
    assert opnieuw.json() == antwoord.json() and opnieuw.headers["idempotent-replayed"] == "true"


async def test_registering_takes_the_activity_lock_with_the_member_lookup_and_holds_it_until_commit(
    start_service: Any, http: Any
) -> None:
    # Registering's statements go straight to the driver: they must still be the unit of work's
    # transaction, or the lock would be released at once and two could take the last seat.
    async with start_service(DEFINITION) as runtime:
        (lid_id,) = await nieuwe_leden(runtime, 1)
        activiteit_id = await plan(runtime, capaciteit=3)
        vergrendel_nowait = text("SELECT 1 FROM activiteiten WHERE id = :a FOR UPDATE NOWAIT")
        async with ActiviteitenUoW(runtime.db, source=runtime.source) as uow:
            lid, slot = await uow.inschrijvingen.lid_en_vergrendel(activiteit_id, lid_id)
            assert lid is not None and (lid.organisatie_id, lid.vertrokken) == (GENT, False)
            assert slot is not None and slot.capaciteit == 3
            async with runtime.db.engine.connect() as ander:
                try:
                    await ander.execute(vergrendel_nowait, {"a": activiteit_id})
                except Exception as exc:  # lock_not_available: the row is ours until commit
                    assert getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03", exc
                else:
                    raise AssertionError("de activiteit was niet vergrendeld")
            onbekend_lid, slot_bis = await uow.inschrijvingen.lid_en_vergrendel(activiteit_id, uuid.uuid4())
            assert onbekend_lid is None and slot_bis == slot
            lid_bis, geen_slot = await uow.inschrijvingen.lid_en_vergrendel(uuid.uuid4(), lid_id)
            assert lid_bis == lid and geen_slot is None
        async with runtime.db.transaction() as ander:
            assert (await ander.execute(vergrendel_nowait, {"a": activiteit_id})).scalar() == 1


async def test_a_registration_that_fails_after_its_insert_leaves_no_row_and_no_event(start_service: Any, http: Any) -> None:
    class Mislukt(Exception):
        pass

    class FaaltNaHetEvent(ActiviteitenUoW):
        async def publish(self, event: Any, *, event_id: str | None = None) -> str:
            await super().publish(event, event_id=event_id)
            raise Mislukt

    async with start_service(DEFINITION) as runtime:
        (lid_id,) = await nieuwe_leden(runtime, 1)
        activiteit_id = await plan(runtime, capaciteit=None)
        voor = sum(len(e) for e in (await inschrijving_events(runtime)).values())
        try:
            await inschrijvingen.schrijf_in(
                inschrijvingen.SchrijfIn(activiteit_id, lid_id, Wie(lid_id=lid_id)),
                FaaltNaHetEvent(runtime.db, source=runtime.source),
            )
        except Mislukt:
            pass
        else:
            raise AssertionError("de inschrijving had moeten mislukken")
        assert await statussen(runtime, activiteit_id) == {}
        assert sum(len(e) for e in (await inschrijving_events(runtime)).values()) == voor
        # The connection went back to the pool clean: the next registration on it succeeds.
        r = await http(runtime).post(url(activiteit_id), headers=als_lid(runtime, lid_id))
        assert r.status_code == 201 and await statussen(runtime, activiteit_id) == {lid_id: "ingeschreven"}
