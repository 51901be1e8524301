"""Mails that follow from registratie's activity events, on real NATS, PostgreSQL and the SMTP sink.

Every mail is parsed again with the stdlib parser in strict mode and every calendar attachment
with the `icalendar` package, as a mail program would.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.parser import BytesParser

import icalendar
import nats
import pytest
from dinet_chassis.testing import wait_until
from dinet_contracts import wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import LidContactgegevens
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType, Trekker, Vorm
from meldingen.activiteiten import plan_weekoverzicht, zet_voorkeur
from meldingen.main import DEFINITION
from sqlalchemy import text

SOURCE = "/dinet/registratie"
ORG = uuid.uuid4()


class Bus:
    """Publishes as registratie's relay does: the envelope as JSON, Nats-Msg-Id = event id."""

    def __init__(self, nc) -> None:
        self.js = nc.jetstream()

    async def publiceer(self, event, *, msg_id: str | None = None):
        envelope = wrap(event, source=SOURCE)
        await self.js.publish(
            event.nats_subject(), envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or envelope.id, "Content-Type": CONTENT_TYPE},
        )
        return envelope


@pytest.fixture
async def dienst(start_service, nats_server, mail_sink):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            yield runtime, Bus(nc), mail_sink.mail_dir
        finally:
            await nc.close()


def activiteit(
    *, activiteit_id=None, versie=1, start=None, status=ActiviteitStatus.GEPLAND, vorm=Vorm.FYSIEK,
    soort=ActiviteitSoort.INFOSESSIE, **extra,
) -> act.ActiviteitV2:
    begin = start or datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    return act.ActiviteitV2(
        activiteit_id=activiteit_id or uuid.uuid4(), versie=versie, soort=soort, titel="Infosessie digitaal loket",
        organisator_id=ORG, trekker=Trekker.VVSG, vorm=vorm, start=begin, einde=begin + timedelta(hours=2),
        duur_uren=Decimal("2"), status=status,
        plaats=extra.pop("plaats", "Zaal De Markt, Gent" if vorm is Vorm.FYSIEK else None),
        deelnamelink=extra.pop("deelnamelink", "https://meet.example.org/abc" if vorm is Vorm.ONLINE else None),
        **extra,
    )


def als_event(a: act.ActiviteitV2, cls):
    return cls(activiteit_id=a.activiteit_id, activiteit=a)


def inschrijving(a, lid_id, status, versie, inschrijving_id):
    return act.InschrijvingGewijzigd(
        inschrijving_id=inschrijving_id, versie=versie, activiteit_id=a.activiteit_id, lid_id=lid_id,
        organisatie_id=ORG, organisatie_type=OrganisatieType.LOKAAL_BESTUUR, status=status,
        gewijzigd_op=datetime.now(UTC),
    )


async def lid(bus: Bus, naam: str) -> tuple[uuid.UUID, str]:
    lid_id = uuid.uuid4()
    email = f"{naam.lower()}.{lid_id.hex[:6]}@gemeente.be"
    await bus.publiceer(LidContactgegevens(lid_id=lid_id, naam=naam, email=email, nieuwsbrief=False, aanleiding="registratie"))
    return lid_id, email


def mails(mail_dir, email: str | None = None) -> list[dict]:
    """Every mail in the sink, oldest first, parsed strictly (a defect raises)."""
    uit = []
    paden = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if mail_dir.exists() else []
    for path in paden:
        msg = BytesParser(policy=policy.strict).parsebytes(path.read_bytes())
        assert not msg.defects, msg.defects
        if email is None or email in str(msg["To"]):
            tekst = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            agenda = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
            uit.append({"msg": msg, "onderwerp": str(msg["Subject"]), "tekst": tekst, "html": html,
                        "ical": [icalendar.Calendar.from_ical(p.get_content()) for p in agenda]})
    return uit


async def wacht_op(mail_dir, email: str, aantal: int, timeout: float = 15) -> list[dict]:
    async def genoeg():
        gevonden = mails(mail_dir, email)
        return gevonden if len(gevonden) >= aantal else None

    return await wait_until(genoeg, timeout=timeout)


def vevent(mail: dict):
    assert len(mail["ical"]) == 1, "precies één agenda-bijlage"
    events = mail["ical"][0].walk("VEVENT")
    assert len(events) == 1
    return events[0]


