"""Staff pages for members and organisations, and the events they cause, on real NATS and PostgreSQL."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any

import pytest
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.kernel.datum import lees_datum
from registratie.leden.domain.lidmaatschap import Wissel, grootteklasse, lid_op, organisatie_op
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
AALST = organisatie_id_voor_nis("41002")
MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
MEDEWERKER = Identiteit(sub="test:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
STUURGROEP = Identiteit(sub="test:stuurgroep", naam="Stef Stuurgroep", rollen=frozenset({Rol.STUURGROEP}))


def aangemeld(runtime: Any, http: Any, wie: Identiteit | None) -> Any:
    client = http(runtime, follow_redirects=False)
    if wie is not None:
        client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    return client


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def nieuw_lid(client: Any, **over: Any) -> str:
    r = await client.post(
        "/registratie/api/v1/leden",
        json={"naam": "An Peeters", "email": "an@gent.be", "organisatie_id": str(GENT), "nieuwsbrief": True} | over,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def outbox(runtime: Any, soort: str) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rijen = (
            await conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": soort})
        ).scalars()
        return [json.loads(bytes(b))["data"] for b in rijen]


# --- rules without I/O ------------------------------------------------------------------------------


def test_size_class_boundaries() -> None:
    assert [grootteklasse(n) for n in (0, 19_999, 20_000, 50_000, 50_001)] == [
        "klein", "klein", "middelgroot", "middelgroot", "groot",
    ]


def test_membership_and_organisation_on_a_day() -> None:
    assert lid_op(date(2024, 3, 1), date(2024, 3, 1), None)
    assert not lid_op(date(2024, 2, 29), date(2024, 3, 1), None)
    assert lid_op(date(2025, 1, 31), date(2024, 3, 1), date(2025, 1, 31))
    assert not lid_op(date(2025, 2, 1), date(2024, 3, 1), date(2025, 1, 31))
    wissels = [Wissel(GENT, AALST, date(2024, 6, 1)), Wissel(AALST, MEDIAWIJS, date(2025, 1, 1))]
    assert organisatie_op(date(2024, 5, 31), MEDIAWIJS, wissels) == GENT
    assert organisatie_op(date(2024, 6, 1), MEDIAWIJS, wissels) == AALST
    assert organisatie_op(date(2025, 3, 1), MEDIAWIJS, wissels) == MEDIAWIJS


@pytest.mark.parametrize(
    ("tekst", "datum"),
    [("2025-01-31", date(2025, 1, 31)), ("31/01/2025", date(2025, 1, 31)), ("1-2-2025", date(2025, 2, 1)), ("1-2-25", None),
     ("31.01.2025", date(2025, 1, 31)), ("31/02/2025", None), ("morgen", None), ("", None)],
)
def test_dates_as_people_type_them(tekst: str, datum: date | None) -> None:
    assert lees_datum(tekst) == datum


# --- organisations -----------------------------------------------------------------------------------


async def test_seed_announces_every_organisation_once(start_service: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        eerste = await outbox(runtime, "be.dinet.organisatie.bijgewerkt.v1")
    async with start_service(DEFINITION) as runtime:
        tweede = await outbox(runtime, "be.dinet.organisatie.bijgewerkt.v1")
    assert len(eerste) == 292 == len(tweede)  # a restart with unchanged files announces nothing new
    gent = next(e for e in eerste if e["organisatie_id"] == str(GENT))
    assert gent == {
        "organisatie_id": str(GENT), "versie": 1, "naam": "Gent", "type": "lokaal_bestuur", "nis_code": "44021",
        "provincie": "Oost-Vlaanderen", "inwoners": gent["inwoners"], "grootteklasse": "groot",
    }
    assert {e["versie"] for e in eerste} == {1}


async def test_staff_update_inhabitants_recomputes_size_class_and_announces(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(runtime, http, MEDEWERKER)
        pagina = await client.get(f"/registratie/organisaties/{AALST}")
        assert pagina.status_code == 200
        assert "Inwoners van Aalst" in pagina.text

        fout = await client.post(
            f"/registratie/organisaties/{AALST}",
            data={"_csrf_token": csrf(pagina.text), "inwoners": "veel", "peildatum": "31/02/2025"},
        )
        assert fout.status_code == 400
        assert "Geef het aantal inwoners als een geheel getal" in fout.text
        assert "Geef een geldige datum" in fout.text

        r = await client.post(
            f"/registratie/organisaties/{AALST}",
            data={"_csrf_token": csrf(pagina.text), "inwoners": "19 500", "peildatum": "01/01/2025"},
        )
        assert r.status_code == 303
        lijst = await client.get(r.headers["location"])
        assert "Aalst heeft nu 19 500 inwoners" in lijst.text

        async with runtime.db.engine.connect() as conn:
            rij = (
                await conn.execute(
                    text("SELECT inwoners, inwoners_peildatum, grootteklasse, versie FROM organisaties WHERE id = :id"),
                    {"id": AALST},
                )
            ).one()
        events = [e for e in await outbox(runtime, "be.dinet.organisatie.bijgewerkt.v1") if e["organisatie_id"] == str(AALST)]

        # Not a local government: no inhabitants to update.
        assert (await client.get(f"/registratie/organisaties/{MEDIAWIJS}")).status_code == 404
    assert tuple(rij) == (19_500, date(2025, 1, 1), "klein", 2)
    assert [(e["versie"], e["grootteklasse"]) for e in events] == [(1, "groot"), (2, "klein")]
    assert events[1]["inwoners"] == 19_500

    # A later start with the (older) data file keeps the newer figure.
    async with start_service(DEFINITION) as runtime:
        async with runtime.db.engine.connect() as conn:
            await conn.execute(text("DELETE FROM referentiedata"))
            await conn.commit()
    async with start_service(DEFINITION) as runtime:
        async with runtime.db.engine.connect() as conn:
            na = (await conn.execute(text("SELECT inwoners, versie FROM organisaties WHERE id = :id"), {"id": AALST})).one()
    assert tuple(na) == (19_500, 2)


# --- roles -------------------------------------------------------------------------------------------


async def test_staff_pages_need_the_staff_role(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        lid_id = await nieuw_lid(http(runtime))
        paden = [
            "/registratie/leden",
            f"/registratie/leden/{lid_id}",
            "/registratie/leden/import",
            f"/registratie/leden/import/{uuid.uuid4()}",
            "/registratie/organisaties",
            f"/registratie/organisaties/{GENT}",
        ]
        lid = Identiteit(sub=f"lid:{lid_id}", naam="An", rollen=frozenset({Rol.LID}), lid_id=uuid.UUID(lid_id))
        for pad in paden:
            anoniem = await aangemeld(runtime, http, None).get(pad)
            assert anoniem.status_code == 303, pad
            assert anoniem.headers["location"].startswith("/registratie/inloggen?volgende="), pad
            for wie in (STUURGROEP, lid):
                assert (await aangemeld(runtime, http, wie).get(pad)).status_code == 403, (pad, wie.sub)
            verwacht = 404 if "/import/" in pad else 200
            assert (await aangemeld(runtime, http, MEDEWERKER).get(pad)).status_code == verwacht, pad
        # Posting is guarded too, not only showing the form.
        anoniem = aangemeld(runtime, http, None)
        pagina = await anoniem.get("/registratie/lid-worden")
        r = await anoniem.post(
            f"/registratie/leden/{lid_id}/uitschrijven", data={"_csrf_token": csrf(pagina.text), "lid_tot": "2025-01-01"}
        )
        assert r.status_code == 303 and r.headers["location"].startswith("/registratie/inloggen")
        async with runtime.db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT lid_tot FROM leden"))).scalar_one() is None


# --- members -----------------------------------------------------------------------------------------


async def test_staff_find_and_change_a_member(start_service: Any, http: Any) -> None:
    vandaag = date.today()
    async with start_service(DEFINITION) as runtime:
        api = http(runtime)
        an = await nieuw_lid(api)
        await nieuw_lid(api, naam="Bart Claes", email="bart@mediawijs.be", organisatie_id=str(MEDIAWIJS))
        client = aangemeld(runtime, http, MEDEWERKER)

        gezocht = await client.get("/registratie/leden", params={"zoek": "mediawijs"})
        assert "Bart Claes" in gezocht.text and "An Peeters" not in gezocht.text
        assert "1 lid gevonden" in gezocht.text
        pagina = await client.get(f"/registratie/leden/{an}")
        assert "an@gent.be" in pagina.text and "Gent" in pagina.text
        token = csrf(pagina.text)

        # Another organisation from a date; a date before membership is refused.
        te_vroeg = await client.post(
            f"/registratie/leden/{an}/organisatie",
            data={"_csrf_token": token, "organisatie_id": str(AALST), "vanaf": "2000-01-01"},
        )
        assert te_vroeg.status_code == 400 and "kan niet voor" in te_vroeg.text
        r = await client.post(
            f"/registratie/leden/{an}/organisatie",
            data={"_csrf_token": token, "organisatie_id": str(AALST), "vanaf": vandaag.isoformat()},
        )
        assert r.status_code == 303

        # The knowledge-sharing space: join, join again is refused, leave.
        r = await client.post(
            f"/registratie/leden/{an}/kennisdeling",
            data={"_csrf_token": token, "actie": "aansluiten", "kennisdeling_datum": vandaag.isoformat()},
        )
        assert r.status_code == 303
        nog_eens = await client.post(
            f"/registratie/leden/{an}/kennisdeling",
            data={"_csrf_token": token, "actie": "aansluiten", "kennisdeling_datum": vandaag.isoformat()},
        )
        assert nog_eens.status_code == 400 and "zit al sinds" in nog_eens.text
        r = await client.post(
            f"/registratie/leden/{an}/kennisdeling",
            data={"_csrf_token": token, "actie": "verlaten", "kennisdeling_datum": vandaag.isoformat()},
        )
        assert r.status_code == 303

        # Leaving: the end date, all mail stops.
        r = await client.post(
            f"/registratie/leden/{an}/uitschrijven", data={"_csrf_token": token, "lid_tot": vandaag.isoformat()}
        )
        assert r.status_code == 303
        pagina = await client.get(f"/registratie/leden/{an}")
        assert "Het lid is uitgeschreven." in pagina.text
        assert (await client.get("/registratie/leden")).text.count("/registratie/leden/") - 1 >= 1
        uitgeschreven = await client.get("/registratie/leden", params={"status": "uitgeschreven"})
        assert "An Peeters" in uitgeschreven.text and "Bart Claes" not in uitgeschreven.text

        wissel = await outbox(runtime, "be.dinet.lid.organisatie_gewijzigd.v1")
        kennis = await outbox(runtime, "be.dinet.lid.kennisdeling_gewijzigd.v1")
        weg = await outbox(runtime, "be.dinet.lid.uitgeschreven.v1")
        contact = await outbox(runtime, "be.dinet.lid.contactgegevens.v1")
        async with runtime.db.engine.connect() as conn:
            toestemming = (
                await conn.execute(
                    text("SELECT gegeven, hoe FROM toestemmingen WHERE lid_id = :id ORDER BY id DESC LIMIT 1"), {"id": an}
                )
            ).one()
    assert wissel == [
        {"lid_id": an, "organisatie_id": str(AALST), "organisatie_type": "lokaal_bestuur", "vanaf": vandaag.isoformat()}
    ]
    assert [(e["lid"], e["datum"]) for e in kennis] == [(True, vandaag.isoformat()), (False, vandaag.isoformat())]
    assert weg == [{"lid_id": an, "lid_tot": vandaag.isoformat()}]
    # The newsletter wish is withdrawn and meldingen hears it.
    assert contact[-1]["lid_id"] == an and contact[-1]["nieuwsbrief"] is False and contact[-1]["aanleiding"] == "wijziging"
    assert tuple(toestemming) == (False, "medewerker")


async def test_unknown_member_page_is_404(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        r = await aangemeld(runtime, http, MEDEWERKER).get(f"/registratie/leden/{uuid.uuid4()}")
    assert r.status_code == 404
