"""Staff pages for activities: new, list with filters, edit (a move keeps the id), cancel, mark
held; every change bumps `versie` and emits its lifecycle event with the full snapshot."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

VVSG = organisatie_id_voor_sleutel("vvsg")
MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
GENT = organisatie_id_voor_nis("44021")
BASIS = "/registratie/beheer/activiteiten"
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
LID = Identiteit(sub="lid:x", naam="Lid", rollen=frozenset({Rol.LID}), organisatie_id=GENT, lid_id=uuid.uuid4())


def aangemeld(client: Any, runtime: Any, wie: Identiteit) -> Any:
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    return client


async def csrf(client: Any, pad: str) -> str:
    pagina = await client.get(pad)
    assert pagina.status_code == 200, pagina.text
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)


async def events(runtime: Any, activiteit_id: uuid.UUID) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text("SELECT body FROM outbox WHERE aggregate_id = :a ORDER BY seq"), {"a": str(activiteit_id)}
            )
        ).scalars()
        return [json.loads(b) for b in rijen]


def formulier(token: str, **over: str) -> dict[str, str]:
    dag = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    return {
        "_csrf_token": token,
        "soort": "infosessie",
        "titel": "Infosessie digitale drempels",
        "omschrijving": "Voor medewerkers van lokale besturen.",
        "organisator_id": str(VVSG),
        "trekker": "vvsg",
        "vorm": "fysiek",
        "start_datum": dag,
        "start_tijd": "09:30",
        "einde_tijd": "12:00",
        "capaciteit": "30",
        "locatie": "VVSG, Bischoffsheimlaan 1-8, Brussel",
    } | over


async def test_plan_edit_move_and_cancel_with_their_events(start_service: Any, http: Any, nats_server: Any) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        async with start_service(DEFINITION) as runtime:
            client = aangemeld(http(runtime), runtime, MEDEWERKER)
            token = await csrf(client, f"{BASIS}/nieuw")
            r = await client.post(f"{BASIS}/nieuw", data=formulier(token))
            assert r.status_code == 303, r.text
            activiteit_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
            detail = await client.get(r.headers["location"])
            assert "is bewaard" in detail.text and "Infosessie digitale drempels" in detail.text

            # Edit: a new date keeps the id and makes it "verplaatst".
            pagina = await client.get(f"{BASIS}/{activiteit_id}/bewerken")
            assert 'name="versie" value="1"' in pagina.text
            later = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
            r = await client.post(
                f"{BASIS}/{activiteit_id}/bewerken", data=formulier(token, start_datum=later, versie="1", capaciteit="40")
            )
            assert r.status_code == 303
            # Saving the same values again is no change: no new version, no event.
            r = await client.post(
                f"{BASIS}/{activiteit_id}/bewerken", data=formulier(token, start_datum=later, versie="2", capaciteit="40")
            )
            assert r.status_code == 303
            # A form opened before someone else's change is refused, with the newer data shown.
            r = await client.post(f"{BASIS}/{activiteit_id}/bewerken", data=formulier(token, titel="Oud", versie="1"))
            assert r.status_code == 409 and "intussen gewijzigd" in r.text
            assert r.text.startswith("<!DOCTYPE html>") and "<title>Fout:" in r.text

            assert (await client.get(f"{BASIS}/{activiteit_id}/annuleren")).status_code == 200
            r = await client.post(f"{BASIS}/{activiteit_id}/annuleren", data={"_csrf_token": token})
            assert r.status_code == 303
            assert "bewerken" not in (await client.get(f"{BASIS}/{activiteit_id}")).text
            r = await client.post(f"{BASIS}/{activiteit_id}/annuleren", data={"_csrf_token": token})
            assert r.status_code == 409 and "geannuleerd" in r.text

            gebeurd = await events(runtime, activiteit_id)
            assert [e["type"] for e in gebeurd] == [
                "be.dinet.activiteit.gepland.v2",
                "be.dinet.activiteit.gewijzigd.v2",
                "be.dinet.activiteit.geannuleerd.v2",
            ]
            snapshots = [e["data"]["activiteit"] for e in gebeurd]
            assert [s["versie"] for s in snapshots] == [1, 2, 3]
            assert [s["status"] for s in snapshots] == ["gepland", "verplaatst", "geannuleerd"]
            assert {s["activiteit_id"] for s in snapshots} == {str(activiteit_id)}
            assert snapshots[1]["capaciteit"] == 40 and snapshots[1]["start"].startswith(later)
            assert snapshots[0]["duur_uren"] == "2.50" and snapshots[0]["organisator_id"] == str(VVSG)
            # Version 2: place and description travel with it (no personal data in either).
            assert snapshots[0]["plaats"] == "VVSG, Bischoffsheimlaan 1-8, Brussel"
            assert snapshots[0]["beschrijving"] == "Voor medewerkers van lokale besturen."
            assert (snapshots[0]["pijlers"], snapshots[0]["elementen"]) == ([], [])

            # And they reach the bus.
            js = nc.jetstream()
            sub = await js.subscribe("dinet.evt.registratie.activiteit.>", ordered_consumer=True)
            ontvangen = []

            async def drie() -> bool:
                try:
                    ontvangen.append(await sub.next_msg(timeout=0.2))
                except Exception:
                    pass
                return len(ontvangen) == 3

            await wait_until(drie, timeout=10)
            assert [m.subject.rsplit(".", 2)[1] for m in ontvangen] == ["gepland", "gewijzigd", "geannuleerd"]
    finally:
        await nc.close()


async def test_mark_held_and_record_afterwards(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(http(runtime), runtime, MEDEWERKER)
        token = await csrf(client, f"{BASIS}/nieuw")
        # An advice conversation held last December, recorded now: born "afgelopen", counts in 2025.
        r = await client.post(
            f"{BASIS}/nieuw",
            data=formulier(
                token, soort="adviesgesprek", titel="Adviesgesprek Gent", start_datum="2025-12-15", start_tijd="14:00",
                einde_tijd="15:30", capaciteit="", lokaal_bestuur_id=str(GENT), al_afgelopen="ja",
            ),
        )
        assert r.status_code == 303, r.text
        advies = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
        (e,) = await events(runtime, advies)
        assert e["type"] == "be.dinet.activiteit.afgelopen.v2"
        assert e["data"]["activiteit"]["lokaal_bestuur_id"] == str(GENT)
        assert e["data"]["activiteit"]["duur_uren"] == "1.50"
        assert "2025" in (await client.get(f"{BASIS}/{advies}")).text

        # A training that started an hour ago is marked held; a future one cannot be.
        nu = datetime.now(UTC).astimezone()
        r = await client.post(
            f"{BASIS}/nieuw",
            data=formulier(
                token, soort="thematische_opleiding", start_datum=(nu - timedelta(days=1)).date().isoformat(),
                start_tijd="09:00", einde_tijd="16:00", duur_uren="6",
            ),
        )
        opleiding = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
        r = await client.post(f"{BASIS}/{opleiding}/afgelopen", data={"_csrf_token": token})
        assert r.status_code == 303
        r = await client.post(f"{BASIS}/nieuw", data=formulier(token))
        toekomst = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
        r = await client.post(f"{BASIS}/{toekomst}/afgelopen", data={"_csrf_token": token})
        assert r.status_code == 409 and "nog niet begonnen" in r.text
        assert [e["type"].split(".")[3] for e in await events(runtime, opleiding)] == ["gepland", "afgelopen"]
        assert (await events(runtime, opleiding))[1]["data"]["activiteit"]["duur_uren"] == "6.00"


async def test_invalid_form_shows_the_errors_and_stores_nothing(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(http(runtime), runtime, MEDEWERKER)
        token = await csrf(client, f"{BASIS}/nieuw")
        r = await client.post(
            f"{BASIS}/nieuw",
            data=formulier(token, titel="", soort="ondersteuning_op_maat", einde_datum="2020-01-01", lokaal_bestuur_id=str(MEDIAWIJS)),
        )
        assert r.status_code == 400
        assert "govuk-error-summary" in r.text and "<title>Fout:" in r.text
        for veld in ("titel", "einde_datum", "ondersteuning", "methode"):
            assert f'href="#{veld}"' in r.text
        assert 'value="Voor medewerkers' not in r.text  # textarea, not an input
        assert "Voor medewerkers van lokale besturen." in r.text  # the input is kept
        # A local government that is not one is caught against the database.
        r = await client.post(
            f"{BASIS}/nieuw",
            data=formulier(token, soort="adviesgesprek", lokaal_bestuur_id=str(MEDIAWIJS)),
        )
        assert r.status_code == 400 and 'href="#lokaal_bestuur_id"' in r.text
        async with runtime.db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM activiteiten"))).scalar_one() == 0
            assert (await conn.execute(text("SELECT count(*) FROM outbox WHERE event_type LIKE '%activiteit%'"))).scalar_one() == 0


async def test_list_filters_and_roles(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(http(runtime), runtime, MEDEWERKER)
        token = await csrf(client, f"{BASIS}/nieuw")
        await client.post(f"{BASIS}/nieuw", data=formulier(token, titel="Infosessie A"))
        await client.post(
            f"{BASIS}/nieuw",
            data=formulier(token, titel="Artikel B", soort="artikel_lokaal", start_datum="2025-05-01", start_tijd="", einde_tijd="",
                           capaciteit="", url="https://www.vvsg.be/lokaal/b", al_afgelopen="ja"),
        )
        alles = await client.get(BASIS)
        assert "Infosessie A" in alles.text and "Artikel B" in alles.text
        gefilterd = await client.get(BASIS, params={"soort": "artikel_lokaal", "jaar": "2025"})
        assert "Artikel B" in gefilterd.text and "Infosessie A" not in gefilterd.text
        assert "Infosessie A" in (await client.get(BASIS, params={"status": "gepland", "soort": "onzin"})).text

        anoniem = http(runtime)
        r = await anoniem.get(BASIS)
        assert r.status_code == 303 and r.headers["location"].startswith("/registratie/inloggen?volgende=")
        lid = aangemeld(http(runtime), runtime, LID)
        assert (await lid.get(BASIS)).status_code == 403
        assert (await lid.get(f"{BASIS}/nieuw")).status_code == 403


async def test_staff_register_someone_by_e_mail_and_cancel(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(http(runtime), runtime, MEDEWERKER)
        async with runtime.db.transaction() as conn:
            await conn.execute(
                text(
                    "INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds) VALUES"
                    " (:a, 'An', 'an@gent.be', :o, DATE '2025-01-01'), (:b, 'Bart', 'bart@gent.be', :o, DATE '2025-01-01')"
                ),
                {"a": uuid.uuid4(), "b": uuid.uuid4(), "o": GENT},
            )
        token = await csrf(client, f"{BASIS}/nieuw")
        r = await client.post(f"{BASIS}/nieuw", data=formulier(token, capaciteit="1"))
        pad = r.headers["location"]
        assert (await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "email": "An@Gent.be"})).status_code == 303
        assert "An@Gent.be is ingeschreven." in (await client.get(pad)).text
        await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "email": "bart@gent.be"})
        assert "op de wachtlijst gezet" in (await client.get(pad)).text
        fout = await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "email": "bart@gent.be"})
        assert fout.status_code == 409 and "al op de wachtlijst" in fout.text and 'href="#email"' in fout.text
        onbekend = await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "email": "x@y.be"})
        assert onbekend.status_code == 400 and 'value="x@y.be"' in onbekend.text
        # Found by name or organisation, not only by exact address: one match is registered,
        # several are offered to choose from.
        async with runtime.db.transaction() as conn:
            await conn.execute(
                text(
                    "INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds) VALUES"
                    " (:c, 'Cis Claes', 'cis@gent.be', :o, DATE '2025-01-01'), (:d, 'Cis De Smet', 'cds@gent.be', :o, DATE '2025-01-01')"
                ),
                {"c": uuid.uuid4(), "d": uuid.uuid4(), "o": GENT},
            )
        keuze = await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "email": "cis"})
        assert keuze.status_code == 200 and "2 leden gevonden" in keuze.text
        assert "Schrijf Cis Claes in" in keuze.text and "Schrijf Cis De Smet in" in keuze.text
        cis_id = re.search(r'name="lid_id" value="([^"]+)">\s*<input type="hidden" name="naam" value="Cis Claes"', keuze.text).group(1)
        r = await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "lid_id": cis_id, "naam": "Cis Claes"})
        assert r.status_code == 303 and "Cis Claes is op de wachtlijst gezet." in (await client.get(pad)).text
        r = await client.post(f"{pad}/inschrijven", data={"_csrf_token": token, "email": "De Smet"})
        assert r.status_code == 303 and "De Smet is op de wachtlijst gezet." in (await client.get(pad)).text
        # The cancel page says who is concerned and that the platform does not mail them.
        annuleren = (await client.get(f"{pad}/annuleren")).text
        assert "1 persoon is ingeschreven en 3 staan op de wachtlijst" in annuleren and "krijgen een mail dat de activiteit niet doorgaat" in annuleren
        pagina = (await client.get(pad)).text
        # Removing someone is asked once more, and says who gets the seat.
        an_id = re.search(r'href="[^"]*/uitschrijven\?lid_id=([^"]+)">Uitschrijven<span class="govuk-visually-hidden">: An<', pagina).group(1)
        vraag = await client.get(f"{pad}/uitschrijven", params={"lid_id": an_id})
        assert vraag.status_code == 200 and "An uitschrijven?" in vraag.text
        assert "eerste op de wachtlijst: <strong>Bart</strong>" in vraag.text
        assert (await client.get(f"{pad}/uitschrijven", params={"lid_id": str(uuid.uuid4())})).status_code == 404
        r = await client.post(f"{pad}/uitschrijven", data={"_csrf_token": token, "lid_id": an_id, "naam": "An"})
        assert r.status_code == 303
        pagina = (await client.get(pad)).text
        assert "An is uitgeschreven. Bart kreeg de vrijgekomen plaats." in pagina
        assert pagina.count("Wachtlijst (") == 2 and ">Bart<" in pagina  # Bart moved up, the two Cis wait


async def test_cancel_is_offered_only_before_the_start(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = aangemeld(http(runtime), runtime, MEDEWERKER)
        token = await csrf(client, f"{BASIS}/nieuw")
        gisteren = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        r = await client.post(f"{BASIS}/nieuw", data=formulier(token, start_datum=gisteren))
        voorbij = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
        r = await client.post(f"{BASIS}/nieuw", data=formulier(token))
        komend = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])

        # A coming activity: cancel, not "held"; one that began yesterday: "held", not cancel.
        detail = (await client.get(f"{BASIS}/{komend}")).text
        assert f'href="{BASIS}/{komend}/annuleren"' in detail and "/afgelopen" not in detail
        detail = (await client.get(f"{BASIS}/{voorbij}")).text
        assert "/annuleren" not in detail and f'href="{BASIS}/{voorbij}/afgelopen"' in detail

        # Reached directly, the page explains in Dutch and offers no button; the POST changes nothing.
        pagina = await client.get(f"{BASIS}/{voorbij}/annuleren")
        assert pagina.status_code == 409
        assert "Deze activiteit kan je niet annuleren" in pagina.text and "al begonnen" in pagina.text
        assert 'id="bevestig"' not in pagina.text and "_csrf_token" not in pagina.text
        r = await client.post(f"{BASIS}/{voorbij}/annuleren", data={"_csrf_token": token})
        assert r.status_code == 409 and "al begonnen" in r.text

        # Once marked held, the same: it took place.
        assert (await client.post(f"{BASIS}/{voorbij}/afgelopen", data={"_csrf_token": token})).status_code == 303
        pagina = await client.get(f"{BASIS}/{voorbij}/annuleren")
        assert pagina.status_code == 409 and "heeft al plaatsgevonden" in pagina.text
        assert "/annuleren" not in (await client.get(f"{BASIS}/{voorbij}")).text
        assert [e["type"].split(".")[3] for e in await events(runtime, voorbij)] == ["gepland", "afgelopen"]