async def rijen(runtime, sql: str, **params) -> list[dict]:
    async with runtime.db.engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def test_inschrijving_wachtlijst_wijziging_en_annulatie(dienst):
    runtime, bus, mail_dir = dienst
    an, an_mail = await lid(bus, "An")
    bert, bert_mail = await lid(bus, "Bert")
    await wacht_op(mail_dir, an_mail, 1)  # welcome
    await wacht_op(mail_dir, bert_mail, 1)
    a1 = activiteit()
    await bus.publiceer(als_event(a1, act.ActiviteitGeplandV2))
    an_i, bert_i = uuid.uuid4(), uuid.uuid4()
    gepubliceerd = [inschrijving(a1, an, "ingeschreven", 1, an_i), inschrijving(a1, bert, "wachtlijst", 1, bert_i)]
    for e in gepubliceerd:
        await bus.publiceer(e)

    an_mails = await wacht_op(mail_dir, an_mail, 2)
    bevestigd = an_mails[1]
    assert bevestigd["onderwerp"] == "Je bent ingeschreven: Infosessie digitaal loket"
    assert "Zaal De Markt, Gent" in bevestigd["tekst"] and "02 211 55 00" in bevestigd["tekst"]
    assert 'lang="nl"' in bevestigd["html"] and "<h1>" in bevestigd["html"]
    assert "List-Unsubscribe" not in bevestigd["msg"], "operationele mail draagt geen afmeldkop"
    ev = vevent(bevestigd)
    # The same UID and SEQUENCE as registratie's public feed: versie - 1.
    assert str(ev["UID"]) == str(a1.activiteit_id)
    assert int(ev["SEQUENCE"]) == 0 and str(ev["STATUS"]) == "CONFIRMED"
    assert ev.decoded("DTSTART") == a1.start and str(ev["LOCATION"]) == "Zaal De Markt, Gent"

    bert_mails = await wacht_op(mail_dir, bert_mail, 2)
    assert bert_mails[1]["onderwerp"].startswith("Je staat op de wachtlijst") and bert_mails[1]["ical"] == []

    # A reminder is planned two days before the start, for the registered member only.
    herinneringen = await rijen(runtime, "SELECT lid_id, volgende_poging_op FROM melding WHERE soort = 'herinnering'")
    assert [(r["lid_id"], r["volgende_poging_op"]) for r in herinneringen] == [(an, a1.start - timedelta(days=2))]

    # Bert gets a place; then the activity moves by a day (version 2).
    await bus.publiceer(inschrijving(a1, bert, "ingeschreven", 2, bert_i))
    bert_mails = await wacht_op(mail_dir, bert_mail, 3)
    assert bert_mails[2]["onderwerp"].startswith("Er is een plaats voor jou")
    assert str(vevent(bert_mails[2])["UID"]) == str(a1.activiteit_id)

    a2 = a1.model_copy(update={"versie": 2, "start": a1.start + timedelta(days=1), "einde": a1.einde + timedelta(days=1)})
    await bus.publiceer(als_event(a2, act.ActiviteitGewijzigdV2))
    for email in (an_mail, bert_mail):
        gewijzigd = (await wacht_op(mail_dir, email, 3 if email == an_mail else 4))[-1]
        assert gewijzigd["onderwerp"] == "Gewijzigd: Infosessie digitaal loket"
        ev = vevent(gewijzigd)
        assert int(ev["SEQUENCE"]) == 1 and ev.decoded("DTSTART") == a2.start
    herinneringen = await rijen(runtime, "SELECT volgende_poging_op FROM melding WHERE soort = 'herinnering' ORDER BY 1")
    assert [r["volgende_poging_op"] for r in herinneringen] == [a2.start - timedelta(days=2)] * 2

    # An only-the-description change sends nothing.
    a3 = a2.model_copy(update={"versie": 3, "beschrijving": "Met koffie."})
    await bus.publiceer(als_event(a3, act.ActiviteitGewijzigdV2))

    # An cancels; then the activity is cancelled: only Bert (still registered) hears of that.
    await bus.publiceer(inschrijving(a1, an, "geannuleerd", 2, an_i))
    an_mails = await wacht_op(mail_dir, an_mail, 4)
    assert an_mails[3]["onderwerp"].startswith("Je inschrijving is geannuleerd")
    assert str(vevent(an_mails[3])["STATUS"]) == "CANCELLED"
    a4 = a3.model_copy(update={"versie": 4, "status": ActiviteitStatus.GEANNULEERD})
    await bus.publiceer(als_event(a4, act.ActiviteitGeannuleerdV2))
    bert_mails = await wacht_op(mail_dir, bert_mail, 5)
    ev = vevent(bert_mails[4])
    assert bert_mails[4]["onderwerp"] == "Geannuleerd: Infosessie digitaal loket"
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 3

    # Every fact again, under new message ids: not one mail more.
    for e in gepubliceerd:
        await bus.publiceer(e, msg_id=str(uuid.uuid4()))
    await bus.publiceer(als_event(a4, act.ActiviteitGeannuleerdV2), msg_id=str(uuid.uuid4()))
    await asyncio.sleep(1.0)
    assert len(mails(mail_dir, an_mail)) == 4 and len(mails(mail_dir, bert_mail)) == 5
    # The reminders were never due; they will be skipped when their time comes (cancelled).
    assert len(await rijen(runtime, "SELECT 1 FROM melding WHERE soort = 'herinnering' AND status = 'wachtend'")) == 2


