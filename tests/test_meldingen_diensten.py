"""meldingen with the services around it, each in-process on one real NATS and one real PostgreSQL:
consent given at registratie's sign-up decides who gets invitations, and a newsletter meldingen
sends is counted by kpi."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr

import pytest
from dinet_chassis.embedded import read_mails
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from sqlalchemy import text

MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


@pytest.fixture
async def diensten(start_service, http, mail_sink):
    """registratie, meldingen and kpi: the three this file needs, not the beleidstool."""
    from kpi.main import DEFINITION as KPI
    from meldingen.main import DEFINITION as MELDINGEN
    from registratie.main import DEFINITION as REGISTRATIE

    async with AsyncExitStack() as stack:
        runtimes = {}
        for definition in (REGISTRATIE, MELDINGEN, KPI):
            runtimes[definition.name] = await stack.enter_async_context(
                start_service(definition, smtp_url=mail_sink.url, demo=True)
            )
        clients = {}
        for naam, runtime in runtimes.items():
            client = http(runtime, follow_redirects=False)
            client.cookies.set(COOKIE, maak_cookie(MEDEWERKER, runtime.settings.secret_key))
            clients[naam] = client
        yield runtimes, clients, mail_sink.mail_dir


def _aan(mail: dict) -> str:
    return parseaddr(mail["to"])[1]


async def test_only_who_consented_at_sign_up_gets_the_invitation(diensten):
    runtimes, clients, mail_dir = diensten
    registratie = clients["registratie"]
    organisaties = (await registratie.get("/registratie/api/v1/organisaties")).json()["organisaties"]
    gent = next(o for o in organisaties if o["naam"] == "Gent")

    # One person ticks "uitnodigingen" on the sign-up form, one signs up through the API without it.
    pagina = await registratie.get("/registratie/lid-worden")
    assert 'name="uitnodigingen"' in pagina.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    r = await registratie.post("/registratie/lid-worden", data={
        "_csrf_token": token, "naam": "Ja Uitnodiging", "email": "ja@gent.be", "organisatie_id": gent["id"],
        "functie": "", "uitnodigingen": "ja",
    })
    assert r.status_code == 303, r.text
    r = await registratie.post("/registratie/api/v1/leden", json={
        "naam": "Nee Uitnodiging", "email": "nee@gent.be", "organisatie_id": gent["id"], "uitnodigingen": False,
    })
    assert r.status_code == 201, r.text
    await wait_until(lambda: len(read_mails(mail_dir)) >= 2, timeout=15)  # the two welcome mails

    # Staff plan a public activity.
    pad = "/registratie/beheer/activiteiten/nieuw"
    pagina = await registratie.get(pad)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    dag = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    r = await registratie.post(pad, data={
        "_csrf_token": token, "soort": "infosessie", "titel": "Infosessie toestemming", "omschrijving": "Voor iedereen.",
        "organisator_id": gent["id"], "trekker": "vvsg", "vorm": "fysiek", "start_datum": dag, "start_tijd": "09:30",
        "einde_tijd": "12:00", "capaciteit": "30", "locatie": "Zaal De Markt, Gent",
    })
    assert r.status_code == 303, r.text

    def uitnodigingen() -> list[dict]:
        return [m for m in read_mails(mail_dir) if m["subject"].startswith("Uitnodiging: Infosessie toestemming")]

    await wait_until(lambda: uitnodigingen(), timeout=15)
    async with runtimes["meldingen"].db.engine.connect() as conn:
        keuzes = (await conn.execute(text("SELECT c.email, v.uitnodigingen FROM voorkeur v JOIN contact c USING (lid_id)"))).all()
        gepland = await conn.scalar(text("SELECT count(*) FROM melding WHERE soort = 'uitnodiging'"))
    assert [_aan(m) for m in uitnodigingen()] == ["ja@gent.be"]
    # No consent, no choice stored: no row means no invitations.
    assert [tuple(k) for k in keuzes] == [("ja@gent.be", "per_mail")]
    assert gepland == 1


async def test_a_newsletter_meldingen_sends_is_counted_by_kpi(diensten):
    runtimes, clients, mail_dir = diensten
    kpi, meldingen = clients["kpi"], clients["meldingen"]

    async def nieuwsbrieven() -> int:
        antwoord = await kpi.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})
        assert antwoord.status_code == 200
        return next(k for k in antwoord.json()["kpis"] if k["id"] == "od13_nieuwsbrieven")["waarde"]

    assert await nieuwsbrieven() == 0
    # A member asks for the newsletter at sign-up and confirms it from the mail (double opt-in).
    registratie = clients["registratie"]
    gent = next(o for o in (await registratie.get("/registratie/api/v1/organisaties")).json()["organisaties"]
                if o["naam"] == "Gent")
    r = await registratie.post("/registratie/api/v1/leden", json={
        "naam": "Lezer", "email": "lezer@gent.be", "organisatie_id": gent["id"], "nieuwsbrief": True,
    })
    assert r.status_code == 201, r.text

    def bevestiglink() -> str | None:
        for m in read_mails(mail_dir):
            gevonden = re.search(r"/meldingen/nieuwsbrief/bevestigen\?token=[\w\-]+", m["body"])
            if gevonden:
                return gevonden.group(0)
        return None

    link = await wait_until(bevestiglink, timeout=15)
    pagina = await meldingen.get(link)
    token = re.search(r'name="token" value="([^"]+)"', pagina.text).group(1)
    csrf = re.search(r'name="_csrf_token"\s+value="([^"]+)"', pagina.text).group(1)
    r = await meldingen.post("/meldingen/nieuwsbrief/bevestigen", data={"token": token, "_csrf_token": csrf})
    assert r.status_code == 303, r.text

    r = await meldingen.post("/meldingen/api/v1/nieuwsbrieven", json={
        "titel": "Nieuwsbrief telt mee", "blokken": [{"soort": "tekst", "markdown": "Hallo"}],
    })
    assert r.status_code == 201, r.text
    nummer = r.json()["id"]
    r = await meldingen.post(f"/meldingen/api/v1/nieuwsbrieven/{nummer}/verzenden", json={})
    assert r.status_code == 202, r.text

    async def geteld() -> bool:
        return await nieuwsbrieven() == 1

    await wait_until(geteld, timeout=20)
    assert [_aan(m) for m in read_mails(mail_dir) if m["subject"] == "Nieuwsbrief telt mee"] == ["lezer@gent.be"]
    # Sent once, counted once: a second send is refused, the figure stays.
    r = await meldingen.post(f"/meldingen/api/v1/nieuwsbrieven/{nummer}/verzenden", json={})
    assert r.status_code == 409
    assert await nieuwsbrieven() == 1
