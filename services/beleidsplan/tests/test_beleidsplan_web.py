"""The beleidstool pages end to end: sign in, start a plan, and the event on JetStream."""

from __future__ import annotations

import re
import uuid

import nats
import pytest
from nats.js.errors import NotFoundError

from dinet_contracts import parse
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt
from dinet_contracts.topology import EVENTS
from dinet_chassis.testing import wait_until
from beleidsplan.main import DEFINITION

GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
SUBJECT = BeleidsplanAangemaakt.subject_template


def csrf(html: str) -> str:
    gevonden = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert gevonden, "form without CSRF token"
    return gevonden.group(1)


async def aanmelden(client, gebruikersnaam="gent", wachtwoord="demo"):
    pagina = await client.get("/beleidsplan/aanmelden")
    return await client.post(
        "/beleidsplan/aanmelden",
        data={"gebruikersnaam": gebruikersnaam, "wachtwoord": wachtwoord, "_csrf_token": csrf(pagina.text)},
    )


@pytest.fixture
async def demo(start_service, http):
    async with start_service(DEFINITION, demo=True) as runtime:
        yield runtime, http(runtime)


async def test_aanmelden_en_plan_starten_publiceert_event(demo, nats_server):
    runtime, client = demo
    response = await aanmelden(client)
    assert response.status_code == 303 and response.headers["location"] == "/beleidsplan/"

    start = await client.get("/beleidsplan/")
    assert "Je bent aangemeld voor <strong>Gent</strong>" in start.text
    assert "Nieuw beleidsplan starten" in start.text

    response = await client.post(
        "/beleidsplan/plannen", data={"titel": "  Digitaal mee in Gent  ", "_csrf_token": csrf(start.text)}
    )
    assert response.status_code == 303
    locatie = response.headers["location"]
    assert re.fullmatch(r"/beleidsplan/plannen/[0-9a-f-]{36}", locatie)
    plan_id = uuid.UUID(locatie.rsplit("/", 1)[1])

    pagina = await client.get(locatie)
    assert pagina.status_code == 200
    assert "<h1 class=\"govuk-heading-l\">Digitaal mee in Gent</h1>" in pagina.text
    assert "2026.1-afgeleid" in pagina.text
    assert "Digitaal mee in Gent" in (await client.get("/beleidsplan/")).text

    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()

        async def laatste():
            try:
                return await js.get_last_msg(EVENTS.name, SUBJECT)
            except NotFoundError:
                return None

        msg = await wait_until(laatste, timeout=10)
    finally:
        await nc.close()
    event = parse(msg.data)
    assert isinstance(event.data, BeleidsplanAangemaakt)
    assert event.source == "/dinet/beleidsplan"
    assert event.data.beleidsplan_id == plan_id
    assert event.data.organisatie_id == GENT  # the platform-wide id of Gent (NIS 44021)
    assert event.data.titel == "Digitaal mee in Gent"
    assert event.data.catalogus_versie == "2026.1-afgeleid"
    assert msg.headers["Nats-Msg-Id"] == event.id


async def test_verkeerd_wachtwoord_geeft_foutmelding(demo):
    runtime, client = demo
    response = await aanmelden(client, wachtwoord="fout")
    assert response.status_code == 400
    assert "<title>Fout:" in response.text
    assert "govuk-error-summary" in response.text
    assert "De gebruikersnaam of het wachtwoord klopt niet" in response.text
    assert 'value="gent"' in response.text  # the name is kept, the password is not
    assert "Je bent aangemeld" not in (await client.get("/beleidsplan/")).text


async def test_lege_velden_geven_een_melding_per_veld(demo):
    runtime, client = demo
    response = await aanmelden(client, gebruikersnaam="", wachtwoord="")
    assert response.status_code == 400
    assert 'href="#gebruikersnaam">Vul je gebruikersnaam in.' in response.text
    assert 'href="#wachtwoord">Vul je wachtwoord in.' in response.text


async def test_zonder_aanmelden_geen_plan(demo):
    runtime, client = demo
    pagina = await client.get("/beleidsplan/")
    assert pagina.status_code == 200
    assert 'href="/beleidsplan/aanmelden"' in pagina.text
    # A valid CSRF token, but no session: sent to the sign-in page, nothing stored.
    token = csrf((await client.get("/beleidsplan/aanmelden")).text)
    response = await client.post("/beleidsplan/plannen", data={"titel": "Stiekem", "_csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/beleidsplan/aanmelden"
    async with runtime.db.engine.connect() as conn:
        from sqlalchemy import text

        assert (await conn.execute(text("SELECT count(*) FROM beleidsplan"))).scalar() == 0
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0


async def test_formulier_zonder_csrf_token_wordt_geweigerd(demo):
    runtime, client = demo
    await aanmelden(client)
    response = await client.post("/beleidsplan/plannen", data={"titel": "Zonder token"})
    assert response.status_code == 403


async def test_lege_titel_toont_foutmelding(demo):
    runtime, client = demo
    await aanmelden(client)
    start = await client.get("/beleidsplan/")
    response = await client.post("/beleidsplan/plannen", data={"titel": "   ", "_csrf_token": csrf(start.text)})
    assert response.status_code == 400
    assert 'href="#titel">Geef je beleidsplan een titel.' in response.text
    assert 'aria-describedby="titel-hint titel-error"' in response.text


async def test_een_ander_bestuur_ziet_het_plan_niet(demo):
    runtime, client = demo
    await aanmelden(client)
    start = await client.get("/beleidsplan/")
    locatie = (
        await client.post("/beleidsplan/plannen", data={"titel": "Plan van Gent", "_csrf_token": csrf(start.text)})
    ).headers["location"]

    afmelden = await client.post("/beleidsplan/afmelden", data={"_csrf_token": csrf(start.text)})
    assert afmelden.status_code == 303
    assert (await client.get(locatie)).headers["location"] == "/beleidsplan/aanmelden"

    await aanmelden(client, "leuven")
    assert (await client.get(locatie)).status_code == 404
    assert "Plan van Gent" not in (await client.get("/beleidsplan/")).text


async def test_demo_accounts_api(demo):
    runtime, client = demo
    response = await client.get("/beleidsplan/api/v1/demo-accounts")
    assert response.status_code == 200
    accounts = response.json()["accounts"]
    assert {"gebruikersnaam": "gent", "wachtwoord": "demo", "organisatie": "Gent"} in accounts
    assert {a["gebruikersnaam"] for a in accounts} == {"gent", "leuven", "hasselt"}
    pagina = await client.get("/beleidsplan/aanmelden")
    assert "Demo-accounts" in pagina.text and "<code>hasselt</code>" in pagina.text


async def test_zonder_demomodus_geen_accounts(start_service, http):
    async with start_service(DEFINITION, demo=False) as runtime:
        client = http(runtime)
        response = await client.get("/beleidsplan/api/v1/demo-accounts")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        pagina = await client.get("/beleidsplan/aanmelden")
        assert "Demo-accounts" not in pagina.text
        response = await aanmelden_zonder_formulier(client)
        assert response.status_code == 400


async def aanmelden_zonder_formulier(client):
    # No accounts means no form; post anyway, as a script would.
    await client.get("/beleidsplan/")  # sets the CSRF cookie
    token = client.cookies.get("csrftoken_beleidsplan")
    return await client.post("/beleidsplan/aanmelden", data={"gebruikersnaam": "gent", "wachtwoord": "demo", "_csrf_token": token})
