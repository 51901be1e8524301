"""The newsletter on real NATS, PostgreSQL and the SMTP sink: compose through the API, preview,
test, send to a segment, throttle, the archive, and `nieuwsbrief.verzonden` with the count."""

from __future__ import annotations

import asyncio
import uuid

from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts import parse
from dinet_contracts.events.meldingen import NieuwsbriefVerzonden
from dinet_contracts.events.registratie import LidContactgegevens, LidGeregistreerd, OrganisatieBijgewerkt
from dinet_contracts.topology import EVENTS
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text

GENT, HASSELT = uuid.uuid4(), uuid.uuid4()


def medewerker(http, runtime):
    client = http(runtime, follow_redirects=False)
    wie = Identiteit(sub="medewerker-test", naam="Mia", rollen=frozenset({Rol.MEDEWERKER}))
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    return client


async def abonnee(runtime, bus, naam: str, organisatie_id: uuid.UUID, *, bevestigd: bool = True) -> str:
    """A member who asked for the newsletter (and confirmed it, unless told otherwise)."""
    lid_id = uuid.uuid4()
    email = f"{naam.lower()}.{lid_id.hex[:6]}@gemeente.be"
    await bus.publiceer(LidGeregistreerd(lid_id=lid_id, organisatie_id=organisatie_id,
                                         organisatie_type=OrganisatieType.LOKAAL_BESTUUR, lid_sinds="2026-01-01",
                                         nieuwsbrief=True))
    await bus.publiceer(LidContactgegevens(lid_id=lid_id, naam=naam, email=email, nieuwsbrief=True, aanleiding="wijziging"))

    async def bekend():
        rows = await _rijen(runtime, "SELECT 1 FROM contact c JOIN lid_organisatie o USING (lid_id) WHERE lid_id = :l", l=lid_id)
        return bool(rows)

    await wait_until(bekend)
    if bevestigd:
        async with runtime.db.transaction() as conn:  # what the double opt-in page does
            await conn.execute(text("UPDATE contact SET nieuwsbrief_bevestigd_op = now() WHERE lid_id = :l"), {"l": lid_id})
    return email


async def _rijen(runtime, sql, **params):
    async with runtime.db.engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def organisaties(bus):
    await bus.publiceer(OrganisatieBijgewerkt(organisatie_id=GENT, versie=1, naam="Gent", type=OrganisatieType.LOKAAL_BESTUUR,
                                              provincie="Oost-Vlaanderen", grootteklasse="groot"))
    await bus.publiceer(OrganisatieBijgewerkt(organisatie_id=HASSELT, versie=1, naam="Hasselt",
                                              type=OrganisatieType.LOKAAL_BESTUUR, provincie="Limburg", grootteklasse="groot"))


