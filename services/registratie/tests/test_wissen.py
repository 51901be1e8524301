"""Erasing a member in registratie: the person goes everywhere here and on the bus; the counts stay."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import nats
from dinet_chassis.embedded import wait_for_mails
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.topology import DEADLETTERS, PERSOONSGEGEVENS, dlq_subject
from nats.js.errors import NotFoundError
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.leden.store import tel_leden_op
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
NAAM = "Zoë Vanderstraeten"
EMAIL = "zoe.vanderstraeten@gent.be"
LINK = re.compile(r"http://testserver(/registratie/mijn/inloggen/link\?token=[\w\-%]+)")
MEDEWERKER = Identiteit(sub="test:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def lid(client: Any, naam: str, email: str) -> str:
    r = await client.post(
        "/registratie/api/v1/leden",
        json={"naam": naam, "email": email, "organisatie_id": str(GENT), "functie": "Beleidsmedewerker", "nieuwsbrief": True},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def aanmelden_met_link(runtime: Any, http: Any, mail_dir: Any, email: str) -> Any:
    client = http(runtime, follow_redirects=False)
    formulier = await client.get("/registratie/mijn/inloggen")
    await client.post("/registratie/mijn/inloggen", data={"_csrf_token": csrf(formulier.text), "email": email})
    mail = next(m for m in await wait_for_mails(mail_dir, 1) if email in m["to"])
    pagina = await client.get(unescape(LINK.search(mail["body"]).group(1)))
    token = re.search(r'name="token" value="([^"]+)"', pagina.text).group(1)
    r = await client.post("/registratie/mijn/inloggen/link", data={"_csrf_token": csrf(pagina.text), "token": token})
    assert r.status_code == 303
    return client


async def sporen_in_schema(runtime: Any, *patronen: str) -> list[str]:
    """Every text, json or bytea column in registratie's schema that still holds one of `patronen`."""
    gevonden = []
    async with runtime.db.engine.connect() as conn:
        kolommen = (
            await conn.execute(
                text(
                    "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                    " JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
                    " WHERE c.table_schema = 'registratie' AND t.table_type = 'BASE TABLE'"
                    " AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"
                )
            )
        ).all()
        for tabel, kolom, soort in kolommen:
            waarde = f"convert_from(\"{kolom}\", 'UTF8')" if soort == "bytea" else f'CAST("{kolom}" AS text)'
            aantal = (
                await conn.execute(
                    text(f'SELECT count(*) FROM registratie."{tabel}" WHERE {waarde} ILIKE ANY (:p)'),
                    {"p": [f"%{p}%" for p in patronen]},
                )
            ).scalar_one()
            if aantal:
                gevonden.append(f"{tabel}.{kolom}")
    return gevonden


async def berichten(js: Any, stroom: str, subject: str) -> int:
    try:
        await js.get_last_msg(stroom, subject)
    except NotFoundError:
        return 0
    return 1


