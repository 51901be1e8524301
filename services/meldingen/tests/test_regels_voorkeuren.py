"""Rules and templates as data (staff pages), one-click unsubscribe and the preferences page,
on real NATS, PostgreSQL and the SMTP sink."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts import parse
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.meldingen import ToestemmingGewijzigd
from dinet_contracts.topology import EVENTS
from meldingen.store.voorkeuren import zet_voorkeur
from meldingen.domain.afmelden import afmeldtoken


CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def als_medewerker(client, runtime) -> None:
    wie = Identiteit(sub="medewerker-test", naam="Mia", rollen=frozenset({Rol.MEDEWERKER}))
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))


async def toestemmingen(runtime) -> list[ToestemmingGewijzigd]:
    sub = await runtime.js.pull_subscribe(ToestemmingGewijzigd.subject_template, stream=EVENTS.name)
    try:
        msgs = await sub.fetch(50, timeout=1)
    except Exception:
        return []
    finally:
        await sub.unsubscribe()
    return [parse(m.data).data for m in msgs]


async def test_regel_uitzetten_en_timing_wijzigen(dienst, http, h):
    runtime, bus, mail_dir = dienst
    client = http(runtime, follow_redirects=False)
    assert (await client.get("/meldingen/beheer/regels")).status_code in (303, 401)
    als_medewerker(client, runtime)
    pagina = await client.get("/meldingen/beheer/regels")
    assert pagina.status_code == 200 and pagina.text.count('action="/meldingen/beheer/regels/') == 13
    csrf = CSRF.search(pagina.text).group(1)

    # Waitlist mail off; reminder 72 hours before instead of 48.
    r = await client.post("/meldingen/beheer/regels/wachtlijst", data={"_csrf_token": csrf})
    assert r.status_code == 303
    fout = await client.post("/meldingen/beheer/regels/herinnering", data={"_csrf_token": csrf, "actief": "ja", "uren": "drie"})
    assert fout.status_code == 400 and "Geef een aantal uren als geheel getal" in fout.text

    an, an_mail = await h.lid(bus, "An")
    bert, bert_mail = await h.lid(bus, "Bert")
    a = h.activiteit()
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    await bus.publiceer(h.inschrijving(a, an, "ingeschreven", 1, uuid.uuid4()))
    await bus.publiceer(h.inschrijving(a, bert, "wachtlijst", 1, uuid.uuid4()))
    await h.wacht_op(mail_dir, an_mail, 2)
    herinnering = await wait_until(lambda: h.rijen(runtime, "SELECT volgende_poging_op FROM melding WHERE soort = 'herinnering'"))
    assert herinnering[0]["volgende_poging_op"] == a.start - timedelta(hours=48)

    r = await client.post("/meldingen/beheer/regels/herinnering", data={"_csrf_token": csrf, "actief": "ja", "uren": "72"})
    assert r.status_code == 303
    herinnering = await h.rijen(runtime, "SELECT volgende_poging_op FROM melding WHERE soort = 'herinnering'")
    assert herinnering[0]["volgende_poging_op"] == a.start - timedelta(hours=72)
    await asyncio.sleep(0.5)
    assert len(h.mails(mail_dir, bert_mail)) == 1, "geen wachtlijstmail: de regel staat uit"


async def test_sjabloon_aanpassen_met_voorbeeld_in_een_zandbak(dienst, http, h):
    runtime, bus, mail_dir = dienst
    client = http(runtime, follow_redirects=False)
    als_medewerker(client, runtime)
    pagina = await client.get("/meldingen/beheer/sjablonen/inschrijving_bevestigd")
    assert pagina.status_code == 200 and "Dit is het standaardsjabloon" in pagina.text
    assert "srcdoc=" in pagina.text  # the preview on sample data
    csrf = CSRF.search(pagina.text).group(1)

    # A template that tries to reach the server's objects is refused, in Dutch, and not saved.
    kwaad = {"_csrf_token": csrf, "actie": "opslaan", "onderwerp": "Hallo {{ naam.__class__.__mro__ }}",
             "tekst": "x", "html": "<p>x</p>"}
    r = await client.post("/meldingen/beheer/sjablonen/inschrijving_bevestigd", data=kwaad)
    assert r.status_code == 400 and "Dit sjabloon werkt niet" in r.text and "unsafe" in r.text
    assert not await h.rijen(runtime, "SELECT 1 FROM sjabloon")

    nieuw = {"_csrf_token": csrf, "onderwerp": "Ingeschreven voor {{ activiteit.titel }}",
             "tekst": "Dag {{ naam }}, tot op {{ activiteit.wanneer }}.", "html": "<h1>Ingeschreven</h1><p>Dag {{ naam }}</p>"}
    voorbeeld = await client.post("/meldingen/beheer/sjablonen/inschrijving_bevestigd", data={**nieuw, "actie": "voorbeeld"})
    assert voorbeeld.status_code == 200 and "Dag An Peeters, tot op dinsdag 10 maart 2026" in voorbeeld.text
    assert not await h.rijen(runtime, "SELECT 1 FROM sjabloon")
    r = await client.post("/meldingen/beheer/sjablonen/inschrijving_bevestigd", data={**nieuw, "actie": "opslaan"})
    assert r.status_code == 303

    # A name with markup in it stays text in the HTML part.
    an, an_mail = await h.lid(bus, "<b>An</b>")
    a = h.activiteit()
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    await bus.publiceer(h.inschrijving(a, an, "ingeschreven", 1, uuid.uuid4()))
    mail = (await h.wacht_op(mail_dir, an_mail, 2))[1]
    assert mail["onderwerp"] == "Ingeschreven voor Infosessie digitaal loket"
    assert mail["tekst"].startswith("Dag <b>An</b>, tot op ")
    assert "<p>Dag &lt;b&gt;An&lt;/b&gt;</p>" in mail["html"] and '<html lang="nl">' in mail["html"]
    assert len(mail["ical"]) == 1, "de agenda-bijlage hangt niet af van het sjabloon"


async def test_welkom_en_bevestiging_zijn_sjablonen_die_medewerkers_aanpassen(dienst, http, h):
    runtime, bus, mail_dir = dienst
    client = http(runtime, follow_redirects=False)
    als_medewerker(client, runtime)
    regels = await client.get("/meldingen/beheer/regels")
    for soort in ("welkom", "nieuwsbrief_bevestiging"):
        assert f'href="/meldingen/beheer/sjablonen/{soort}"' in regels.text
        pagina = await client.get(f"/meldingen/beheer/sjablonen/{soort}")
        assert pagina.status_code == 200 and "Dit is het standaardsjabloon" in pagina.text and "srcdoc=" in pagina.text
    # The preview on sample data shows the confirmation link a member would get.
    assert "nieuwsbrief/bevestigen?token=voorbeeld" in pagina.text

    csrf = CSRF.search(pagina.text).group(1)
    for soort, velden in (
        ("welkom", {"onderwerp": "Hallo {{ naam }}", "tekst": "Welkom {{ naam }}.{% if nieuwsbrief %} Nieuwsbrief volgt.{% endif %}",
                    "html": "<h1>Welkom</h1><p>{{ naam }}</p>"}),
        ("nieuwsbrief_bevestiging", {"onderwerp": "Nog één klik", "tekst": "Klik: {{ bevestigingslink }} ({{ dagen }} dagen)",
                                     "html": '<p><a href="{{ bevestigingslink }}">Bevestig</a></p>'}),
    ):
        r = await client.post(f"/meldingen/beheer/sjablonen/{soort}", data={"_csrf_token": csrf, "actie": "opslaan", **velden})
        assert r.status_code == 303, r.text

    lid_id = uuid.uuid4()
    email = f"welkom.{lid_id.hex[:6]}@gemeente.be"
    from dinet_contracts.events.registratie import LidContactgegevensV2

    await bus.publiceer(LidContactgegevensV2(lid_id=lid_id, naam="<i>Wim</i>", email=email, nieuwsbrief=True,
                                             aanleiding="registratie"))
    welkom, bevestiging = sorted(await h.wacht_op(mail_dir, email, 2), key=lambda m: m["onderwerp"])
    assert welkom["onderwerp"] == "Hallo <i>Wim</i>" and welkom["tekst"].startswith("Welkom <i>Wim</i>. Nieuwsbrief volgt.")
    assert "<p>&lt;i&gt;Wim&lt;/i&gt;</p>" in welkom["html"]
    assert "List-Unsubscribe" not in welkom["msg"]  # operational mail: no unsubscribe header
    assert bevestiging["onderwerp"] == "Nog één klik"
    link = re.search(r"Klik: (\S+) \(14 dagen\)", bevestiging["tekst"]).group(1)
    assert "/meldingen/nieuwsbrief/bevestigen?token=" in link and f'href="{link}"' in bevestiging["html"]
    # The link in the staff's own template works: it opens the confirmation page.
    deel = urlsplit(link)
    assert (await client.get(f"{deel.path}?{deel.query}")).status_code == 200


async def test_afmelden_met_een_klik_en_voorkeuren(dienst, http, h):
    runtime, bus, mail_dir = dienst
    an, an_mail = await h.lid(bus, "An")
    await h.wacht_op(mail_dir, an_mail, 1)
    async with runtime.db.transaction() as conn:
        await zet_voorkeur(conn, an, "per_mail")
    await bus.publiceer(h.als_event(h.activiteit(), act.ActiviteitGeplandV2))
    uitnodiging = (await h.wacht_op(mail_dir, an_mail, 2))[1]
    url = str(uitnodiging["msg"]["List-Unsubscribe"]).strip("<>")
    pad = url.removeprefix(runtime.settings.public_url.rstrip("/"))
    client = http(runtime, follow_redirects=False)

    # Opening the link (as a mail scanner does) changes nothing.
    pagina = await client.get(pad)
    assert pagina.status_code == 200 and "Ja, meld mij af" in pagina.text and 'lang="nl"' in pagina.text
    assert (await h.rijen(runtime, "SELECT uitnodigingen FROM voorkeur"))[0]["uitnodigingen"] == "per_mail"
    # A forged link does nothing either.
    vals = afmeldtoken("een ander geheim", an, "uitnodigingen")
    assert (await client.post(f"/meldingen/afmelden/{vals}", content=b"List-Unsubscribe=One-Click",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})).status_code == 400

    # RFC 8058: the mail program posts, without cookie or form token.
    r = await http(runtime).post(pad, content=b"List-Unsubscribe=One-Click",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and "Je bent afgemeld" in r.text
    assert (await h.rijen(runtime, "SELECT uitnodigingen FROM voorkeur"))[0]["uitnodigingen"] == "geen"
    await http(runtime).post(pad, content=b"List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})  # a second click

    gemeld = await wait_until(lambda: toestemmingen(runtime))
    assert [(t.lid_id, t.doel, t.gegeven, t.hoe) for t in gemeld] == [(an, "netwerkmail", False, "afmeldlink")]
    assert "geen uitnodigingen" in gemeld[0].tekst

    # No more invitations; operational mail still comes, without the header.
    a = h.activiteit()
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    await bus.publiceer(h.inschrijving(a, an, "ingeschreven", 1, uuid.uuid4()))
    bevestiging = (await h.wacht_op(mail_dir, an_mail, 3))[2]
    assert bevestiging["onderwerp"].startswith("Je bent ingeschreven") and "List-Unsubscribe" not in bevestiging["msg"]
    await asyncio.sleep(0.3)
    assert len(h.mails(mail_dir, an_mail)) == 3

    # The preferences page: choose the weekly digest.
    voorkeuren = pad.replace("/meldingen/afmelden/", "/meldingen/voorkeuren/")
    pagina = await client.get(voorkeuren)
    assert pagina.status_code == 200 and 'value="geen" checked' in pagina.text
    r = await client.post(voorkeuren, data={"_csrf_token": CSRF.search(pagina.text).group(1), "uitnodigingen": "wekelijks"})
    assert r.status_code == 303
    assert (await h.rijen(runtime, "SELECT uitnodigingen FROM voorkeur"))[0]["uitnodigingen"] == "wekelijks"
    gemeld = await wait_until(lambda: _minstens(lambda: toestemmingen(runtime), 2))
    assert (gemeld[1].doel, gemeld[1].gegeven, gemeld[1].hoe) == ("netwerkmail", True, "voorkeurenpagina")


async def _minstens(bron, aantal):
    lijst = await bron()
    return lijst if len(lijst) >= aantal else None