async def test_nummer_via_api_naar_een_segment(dienst, http, h):
    runtime, bus, mail_dir = dienst
    await organisaties(bus)
    an = await abonnee(runtime, bus, "An", GENT)
    bert = await abonnee(runtime, bus, "Bert", GENT)
    await abonnee(runtime, bus, "Cas", HASSELT)  # another province
    dirk = await abonnee(runtime, bus, "Dirk", GENT, bevestigd=False)  # never confirmed
    client = medewerker(http, runtime)
    assert (await http(runtime).get("/meldingen/api/v1/nieuwsbrieven")).status_code == 401

    r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={
        "titel": "Nieuwsbrief maart",
        "blokken": [{"soort": "tekst", "markdown": "## Welkom\n\nLees <script>alert(1)</script> en [dit](javascript:alert(1))."},
                    {"soort": "activiteiten"}],
        "segment": {"provincie": ["Oost-Vlaanderen"]},
    })
    assert r.status_code == 201, r.text
    nummer = r.json()
    pad = f"/meldingen/api/v1/nieuwsbrieven/{nummer['id']}"
    assert r.headers["location"] == pad and nummer["status"] == "concept"

    voorbeeld = (await client.get(f"{pad}/voorbeeld")).json()
    assert voorbeeld["ontvangers"] == 2
    assert "<h2>Welkom</h2>" in voorbeeld["html"] and "&lt;script&gt;" in voorbeeld["html"]
    assert "<script>" not in voorbeeld["html"] and 'href="javascript:' not in voorbeeld["html"]

    r = await client.post(f"{pad}/test", json={"email": "redactie@vvsg.be"})
    assert r.status_code == 202
    test = await h.wacht_op(mail_dir, "redactie@vvsg.be", 1)
    assert test[0]["onderwerp"] == "[TEST] Nieuwsbrief maart" and "List-Unsubscribe" not in test[0]["msg"]

    r = await client.post(f"{pad}/verzenden", json={})
    assert r.status_code == 202 and r.json()["status"] in ("gepland", "verzenden")
    for email in (an, bert):
        mail = (await h.wacht_op(mail_dir, email, 2))[-1]  # after the welcome mail
        assert mail["onderwerp"] == "Nieuwsbrief maart"
        assert mail["msg"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/meldingen/afmelden/" in str(mail["msg"]["List-Unsubscribe"])
        assert "<h1>Nieuwsbrief maart</h1>" in mail["html"] and 'lang="nl"' in mail["html"]

    verzonden = await wait_until(lambda: _event(runtime))
    assert verzonden.nieuwsbrief_id == uuid.UUID(nummer["id"]) and verzonden.aantal_ontvangers == 2
    assert (await client.get(f"{pad}/voortgang")).json() == {
        "status": "verzonden", "wachtend": 0, "verzonden": 2, "mislukt": 0, "overgeslagen": 0}
    await asyncio.sleep(0.3)
    assert len(h.mails(mail_dir, dirk)) == 1  # only the welcome
    assert len(h.mails(mail_dir)) == 4 + 1 + 2  # four welcomes, the test, two issues

    # Sent issues cannot change; the archive shows them to anyone.
    assert (await client.put(pad, json={"titel": "Anders"})).status_code == 409
    archief = await http(runtime).get("/meldingen/nieuwsbrieven")
    assert archief.status_code == 200 and "Nieuwsbrief maart" in archief.text
    web = await http(runtime).get(f"/meldingen/nieuwsbrieven/{nummer['id']}")
    assert web.status_code == 200 and "<h2>Welkom</h2>" in web.text and 'lang="nl"' in web.text


async def _event(runtime):
    try:
        msg = await runtime.js.get_last_msg(EVENTS.name, NieuwsbriefVerzonden.subject_template)
    except Exception:
        return None
    return parse(msg.data).data


async def test_per_minuut_begrensd(dienst, http, h):
    runtime, bus, mail_dir = dienst
    await organisaties(bus)
    for naam in ("An", "Bert", "Cas", "Dirk"):
        await abonnee(runtime, bus, naam, GENT)
    client = medewerker(http, runtime)
    r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={"titel": "Traag", "per_minuut": 2})
    pad = f"/meldingen/api/v1/nieuwsbrieven/{r.json()['id']}"
    await client.post(f"{pad}/verzenden", json={})
    await wait_until(lambda: _minstens(client, pad, 2))
    await asyncio.sleep(1.5)
    voortgang = (await client.get(f"{pad}/voortgang")).json()
    assert (voortgang["status"], voortgang["verzonden"], voortgang["wachtend"]) == ("verzenden", 2, 2)
    assert len([m for m in h.mails(mail_dir) if m["onderwerp"] == "Traag"]) == 2


async def _minstens(client, pad, aantal):
    return (await client.get(f"{pad}/voortgang")).json()["verzonden"] >= aantal


async def test_pagina_voor_medewerkers(dienst, http, h):
    runtime, bus, mail_dir = dienst
    client = medewerker(http, runtime)
    lijst = await client.get("/meldingen/beheer/nieuwsbrieven")
    assert lijst.status_code == 200
    csrf = __import__("re").search(r'name="_csrf_token" value="([^"]+)"', lijst.text).group(1)
    fout = await client.post("/meldingen/beheer/nieuwsbrieven", data={"_csrf_token": csrf, "titel": ""})
    assert fout.status_code == 400 and "Geef de nieuwsbrief een titel" in fout.text
    r = await client.post("/meldingen/beheer/nieuwsbrieven", data={"_csrf_token": csrf, "titel": "April"})
    assert r.status_code == 303
    bewerk = await client.get(r.headers["location"])
    assert bewerk.status_code == 200 and "srcdoc=" in bewerk.text and "Nu versturen" in bewerk.text
    data = {"_csrf_token": csrf, "titel": "April", "tekst": "Hallo *allemaal*", "activiteiten": "ja", "per_minuut": "600",
            "actie": "test", "testadres": "redactie@vvsg.be"}
    r = await client.post(r.headers["location"], data=data)
    assert r.status_code == 303, r.text
    mail = (await h.wacht_op(mail_dir, "redactie@vvsg.be", 1))[0]
    assert "<em>allemaal</em>" in mail["html"]
    fout = await client.post(r.headers["location"].split("?")[0], data={**data, "actie": "inplannen", "gepland_op": "gisteren"})
    assert fout.status_code == 400 and "Geef een moment in de toekomst" in fout.text