async def test_erasure_through_self_service(start_service: Any, http: Any, mail_sink: Any, nats_server: Any) -> None:
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        api = http(runtime)
        zoe = await lid(api, NAAM, EMAIL)
        ander = await lid(api, "Bert Bogaert", "bert@gent.be")
        vandaag = date.today()

        # Staff put Zoë on the knowledge-sharing space.
        staf = http(runtime, follow_redirects=False)
        staf.cookies.set(COOKIE, maak_cookie(MEDEWERKER, runtime.settings.secret_key))
        pagina = await staf.get(f"/registratie/leden/{zoe}")
        r = await staf.post(
            f"/registratie/leden/{zoe}/kennisdeling",
            data={"_csrf_token": csrf(pagina.text), "actie": "aansluiten", "kennisdeling_datum": vandaag.isoformat()},
        )
        assert r.status_code == 303

        # She registered for an activity, attended it and wrote feedback.
        activiteit = uuid.uuid4()
        start = datetime.now().astimezone() - timedelta(days=3)
        async with runtime.db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO activiteiten (id, versie, soort, titel, organisator_id, trekker, vorm, start, einde,"
                    " duur_uren, status, bron) VALUES (:id, 1, 'infosessie', 'Infosessie', :org, 'vvsg', 'online',"
                    " :start, :einde, 2, 'afgelopen', 'beheer')"
                ),
                {"id": activiteit, "org": GENT, "start": start, "einde": start + timedelta(hours=2)},
            )
            await conn.execute(
                text("INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie) VALUES (:id, :a, :l, 'ingeschreven', 1)"),
                {"id": uuid.uuid4(), "a": activiteit, "l": zoe},
            )
            await conn.execute(
                text(
                    "INSERT INTO aanwezigheden (activiteit_id, lid_id, organisatie_id, organisatie_type, aanwezig, uren, versie)"
                    " VALUES (:a, :l, :org, 'lokaal_bestuur', true, 2, 1)"
                ),
                {"a": activiteit, "l": zoe, "org": GENT},
            )
            await conn.execute(
                text("INSERT INTO feedback (id, activiteit_id, lid_id, score, tekst) VALUES (:id, :a, :l, 4, :t)"),
                {"id": uuid.uuid4(), "a": activiteit, "l": zoe, "t": "Heel nuttig, groetjes Zoë Vanderstraeten"},
            )

        # Her contact data went over the bus; one copy even ended up among the dead letters.
        js = runtime.js
        await wait_until(lambda: berichten(js, PERSOONSGEGEVENS.name, f"dinet.pii.lid.{zoe}.contactgegevens.v1"), timeout=10)
        await wait_until(lambda: berichten(js, PERSOONSGEGEVENS.name, f"dinet.pii.lid.{ander}.contactgegevens.v1"), timeout=10)
        nc = await nats.connect(nats_server.url)
        try:
            for wie in (zoe, ander):
                await nc.jetstream().publish(
                    dlq_subject("meldingen-contact", f"dinet.pii.lid.{wie}.contactgegevens.v1"),
                    json.dumps({"naam": NAAM}).encode(),
                )
        finally:
            await nc.close()
        leden_vandaag = await tel_leden_op(runtime.db, vandaag)

        client = await aanmelden_met_link(runtime, http, mail_sink.mail_dir, EMAIL)
        pagina = await client.get("/registratie/mijn/wissen")
        assert pagina.status_code == 200 and "Dit kan niet ongedaan worden." in pagina.text
        niet_bevestigd = await client.post("/registratie/mijn/wissen", data={"_csrf_token": csrf(pagina.text)})
        assert niet_bevestigd.status_code == 400 and "Vink aan" in niet_bevestigd.text
        assert await sporen_in_schema(runtime, "vanderstraeten")  # nothing happened yet

        r = await client.post("/registratie/mijn/wissen", data={"_csrf_token": csrf(pagina.text), "bevestig": "ja"})
        assert r.status_code == 303 and r.headers["location"] == "/registratie/mijn/gewist"
        assert 'dinet_sessie=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
        assert "Je gegevens zijn gewist" in (await client.get("/registratie/mijn/gewist")).text

        # Nothing of her is left in registratie's tables ...
        assert await sporen_in_schema(runtime, "vanderstraeten", EMAIL) == []
        async with runtime.db.engine.connect() as conn:
            graf = (await conn.execute(text("SELECT * FROM gewiste_leden"))).mappings().one()
            over = {
                tabel: (await conn.execute(text(f"SELECT count(*) FROM {tabel} WHERE lid_id = :id"), {"id": zoe})).scalar_one()
                for tabel in ("toestemmingen", "aanmeldlinks", "inschrijvingen", "aanwezigheden", "feedback")
            }
            leden = (await conn.execute(text("SELECT count(*) FROM leden WHERE id = :id"), {"id": zoe})).scalar_one()
            uren = (await conn.execute(text("SELECT organisatie_id, uren FROM aanwezigheden"))).one()
            feedback = (await conn.execute(text("SELECT lid_id, score, tekst FROM feedback"))).one()
            kennisdeling = (await conn.execute(text("SELECT van, tot FROM kennisdeling WHERE lid_id = :id"), {"id": zoe})).one()
            events = [
                (r.event_type, json.loads(bytes(r.body))["data"])
                for r in await conn.execute(
                    text("SELECT event_type, body FROM outbox WHERE aggregate_id = :id ORDER BY seq"), {"id": zoe}
                )
            ]
        # ... while the figures keep their id, organisation, dates and hours.
        assert (graf["id"], graf["organisatie_id"], graf["lid_sinds"], graf["lid_tot"]) == (uuid.UUID(zoe), GENT, vandaag, vandaag)
        assert leden == 0 and set(over.values()) == {0}
        assert (uren.organisatie_id, float(uren.uren)) == (GENT, 2.0)
        assert (feedback.lid_id, feedback.score, feedback.tekst) == (None, 4, None)
        assert tuple(kennisdeling) == (vandaag, vandaag)
        assert await tel_leden_op(runtime.db, vandaag) == leden_vandaag == 2
        assert [t for t, _ in events] == [
            "be.dinet.lid.geregistreerd.v1",
            "be.dinet.lid.kennisdeling_gewijzigd.v1",
            "be.dinet.lid.uitgeschreven.v1",
            "be.dinet.lid.kennisdeling_gewijzigd.v1",
            "be.dinet.lid.gewist.v1",
        ]
        assert events[-1][1]["lid_id"] == zoe

        # ... and nothing on the bus: her subject and her dead letters are purged, the other member's stay.
        assert await berichten(js, PERSOONSGEGEVENS.name, f"dinet.pii.lid.{zoe}.contactgegevens.v1") == 0
        assert await berichten(js, DEADLETTERS.name, dlq_subject("meldingen-contact", f"dinet.pii.lid.{zoe}.contactgegevens.v1")) == 0
        assert await berichten(js, PERSOONSGEGEVENS.name, f"dinet.pii.lid.{ander}.contactgegevens.v1") == 1
        assert await berichten(js, DEADLETTERS.name, dlq_subject("meldingen-contact", f"dinet.pii.lid.{ander}.contactgegevens.v1")) == 1

        # Her old session cookie leads nowhere any more.
        oud = http(runtime, follow_redirects=False)
        oud.cookies.set(
            COOKIE,
            maak_cookie(Identiteit(sub=f"lid:{zoe}", naam=NAAM, rollen=frozenset({Rol.LID}), lid_id=uuid.UUID(zoe)), runtime.settings.secret_key),
        )
        assert (await oud.get("/registratie/mijn")).headers["location"] == "/registratie/mijn/inloggen"
        assert (await staf.get(f"/registratie/leden/{zoe}")).status_code == 404


