"""The flow that proves the foundation, through HTTP, across all four services."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from dinet_chassis.embedded import read_mails, wait_for_mails
from dinet_chassis.testing import wait_until


async def kpis(stack, jaar: int | None = None) -> dict:
    response = await stack.client("kpi").get("/kpi/api/v1/kpis", params={"jaar": jaar or date.today().year})
    assert response.status_code == 200
    body = response.json()
    return {k["id"]: k for k in body["kpis"] + body.get("context", [])}


async def test_sign_up_reaches_kpi_mail_and_beleidsplan_counts(stack, csrf):
    registratie = stack.client("registratie")
    organisaties = (await registratie.get("/registratie/api/v1/organisaties")).json()["organisaties"]
    gent = next(o for o in organisaties if o["naam"] == "Gent")
    mediawijs = next(o for o in organisaties if o["type"] == "middenveldorganisatie")

    # 1. A person signs up through the page, without JavaScript: a plain form post.
    page = await registratie.get("/registratie/lid-worden")
    assert page.status_code == 200
    form = {
        "_csrf_token": csrf(page.text),
        "naam": "An Peeters",
        "email": "an.peeters@gent.be",
        "organisatie_id": gent["id"],
        "functie": "Coördinator digitale inclusie",
        "nieuwsbrief": "ja",
    }
    posted = await registratie.post("/registratie/lid-worden", data=form)
    assert posted.status_code == 303, posted.text

    # ... and a second person through the JSON API, from an organisation that is no local government.
    created = await registratie.post(
        "/registratie/api/v1/leden",
        json={
            "naam": "Bart Claes",
            "email": "bart@mediawijs.be",
            "organisatie_id": mediawijs["id"],
            "functie": "Stafmedewerker",
            "nieuwsbrief": False,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"]

    # 3. kpi counts both members, but only Gent as a represented local government.
    async def counted():
        figures = await kpis(stack)
        return figures["od11_leden"]["waarde"] == 2 and figures["od11_besturen"]["waarde"] == 1

    await wait_until(counted, timeout=15)

    # 4. meldingen: two welcome mails and one newsletter opt-in, through SMTP into the sink.
    mails = await wait_for_mails(stack.mail_dir, 3, timeout=15)
    assert len(mails) == 3, [m["subject"] for m in mails]
    to_an = [m for m in mails if "an.peeters@gent.be" in m["to"]]
    assert len(to_an) == 2
    opt_in = next(m for m in to_an if "/meldingen/nieuwsbrief/bevestigen?token=" in m["body"])
    link = re.search(r"(/meldingen/nieuwsbrief/bevestigen\?token=[\w\-\.~%]+)", opt_in["body"]).group(1)

    meldingen = stack.client("meldingen")
    confirm_page = await meldingen.get(link)
    assert confirm_page.status_code == 200
    token = re.search(r'name="token"\s+value="([^"]+)"', confirm_page.text)
    form = {"_csrf_token": csrf(confirm_page.text)}
    if token:
        form["token"] = unescape(token.group(1))
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', confirm_page.text) or re.search(
        r'<form[^>]*action="([^"]+)"[^>]*method="post"', confirm_page.text
    )
    confirmed = await meldingen.post(unescape(action.group(1)) if action else link, data=form)
    assert confirmed.status_code in (200, 303), confirmed.text

    async def newsletter_confirmed():
        return (await kpis(stack))["ctx_nieuwsbrief_bevestigd"]["waarde"] == 1

    await wait_until(newsletter_confirmed, timeout=15)

    # 5. beleidsplan: a person of a local government signs in once, on the platform, and starts
    #    a plan in the beleidstool with that same cookie; kpi shows it.
    beleidsplan = stack.client("beleidsplan")
    login_page = await registratie.get("/registratie/inloggen")
    signed_in = await registratie.post(
        "/registratie/inloggen",
        data={"_csrf_token": csrf(login_page.text), "gebruikersnaam": "gent", "wachtwoord": "demo", "volgende": "/beleidsplan/"},
    )
    assert signed_in.status_code == 303, signed_in.text
    beleidsplan.cookies.set("dinet_sessie", signed_in.cookies["dinet_sessie"])  # one domain behind the gateway
    overview = await beleidsplan.get("/beleidsplan/")
    assert "Je bent aangemeld voor" in overview.text
    started = await beleidsplan.post(
        "/beleidsplan/plannen",
        data={"_csrf_token": csrf(overview.text), "titel": "Digitaal Gent voor iedereen"},
    )
    assert started.status_code == 303, started.text
    plan_page = await beleidsplan.get(started.headers["location"])
    assert "Digitaal Gent voor iedereen" in plan_page.text

    async def plan_counted():
        return (await kpis(stack))["ctx_beleidsplannen_gestart"]["waarde"] == 1

    await wait_until(plan_counted, timeout=15)

    # No mail was sent twice, nothing was dead-lettered.
    assert len(read_mails(stack.mail_dir)) == 3
    from dinet_chassis.deadletter import list_dead_letters

    assert await list_dead_letters(stack.kpi.js) == []

    # Privacy: kpi holds ids, organisations and dates, never a name or an address.
    from sqlalchemy import text

    async with stack.kpi.db.transaction() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE table_schema = 'kpi' AND data_type IN ('text', 'character varying', 'jsonb', 'bytea')"
                )
            )
        ).all()
        for table, column in columns:
            hits = (
                await conn.execute(
                    text(
                        f'SELECT count(*) FROM kpi."{table}" WHERE CAST("{column}" AS text) ILIKE ANY '
                        "(ARRAY['%peeters%', '%an.peeters@gent.be%', '%bart@mediawijs%', '%Claes%'])"
                    )
                )
            ).scalar_one()
            assert hits == 0, f"personal data in kpi.{table}.{column}"
