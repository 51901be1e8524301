"""meldingen end to end on real NATS, PostgreSQL and an SMTP sink: event in, mail out, opt-in."""

from __future__ import annotations

import asyncio
import re
import uuid

import nats
from aiosmtpd.controller import Controller
from dinet_chassis.consumer import HandlerContext
from dinet_chassis.handlers import dispatch
from dinet_chassis.embedded import free_port, read_mails, wait_for_mails
from dinet_chassis.testing import wait_until
from dinet_contracts import CloudEvent, parse, wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.meldingen import MeldingVerzonden, NieuwsbriefInschrijvingBevestigd
from dinet_contracts.events.registratie import LidContactgegevens
from dinet_contracts.topology import EVENTS, PERSOONSGEGEVENS
from dinet_contracts.registry import upcast
from meldingen.handlers import HANDLERS
from meldingen.main import DEFINITION
from meldingen.domain.mails import message_id
from sqlalchemy import text

LINK = re.compile(r"http://testserver(/meldingen/nieuwsbrief/bevestigen\?token=[A-Za-z0-9_\-]+)")
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def contactgegevens(*, nieuwsbrief: bool = True, aanleiding: str = "registratie", **kw) -> CloudEvent:
    data = LidContactgegevens(
        lid_id=kw.pop("lid_id", uuid.uuid4()),
        naam=kw.pop("naam", "An Peeters"),
        email=kw.pop("email", "an.peeters@gemeente.be"),
        nieuwsbrief=nieuwsbrief,
        aanleiding=aanleiding,
    )
    return wrap(data, source="/dinet/registratie")


async def publiceer(url: str, envelope: CloudEvent, *, msg_id: str | None = None) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(
            envelope.data.nats_subject(),
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or envelope.id, "Content-Type": CONTENT_TYPE},
        )
    finally:
        await nc.close()


async def laatste_event(runtime, event_type: type):
    """The newest event of a type on the events stream, or None."""
    try:
        msg = await runtime.js.get_last_msg(EVENTS.name, event_type.subject_template)
    except Exception:
        return None
    return parse(msg.data)


async def meldingen_in_db(runtime) -> list[dict]:
    async with runtime.db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT * FROM melding ORDER BY aangemaakt_op, soort"))
        return [dict(r) for r in rows.mappings()]


async def alles_verwerkt(runtime, gepubliceerd: int) -> bool:
    """The consumer acked every published message and the worker has nothing left to send."""
    info = await runtime.js.consumer_info(PERSOONSGEGEVENS.name, "meldingen-contact")
    if info.delivered.stream_seq < gepubliceerd or info.num_ack_pending or info.num_pending:
        return False
    return all(m["status"] != "wachtend" for m in await meldingen_in_db(runtime))


def bevestigingspad(mails: list[dict]) -> str:
    for mail in mails:
        if found := LINK.search(mail["body"]):
            return found.group(1)
    raise AssertionError("geen bevestigingslink in de mails")


async def test_registratie_met_nieuwsbrief_stuurt_welkom_en_bevestiging(start_service, nats_server, mail_sink):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        event = contactgegevens(nieuwsbrief=True)
        await publiceer(nats_server.url, event)

        mails = await wait_for_mails(mail_sink.mail_dir, 2)
        assert len(mails) == 2
        per_onderwerp = {m["subject"]: m for m in mails}
        welkom = per_onderwerp["Welkom bij het netwerk digitale inclusie"]
        optin = per_onderwerp["Bevestig je inschrijving voor de nieuwsbrief"]
        for mail in (welkom, optin):
            assert mail["from"] == "Netwerk digitale inclusie <netwerk@vvsg.be>"
            assert mail["to"] == "An Peeters <an.peeters@gemeente.be>"
            assert mail["message"].get_body(("html",)) is not None
        assert "Beste An Peeters" in welkom["body"]
        assert LINK.search(optin["body"])

        rows = await wait_until(lambda: _alle_verzonden(runtime, 2))
        assert {r["soort"] for r in rows} == {"welkom", "nieuwsbrief_bevestiging"}
        assert all(r["token"] is None for r in rows), "het token in klare tekst blijft niet bewaard na verzending"
        ids = {message_id(r["id"]) for r in rows}
        assert {str(m["message"]["Message-ID"]) for m in mails} == ids

        verzonden = await wait_until(lambda: laatste_event(runtime, MeldingVerzonden))
        assert verzonden.data.lid_id == event.data.lid_id
        assert verzonden.data.melding_id in {r["id"] for r in rows}


async def _alle_verzonden(runtime, aantal: int) -> list[dict] | None:
    rows = await meldingen_in_db(runtime)
    return rows if len(rows) == aantal and all(r["status"] == "verzonden" for r in rows) else None


