"""'Mijn organisatie staat niet in de lijst': request, approval, refusal, on real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import nats
from dinet_chassis.web.auth import Identiteit, Rol, maak_cookie
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.leden.domain.aanmelding import NIEUWSBRIEF_TEKST
from registratie.leden.use_cases.organisatieaanvragen import BEWAARTERMIJN, valideer_aanvraag
from registratie.main import DEFINITION

FORMULIER = "/registratie/lid-worden/organisatie-aanvragen"
BEHEER = "/registratie/beheer/organisatieaanvragen"


def _aanvraag(**over: Any) -> dict[str, Any]:
    return {
        "organisatie_naam": "Bibliotheek  Zottegem",
        "organisatie_soort": "andere",
        "gemeente": "9620",
        "naam": "Sara De Smet",
        "email": "Sara.DeSmet@Zottegem.be",
        "functie": "Bibliothecaris",
        "nieuwsbrief": "ja",
    } | over


def _token(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def _medewerker(http: Any, runtime: Any) -> Any:
    wie = Identiteit(sub="test-medewerker", naam="Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
    return http(runtime, cookies={"dinet_sessie": maak_cookie(wie, runtime.settings.secret_key)})


async def _vraag_aan(client: Any, **over: Any) -> Any:
    formulier = await client.get(FORMULIER)
    assert formulier.status_code == 200
    velden = {k: v for k, v in _aanvraag(**over).items() if v is not None}  # None: the field is not sent
    return await client.post(FORMULIER, data={"_csrf_token": _token(formulier.text), **velden})


async def _aanvraag_id(runtime: Any, email: str = "sara.desmet@zottegem.be") -> uuid.UUID:
    async with runtime.db.engine.connect() as conn:
        return (
            await conn.execute(text("SELECT id FROM organisatieaanvragen WHERE email = :e"), {"e": email})
        ).scalar_one()


async def _beslis(staff: Any, aanvraag_id: uuid.UUID, actie: str, **velden: str) -> Any:
    """Decide as a form on the request's page would; a handled request's page has no forms any
    more (a tab left open still has one), so the token comes from a page that always has one."""
    pagina = await staff.get(f"{BEHEER}/{aanvraag_id}")
    assert pagina.status_code == 200, pagina.text
    token = _token((await staff.get("/registratie/lid-worden")).text)
    return await staff.post(f"{BEHEER}/{aanvraag_id}/{actie}", data={"_csrf_token": token, **velden})


async def _tellingen(runtime: Any) -> tuple[int, int, int]:
    async with runtime.db.engine.connect() as conn:
        return tuple(
            (
                await conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM organisaties), (SELECT count(*) FROM leden),"
                        " (SELECT count(*) FROM outbox)"
                    )
                )
            ).one()
        )


async def _volgende(sub: Any) -> dict[str, Any]:
    return json.loads((await sub.next_msg(timeout=10)).data)


async def test_approval_creates_the_organisation_and_the_member_once_and_announces_both(
    start_service: Any, http: Any, nats_server: Any
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        async with start_service(DEFINITION) as runtime:
            js = nc.jetstream()
            organisaties = await js.subscribe("dinet.evt.registratie.organisatie.bijgewerkt.v1", ordered_consumer=True)
            leden = await js.subscribe("dinet.evt.registratie.lid.geregistreerd.v1", ordered_consumer=True)
            contact = await js.subscribe("dinet.pii.lid.*.contactgegevens.v1", ordered_consumer=True)
            # The reference data announced every organisation at start; skip those.
            async with runtime.db.engine.connect() as conn:
                al_aangekondigd = (await conn.execute(text("SELECT count(*) FROM organisaties"))).scalar_one()
            for _ in range(al_aangekondigd):
                await organisaties.next_msg(timeout=10)

            client = http(runtime)
            verstuurd = await _vraag_aan(client)
            bedankt = await client.get(verstuurd.headers["location"])
            aanvraag_id = await _aanvraag_id(runtime)
            vooraf = await _tellingen(runtime)

            staff = _medewerker(http, runtime)
            lijst = await staff.get(BEHEER)
            goedgekeurd = await _beslis(
                staff, aanvraag_id, "goedkeuren", naam="Bibliotheek Zottegem", type="middenveldorganisatie", nis_code="", provincie="Oost-Vlaanderen"
            )
            na_goedkeuring = await _tellingen(runtime)
            nog_eens = await _beslis(staff, aanvraag_id, "goedkeuren", naam="Bibliotheek Zottegem", type="andere")
            na_tweede = await _tellingen(runtime)

            org_event = await _volgende(organisaties)
            lid_event = await _volgende(leden)
            contact_event = await _volgende(contact)
            async with runtime.db.engine.connect() as conn:
                lid = (await conn.execute(text("SELECT id, naam, email, organisatie_id, functie, nieuwsbrief FROM leden"))).mappings().one()
                toestemming = (await conn.execute(text("SELECT doel, gegeven, tekst, wanneer, hoe FROM toestemmingen"))).mappings().one()
                aanvraag = (await conn.execute(text("SELECT * FROM organisatieaanvragen"))).mappings().one()
    finally:
        await nc.close()

    assert verstuurd.status_code == 303 and verstuurd.headers["location"] == "/registratie/lid-worden/organisatie-aangevraagd"
    assert "sara.desmet@zottegem.be" in bedankt.text and "Bibliotheek Zottegem" in bedankt.text
    assert lijst.status_code == 200 and "Bibliotheek Zottegem" in lijst.text and "Sara De Smet" in lijst.text
    assert goedgekeurd.status_code == 303 and goedgekeurd.headers["location"] == BEHEER

    # One organisation, one member and three events (the organisation, the member, their contact data).
    assert (na_goedkeuring[0] - vooraf[0], na_goedkeuring[1] - vooraf[1], na_goedkeuring[2] - vooraf[2]) == (1, 1, 3)
    organisatie_id = organisatie_id_voor_sleutel(f"aanvraag:{aanvraag_id}")
    assert org_event["data"] == {
        "organisatie_id": str(organisatie_id),
        "versie": 1,
        "naam": "Bibliotheek Zottegem",
        "type": "middenveldorganisatie",
        "nis_code": None,
        "provincie": "Oost-Vlaanderen",
        "inwoners": None,
        "grootteklasse": None,
    }
    assert lid_event["data"]["organisatie_id"] == str(organisatie_id)
    assert lid_event["data"]["lid_id"] == str(lid["id"]) and lid_event["data"]["nieuwsbrief"] is True
    assert contact_event["data"]["aanleiding"] == "registratie"  # what makes meldingen send the welcome
    assert contact_event["data"]["email"] == "sara.desmet@zottegem.be"
    assert (lid["naam"], lid["email"], lid["organisatie_id"], lid["functie"], lid["nieuwsbrief"]) == (
        "Sara De Smet", "sara.desmet@zottegem.be", organisatie_id, "Bibliothecaris", True
    )
    # The consent is the one given, with the words shown then and when it was given.
    assert (toestemming["doel"], toestemming["gegeven"], toestemming["tekst"], toestemming["hoe"]) == (
        "nieuwsbrief", True, NIEUWSBRIEF_TEKST, "aanmeldformulier"
    )
    assert toestemming["wanneer"] == aanvraag["ingediend_op"]
    # The request keeps no one: the person now lives in `leden`.
    assert aanvraag["status"] == "goedgekeurd" and aanvraag["organisatie_id"] == organisatie_id
    assert aanvraag["naam"] is None and aanvraag["email"] is None and aanvraag["toestemmingen"] is None
    # Approving again is a conflict and changes nothing.
    assert nog_eens.status_code == 409
    assert "al afgehandeld" in nog_eens.text and 'href="#aanvraag"' in nog_eens.text
    assert na_tweede == na_goedkeuring


async def test_two_staff_members_approving_at_once_make_one_member(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        await _vraag_aan(http(runtime))
        aanvraag_id = await _aanvraag_id(runtime)
        vooraf = await _tellingen(runtime)
        eerste, tweede = _medewerker(http, runtime), _medewerker(http, runtime)
        tokens = [_token((await c.get("/registratie/lid-worden")).text) for c in (eerste, tweede)]
        antwoorden = await asyncio.gather(
            *(
                c.post(f"{BEHEER}/{aanvraag_id}/goedkeuren", data={"_csrf_token": t, "naam": "Bibliotheek Zottegem", "type": "andere"})
                for c, t in zip((eerste, tweede), tokens)
            )
        )
        na = await _tellingen(runtime)
    assert sorted(a.status_code for a in antwoorden) == [303, 409]
    assert (na[0] - vooraf[0], na[1] - vooraf[1], na[2] - vooraf[2]) == (1, 1, 3)


async def test_refusal_erases_the_person_and_offers_to_tell_them_once(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        await _vraag_aan(client)
        aanvraag_id = await _aanvraag_id(runtime)
        staff = _medewerker(http, runtime)
        zonder_reden = await _beslis(staff, aanvraag_id, "weigeren", reden="  ")
        geweigerd = await _beslis(staff, aanvraag_id, "weigeren", reden="Ze staat al in de lijst als Stad Zottegem.")
        lijst = await staff.get(BEHEER)
        lijst_later = await staff.get(BEHEER)
        nog_eens = await _beslis(staff, aanvraag_id, "weigeren", reden="Nog eens.")
        toch_goedkeuren = await _beslis(staff, aanvraag_id, "goedkeuren", naam="Bibliotheek Zottegem", type="andere")
        async with runtime.db.engine.connect() as conn:
            rij = (await conn.execute(text("SELECT * FROM organisatieaanvragen"))).mappings().one()
            sporen = (
                await conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM organisatieaanvragen a WHERE a::text ILIKE '%desmet%' OR a::text ILIKE '%Sara%'),"
                        " (SELECT count(*) FROM outbox o WHERE o::text ILIKE '%desmet%'),"
                        " (SELECT count(*) FROM leden)"
                    )
                )
            ).one()

    assert zonder_reden.status_code == 400
    assert '<a href="#reden">' in zonder_reden.text and "Schrijf waarom" in zonder_reden.text
    assert geweigerd.status_code == 303
    # Right after, and only then, staff get the address and the reason to tell the person.
    assert "mailto:sara.desmet@zottegem.be" in lijst.text and "geen automatische mail" in lijst.text
    assert "sara.desmet" not in lijst_later.text.lower()
    assert rij["status"] == "geweigerd" and rij["reden"] == "Ze staat al in de lijst als Stad Zottegem."
    assert (rij["naam"], rij["email"], rij["functie"], rij["toestemmingen"]) == (None, None, None, None)
    assert tuple(sporen) == (0, 0, 0)
    assert nog_eens.status_code == 409 and toch_goedkeuren.status_code == 409


async def test_bad_input_names_every_wrong_field_at_once_and_stores_nothing(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        leeg = await _vraag_aan(
            client, organisatie_naam=" ", organisatie_soort="vereniging", gemeente="123", naam="", email="sara@", nieuwsbrief=None
        )
        # Already in the list, already a member, already asked: each named on its own field.
        async with runtime.db.transaction() as conn:
            await conn.execute(
                text(
                    "INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds)"
                    " VALUES (:id, 'An', 'an@gent.be', :org, current_date)"
                ),
                {"id": uuid.uuid4(), "org": organisatie_id_voor_nis("44021")},
            )
        bestaand = await _vraag_aan(client, organisatie_naam="gent", email="an@gent.be")
        eerste = await _vraag_aan(client)
        tweede = await _vraag_aan(client, organisatie_naam="Bibliotheek Geraardsbergen")
        async with runtime.db.engine.connect() as conn:
            aanvragen = (await conn.execute(text("SELECT count(*) FROM organisatieaanvragen"))).scalar_one()

    assert leeg.status_code == 400
    assert "<title>Fout: " in leeg.text and 'class="govuk-error-summary"' in leeg.text
    for veld, melding in [
        ("organisatie_naam", "Vul de naam van je organisatie in."),
        ("organisatie_soort", "Kies een lokaal bestuur of een andere organisatie."),
        ("gemeente", "Een postcode heeft vier cijfers, zoals 9000."),
        ("naam", "Vul je naam in."),
        ("email", "Geef een geldig e-mailadres, zoals naam@gemeente.be."),
    ]:
        assert f'<a href="#{veld}">{melding}</a>' in leeg.text, veld
        assert f'id="{veld}-error"' in leeg.text, veld
    assert 'value="sara@"' in leeg.text and 'value="123"' in leeg.text  # what was typed is kept
    assert bestaand.status_code == 400
    assert '<a href="#organisatie_naam">Deze organisatie staat al in de lijst.' in bestaand.text
    assert '<a href="#email">Dit e-mailadres is al lid van het netwerk.' in bestaand.text
    assert eerste.status_code == 303
    assert tweede.status_code == 400 and '<a href="#email">Met dit e-mailadres loopt al een aanvraag.' in tweede.text
    assert aanvragen == 1


async def test_a_local_government_needs_a_new_nis_code_and_gets_its_derived_id(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        await _vraag_aan(http(runtime), organisatie_naam="Nieuwegem", organisatie_soort="lokaal_bestuur", gemeente="Nieuwegem")
        aanvraag_id = await _aanvraag_id(runtime)
        staff = _medewerker(http, runtime)
        geen_code = await _beslis(staff, aanvraag_id, "goedkeuren", naam="Nieuwegem", type="lokaal_bestuur", nis_code="")
        bestaande_code = await _beslis(staff, aanvraag_id, "goedkeuren", naam="Nieuwegem", type="lokaal_bestuur", nis_code="44021")
        fout_alles = await _beslis(staff, aanvraag_id, "goedkeuren", naam="", type="vzw", nis_code="12", provincie="Mars")
        goed = await _beslis(staff, aanvraag_id, "goedkeuren", naam="Nieuwegem", type="lokaal_bestuur", nis_code="99001", provincie="Limburg")
        async with runtime.db.engine.connect() as conn:
            org = (await conn.execute(text("SELECT id, type, nis_code FROM organisaties WHERE naam = 'Nieuwegem'"))).one()

    assert geen_code.status_code == 400 and '<a href="#nis_code">Een lokaal bestuur heeft een NIS-code' in geen_code.text
    assert bestaande_code.status_code == 400 and "Er is al een lokaal bestuur met deze NIS-code." in bestaande_code.text
    assert fout_alles.status_code == 400
    assert all(f'<a href="#{v}">' in fout_alles.text for v in ("naam", "type", "provincie")), fout_alles.text
    assert goed.status_code == 303
    assert tuple(org) == (organisatie_id_voor_nis("99001"), "lokaal_bestuur", "99001")


async def test_an_open_request_past_its_retention_is_erased(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        await _vraag_aan(http(runtime))
        aanvraag_id = await _aanvraag_id(runtime)
        async with runtime.db.transaction() as conn:
            await conn.execute(text("UPDATE organisatieaanvragen SET bewaren_tot = now() - interval '1 second'"))
        staff = _medewerker(http, runtime)
        lijst = await staff.get(BEHEER)
        goedkeuren = await _beslis(staff, aanvraag_id, "goedkeuren", naam="Bibliotheek Zottegem", type="andere")
        async with runtime.db.engine.connect() as conn:
            rij = (await conn.execute(text("SELECT status, naam, email FROM organisatieaanvragen"))).one()
    assert "Sara De Smet" not in lijst.text and "Verlopen" in lijst.text
    assert tuple(rij) == ("verlopen", None, None)
    assert goedkeuren.status_code == 409


async def test_pages_need_staff_and_the_form_a_csrf_token(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        anoniem = http(runtime)
        lijst = await anoniem.get(BEHEER)
        await anoniem.get(FORMULIER)
        zonder_token = await anoniem.post(FORMULIER, data=_aanvraag())
        formulier = await anoniem.get("/registratie/lid-worden")
        aanvraag = await anoniem.get(FORMULIER)
        privacy = await anoniem.get("/registratie/privacy")
    assert lijst.status_code == 303 and lijst.headers["location"].startswith("/registratie/inloggen")
    assert zonder_token.status_code == 403
    assert f'href="{FORMULIER}"' in formulier.text and "Mijn organisatie staat niet in de lijst" in formulier.text
    # The retention the code applies is the one both pages promise.
    assert f"na {BEWAARTERMIJN.days} dagen" in aanvraag.text and f"na {BEWAARTERMIJN.days} dagen" in privacy.text


def test_rules_without_a_database() -> None:
    goed = valideer_aanvraag(_aanvraag(nieuwsbrief=True))
    assert not isinstance(goed, list)
    assert (goed.organisatie_naam, goed.gemeente, goed.email) == ("Bibliotheek Zottegem", "9620", "sara.desmet@zottegem.be")
    assert goed.toestemmingen == {"nieuwsbrief": {"gegeven": True, "tekst": NIEUWSBRIEF_TEKST}}
    fouten = valideer_aanvraag({"organisatie_naam": "x" * 201, "gemeente": "Gent\x00", "functie": "y" * 201, "nieuwsbrief": "ja"})
    assert isinstance(fouten, list)
    assert ("organisatie_soort", "ongeldige_waarde") in {(f.veld, f.code) for f in valideer_aanvraag({"organisatie_soort": []})}
    assert {(f.veld, f.code) for f in fouten} == {
        ("organisatie_naam", "te_lang"),
        ("organisatie_soort", "verplicht"),
        ("gemeente", "ongeldige_tekens"),
        ("naam", "verplicht"),
        ("email", "verplicht"),
        ("functie", "te_lang"),
        ("nieuwsbrief", "ongeldig_type"),
    }
