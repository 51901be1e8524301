"""Sign-up: the 285 local governments, the API and the form, on real NATS and PostgreSQL."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

import nats
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text

from dinet_chassis.embedded import wait_for_mails
from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.leden.domain.aanmelding import NIEUWSBRIEF_TEKST
from registratie.main import DEFINITION

GENT = str(organisatie_id_voor_nis("44021"))


def _aanvraag(**over: Any) -> dict[str, Any]:
    return {
        "naam": "An Peeters",
        "email": "An.Peeters@Gent.be",
        "organisatie_id": GENT,
        "functie": "Coördinator digitale inclusie",
        "nieuwsbrief": True,
    } | over


async def _tel(runtime: Any, sql: str) -> int:
    async with runtime.db.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def _csrf(client: Any) -> str:
    pagina = await client.get("/registratie/lid-worden")
    assert pagina.status_code == 200
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)


async def test_lists_the_285_local_governments_and_others(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        r = await client.get("/registratie/api/v1/organisaties")
        lokaal = await client.get("/registratie/api/v1/organisaties", params={"type": "lokaal_bestuur"})
    assert r.status_code == 200
    organisaties = r.json()["organisaties"]
    besturen = [o for o in organisaties if o["type"] == "lokaal_bestuur"]
    assert len(besturen) == 285 == len(lokaal.json()["organisaties"])
    assert {o["type"] for o in organisaties} >= {"lokaal_bestuur", "igs", "middenveldorganisatie"}
    gent = next(o for o in organisaties if o["nis_code"] == "44021")
    assert gent == {
        "id": GENT,
        "naam": "Gent",
        "type": "lokaal_bestuur",
        "nis_code": "44021",
        "provincie": "Oost-Vlaanderen",
    }
    assert any(o["naam"] == "Mediawijs" and o["type"] == "middenveldorganisatie" for o in organisaties)


async def test_reference_data_is_not_reloaded_when_unchanged(start_service: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        eerste = await _tel(runtime, "SELECT count(*) FROM organisaties")
    async with start_service(DEFINITION) as runtime:
        assert await _tel(runtime, "SELECT count(*) FROM organisaties") == eerste
        assert await _tel(runtime, "SELECT count(*) FROM referentiedata") == 2


async def test_api_sign_up_stores_member_and_publishes_both_events(
    start_service: Any, http: Any, nats_server: Any
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        async with start_service(DEFINITION) as runtime:
            js = nc.jetstream()
            feiten = await js.subscribe("dinet.evt.registratie.lid.geregistreerd.v1", ordered_consumer=True)
            contact = await js.subscribe("dinet.pii.lid.*.contactgegevens.v1", ordered_consumer=True)

            r = await http(runtime).post("/registratie/api/v1/leden", json=_aanvraag())
            assert r.status_code == 201, r.text
            lid_id = r.json()["id"]
            assert r.headers["location"] == f"/registratie/api/v1/leden/{lid_id}"

            feit = await feiten.next_msg(timeout=10)
            persoon = await contact.next_msg(timeout=10)

            lid = await medewerker(http, runtime).get(r.headers["location"])
            assert (await http(runtime).get(r.headers["location"])).status_code == 401
            # A member reads their own record, never someone else's.
            assert (await als_lid(http, runtime, uuid.UUID(lid_id)).get(r.headers["location"])).status_code == 200
            assert (await als_lid(http, runtime, uuid.uuid4()).get(r.headers["location"])).status_code == 404
            async with runtime.db.engine.connect() as conn:
                toestemming = (
                    await conn.execute(text("SELECT doel, gegeven, tekst, hoe FROM toestemmingen"))
                ).one()
    finally:
        await nc.close()

    assert lid.status_code == 200
    assert lid.json()["email"] == "an.peeters@gent.be"  # stored lowercased
    assert lid.json()["organisatie_naam"] == "Gent"
    assert tuple(toestemming) == ("nieuwsbrief", True, NIEUWSBRIEF_TEKST, "api")

    assert feit.headers["Content-Type"] == CONTENT_TYPE
    envelop = json.loads(feit.data)
    assert envelop["type"] == "be.dinet.lid.geregistreerd.v1"
    assert envelop["source"] == "/dinet/registratie"
    assert feit.headers["Nats-Msg-Id"] == envelop["id"]
    assert envelop["data"]["lid_id"] == lid_id
    assert envelop["data"]["organisatie_id"] == GENT
    assert envelop["data"]["organisatie_type"] == OrganisatieType.LOKAAL_BESTUUR
    assert envelop["data"]["nieuwsbrief"] is True
    # No personal data on the stream that is kept for ever.
    assert "Peeters" not in feit.data.decode() and "gent.be" not in feit.data.decode()

    assert persoon.subject == f"dinet.pii.lid.{lid_id}.contactgegevens.v1"
    gegevens = json.loads(persoon.data)["data"]
    assert gegevens == {
        "lid_id": lid_id,
        "naam": "An Peeters",
        "email": "an.peeters@gent.be",
        "nieuwsbrief": True,
        "aanleiding": "registratie",
    }


async def test_api_invalid_sign_up_names_each_field(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        r = await client.post(
            "/registratie/api/v1/leden",
            json={"naam": "  ", "email": "an-at-gent", "organisatie_id": str(uuid.uuid4()), "functie": "x" * 201},
        )
        leeg = await client.post("/registratie/api/v1/leden", json={})
        onbekend = await client.post("/registratie/api/v1/leden", json=_aanvraag(organisatie_id=str(uuid.uuid4())))
        verkeerd_type = await client.post("/registratie/api/v1/leden", json=_aanvraag(nieuwsbrief="misschien"))
        leden = await _tel(runtime, "SELECT count(*) FROM leden")
        uitgaand = await _tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'")

    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422
    assert {e["veld"]: e["code"] for e in body["errors"]} == {
        "naam": "verplicht",
        "email": "ongeldig_email",
        "functie": "te_lang",
    }
    assert all(e["melding"] for e in body["errors"])
    assert {e["veld"]: e["code"] for e in leeg.json()["errors"]} == {
        "naam": "verplicht",
        "email": "verplicht",
        "organisatie_id": "verplicht",
    }
    assert onbekend.status_code == 422
    assert onbekend.json()["errors"] == [
        {"veld": "organisatie_id", "code": "onbekende_organisatie", "melding": "Kies je organisatie uit de lijst."}
    ]
    assert verkeerd_type.status_code == 422
    assert [e["veld"] for e in verkeerd_type.json()["errors"]] == ["nieuwsbrief"]
    assert leden == 0 and uitgaand == 0


async def test_api_duplicate_email_is_a_conflict(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        eerste = await client.post("/registratie/api/v1/leden", json=_aanvraag())
        tweede = await client.post(
            "/registratie/api/v1/leden", json=_aanvraag(email="an.peeters@GENT.be", naam="An P.")
        )
        leden = await _tel(runtime, "SELECT count(*) FROM leden")
        uitgaand = await _tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'")
    assert eerste.status_code == 201
    assert tweede.status_code == 409
    assert tweede.headers["content-type"].startswith("application/problem+json")
    assert [e["code"] for e in tweede.json()["errors"]] == ["email_bestaat_al"]
    assert leden == 1
    assert uitgaand == 2  # only the first sign-up's two events


async def test_api_unknown_member_is_404_problem(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        r = await medewerker(http, runtime).get(f"/registratie/api/v1/leden/{uuid.uuid4()}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_form_shows_grouped_organisations_and_consent_wording(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        r = await http(runtime).get("/registratie/lid-worden")
    assert r.status_code == 200
    html = r.text
    assert '<optgroup label="Lokaal bestuur">' in html
    assert '<optgroup label="Intergemeentelijk samenwerkingsverband (IGS)">' in html
    assert html.count("<option value=") == 1 + 285 + 7
    lokaal = html.split('<optgroup label="Lokaal bestuur">')[1].split("</optgroup>")[0]
    namen = re.findall(r">([^<]+)</option>", lokaal)
    assert namen[0] == "Aalst" and len(namen) == 285
    assert NIEUWSBRIEF_TEKST in html
    assert "<legend" in html and 'for="nieuwsbrief"' in html
    assert "02 211 55 00" in html


async def test_form_invalid_input_is_shown_again_and_nothing_stored(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        token = await _csrf(client)
        r = await client.post(
            "/registratie/lid-worden",
            data={
                "_csrf_token": token,
                "naam": "Bram",
                "email": "bram@",
                "organisatie_id": "",
                "functie": "Schepen",
                "nieuwsbrief": "ja",
            },
        )
        leden = await _tel(runtime, "SELECT count(*) FROM leden")
        uitgaand = await _tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'")
    assert r.status_code == 400
    html = r.text
    assert "<title>Fout: " in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#email">' in html and '<a href="#organisatie_id">' in html
    assert 'id="email-error"' in html and 'aria-describedby="email-hint email-error"' in html
    assert 'value="Bram"' in html and 'value="bram@"' in html and 'value="Schepen"' in html
    assert re.search(r'id="nieuwsbrief"[^>]*checked', html)
    assert leden == 0 and uitgaand == 0


async def test_form_valid_sign_up_redirects_to_thank_you(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        token = await _csrf(client)
        r = await client.post(
            "/registratie/lid-worden",
            data={
                "_csrf_token": token,
                "naam": "Bram Claes",
                "email": "bram@mediawijs.be",
                "organisatie_id": GENT,
                "functie": "",
            },
        )
        assert r.status_code == 303
        assert r.headers["location"] == "/registratie/lid-worden/bedankt"
        bedankt = await client.get(r.headers["location"])
        async with runtime.db.engine.connect() as conn:
            lid = (await conn.execute(text("SELECT email, nieuwsbrief, functie FROM leden"))).one()
            hoe = (await conn.execute(text("SELECT hoe, gegeven FROM toestemmingen"))).one()
    assert tuple(lid) == ("bram@mediawijs.be", False, None)
    assert tuple(hoe) == ("aanmeldformulier", False)
    assert bedankt.status_code == 200 and "welkomstmail" in bedankt.text and "bram@mediawijs.be" in bedankt.text


async def test_form_sign_up_of_a_member_shows_the_way_to_their_data(
    start_service: Any, http: Any, mail_sink: Any
) -> None:
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        client = http(runtime)
        assert (await client.post("/registratie/api/v1/leden", json=_aanvraag())).status_code == 201
        token = await _csrf(client)
        r = await client.post(
            "/registratie/lid-worden",
            data={"_csrf_token": token, "naam": "An", "email": " An.Peeters@gent.be", "organisatie_id": GENT},
        )
        pagina = await client.get(r.headers["location"])
        leden = await _tel(runtime, "SELECT count(*) FROM leden")
        mails = await wait_for_mails(mail_sink.mail_dir, 1)
    assert r.status_code == 303 and r.headers["location"] == "/registratie/lid-worden/al-lid"
    assert pagina.status_code == 200
    assert "<title>Fout" not in pagina.text and "govuk-error-summary" not in pagina.text
    assert "Je bent al lid" in pagina.text and "an.peeters@gent.be" in pagina.text
    assert 'href="/registratie/mijn"' in pagina.text and 'href="/registratie/mijn/inloggen"' in pagina.text
    assert "inloglink" in pagina.text
    assert leden == 1
    assert [m["to"] for m in mails] == ["An Peeters <an.peeters@gent.be>"]
    assert "/registratie/mijn/inloggen/link?token=" in mails[0]["body"]


async def test_api_sign_up_retried_with_its_idempotency_key_gets_the_first_answer(
    start_service: Any, http: Any
) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        sleutel = {"Idempotency-Key": str(uuid.uuid4())}
        eerste = await client.post("/registratie/api/v1/leden", json=_aanvraag(), headers=sleutel)
        opnieuw = await client.post("/registratie/api/v1/leden", json=_aanvraag(), headers=sleutel)
        zonder_sleutel = await client.post("/registratie/api/v1/leden", json=_aanvraag())
        ander = await client.post("/registratie/api/v1/leden", json=_aanvraag(naam="Bram"), headers=sleutel)
        leden = await _tel(runtime, "SELECT count(*) FROM leden")
        uitgaand = await _tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'")
        schema = (await client.get("/registratie/schema/openapi.json")).json()
    assert (eerste.status_code, opnieuw.status_code) == (201, 201)
    assert opnieuw.json() == eerste.json() and opnieuw.headers["location"] == eerste.headers["location"]
    assert opnieuw.headers["idempotent-replayed"] == "true"
    assert zonder_sleutel.status_code == 409  # a retry without a key is a new sign-up
    assert ander.status_code == 422 and ander.json()["errors"][0]["code"] == "idempotency_key_hergebruikt"
    assert leden == 1 and uitgaand == 2
    parameters = schema["paths"]["/registratie/api/v1/leden"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters)


async def test_form_requires_csrf_token(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        await _csrf(client)
        r = await client.post(
            "/registratie/lid-worden",
            data={"naam": "Bram", "email": "bram@gent.be", "organisatie_id": GENT},
        )
        leden = await _tel(runtime, "SELECT count(*) FROM leden")
    assert r.status_code == 403
    assert leden == 0


async def test_health_openapi_and_query_validation(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        health = await client.get("/registratie/health")
        schema = await client.get("/registratie/schema/openapi.json")
        fout_type = await client.get("/registratie/api/v1/organisaties", params={"type": "vereniging"})
    assert health.json() == {"status": "ok", "service": "registratie"}
    paden = schema.json()["paths"]
    assert {
        "/registratie/api/v1/organisaties",
        "/registratie/api/v1/leden",
        "/registratie/api/v1/leden/{lid_id}",
    } <= set(paden)
    assert fout_type.status_code == 422
    assert [e["veld"] for e in fout_type.json()["errors"]] == ["type"]


def medewerker(http: Any, runtime: Any) -> Any:
    from dinet_chassis.web.auth import Identiteit, Rol, maak_cookie

    wie = Identiteit(sub="test-medewerker", naam="Medewerker", rollen=frozenset({Rol.MEDEWERKER}), organisatie_id=None, lid_id=None)
    return http(runtime, cookies={"dinet_sessie": maak_cookie(wie, runtime.settings.secret_key)})


def als_lid(http: Any, runtime: Any, lid_id: uuid.UUID) -> Any:
    from dinet_chassis.web.auth import Identiteit, Rol, maak_cookie

    wie = Identiteit(sub=f"lid:{lid_id}", naam="Lid", rollen=frozenset({Rol.LID}), lid_id=lid_id)
    return http(runtime, cookies={"dinet_sessie": maak_cookie(wie, runtime.settings.secret_key)})


async def test_sign_up_while_the_database_is_down_is_a_503_not_an_error(
    start_service: Any, http: Any, database_switch: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    async with start_service(DEFINITION, database_url=database_switch.url) as runtime:
        client = http(runtime)
        token = await _csrf(client)
        await database_switch.off()
        api = [await client.post("/registratie/api/v1/leden", json=_aanvraag()) for _ in range(10)]
        pagina = await client.post(
            "/registratie/lid-worden",
            data={"_csrf_token": token, "naam": "An", "email": "an@gent.be", "organisatie_id": GENT},
        )
        await database_switch.on()
        daarna = await client.post("/registratie/api/v1/leden", json=_aanvraag())
    assert {(r.status_code, r.headers["retry-after"], r.headers["content-type"]) for r in api} == {
        (503, "5", "application/problem+json")
    }
    assert api[0].json()["type"] == "urn:dinet:probleem:tijdelijk-onbeschikbaar"
    assert pagina.status_code == 503 and pagina.headers["retry-after"] == "5"
    assert "Er is niets verloren" in pagina.text and '<html lang="nl"' in pagina.text
    assert daarna.status_code == 201
    web = [r for r in caplog.records if r.name == "dinet.web"]
    assert [r.levelname for r in web] == ["ERROR", "WARNING"]  # down once, back once, for 11 requests
    assert not any(r.exc_info for r in web)
