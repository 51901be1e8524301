"""Erasure reaches every service: checked by querying each schema and the stream, not by trust."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

from dinet_chassis.embedded import wait_for_mails
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_chassis.testing import wait_until
from dinet_contracts.tijd import lokale_datum
from dinet_contracts.topology import PERSOONSGEGEVENS
from nats.js.errors import NotFoundError
from sqlalchemy import text

NAAM = "Zoë Vanderstraeten"
EMAIL = "zoe.vanderstraeten@gent.be"
# A second person, a member since last year, imported by staff from the old member list.
KAREL = "Karel Wijnendaele"
KAREL_EMAIL = "karel.wijnendaele@gent.be"
SPOREN = ["%vanderstraeten%", f"%{EMAIL}%", "%wijnendaele%"]
VORIG_JAAR = date.today().year - 1
SCHEMAS = ("registratie", "meldingen", "kpi", "beleidsplan")
LINK = re.compile(r"http://testserver(/registratie/mijn/inloggen/link\?token=[\w\-%]+)")


async def kpis(stack, jaar: int | None = None) -> dict:
    r = await stack.client("kpi").get("/kpi/api/v1/kpis", params={"jaar": jaar or date.today().year})
    assert r.status_code == 200
    body = r.json()
    return {k["id"]: k["waarde"] for k in body["kpis"] + body.get("context", [])}


async def sporen(stack) -> list[str]:
    """Every text, json or bytea column, in every service's schema, that still holds the person."""
    gevonden = []
    async with stack.registratie.db.engine.connect() as conn:  # one database, one schema per service
        kolommen = (
            await conn.execute(
                text(
                    "SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                    " JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
                    " WHERE c.table_schema = ANY(:schemas) AND t.table_type = 'BASE TABLE'"
                    " AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"
                ),
                {"schemas": list(SCHEMAS)},
            )
        ).all()
        assert {k[0] for k in kolommen} == set(SCHEMAS)
        for schema, tabel, kolom, soort in kolommen:
            waarde = f"convert_from(\"{kolom}\", 'UTF8')" if soort == "bytea" else f'CAST("{kolom}" AS text)'
            aantal = (
                await conn.execute(
                    text(f'SELECT count(*) FROM "{schema}"."{tabel}" WHERE {waarde} ILIKE ANY (:p)'), {"p": SPOREN}
                )
            ).scalar_one()
            if aantal:
                gevonden.append(f"{schema}.{tabel}.{kolom}")
    return gevonden


async def op_de_stroom(js, lid_id: str) -> bool:
    # Imported members' data goes out as version 1, signed-up members' as version 2.
    for versie in ("v1", "v2"):
        try:
            await js.get_last_msg(PERSOONSGEGEVENS.name, f"dinet.pii.lid.{lid_id}.contactgegevens.{versie}")
        except NotFoundError:
            continue
        return True
    return False


async def wis_via_zelfservice(stack, csrf, email: str) -> None:
    """Sign in with the link from the mail, then confirm the erasure: what a member does."""
    client = stack.client("registratie")
    client.cookies.clear()
    formulier = await client.get("/registratie/mijn/inloggen")
    voor = {m["file"] for m in await wait_for_mails(stack.mail_dir, 0)}
    await client.post("/registratie/mijn/inloggen", data={"_csrf_token": csrf(formulier.text), "email": email})

    async def link():
        for mail in await wait_for_mails(stack.mail_dir, len(voor) + 1):
            if mail["file"] not in voor and email in mail["to"] and (m := LINK.search(mail["body"])):
                return unescape(m.group(1))
        return None

    pagina = await client.get(await wait_until(link, timeout=15))
    token = re.search(r'name="token" value="([^"]+)"', pagina.text).group(1)
    r = await client.post("/registratie/mijn/inloggen/link", data={"_csrf_token": csrf(pagina.text), "token": token})
    assert r.status_code == 303
    pagina = await client.get("/registratie/mijn/wissen")
    r = await client.post("/registratie/mijn/wissen", data={"_csrf_token": csrf(pagina.text), "bevestig": "ja"})
    assert r.status_code == 303 and r.headers["location"] == "/registratie/mijn/gewist"
    client.cookies.clear()


async def importeer_karel(stack, csrf) -> str:
    client = stack.client("registratie")
    client.cookies.set(
        COOKIE,
        maak_cookie(
            Identiteit(sub="test:medewerker", naam="Mia", rollen=frozenset({Rol.MEDEWERKER})),
            stack.registratie.settings.secret_key,
        ),
    )
    pagina = await client.get("/registratie/leden/import")
    bestand = f"naam;e-mail;organisatie;lid sinds\n{KAREL};{KAREL_EMAIL};Gent;01/03/{VORIG_JAAR}\n".encode()
    r = await client.post(
        "/registratie/leden/import",
        data={"_csrf_token": csrf(pagina.text)},
        files={"bestand": ("leden.csv", bestand, "text/csv")},
    )
    taak = r.headers["location"]
    pagina = await client.get(taak)
    await client.post(f"{taak}/starten", data={"_csrf_token": csrf(pagina.text)})

    async def klaar():
        return "Import klaar" in (await client.get(taak)).text

    await wait_until(klaar, timeout=15)
    client.cookies.clear()
    async with stack.registratie.db.engine.connect() as conn:
        return str((await conn.execute(text("SELECT id FROM leden WHERE email = :e"), {"e": KAREL_EMAIL})).scalar_one())