async def test_wat_de_fuzzer_vond_staat_in_het_document(dienst, http, h):
    """Found by the property-based fuzzer: an undocumented 409, a 422 for an address the schema
    allows, a 500 for a NUL in a text block. Each answer is now documented, with a stable code."""
    runtime, bus, mail_dir = dienst
    client = medewerker(http, runtime)
    doc = (await client.get("/meldingen/schema/openapi.json")).json()
    nummer = "/meldingen/api/v1/nieuwsbrieven/{nummer_id}"
    assert "409" in doc["paths"][nummer]["put"]["responses"]
    assert "409" in doc["paths"][f"{nummer}/verzenden"]["post"]["responses"]
    assert "502" in doc["paths"][f"{nummer}/test"]["post"]["responses"]

    # A NUL in a text block: dropped, not a 500; in the title: a field error the schema announces.
    r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={
        "titel": "Nul", "blokken": [{"soort": "tekst", "markdown": "x\u0000y"}, {"soort": "praktijken", "markdown": "\u0013"}],
    })
    assert r.status_code == 201, r.text
    assert [b["markdown"] for b in r.json()["blokken"]] == ["xy", ""]
    r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={"titel": "Ti\u0000tel"})
    assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "titel"
    assert "pattern" in doc["components"]["schemas"]["NieuwsbriefIn"]["properties"]["titel"]

    # An address with a backquote is a valid address (RFC 5321 atext): the test mail goes.
    r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={"titel": "Fuzz"})
    pad = r.headers["location"]
    r = await client.post(f"{pad}/test", json={"email": "`isivrc@m8p9bvyx.xktrr.test"})
    assert r.status_code == 202, r.text
    # A title with characters the mail package reads as line breaks: the test mail goes, on one subject line.
    r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={"titel": "Een\u001ctwee\tdrie"})
    assert r.status_code == 201, r.text
    r = await client.post(f"{r.headers['location']}/test", json={"email": "redactie@example.org"})
    assert r.status_code == 202, r.text
    r = await client.post(f"{pad}/test", json={"email": "geen-adres"})
    assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "email"

    # A moment is a string with its offset, as the schema says: a number (pydantic would read a
    # Unix time) or a time without offset is a field error, and nothing is scheduled.
    for op in (0, 1767225600, "2027-01-05T10:00:00"):
        r = await client.post(f"{pad}/verzenden", json={"op": op})
        assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "op", (op, r.text)
    assert (await client.get(f"{pad}/voortgang")).json()["status"] == "concept"

    # Sent: changing or sending again is a documented conflict with a stable code.
    assert (await client.post(f"{pad}/verzenden", json={})).status_code == 202

    async def begonnen() -> bool:  # until the worker takes it up, "send now" is a schedule one may still change
        return (await client.get(f"{pad}/voortgang")).json()["status"] in ("verzenden", "verzonden")

    await wait_until(begonnen)
    for antwoord in (await client.put(pad, json={"titel": "Anders"}), await client.post(f"{pad}/verzenden", json={})):
        assert antwoord.status_code == 409
        assert antwoord.headers["content-type"].startswith("application/problem+json")
        assert antwoord.json()["type"] == "urn:dinet:probleem:conflict"
        assert antwoord.json()["errors"][0]["code"] == "al_verstuurd"
    onbekend = await client.get("/meldingen/api/v1/nieuwsbrieven/00000000-0000-4000-8000-000000000000")
    assert onbekend.status_code == 404 and onbekend.json()["errors"][0]["code"] == "onbekende_nieuwsbrief"