async def test_herinnering_met_deelnamelink_en_niet_na_annulatie(dienst):
    runtime, bus, mail_dir = dienst
    async with runtime.db.transaction() as conn:
        await conn.execute(text("UPDATE regel SET uren = 1 WHERE soort = 'herinnering'"))
    an, an_mail = await lid(bus, "An")
    bert, bert_mail = await lid(bus, "Bert")
    # Due in two seconds: one hour before a start one hour and two seconds from now.
    a = activiteit(vorm=Vorm.ONLINE, start=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1, seconds=3))
    await bus.publiceer(als_event(a, act.ActiviteitGeplandV2))
    await bus.publiceer(inschrijving(a, an, "ingeschreven", 1, uuid.uuid4()))
    bert_i = uuid.uuid4()
    await bus.publiceer(inschrijving(a, bert, "ingeschreven", 1, bert_i))
    await bus.publiceer(inschrijving(a, bert, "geannuleerd", 2, bert_i))
    herinnering = (await wacht_op(mail_dir, an_mail, 3))[2]
    assert herinnering["onderwerp"] == "Binnenkort: Infosessie digitaal loket"
    assert "https://meet.example.org/abc" in herinnering["tekst"]
    assert 'href="https://meet.example.org/abc"' in herinnering["html"]
    overgeslagen = await wait_until(
        lambda: rijen(runtime, "SELECT reden FROM melding WHERE soort = 'herinnering' AND status = 'overgeslagen'")
    )
    assert [r["reden"] for r in overgeslagen] == ["niet meer ingeschreven"]
    assert [m["onderwerp"][:9] for m in mails(mail_dir, bert_mail)] == ["Welkom bi", "Je bent i", "Je inschr"]


async def test_feedback_alleen_aan_wie_aanwezig_was(dienst):
    runtime, bus, mail_dir = dienst
    an, an_mail = await lid(bus, "An")
    bert, bert_mail = await lid(bus, "Bert")
    begin = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    a = activiteit(start=begin, status=ActiviteitStatus.AFGELOPEN)
    await bus.publiceer(als_event(a, act.ActiviteitAfgelopenV2))
    for lid_id, aanwezig in ((an, True), (bert, False)):
        await bus.publiceer(
            act.AanwezigheidGeregistreerd(
                activiteit_id=a.activiteit_id, lid_id=lid_id, versie=1, organisatie_id=ORG,
                organisatie_type=OrganisatieType.LOKAAL_BESTUUR, aanwezig=aanwezig,
                uren=Decimal("2" if aanwezig else "0"), geregistreerd_op=datetime.now(UTC),
            )
        )
    feedback = (await wacht_op(mail_dir, an_mail, 2))[1]
    assert feedback["onderwerp"] == "Hoe vond je Infosessie digitaal loket?"
    assert f"/registratie/activiteiten/{a.activiteit_id}/feedback" in feedback["tekst"]
    await asyncio.sleep(0.5)
    assert len(mails(mail_dir, bert_mail)) == 1  # the welcome only
    assert not await rijen(runtime, "SELECT 1 FROM melding WHERE soort = 'feedback_vraag' AND lid_id = :l", l=bert)


async def test_uitnodiging_en_weekoverzicht_volgens_keuze(dienst):
    runtime, bus, mail_dir = dienst
    leden = {keuze: await lid(bus, naam) for keuze, naam in
             (("per_mail", "Per"), ("wekelijks", "Week"), ("geen", "Geen"), (None, "Nooit"))}
    for keuze, (lid_id, email) in leden.items():
        await wacht_op(mail_dir, email, 1)
        if keuze is not None:
            async with runtime.db.transaction() as conn:
                await zet_voorkeur(conn, lid_id, keuze)
    publiek = activiteit()
    besloten = activiteit(soort=ActiviteitSoort.ADVIESGESPREK)
    for a in (publiek, besloten):
        await bus.publiceer(als_event(a, act.ActiviteitGeplandV2))

    uitnodiging = (await wacht_op(mail_dir, leden["per_mail"][1], 2))[1]
    assert uitnodiging["onderwerp"] == "Uitnodiging: Infosessie digitaal loket"
    assert uitnodiging["msg"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(uitnodiging["msg"]["List-Unsubscribe"]).startswith("<http://")
    assert "/meldingen/afmelden/" in str(uitnodiging["msg"]["List-Unsubscribe"])

    async with runtime.db.transaction() as conn:
        assert await plan_weekoverzicht(conn, datetime.now(UTC) + timedelta(days=7)) == 1
        assert await plan_weekoverzicht(conn, datetime.now(UTC) + timedelta(days=7)) == 0  # once a week
    runtime.state["bezorger"].wake()
    overzicht = (await wacht_op(mail_dir, leden["wekelijks"][1], 2))[1]
    assert overzicht["onderwerp"] == "Nieuwe activiteiten van het netwerk digitale inclusie"
    assert "Infosessie digitaal loket" in overzicht["tekst"]
    assert str(besloten.activiteit_id) not in overzicht["tekst"] and "List-Unsubscribe" in overzicht["msg"]
    await asyncio.sleep(0.5)
    for keuze in ("geen", None):
        assert len(mails(mail_dir, leden[keuze][1])) == 1
    assert len(mails(mail_dir, leden["per_mail"][1])) == 2  # no invitation for the advice talk