async def test_erasure_leaves_no_personal_data_in_any_service(stack, csrf):
    registratie = stack.client("registratie")
    gent = next(
        o for o in (await registratie.get("/registratie/api/v1/organisaties")).json()["organisaties"] if o["naam"] == "Gent"
    )

    # 1. She signs up (API) with the newsletter; someone else does too.
    aangemaakt = await registratie.post(
        "/registratie/api/v1/leden",
        json={"naam": NAAM, "email": EMAIL, "organisatie_id": gent["id"], "functie": "Coördinator", "nieuwsbrief": True},
    )
    assert aangemaakt.status_code == 201, aangemaakt.text
    zoe = aangemaakt.json()["id"]
    ander = await registratie.post(
        "/registratie/api/v1/leden",
        json={"naam": "Bert Bogaert", "email": "bert@gent.be", "organisatie_id": gent["id"], "nieuwsbrief": False},
    )
    assert ander.status_code == 201

    karel = await importeer_karel(stack, csrf)

    # 2. meldingen sends her the welcome mail and the newsletter opt-in; kpi counts all three members.
    mails = await wait_for_mails(stack.mail_dir, 3, timeout=15)
    assert sum(EMAIL in m["to"] for m in mails) == 2

    async def geteld():
        return (await kpis(stack)).get("od11_leden") == 3 and (await kpis(stack, VORIG_JAAR)).get("od11_leden") == 1

    await wait_until(geteld, timeout=15)
    voor, vorig_jaar_voor = await kpis(stack), await kpis(stack, VORIG_JAAR)
    assert sorted({s.split(".")[0] for s in await sporen(stack)}) == ["meldingen", "registratie"]
    assert await op_de_stroom(stack.registratie.js, zoe) and await op_de_stroom(stack.registratie.js, karel)

    # 3. Both erase themselves through the self-service pages (sign-in link by mail, confirmation).
    await wis_via_zelfservice(stack, csrf, EMAIL)
    await wis_via_zelfservice(stack, csrf, KAREL_EMAIL)

    # 4. Every service follows: by query, nothing of her is left anywhere.
    async def alles_weg():
        return await sporen(stack) == []

    await wait_until(alles_weg, timeout=15)
    assert not await op_de_stroom(stack.registratie.js, zoe)
    assert not await op_de_stroom(stack.registratie.js, karel)
    assert await op_de_stroom(stack.registratie.js, ander.json()["id"])

    async with stack.meldingen.db.engine.connect() as conn:
        mails_van_haar = (
            await conn.execute(text("SELECT status, token, reden FROM melding WHERE lid_id = :id"), {"id": zoe})
        ).all()
        contact = (await conn.execute(text("SELECT count(*) FROM contact WHERE lid_id = :id"), {"id": zoe})).scalar_one()
    assert contact == 0
    assert sorted(tuple(m) for m in mails_van_haar) == [("verzonden", None, None), ("verzonden", None, None)]

    # 5. The figures keep them, as the erasure page promises: each was a member of Gent until
    #    today. Being erased is leaving today, for registratie and kpi alike, so not one figure
    #    moves, this year's member count "to date" included (kpi-catalogus: members on 31/12, or
    #    today for the running year).
    vandaag = lokale_datum(datetime.now(UTC))
    ids = [zoe, karel]

    async def verwerkt():
        async with stack.kpi.db.engine.connect() as conn:
            return (
                await conn.execute(
                    text("SELECT count(*) FROM lidmaatschap WHERE lid_id = ANY(:ids) AND gewist_tot IS NOT NULL"),
                    {"ids": ids},
                )
            ).scalar_one() == 2

    await wait_until(verwerkt, timeout=15)
    async with stack.registratie.db.engine.connect() as conn:
        in_registratie = dict(
            (await conn.execute(text("SELECT id::text, lid_tot FROM gewiste_leden WHERE id = ANY(:ids)"), {"ids": ids})).all()
        )
        in_kpi = dict(
            (
                await conn.execute(
                    text("SELECT lid_id::text, LEAST(uitgeschreven_tot, gewist_tot) FROM kpi.lidmaatschap WHERE lid_id = ANY(:ids)"),
                    {"ids": ids},
                )
            ).all()
        )
    assert in_registratie == in_kpi == {zoe: vandaag, karel: vandaag}
    assert await kpis(stack, VORIG_JAAR) == vorig_jaar_voor
    assert await kpis(stack) == voor
    assert voor["od11_leden"] == 3

    from dinet_chassis.deadletter import list_dead_letters

    assert await list_dead_letters(stack.kpi.js) == []