async def test_zonder_nieuwsbrief_alleen_welkom(start_service, nats_server, mail_sink):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        await publiceer(nats_server.url, contactgegevens(nieuwsbrief=False))
        await wait_until(lambda: alles_verwerkt(runtime, 1))
        await wait_until(lambda: _alle_verzonden(runtime, 1))
        mails = read_mails(mail_sink.mail_dir)
        assert [m["subject"] for m in mails] == ["Welkom bij het netwerk digitale inclusie"]
        assert "aparte mail" not in mails[0]["body"]


async def test_hetzelfde_event_drie_keer_geeft_dezelfde_twee_mails(start_service, nats_server, mail_sink):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        event = contactgegevens(nieuwsbrief=True)
        for _ in range(3):  # distinct Nats-Msg-Id: JetStream's own dedup must not be what saves us
            await publiceer(nats_server.url, event, msg_id=str(uuid.uuid4()))
        await wait_until(lambda: alles_verwerkt(runtime, 3))
        await wait_until(lambda: _alle_verzonden(runtime, 2))
        await asyncio.sleep(0.3)  # room for a wrong third mail to show up
        assert len(read_mails(mail_sink.mail_dir)) == 2


async def test_planning_is_idempotent_ook_zonder_inbox(start_service):
    """The unique (lid, soort, event) key holds even if the handler runs twice for one event."""
    async with start_service(DEFINITION, smtp_url=f"smtp://127.0.0.1:{free_port()}") as runtime:
        # As the consumer reads it: version 1 upcast to version 2.
        event = upcast(contactgegevens(nieuwsbrief=True))
        for _ in range(2):
            async with runtime.db.transaction() as conn:
                ctx = HandlerContext(runtime, event.data.nats_subject(), 1, "meldingen-contact")
                await dispatch(HANDLERS["meldingen-contact"], conn, event, ctx)
        rows = await meldingen_in_db(runtime)
        assert sorted(r["soort"] for r in rows) == ["nieuwsbrief_bevestiging", "welkom"]
        async with runtime.db.engine.connect() as conn:
            tokens = (await conn.execute(text("SELECT count(*) FROM nieuwsbrief_token"))).scalar()
        assert tokens == 1


async def test_opt_in_get_toont_knop_en_post_bevestigt(start_service, nats_server, mail_sink, http):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        event = contactgegevens(nieuwsbrief=True)
        await publiceer(nats_server.url, event)
        pad = bevestigingspad(await wait_for_mails(mail_sink.mail_dir, 2))
        client = http(runtime)

        pagina = await client.get(pad)
        assert pagina.status_code == 200
        assert 'lang="nl"' in pagina.text
        assert "Ja, stuur mij de nieuwsbrief" in pagina.text
        assert pagina.headers["referrer-policy"] == "no-referrer"
        # Opening the link (as a mail scanner would) changes nothing.
        await client.get(pad)
        assert await _bevestigd_op(runtime, event.data.lid_id) is None

        token = pad.split("token=")[1]
        zonder_csrf = await client.post("/meldingen/nieuwsbrief/bevestigen", data={"token": token})
        assert zonder_csrf.status_code == 403
        assert await _bevestigd_op(runtime, event.data.lid_id) is None

        csrf = CSRF.search(pagina.text).group(1)
        antwoord = await client.post(
            "/meldingen/nieuwsbrief/bevestigen", data={"token": token, "_csrf_token": csrf}
        )
        assert antwoord.status_code == 303
        assert antwoord.headers["location"] == "/meldingen/nieuwsbrief/bevestigd"
        bedankt = await client.get(antwoord.headers["location"])
        assert bedankt.status_code == 200 and "Je bent ingeschreven voor de nieuwsbrief" in bedankt.text

        bevestigd = await wait_until(lambda: laatste_event(runtime, NieuwsbriefInschrijvingBevestigd))
        assert isinstance(bevestigd.data, NieuwsbriefInschrijvingBevestigd)
        assert bevestigd.data.lid_id == event.data.lid_id
        assert bevestigd.source == "/dinet/meldingen"
        assert await _bevestigd_op(runtime, event.data.lid_id) is not None

        # The token works once: a second POST and a new GET are refused, in Dutch.
        opnieuw = await client.post("/meldingen/nieuwsbrief/bevestigen", data={"token": token, "_csrf_token": csrf})
        assert opnieuw.status_code == 410
        assert "Deze link is al gebruikt" in opnieuw.text
        assert "Een link werkt maar één keer" in opnieuw.text
        assert (await client.get(pad)).status_code == 410
        assert await _aantal_events(runtime, NieuwsbriefInschrijvingBevestigd) == 1


