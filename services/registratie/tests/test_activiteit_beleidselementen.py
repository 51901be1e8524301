"""Activity events version 2: staff and partners say where an activity is, how to join online and
which beleidstool pillars/elements it serves; the events and the pages carry it."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import nats
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.envelope import CONTENT_TYPE, wrap
from dinet_contracts.events.activiteiten import Activiteit, ActiviteitGeplandV2, ActiviteitGewijzigd, ActiviteitV2
from dinet_contracts.topology import partner_subject_prefix
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_sleutel
from registratie.main import DEFINITION

VVSG = organisatie_id_voor_sleutel("vvsg")
MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
BASIS = "/registratie/beheer/activiteiten"
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


def aangemeld(client: Any, runtime: Any, wie: Identiteit) -> Any:
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    return client


async def csrf(client: Any, pad: str) -> str:
    pagina = await client.get(pad)
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)


async def events(runtime: Any, activiteit_id: uuid.UUID) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rijen = await conn.execute(
            text("SELECT body FROM outbox WHERE aggregate_id = :a ORDER BY seq"), {"a": str(activiteit_id)}
        )
        return [json.loads(b) for b in rijen.scalars()]


def formulier(token: str, **over: str) -> dict[str, str]:
    dag = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    return {
        "_csrf_token": token, "soort": "infosessie", "titel": "Infosessie digitale drempels",
        "omschrijving": "Voor medewerkers van lokale besturen.", "organisator_id": str(VVSG), "trekker": "vvsg",
        "vorm": "fysiek", "start_datum": dag, "start_tijd": "09:30", "einde_tijd": "12:00",
    } | over


def activiteit(versie: int = 1, **over: Any) -> Activiteit:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    velden: dict[str, Any] = dict(
        activiteit_id=uuid.uuid5(uuid.NAMESPACE_URL, "urn:mediawijs:activiteit:v2-test"), versie=versie,
        soort=ActiviteitSoort.INFOSESSIE, titel="Mediawijs-infosessie", organisator_id=MEDIAWIJS,
        trekker=Trekker.MEDIAWIJS, vorm=Vorm.FYSIEK, start=start, einde=start + timedelta(hours=2),
        duur_uren=Decimal("2.00"), capaciteit=30, status=ActiviteitStatus.GEPLAND,
    )
    return Activiteit(**(velden | over))


def bericht(soort: type, a: Activiteit) -> bytes:
    return wrap(soort(activiteit_id=a.activiteit_id, activiteit=a), source="/partner/mediawijs").model_dump_json().encode()


async def publiceer(js: Any, body: bytes) -> None:
    await js.publish(f"{partner_subject_prefix(str(MEDIAWIJS))}.activiteiten", body, headers={"Content-Type": CONTENT_TYPE})


async def test_staff_choose_elements_and_a_join_link_and_the_v2_event_carries_them(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(http(runtime), runtime, MEDEWERKER)
        token = await csrf(client, f"{BASIS}/nieuw")
        nieuw = await client.get(f"{BASIS}/nieuw")
        assert 'id="elementen" name="elementen" type="checkbox" value="TOE-01"' in nieuw.text
        assert "digitale kwetsbaarheden kunnen detecteren" in nieuw.text  # DIE-01, from the catalogue

        velden = formulier(token, vorm="online", locatie="", deelnamelink="https://meet.example/drempels")
        r = await client.post(f"{BASIS}/nieuw", data={**velden, "pijlers": ["DIE"], "elementen": ["DIE-01", "REG-09"]})
        assert r.status_code == 303, r.text
        activiteit_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])

        (e,) = await events(runtime, activiteit_id)
        assert e["type"] == "be.dinet.activiteit.gepland.v2"
        a = e["data"]["activiteit"]
        assert a["pijlers"] == ["DIE"] and a["elementen"] == ["DIE-01", "REG-09"]
        assert a["deelnamelink"] == "https://meet.example/drempels"
        ActiviteitV2.model_validate(a)

        detail = (await client.get(f"{BASIS}/{activiteit_id}")).text
        assert "Helpt lokale besturen bij" in detail and "Pijler Dienstverlening" in detail
        assert "REG-09: … betrekken we inwoners" in detail and "https://meet.example/drempels" in detail
        publiek = (await client.get(f"/registratie/activiteiten/{activiteit_id}")).text
        assert "Helpt lokale besturen bij" in publiek and "DIE-01" in publiek
        assert "https://meet.example/drempels" not in publiek  # only for who registered

        # Unknown ids and a link that is not https are refused, every problem at once.
        r = await client.post(
            f"{BASIS}/nieuw", data={**velden, "deelnamelink": "http://x.example", "elementen": ["DIE-99"], "pijlers": ["XYZ"]}
        )
        assert r.status_code == 400
        for veld in ("#deelnamelink", "#elementen", "#pijlers"):
            assert f'href="{veld}"' in r.text

        # The edit form shows the choices again.
        bewerken = (await client.get(f"{BASIS}/{activiteit_id}/bewerken")).text
        assert 'value="DIE-01" checked' in bewerken and 'value="DIE" checked' in bewerken


async def test_partners_publish_v2_and_a_later_v1_keeps_what_only_v2_says(start_service: Any, nats_server: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            v1 = activiteit()
            v2 = ActiviteitV2(
                **v1.model_dump(), plaats="Bib Gent, Kouter", beschrijving="Oefenen met itsme.",
                deelnamelink="https://mediawijs.example/live", pijlers=("VAA",), elementen=("VAA-03",),
            )
            await publiceer(js, bericht(ActiviteitGeplandV2, v2))

            async def rij() -> Any:
                async with runtime.db.engine.connect() as conn:
                    return (
                        await conn.execute(
                            text("SELECT versie, titel, locatie, omschrijving, deelnamelink, pijlers, elementen FROM activiteiten WHERE id = :id"),
                            {"id": v1.activiteit_id},
                        )
                    ).mappings().one_or_none()

            await wait_until(lambda: _is_versie(rij, 1), timeout=10)
            r = await rij()
            assert (r["locatie"], r["omschrijving"], r["deelnamelink"]) == ("Bib Gent, Kouter", "Oefenen met itsme.", "https://mediawijs.example/live")
            assert (r["pijlers"], r["elementen"]) == (["VAA"], ["VAA-03"])

            # A v1 update says nothing about the new fields: they stay.
            await publiceer(js, bericht(ActiviteitGewijzigd, activiteit(versie=2, titel="Nieuwe titel")))
            await wait_until(lambda: _is_versie(rij, 2), timeout=10)
            r = await rij()
            assert r["titel"] == "Nieuwe titel" and r["elementen"] == ["VAA-03"] and r["locatie"] == "Bib Gent, Kouter"
            (laatste,) = [e for e in await events(runtime, v1.activiteit_id) if e["data"]["activiteit"]["versie"] == 2]
            assert laatste["type"] == "be.dinet.activiteit.gewijzigd.v2"
            assert laatste["data"]["activiteit"]["elementen"] == ["VAA-03"]
        finally:
            await nc.close()


async def _is_versie(rij: Any, versie: int) -> bool:
    r = await rij()
    return r is not None and r["versie"] == versie


async def test_the_partner_http_door_accepts_v2_and_names_an_unknown_element(start_service: Any, http: Any) -> None:
    from registratie.toegang import store as toegang_opslag

    async with start_service(DEFINITION) as runtime:
        _, nieuw = await toegang_opslag.maak_sleutel(runtime.db, MEDIAWIJS, "proef", "test")
        headers = {"Content-Type": "application/cloudevents+json", "Authorization": f"Bearer {nieuw.token}"}
        a = ActiviteitV2(**activiteit().model_dump(), elementen=("VAA-03",), deelnamelink="https://mediawijs.example/live")
        client = http(runtime)
        r = await client.post("/registratie/api/v1/partner/gebeurtenissen", content=bericht(ActiviteitGeplandV2, a), headers=headers)
        assert r.status_code == 202, r.text
        fout = json.loads(bericht(ActiviteitGeplandV2, a))
        fout["data"]["activiteit"]["elementen"] = ["VAA-99"]
        r = await client.post("/registratie/api/v1/partner/gebeurtenissen", content=json.dumps(fout), headers=headers)
        assert r.status_code == 422, r.text
        (e,) = r.json()["errors"]
        assert e["veld"].startswith("data.activiteit.elementen") and "VAA-99" in e["melding"]