async def test_the_erasure_page_promises_the_membership_that_is_kept(start_service: Any, http: Any, mail_sink: Any) -> None:
    """Someone who left last year is promised "a member until the day they left", not "until today",
    and that is what the tombstone keeps."""
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        zoe = await lid(http(runtime), NAAM, EMAIL)
        async with runtime.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE leden SET lid_sinds = DATE '2024-02-01', lid_tot = DATE '2025-06-30' WHERE id = :id"), {"id": zoe}
            )
        client = await aanmelden_met_link(runtime, http, mail_sink.mail_dir, EMAIL)
        pagina = await client.get("/registratie/mijn/wissen")
        assert "een lid was van 01/02/2024 tot 30/06/2025," in pagina.text
        r = await client.post("/registratie/mijn/wissen", data={"_csrf_token": csrf(pagina.text), "bevestig": "ja"})
        assert r.status_code == 303
        async with runtime.db.engine.connect() as conn:
            graf = (await conn.execute(text("SELECT lid_sinds, lid_tot FROM gewiste_leden WHERE id = :id"), {"id": zoe})).one()
        assert tuple(graf) == (date(2024, 2, 1), date(2025, 6, 30))


async def test_erasure_is_all_or_nothing_when_nats_is_away(
    start_service: Any, http: Any, mail_sink: Any, nats_server: Any
) -> None:
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        zoe = await lid(http(runtime), NAAM, EMAIL)
        client = await aanmelden_met_link(runtime, http, mail_sink.mail_dir, EMAIL)
        pagina = await client.get("/registratie/mijn/wissen")
        runtime.js._timeout = 1.0  # nats-py's request timeout: a quick answer here instead of 5 s per purge
        nats_server.stop()
        try:
            r = await client.post("/registratie/mijn/wissen", data={"_csrf_token": csrf(pagina.text), "bevestig": "ja"})
        finally:
            nats_server.start()
        assert r.status_code == 503 and "Er is niets gewist" in r.text
        async with runtime.db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM leden WHERE id = :id"), {"id": zoe})).scalar_one() == 1
            assert (await conn.execute(text("SELECT count(*) FROM gewiste_leden"))).scalar_one() == 0
