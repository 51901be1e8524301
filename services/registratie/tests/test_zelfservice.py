"""Self-service for members without a password: the e-mail link, my data, consent, leaving, download."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

from dinet_chassis.embedded import read_mails, wait_for_mails
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, lees_cookie, maak_cookie
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.leden.domain.aanmelding import NIEUWSBRIEF_TEKST
from registratie.leden.domain.lidmaatschap import NETWERKMAIL_TEKST
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
LINK = re.compile(r"http://testserver(/registratie/mijn/inloggen/link\?token=[\w\-%]+)")


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def meld_aan(client: Any, email: str = "an.peeters@gent.be") -> str:
    r = await client.post(
        "/registratie/api/v1/leden",
        json={"naam": "An Peeters", "email": email, "organisatie_id": str(GENT), "functie": "Coördinator", "nieuwsbrief": True},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def vraag_link(client: Any, email: str) -> Any:
    pagina = await client.get("/registratie/mijn/inloggen")
    assert pagina.status_code == 200
    return await client.post("/registratie/mijn/inloggen", data={"_csrf_token": csrf(pagina.text), "email": email})


async def outbox(runtime: Any, soort: str) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rijen = (await conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": soort})).scalars()
        return [json.loads(bytes(b))["data"] for b in rijen]


async def aangemeld_lid(runtime: Any, http: Any, mail_dir: Any, email: str = "an.peeters@gent.be") -> Any:
    client = http(runtime, follow_redirects=False)
    voor = {m["file"] for m in read_mails(mail_dir)}
    await vraag_link(client, email)
    mail = next(m for m in await wait_for_mails(mail_dir, len(voor) + 1) if m["file"] not in voor)
    link = unescape(LINK.search(mail["body"]).group(1))
    pagina = await client.get(link)
    token = re.search(r'name="token" value="([^"]+)"', pagina.text).group(1)
    r = await client.post("/registratie/mijn/inloggen/link", data={"_csrf_token": csrf(pagina.text), "token": token})
    assert r.status_code == 303 and r.headers["location"] == "/registratie/mijn"
    return client


async def test_sign_in_link_is_single_use_and_expires(start_service: Any, http: Any, mail_sink: Any) -> None:
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        client = http(runtime, follow_redirects=False)
        lid_id = await meld_aan(client)

        # Not signed in: the member's pages send you to the link form.
        r = await client.get("/registratie/mijn")
        assert r.status_code == 303 and r.headers["location"] == "/registratie/mijn/inloggen"

        # Known and unknown addresses get the same answer; only the member gets a mail.
        bekend = await vraag_link(client, "An.Peeters@Gent.be")
        onbekend = await vraag_link(client, "niemand@gent.be")
        assert bekend.status_code == onbekend.status_code == 303
        assert bekend.headers["location"] == onbekend.headers["location"] == "/registratie/mijn/inloggen/verstuurd"
        verstuurd = await client.get(bekend.headers["location"])
        assert "Als <strong>niemand@gent.be</strong> bij ons lid is" in verstuurd.text
        mails = await wait_for_mails(mail_sink.mail_dir, 1)
        assert len(mails) == 1
        mail = mails[0]
        assert "an.peeters@gent.be" in mail["to"] and mail["subject"] == "Je inloglink voor het netwerk digitale inclusie"
        assert "30 minuten" in mail["body"]
        link = unescape(LINK.search(mail["body"]).group(1))

        fout = await vraag_link(client, "geen-adres")
        assert fout.status_code == 400 and "Geef een geldig e-mailadres" in fout.text

        # Only a hash is stored.
        token = link.split("token=")[1]
        async with runtime.db.engine.connect() as conn:
            opgeslagen = (await conn.execute(text("SELECT token_hash FROM aanmeldlinks"))).scalars().all()
        assert len(opgeslagen) == 1 and token not in opgeslagen[0]

        # Opening the link (as a mail scanner would, twice) does not spend it; the button does.
        for _ in range(2):
            pagina = await client.get(link)
            assert pagina.status_code == 200 and 'name="token"' in pagina.text
            assert pagina.headers["referrer-policy"] == "no-referrer"
        r = await client.post(
            "/registratie/mijn/inloggen/link", data={"_csrf_token": csrf(pagina.text), "token": unescape(token)}
        )
        assert r.status_code == 303 and r.headers["location"] == "/registratie/mijn"
        wie = lees_cookie(r.cookies[COOKIE], runtime.settings.secret_key)
        assert wie is not None and wie.lid_id == uuid.UUID(lid_id) and wie.rollen == frozenset({Rol.LID})
        mijn = await client.get("/registratie/mijn")
        assert mijn.status_code == 200 and "An Peeters" in mijn.text

        # Used once: never again.
        tweede = http(runtime, follow_redirects=False)
        pagina = await tweede.get(link)
        assert "Deze inloglink is al gebruikt" in pagina.text and 'name="token"' not in pagina.text
        formulier = await tweede.get("/registratie/mijn/inloggen")
        r = await tweede.post(
            "/registratie/mijn/inloggen/link", data={"_csrf_token": csrf(formulier.text), "token": unescape(token)}
        )
        assert r.status_code == 400 and COOKIE not in r.cookies

        # A link older than 30 minutes no longer works.
        await vraag_link(tweede, "an.peeters@gent.be")
        # Two mails may share a second, so the sink's order cannot tell which is newer.
        links = {unescape(LINK.search(m["body"]).group(1)) for m in await wait_for_mails(mail_sink.mail_dir, 2)}
        (link2,) = links - {link}
        async with runtime.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE aanmeldlinks SET verloopt_op = now() - interval '1 second' WHERE gebruikt_op IS NULL")
            )
        pagina = await tweede.get(link2)
        assert "Deze inloglink is verlopen" in pagina.text
        r = await tweede.post(
            "/registratie/mijn/inloggen/link",
            data={"_csrf_token": csrf(formulier.text), "token": link2.split("token=")[1]},
        )
        assert r.status_code == 400
        assert (await tweede.get("/registratie/mijn")).status_code == 303

        # Asking again and again stops mailing after a few open links (no flooding a mailbox).
        for _ in range(7):
            await vraag_link(tweede, "an.peeters@gent.be")
        assert len(await wait_for_mails(mail_sink.mail_dir, 7, timeout=2)) == 2 + 5


async def test_my_data_consent_registrations_download_and_leaving(start_service: Any, http: Any, mail_sink: Any) -> None:
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        lid_id = await meld_aan(http(runtime))
        client = await aangemeld_lid(runtime, http, mail_sink.mail_dir)

        # My data: a new name reaches meldingen (LidContactgegevens, 'wijziging').
        pagina = await client.get("/registratie/mijn/gegevens")
        leeg = await client.post("/registratie/mijn/gegevens", data={"_csrf_token": csrf(pagina.text), "naam": " ", "functie": ""})
        assert leeg.status_code == 400 and "Vul je naam in." in leeg.text
        r = await client.post(
            "/registratie/mijn/gegevens",
            data={"_csrf_token": csrf(pagina.text), "naam": "An Peeters-Janssens", "functie": "Diensthoofd"},
        )
        assert r.status_code == 303
        assert "Je gegevens zijn bewaard." in (await client.get("/registratie/mijn")).text

        # Consent per purpose, with the exact sentence chosen.
        pagina = await client.get("/registratie/mijn/toestemmingen")
        assert NIEUWSBRIEF_TEKST in pagina.text and NETWERKMAIL_TEKST in pagina.text
        onvolledig = await client.post("/registratie/mijn/toestemmingen", data={"_csrf_token": csrf(pagina.text), "nieuwsbrief": "nee"})
        assert onvolledig.status_code == 400 and "Kies ja of nee" in onvolledig.text
        r = await client.post(
            "/registratie/mijn/toestemmingen",
            data={"_csrf_token": csrf(pagina.text), "nieuwsbrief": "nee", "netwerkmail": "ja"},
        )
        assert r.status_code == 303

        # My registrations: read from the activities' tables.
        assert "Je bent nog niet ingeschreven" in (await client.get("/registratie/mijn/inschrijvingen")).text
        activiteit = uuid.uuid4()
        start = datetime.now().astimezone() + timedelta(days=10)
        async with runtime.db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO activiteiten (id, versie, soort, titel, organisator_id, trekker, vorm, start, einde,"
                    " duur_uren, status, bron) VALUES (:id, 1, 'infosessie', 'Infosessie digitale drempels', :org,"
                    " 'vvsg', 'online', :start, :einde, 2, 'gepland', 'beheer')"
                ),
                {"id": activiteit, "org": GENT, "start": start, "einde": start + timedelta(hours=2)},
            )
            await conn.execute(
                text(
                    "INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie)"
                    " VALUES (:id, :a, :l, 'ingeschreven', 1)"
                ),
                {"id": uuid.uuid4(), "a": activiteit, "l": lid_id},
            )
        inschrijvingen = await client.get("/registratie/mijn/inschrijvingen")
        assert "Infosessie digitale drempels" in inschrijvingen.text and "ingeschreven" in inschrijvingen.text

        # Download: everything registratie holds about me, as JSON.
        download = await client.get("/registratie/mijn/download")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/json")
        assert download.headers["content-disposition"].startswith("attachment;")
        gegevens = download.json()
        assert gegevens["lid"]["id"] == lid_id
        assert gegevens["lid"]["naam"] == "An Peeters-Janssens"
        assert gegevens["lid"]["email"] == "an.peeters@gent.be"
        assert gegevens["lid"]["functie"] == "Diensthoofd"
        assert gegevens["lid"]["organisatie_naam"] == "Gent"
        assert gegevens["lid"]["lid_sinds"] == date.today().isoformat()
        assert [(t["doel"], t["gegeven"], t["hoe"]) for t in gegevens["toestemmingen"]] == [
            ("nieuwsbrief", True, "api"), ("nieuwsbrief", False, "zelfservice"), ("netwerkmail", True, "zelfservice")
        ]
        assert gegevens["toestemmingen"][0]["tekst"] == NIEUWSBRIEF_TEKST
        assert gegevens["toestemmingen"][2]["tekst"] == NETWERKMAIL_TEKST
        assert [i["titel"] for i in gegevens["inschrijvingen"]] == ["Infosessie digitale drempels"]
        assert len(gegevens["aanmeldlinks"]) == 1 and gegevens["aanmeldlinks"][0]["gebruikt_op"]
        assert gegevens["kennisdelingsplatform"] == [] and gegevens["organisatiewissels"] == []

        # Leaving the network.
        pagina = await client.get("/registratie/mijn/uitschrijven")
        r = await client.post("/registratie/mijn/uitschrijven", data={"_csrf_token": csrf(pagina.text)})
        assert r.status_code == 303
        assert "Je bent uitgeschreven uit het netwerk" in (await client.get("/registratie/mijn")).text

        contact = await outbox(runtime, "be.dinet.lid.contactgegevens.v1")
        uitgeschreven = await outbox(runtime, "be.dinet.lid.uitgeschreven.v1")
        async with runtime.db.engine.connect() as conn:
            laatste = (
                await conn.execute(
                    text("SELECT DISTINCT ON (doel) doel, gegeven, hoe FROM toestemmingen ORDER BY doel, id DESC")
                )
            ).all()
    assert [(c["naam"], c["nieuwsbrief"], c["aanleiding"]) for c in contact] == [
        ("An Peeters", True, "registratie"),
        ("An Peeters-Janssens", True, "wijziging"),
        ("An Peeters-Janssens", False, "wijziging"),
    ]
    assert uitgeschreven == [{"lid_id": lid_id, "lid_tot": date.today().isoformat()}]
    # Leaving withdrew the network mail consent too.
    assert sorted(tuple(r) for r in laatste) == [("netwerkmail", False, "zelfservice"), ("nieuwsbrief", False, "zelfservice")]


async def test_member_pages_need_the_member_role(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        paden = [
            "/registratie/mijn/gegevens",
            "/registratie/mijn/inschrijvingen",
            "/registratie/mijn/toestemmingen",
            "/registratie/mijn/uitschrijven",
            "/registratie/mijn/download",
            "/registratie/mijn/wissen",
        ]
        medewerker = http(runtime, follow_redirects=False)
        medewerker.cookies.set(
            COOKIE,
            maak_cookie(
                Identiteit(sub="test:mw", naam="Mia", rollen=frozenset({Rol.MEDEWERKER})), runtime.settings.secret_key
            ),
        )
        for pad in paden:
            anoniem = await http(runtime, follow_redirects=False).get(pad)
            assert anoniem.status_code == 303 and anoniem.headers["location"].startswith("/registratie/inloggen"), pad
            assert (await medewerker.get(pad)).status_code == 403, pad
        # A member cookie for someone who no longer exists signs out instead of showing anything.
        spook = http(runtime, follow_redirects=False)
        weg = uuid.uuid4()
        spook.cookies.set(
            COOKIE,
            maak_cookie(Identiteit(sub=f"lid:{weg}", naam="Weg", rollen=frozenset({Rol.LID}), lid_id=weg), runtime.settings.secret_key),
        )
        r = await spook.get("/registratie/mijn/download")
        assert r.status_code == 303 and r.headers["location"] == "/registratie/mijn/inloggen"


async def test_times_are_shown_in_belgian_time(start_service: Any, http: Any, mail_sink: Any) -> None:
    """An activity from 10.00 shows 10:00, in winter (UTC+1) and in summer (UTC+2), on the page
    and in the download; a consent given at 00.30 on New Year's day is dated 1 January."""
    winter = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)  # 10.00 in Brussels
    zomer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 10.00 in Brussels
    nieuwjaar = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00.30 on 1 January 2026 in Brussels
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        lid_id = await meld_aan(http(runtime))
        client = await aangemeld_lid(runtime, http, mail_sink.mail_dir)
        async with runtime.db.engine.begin() as conn:
            for titel, start in (("Wintersessie", winter), ("Zomersessie", zomer)):
                activiteit = uuid.uuid4()
                await conn.execute(
                    text(
                        "INSERT INTO activiteiten (id, versie, soort, titel, organisator_id, trekker, vorm, start, einde,"
                        " duur_uren, status, bron) VALUES (:id, 1, 'infosessie', :titel, :org,"
                        " 'vvsg', 'online', :start, :einde, 2, 'gepland', 'beheer')"
                    ),
                    {"id": activiteit, "titel": titel, "org": GENT, "start": start, "einde": start + timedelta(hours=2)},
                )
                await conn.execute(
                    text("INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie) VALUES (:id, :a, :l, 'ingeschreven', 1)"),
                    {"id": uuid.uuid4(), "a": activiteit, "l": lid_id},
                )
            await conn.execute(text("UPDATE toestemmingen SET wanneer = :w WHERE lid_id = :l"), {"w": nieuwjaar, "l": lid_id})

        pagina = (await client.get("/registratie/mijn/inschrijvingen")).text
        assert '<time datetime="2026-12-15T10:00+01:00">15/12/2026 10:00</time>' in pagina
        assert '<time datetime="2026-07-01T10:00+02:00">01/07/2026 10:00</time>' in pagina
        assert "09:00" not in pagina and "08:00" not in pagina

        download = (await client.get("/registratie/mijn/download")).json()
        assert sorted(i["start"] for i in download["inschrijvingen"]) == ["2026-07-01T10:00:00+02:00", "2026-12-15T10:00:00+01:00"]
        assert {t["wanneer"] for t in download["toestemmingen"]} == {"2026-01-01T00:30:00+01:00"}

        assert "op 01/01/2026." in (await client.get("/registratie/mijn/toestemmingen")).text

        medewerker = http(runtime, follow_redirects=False)
        medewerker.cookies.set(
            COOKIE,
            maak_cookie(Identiteit(sub="test:mw", naam="Mia", rollen=frozenset({Rol.MEDEWERKER})), runtime.settings.secret_key),
        )
        dossier = (await medewerker.get(f"/registratie/leden/{lid_id}")).text
        assert "01/01/2026 00:30" in dossier and "31/12/2025" not in dossier
        assert "15/12/2026" in dossier and "01/07/2026" in dossier