async def test_onbekende_en_verlopen_link(start_service, nats_server, mail_sink, http):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        client = http(runtime)
        onbekend = await client.get("/meldingen/nieuwsbrief/bevestigen?token=bestaat-niet")
        assert onbekend.status_code == 400 and "Deze link werkt niet" in onbekend.text
        zonder = await client.get("/meldingen/nieuwsbrief/bevestigen")
        assert zonder.status_code == 400

        await publiceer(nats_server.url, contactgegevens(nieuwsbrief=True))
        pad = bevestigingspad(await wait_for_mails(mail_sink.mail_dir, 2))
        async with runtime.db.transaction() as conn:
            await conn.execute(text("UPDATE nieuwsbrief_token SET verloopt_op = now() - interval '1 minute'"))
        verlopen = await client.get(pad)
        assert verlopen.status_code == 410
        assert "Deze link is verlopen" in verlopen.text and "Vraag hem opnieuw aan" in verlopen.text


async def test_mail_wacht_tot_de_mailserver_terug_is(start_service, nats_server, mail_sink):
    mail_sink.stop()
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        await publiceer(nats_server.url, contactgegevens(nieuwsbrief=False))

        async def geprobeerd() -> bool:
            rows = await meldingen_in_db(runtime)
            return bool(rows) and rows[0]["pogingen"] >= 1 and rows[0]["status"] == "wachtend"

        await wait_until(geprobeerd)
        rows = await meldingen_in_db(runtime)
        assert "niet bereikbaar" in rows[0]["reden"]
        assert read_mails(mail_sink.mail_dir) == []

        mail_sink.start()
        mails = await wait_for_mails(mail_sink.mail_dir, 1, timeout=20)
        assert [m["subject"] for m in mails] == ["Welkom bij het netwerk digitale inclusie"]
        await wait_until(lambda: _alle_verzonden(runtime, 1))


class _Weigeraar:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 Onbekende ontvanger"


async def test_blijvend_geweigerde_mail_wordt_mislukt(start_service, nats_server):
    controller = Controller(_Weigeraar(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        async with start_service(DEFINITION, smtp_url=f"smtp://127.0.0.1:{controller.port}") as runtime:
            await publiceer(nats_server.url, contactgegevens(nieuwsbrief=False))

            async def mislukt() -> list[dict] | None:
                rows = await meldingen_in_db(runtime)
                return rows if rows and rows[0]["status"] == "mislukt" else None

            rows = await wait_until(mislukt)
            assert rows[0]["pogingen"] == 1
            assert "550" in rows[0]["reden"]
            assert await laatste_event(runtime, MeldingVerzonden) is None
    finally:
        controller.stop()


async def test_startpagina(start_service, http):
    async with start_service(DEFINITION) as runtime:
        antwoord = await http(runtime).get("/meldingen/")
        assert antwoord.status_code == 200
        assert 'lang="nl"' in antwoord.text
        assert "Mails van het netwerk digitale inclusie" in antwoord.text


async def _bevestigd_op(runtime, lid_id):
    async with runtime.db.engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT nieuwsbrief_bevestigd_op FROM contact WHERE lid_id = :l"), {"l": lid_id}
            )
        ).scalar()


async def _aantal_events(runtime, event_type: type) -> int:
    info = await runtime.js.stream_info(EVENTS.name, subjects_filter=event_type.subject_template)
    return (info.state.subjects or {}).get(event_type.subject_template, 0)



async def test_na_crash_tussen_smtp_en_commit_dezelfde_message_id(start_service, nats_server, mail_sink):
    """The one duplicate SMTP cannot rule out is recognisable: the resent mail has the same Message-ID."""
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        async with runtime.db.transaction() as conn:
            # The first "mark sent" fails as if the process died after the server accepted the mail;
            # a sequence, because it is not rolled back with the failing transaction.
            await conn.execute(text("CREATE SEQUENCE test_crash"))
            await conn.execute(
                text(
                    "CREATE FUNCTION test_crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF NEW.status = 'verzonden' AND nextval('test_crash') = 1 THEN RAISE EXCEPTION 'crash'; END IF;"
                    " RETURN NEW; END $$"
                )
            )
            await conn.execute(
                text("CREATE TRIGGER test_crash BEFORE UPDATE ON melding FOR EACH ROW EXECUTE FUNCTION test_crash()")
            )
        await publiceer(nats_server.url, contactgegevens(nieuwsbrief=False))

        mails = await wait_for_mails(mail_sink.mail_dir, 2)
        rows = await wait_until(lambda: _alle_verzonden(runtime, 1))
        assert len(mails) == 2
        assert {str(m["message"]["Message-ID"]) for m in mails} == {message_id(rows[0]["id"])}
        await wait_until(lambda: laatste_event(runtime, MeldingVerzonden))
        assert await _aantal_events(runtime, MeldingVerzonden) == 1
