"""Several meldingen instances share their durable consumers and the mail queue: every mail is
planned once and sent once, whichever instance receives the event or picks up the mail."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from email.utils import parseaddr

import nats
from dinet_chassis.embedded import read_mails
from dinet_chassis.testing import wait_until
from dinet_contracts import wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.registratie import LidContactgegevens
from sqlalchemy import text

from meldingen.main import DEFINITION

LEDEN = 90


async def test_twee_instanties_versturen_elke_mail_precies_een_keer(start_service, nats_server, mail_sink):
    # Small batches, so both instances get a share of the events.
    instellingen = {"smtp_url": mail_sink.url, "consumer_batch": 5}
    async with start_service(DEFINITION, **instellingen) as een, start_service(DEFINITION, **instellingen) as twee:
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            verwacht: Counter = Counter()
            wachtend = []
            for n in range(LEDEN):
                nieuwsbrief = n % 3 == 0  # a welcome mail, and for these also the opt-in mail
                email = f"lid{n}@instanties.example"
                envelope = wrap(
                    LidContactgegevens(lid_id=uuid.uuid4(), naam=f"Lid {n}", email=email, nieuwsbrief=nieuwsbrief,
                                       aanleiding="registratie"),
                    source="/dinet/registratie",
                )
                body = envelope.model_dump_json().encode()
                verwacht[email] = 2 if nieuwsbrief else 1
                # Every event twice, the second time under another Nats-Msg-Id (a republish that
                # JetStream cannot recognise): only the inbox may stop it.
                for msg_id in (envelope.id, f"opnieuw-{envelope.id}"):
                    wachtend.append(
                        await js.publish_async(envelope.data.nats_subject(), body,
                                               headers={"Nats-Msg-Id": msg_id, "Content-Type": CONTENT_TYPE})
                    )
            await asyncio.gather(*wachtend)
        finally:
            await nc.close()

        def per_adres() -> Counter:
            return Counter(parseaddr(m["to"])[1] for m in read_mails(mail_sink.mail_dir))

        await wait_until(lambda: sum(per_adres().values()) >= sum(verwacht.values()), timeout=60, interval=0.2)
        await asyncio.sleep(1.0)  # a mail sent twice would arrive within this time
        assert per_adres() == verwacht
        async with een.db.engine.connect() as conn:
            status = dict((await conn.execute(text("SELECT status, count(*) FROM melding GROUP BY status"))).all())
            inbox = await conn.scalar(text("SELECT count(*) FROM inbox WHERE consumer = 'meldingen-contact'"))
        assert status == {"verzonden": sum(verwacht.values())}
        assert inbox == LEDEN
        # Both instances did part of the work: the consumer and the delivery worker.
        verwerkt = [next(c for c in rt.consumers if c.definition.durable == "meldingen-contact").processed
                    for rt in (een, twee)]
        verzonden = [rt.diensten.bezorger.verzonden for rt in (een, twee)]
        assert all(verwerkt) and sum(verwerkt) >= LEDEN, verwerkt
        assert all(verzonden) and sum(verzonden) == sum(verwacht.values()), verzonden


async def test_twee_instanties_delen_een_limiet_per_minuut(start_service, nats_server, mail_sink, http):
    """The newsletter's per-minute limit is one limit for the service, not one per instance: with
    two instances sending one issue, the first minute carries no more than the limit."""
    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
    from dinet_contracts.events.registratie import LidGeregistreerd
    from dinet_contracts.types import OrganisatieType

    limiet, abonnees = 5, 12
    instellingen = {"smtp_url": mail_sink.url}
    async with start_service(DEFINITION, **instellingen) as een, start_service(DEFINITION, **instellingen) as twee:
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            for n in range(abonnees):
                lid_id = uuid.uuid4()
                for event in (
                    LidGeregistreerd(lid_id=lid_id, organisatie_id=uuid.uuid4(), organisatie_type=OrganisatieType.LOKAAL_BESTUUR,
                                     lid_sinds="2026-01-01", nieuwsbrief=True),
                    LidContactgegevens(lid_id=lid_id, naam=f"Abonnee {n}", email=f"abonnee{n}@tempo.example", nieuwsbrief=True,
                                       aanleiding="wijziging"),
                ):
                    envelope = wrap(event, source="/dinet/registratie")
                    await js.publish(event.nats_subject(), envelope.model_dump_json().encode(),
                                     headers={"Nats-Msg-Id": envelope.id, "Content-Type": CONTENT_TYPE})
        finally:
            await nc.close()

        async def bekend() -> bool:
            async with een.db.engine.connect() as conn:
                return await conn.scalar(text("SELECT count(*) FROM contact JOIN lid_organisatie USING (lid_id)")) == abonnees

        await wait_until(bekend, timeout=20)
        await wait_until(lambda: len(read_mails(mail_sink.mail_dir)) >= abonnees, timeout=20)  # the opt-in mails
        async with een.db.transaction() as conn:  # what the double opt-in page does
            await conn.execute(text("UPDATE contact SET nieuwsbrief_bevestigd_op = now()"))

        client = http(een, follow_redirects=False)
        wie = Identiteit(sub="medewerker-test", naam="Mia", rollen=frozenset({Rol.MEDEWERKER}))
        client.cookies.set(COOKIE, maak_cookie(wie, een.settings.secret_key))
        r = await client.post("/meldingen/api/v1/nieuwsbrieven", json={"titel": "Gedeeld tempo", "per_minuut": limiet})
        pad = f"/meldingen/api/v1/nieuwsbrieven/{r.json()['id']}"
        assert (await client.post(f"{pad}/verzenden", json={})).status_code == 202

        def nummers() -> int:
            return sum(1 for m in read_mails(mail_sink.mail_dir) if m["subject"] == "Gedeeld tempo")

        await wait_until(lambda: nummers() >= limiet, timeout=20)
        # Several rounds of both workers (each polls every few seconds) fit in this pause.
        await asyncio.sleep(7.0)
        assert nummers() == limiet
        voortgang = (await client.get(f"{pad}/voortgang")).json()
        assert (voortgang["verzonden"], voortgang["wachtend"]) == (limiet, abonnees - limiet)
        # Both instances know the limit and asked for room: the second learns it without having started the issue.
        assert [rt.diensten.bezorger._per_minuut for rt in (een, twee)] == [limiet, limiet]
        async with twee.db.engine.connect() as conn:
            geboekt = await conn.scalar(text("SELECT sum(aantal) FROM nieuwsbrief_tempo"))
        assert geboekt == limiet
