"""Mails that follow from registratie's activity events, on real NATS, PostgreSQL and the SMTP sink.

Every mail is parsed again with the stdlib parser in strict mode and every calendar attachment
with the `icalendar` package, as a mail program would (see conftest.py).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from dinet_chassis.testing import wait_until
from dinet_contracts.events import activiteiten as act
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType, Vorm
from meldingen.store.voorkeuren import zet_voorkeur
from meldingen.use_cases.weekoverzicht import plan_weekoverzicht
from sqlalchemy import text


async def test_inschrijving_wachtlijst_wijziging_en_annulatie(dienst, h):
    runtime, bus, mail_dir = dienst
    an, an_mail = await h.lid(bus, "An")
    bert, bert_mail = await h.lid(bus, "Bert")
    await h.wacht_op(mail_dir, an_mail, 1)  # welcome
    await h.wacht_op(mail_dir, bert_mail, 1)
    a1 = h.activiteit()
    await bus.publiceer(h.als_event(a1, act.ActiviteitGeplandV2))
    an_i, bert_i = uuid.uuid4(), uuid.uuid4()
    gepubliceerd = [h.inschrijving(a1, an, "ingeschreven", 1, an_i), h.inschrijving(a1, bert, "wachtlijst", 1, bert_i)]
    for e in gepubliceerd:
        await bus.publiceer(e)

    an_mails = await h.wacht_op(mail_dir, an_mail, 2)
    bevestigd = an_mails[1]
    assert bevestigd["onderwerp"] == "Je bent ingeschreven: Infosessie digitaal loket"
    assert "Zaal De Markt, Gent" in bevestigd["tekst"] and "02 211 55 00" in bevestigd["tekst"]
    assert 'lang="nl"' in bevestigd["html"] and "<h1>" in bevestigd["html"]
    assert "List-Unsubscribe" not in bevestigd["msg"], "operationele mail draagt geen afmeldkop"
    ev = h.vevent(bevestigd)
    # The same UID and SEQUENCE as registratie's public feed: versie - 1.
    assert str(ev["UID"]) == str(a1.activiteit_id)
    assert int(ev["SEQUENCE"]) == 0 and str(ev["STATUS"]) == "CONFIRMED"
    assert ev.decoded("DTSTART") == a1.start and str(ev["LOCATION"]) == "Zaal De Markt, Gent"

    bert_mails = await h.wacht_op(mail_dir, bert_mail, 2)
    assert bert_mails[1]["onderwerp"].startswith("Je staat op de wachtlijst") and bert_mails[1]["ical"] == []

    # A reminder is planned two days before the start, for the registered member only.
    herinneringen = await h.rijen(runtime, "SELECT lid_id, volgende_poging_op FROM melding WHERE soort = 'herinnering'")
    assert [(r["lid_id"], r["volgende_poging_op"]) for r in herinneringen] == [(an, a1.start - timedelta(days=2))]

    # Bert gets a place; then the activity moves by a day (version 2).
    await bus.publiceer(h.inschrijving(a1, bert, "ingeschreven", 2, bert_i))
    bert_mails = await h.wacht_op(mail_dir, bert_mail, 3)
    assert bert_mails[2]["onderwerp"].startswith("Er is een plaats voor jou")
    assert str(h.vevent(bert_mails[2])["UID"]) == str(a1.activiteit_id)

    a2 = a1.model_copy(update={"versie": 2, "start": a1.start + timedelta(days=1), "einde": a1.einde + timedelta(days=1)})
    await bus.publiceer(h.als_event(a2, act.ActiviteitGewijzigdV2))
    for email in (an_mail, bert_mail):
        gewijzigd = (await h.wacht_op(mail_dir, email, 3 if email == an_mail else 4))[-1]
        assert gewijzigd["onderwerp"] == "Gewijzigd: Infosessie digitaal loket"
        ev = h.vevent(gewijzigd)
        assert int(ev["SEQUENCE"]) == 1 and ev.decoded("DTSTART") == a2.start
    herinneringen = await h.rijen(runtime, "SELECT volgende_poging_op FROM melding WHERE soort = 'herinnering' ORDER BY 1")
    assert [r["volgende_poging_op"] for r in herinneringen] == [a2.start - timedelta(days=2)] * 2

    # An only-the-description change sends nothing.
    a3 = a2.model_copy(update={"versie": 3, "beschrijving": "Met koffie."})
    await bus.publiceer(h.als_event(a3, act.ActiviteitGewijzigdV2))

    # An cancels; then the activity is cancelled: only Bert (still registered) hears of that.
    await bus.publiceer(h.inschrijving(a1, an, "geannuleerd", 2, an_i))
    an_mails = await h.wacht_op(mail_dir, an_mail, 4)
    assert an_mails[3]["onderwerp"].startswith("Je inschrijving is geannuleerd")
    assert str(h.vevent(an_mails[3])["STATUS"]) == "CANCELLED"
    a4 = a3.model_copy(update={"versie": 4, "status": ActiviteitStatus.GEANNULEERD})
    await bus.publiceer(h.als_event(a4, act.ActiviteitGeannuleerdV2))
    bert_mails = await h.wacht_op(mail_dir, bert_mail, 5)
    ev = h.vevent(bert_mails[4])
    assert bert_mails[4]["onderwerp"] == "Geannuleerd: Infosessie digitaal loket"
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 3

    # Every fact again, under new message ids: not one mail more.
    for e in gepubliceerd:
        await bus.publiceer(e, msg_id=str(uuid.uuid4()))
    await bus.publiceer(h.als_event(a4, act.ActiviteitGeannuleerdV2), msg_id=str(uuid.uuid4()))
    await asyncio.sleep(1.0)
    assert len(h.mails(mail_dir, an_mail)) == 4 and len(h.mails(mail_dir, bert_mail)) == 5
    # The reminders were never due; they will be skipped when their time comes (cancelled).
    assert len(await h.rijen(runtime, "SELECT 1 FROM melding WHERE soort = 'herinnering' AND status = 'wachtend'")) == 2


async def test_herinnering_met_deelnamelink_en_niet_na_annulatie(dienst, h):
    runtime, bus, mail_dir = dienst
    async with runtime.db.transaction() as conn:
        await conn.execute(text("UPDATE regel SET uren = 1 WHERE soort = 'herinnering'"))
    an, an_mail = await h.lid(bus, "An")
    bert, bert_mail = await h.lid(bus, "Bert")
    # Due in two seconds: one hour before a start one hour and two seconds from now.
    a = h.activiteit(vorm=Vorm.ONLINE, start=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1, seconds=3))
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    await bus.publiceer(h.inschrijving(a, an, "ingeschreven", 1, uuid.uuid4()))
    bert_i = uuid.uuid4()
    await bus.publiceer(h.inschrijving(a, bert, "ingeschreven", 1, bert_i))
    await bus.publiceer(h.inschrijving(a, bert, "geannuleerd", 2, bert_i))
    herinnering = (await h.wacht_op(mail_dir, an_mail, 3))[2]
    assert herinnering["onderwerp"] == "Binnenkort: Infosessie digitaal loket"
    assert "https://meet.example.org/abc" in herinnering["tekst"]
    assert 'href="https://meet.example.org/abc"' in herinnering["html"]
    overgeslagen = await wait_until(
        lambda: h.rijen(runtime, "SELECT reden FROM melding WHERE soort = 'herinnering' AND status = 'overgeslagen'")
    )
    assert [r["reden"] for r in overgeslagen] == ["niet meer ingeschreven"]
    assert [m["onderwerp"][:9] for m in h.mails(mail_dir, bert_mail)] == ["Welkom bi", "Je bent i", "Je inschr"]


async def test_feedback_alleen_aan_wie_aanwezig_was(dienst, h):
    runtime, bus, mail_dir = dienst
    an, an_mail = await h.lid(bus, "An")
    bert, bert_mail = await h.lid(bus, "Bert")
    begin = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    a = h.activiteit(start=begin, status=ActiviteitStatus.AFGELOPEN)
    await bus.publiceer(h.als_event(a, act.ActiviteitAfgelopenV2))
    for lid_id, aanwezig in ((an, True), (bert, False)):
        await bus.publiceer(
            act.AanwezigheidGeregistreerd(
                activiteit_id=a.activiteit_id, lid_id=lid_id, versie=1, organisatie_id=h.ORG,
                organisatie_type=OrganisatieType.LOKAAL_BESTUUR, aanwezig=aanwezig,
                uren=Decimal("2" if aanwezig else "0"), geregistreerd_op=datetime.now(UTC),
            )
        )
    feedback = (await h.wacht_op(mail_dir, an_mail, 2))[1]
    assert feedback["onderwerp"] == "Hoe vond je Infosessie digitaal loket?"
    assert f"/registratie/activiteiten/{a.activiteit_id}/feedback" in feedback["tekst"]
    await asyncio.sleep(0.5)
    assert len(h.mails(mail_dir, bert_mail)) == 1  # the welcome only
    assert not await h.rijen(runtime, "SELECT 1 FROM melding WHERE soort = 'feedback_vraag' AND lid_id = :l", l=bert)


async def test_uitnodiging_en_weekoverzicht_volgens_keuze(dienst, h):
    runtime, bus, mail_dir = dienst
    leden = {keuze: await h.lid(bus, naam) for keuze, naam in
             (("per_mail", "Per"), ("wekelijks", "Week"), ("geen", "Geen"), (None, "Nooit"))}
    for keuze, (lid_id, email) in leden.items():
        await h.wacht_op(mail_dir, email, 1)
        if keuze is not None:
            async with runtime.db.transaction() as conn:
                await zet_voorkeur(conn, lid_id, keuze)
    publiek = h.activiteit()
    besloten = h.activiteit(soort=ActiviteitSoort.ADVIESGESPREK)
    for a in (publiek, besloten):
        await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))

    uitnodiging = (await h.wacht_op(mail_dir, leden["per_mail"][1], 2))[1]
    assert uitnodiging["onderwerp"] == "Uitnodiging: Infosessie digitaal loket"
    assert uitnodiging["msg"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(uitnodiging["msg"]["List-Unsubscribe"]).startswith("<http://")
    assert "/meldingen/afmelden/" in str(uitnodiging["msg"]["List-Unsubscribe"])

    async with runtime.db.transaction() as conn:
        assert await plan_weekoverzicht(conn, datetime.now(UTC) + timedelta(days=7)) == 1
        assert await plan_weekoverzicht(conn, datetime.now(UTC) + timedelta(days=7)) == 0  # once a week
    runtime.diensten.bezorger.wake()
    overzicht = (await h.wacht_op(mail_dir, leden["wekelijks"][1], 2))[1]
    assert overzicht["onderwerp"] == "Nieuwe activiteiten van het netwerk digitale inclusie"
    assert "Infosessie digitaal loket" in overzicht["tekst"]
    assert str(besloten.activiteit_id) not in overzicht["tekst"] and "List-Unsubscribe" in overzicht["msg"]
    await asyncio.sleep(0.5)
    for keuze in ("geen", None):
        assert len(h.mails(mail_dir, leden[keuze][1])) == 1
    assert len(h.mails(mail_dir, leden["per_mail"][1])) == 2  # no invitation for the advice talk


async def test_medewerker_stuurt_het_weekoverzicht_nu(dienst, http, h):
    """`dinet seed` and staff need not wait for Monday 08:00: one button on the rules page."""
    runtime, bus, mail_dir = dienst
    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

    week_id, week_mail = await h.lid(bus, "Wekelijks")
    per_id, per_mail = await h.lid(bus, "Permail")
    async with runtime.db.transaction() as conn:
        await zet_voorkeur(conn, week_id, "wekelijks")
        await zet_voorkeur(conn, per_id, "per_mail")
    a = h.activiteit()
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    await h.wacht_op(mail_dir, per_mail, 2)  # the invitation: the activity is known now

    client = http(runtime, follow_redirects=False)
    wie = Identiteit(sub="medewerker-test", naam="Mia", rollen=frozenset({Rol.MEDEWERKER}))
    assert (await client.post("/meldingen/beheer/weekoverzicht")).status_code in (401, 403)
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    pagina = await client.get("/meldingen/beheer/regels")
    assert "Stuur het overzicht nu" in pagina.text
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    r = await client.post("/meldingen/beheer/weekoverzicht", data={"_csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/meldingen/beheer/regels?overzicht=1"
    assert "Het overzicht gaat nu naar 1 lid." in (await client.get(r.headers["location"])).text
    # A double click in the same minute plans nothing more.
    r = await client.post("/meldingen/beheer/weekoverzicht", data={"_csrf_token": csrf})
    assert r.headers["location"] in ("/meldingen/beheer/regels?overzicht=0", "/meldingen/beheer/regels?overzicht=1")

    overzicht = (await h.wacht_op(mail_dir, week_mail, 2))[1]
    assert overzicht["onderwerp"] == "Nieuwe activiteiten van het netwerk digitale inclusie"
    assert "Infosessie digitaal loket" in overzicht["tekst"]
    await asyncio.sleep(0.5)
    assert len(h.mails(mail_dir, per_mail)) == 2  # who chose a mail per activity gets no digest
    # Next Monday's digest does not list the activity again; a newer one it does.
    async with runtime.db.transaction() as conn:
        assert await plan_weekoverzicht(conn, datetime.now(UTC) + timedelta(days=7)) == 0
    await bus.publiceer(h.als_event(h.activiteit(), act.ActiviteitGeplandV2))
    await h.wacht_op(mail_dir, per_mail, 3)
    async with runtime.db.transaction() as conn:
        assert await plan_weekoverzicht(conn, datetime.now(UTC) + timedelta(days=7)) == 1
