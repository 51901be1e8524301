"""Attendance by staff: the phone check-in, the bulk form with partial hours, people who came
without registering, and attendance recorded late (it keeps the activity's year)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
from sqlalchemy import text

from dinet_contracts.tijd import BRUSSEL
from registratie.activiteiten.domain import ActiviteitGegevens, jaar_van
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
VVSG = organisatie_id_voor_sleutel("vvsg")
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
BASIS = "/registratie/beheer/activiteiten"


async def nieuwe_leden(runtime: Any, namen: list[str]) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in namen]
    async with runtime.db.transaction() as conn:
        await conn.execute(
            text(
                "INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds)"
                " VALUES (:id, :naam, :email, :org, DATE '2025-01-01')"
            ),
            [{"id": i, "naam": n, "email": f"{n.lower()}@gent.be", "org": GENT} for i, n in zip(ids, namen)],
        )
    return ids


def gegevens(start: datetime, uren: int = 3) -> ActiviteitGegevens:
    return ActiviteitGegevens(
        soort=ActiviteitSoort.INFOSESSIE,
        titel="Infosessie digitale drempels",
        organisator_id=VVSG,
        trekker=Trekker.VVSG,
        vorm=Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=uren),
        duur_uren=Decimal(uren).quantize(Decimal("0.01")),
        capaciteit=20,
    )


async def registreer_in_verleden(runtime: Any, activiteit_id: uuid.UUID, leden: list[uuid.UUID]) -> None:
    """Registrations happen before the start; the test's activity lies in the past."""
    async with runtime.db.transaction() as conn:
        await conn.execute(
            text("INSERT INTO inschrijvingen (id, activiteit_id, lid_id, status, versie) VALUES (:id, :a, :l, 'ingeschreven', 1)"),
            [{"id": uuid.uuid4(), "a": activiteit_id, "l": l} for l in leden],
        )


async def aanwezigheid_events(runtime: Any) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text("SELECT body FROM outbox WHERE event_type = 'be.dinet.aanwezigheid.geregistreerd.v1' ORDER BY seq")
            )
        ).scalars()
        return [json.loads(b)["data"] for b in rijen]


def staf(client: Any, runtime: Any) -> Any:
    client.cookies.set(COOKIE, maak_cookie(MEDEWERKER, runtime.settings.secret_key))
    return client


async def csrf(client: Any, pad: str) -> tuple[str, str]:
    pagina = await client.get(pad)
    assert pagina.status_code == 200, pagina.text
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1), pagina.text


async def test_bulk_form_with_partial_hours_and_corrections(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = staf(http(runtime), runtime)
        an, bart, cis = await nieuwe_leden(runtime, ["An", "Bart", "Cis"])
        activiteit_id = await levenscyclus.plan(levenscyclus.Plan(gegevens(datetime.now(UTC) - timedelta(days=2))), ActiviteitenUoW(runtime.db, source=runtime.source))
        await registreer_in_verleden(runtime, activiteit_id, [an, bart, cis])
        token, pagina = await csrf(client, f"{BASIS}/{activiteit_id}/aanwezigheid")
        for naam in ("An", "Bart", "Cis"):
            assert naam in pagina
        assert f'for="uren_{bart}"' in pagina and f'for="aanwezig_{bart}"' in pagina

        basis = {"_csrf_token": token, "lid_id": [str(an), str(bart), str(cis)]}
        # Bart left early, but not after 4 hours of a 3-hour session: refused, nothing stored.
        fout = await client.post(
            f"{BASIS}/{activiteit_id}/aanwezigheid",
            data=basis | {f"aanwezig_{an}": "ja", f"aanwezig_{bart}": "ja", f"uren_{bart}": "4"},
        )
        assert fout.status_code == 400 and f'href="#uren_{bart}"' in fout.text and "3 uur" in fout.text
        assert f'id="uren_{bart}" name="uren_{bart}" type="text" inputmode="decimal" value="4"' in fout.text
        assert await aanwezigheid_events(runtime) == []

        formulier = basis | {f"aanwezig_{an}": "ja", f"aanwezig_{bart}": "ja", f"uren_{bart}": "1,5"}
        r = await client.post(f"{BASIS}/{activiteit_id}/aanwezigheid", data=formulier)
        assert r.status_code == 303
        # The same form again (a double tap): nothing changes, nothing is emitted.
        await client.post(f"{BASIS}/{activiteit_id}/aanwezigheid", data=formulier)
        events = await aanwezigheid_events(runtime)
        per_lid = {uuid.UUID(e["lid_id"]): e for e in events}
        assert len(events) == 3
        assert (per_lid[an]["aanwezig"], per_lid[an]["uren"]) == (True, "3.00")
        assert (per_lid[bart]["aanwezig"], per_lid[bart]["uren"]) == (True, "1.50")
        assert (per_lid[cis]["aanwezig"], per_lid[cis]["uren"]) == (False, "0.00")
        assert {e["versie"] for e in events} == {1}
        assert {e["activiteit_id"] for e in events} == {str(activiteit_id)}
        assert {e["organisatie_id"] for e in events} == {str(GENT)} and events[0]["organisatie_type"] == "lokaal_bestuur"

        # Correction: Bart stayed two hours after all. Participant hours: 3 + 2.
        await client.post(f"{BASIS}/{activiteit_id}/aanwezigheid", data=formulier | {f"uren_{bart}": "2"})
        events = await aanwezigheid_events(runtime)
        assert len(events) == 4 and (events[-1]["lid_id"], events[-1]["versie"], events[-1]["uren"]) == (str(bart), 2, "2.00")
        pagina = (await client.get(f"{BASIS}/{activiteit_id}/aanwezigheid")).text
        assert "2 aanwezig, samen 5 deelnemersuren" in pagina


async def test_people_with_the_same_name_are_told_apart(start_service: Any, http: Any) -> None:
    """Every field of the bulk form is named after its person: with the organisation, and the
    e-mail address when even that is the same, so no two labels (nor error messages) are alike."""
    antwerpen = organisatie_id_voor_nis("11002")
    mensen = [
        (uuid.uuid4(), "An Peeters", "an.peeters@gent.be", GENT),
        (uuid.uuid4(), "An Peeters", "an.peeters@antwerpen.be", antwerpen),
        (uuid.uuid4(), "Bart Claes", "bart@gent.be", GENT),
        (uuid.uuid4(), "Bart Claes", "b.claes@gent.be", GENT),
    ]
    async with start_service(DEFINITION) as runtime:
        client = staf(http(runtime), runtime)
        async with runtime.db.transaction() as conn:
            await conn.execute(
                text("INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds) VALUES (:id, :naam, :email, :org, DATE '2025-01-01')"),
                [{"id": i, "naam": n, "email": e, "org": o} for i, n, e, o in mensen],
            )
        activiteit_id = await levenscyclus.plan(levenscyclus.Plan(gegevens(datetime.now(UTC) - timedelta(days=2))), ActiviteitenUoW(runtime.db, source=runtime.source))
        await registreer_in_verleden(runtime, activiteit_id, [m[0] for m in mensen])
        token, pagina = await csrf(client, f"{BASIS}/{activiteit_id}/aanwezigheid")

        def label(veld: str, lid_id: uuid.UUID) -> str:
            html = re.search(rf'<label[^>]*for="{veld}_{lid_id}"[^>]*>(.*?)</label>', pagina, re.S).group(1)
            return " ".join(re.sub(r"<[^>]+>", "", html).split())

        an_gent, an_antwerpen, bart, b_claes = (m[0] for m in mensen)
        assert label("aanwezig", an_gent) == "Aanwezig: An Peeters (Gent)"
        assert label("aanwezig", an_antwerpen) == "Aanwezig: An Peeters (Antwerpen)"
        assert label("aanwezig", bart) == "Aanwezig: Bart Claes (Gent, bart@gent.be)"
        assert label("uren", b_claes) == "Uren aanwezig: Bart Claes (Gent, b.claes@gent.be)"
        for veld in ("aanwezig", "uren"):
            assert len({label(veld, m[0]) for m in mensen}) == len(mensen)
        # The row header, which sighted staff read, shows the organisation too.
        assert re.search(r'<th scope="row"[^>]*>An Peeters<span[^>]*>Antwerpen</span>', pagina)

        # An error names whom it is about, in the summary as beside the field.
        fout = await client.post(
            f"{BASIS}/{activiteit_id}/aanwezigheid",
            data={"_csrf_token": token, "lid_id": [str(m[0]) for m in mensen]}
            | {f"aanwezig_{an_gent}": "ja", f"uren_{an_gent}": "9", f"aanwezig_{an_antwerpen}": "ja", f"uren_{an_antwerpen}": "9"},
        )
        assert fout.status_code == 400
        samenvatting = fout.text[fout.text.index("govuk-error-summary") : fout.text.index("<h1")]
        assert f'href="#uren_{an_gent}">An Peeters (Gent): Iemand kan niet langer' in samenvatting
        assert f'href="#uren_{an_antwerpen}">An Peeters (Antwerpen): Iemand kan niet langer' in samenvatting
        assert await aanwezigheid_events(runtime) == []


async def test_check_in_at_the_door_and_someone_who_did_not_register(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = staf(http(runtime), runtime)
        an, dirk = await nieuwe_leden(runtime, ["An", "Dirk"])
        # It has just begun: people are arriving.
        activiteit_id = await levenscyclus.plan(levenscyclus.Plan(gegevens(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1))), ActiviteitenUoW(runtime.db, source=runtime.source))
        await registreer_in_verleden(runtime, activiteit_id, [an])
        token, pagina = await csrf(client, f"{BASIS}/{activiteit_id}/aanwezigheid")
        assert "Aanwezig: </span>An" in pagina

        r = await client.post(
            f"{BASIS}/{activiteit_id}/aanwezigheid/inchecken",
            data={"_csrf_token": token, "lid_id": str(an), "naam": "An", "aanwezig": "ja"},
        )
        assert r.status_code == 303
        pagina = (await client.get(r.headers["location"])).text
        assert "An is aanwezig." in pagina and "An: aanwezig" in pagina

        r = await client.post(
            f"{BASIS}/{activiteit_id}/aanwezigheid/toevoegen",
            data={"_csrf_token": token, "email": "niemand@gent.be"},
        )
        assert r.status_code == 400 and 'href="#email"' in r.text
        r = await client.post(
            f"{BASIS}/{activiteit_id}/aanwezigheid/toevoegen",
            data={"_csrf_token": token, "email": "Dirk@Gent.be", "extra_uren": "1"},
        )
        assert r.status_code == 303
        # Tapped by mistake: An was not there after all.
        await client.post(
            f"{BASIS}/{activiteit_id}/aanwezigheid/inchecken",
            data={"_csrf_token": token, "lid_id": str(an), "naam": "An", "aanwezig": "nee"},
        )
        events = await aanwezigheid_events(runtime)
        assert [(e["lid_id"], e["aanwezig"], e["uren"], e["versie"]) for e in events] == [
            (str(an), True, "3.00", 1),
            (str(dirk), True, "1.00", 1),
            (str(an), False, "0.00", 2),
        ]


async def test_late_attendance_belongs_to_the_year_of_the_activity(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = staf(http(runtime), runtime)
        (an,) = await nieuwe_leden(runtime, ["An"])
        december = datetime(2025, 12, 18, 13, 0, tzinfo=BRUSSEL)
        activiteit_id = await levenscyclus.plan(levenscyclus.Plan(gegevens(december)), ActiviteitenUoW(runtime.db, source=runtime.source))
        await levenscyclus.markeer_afgelopen(levenscyclus.MarkeerAfgelopen(activiteit_id), ActiviteitenUoW(runtime.db, source=runtime.source))
        r = await client.put(
            f"/registratie/api/v1/activiteiten/{activiteit_id}/aanwezigheden",
            json={"aanwezigheden": [{"lid_id": str(an), "aanwezig": True, "uren": "2.5"}]},
        )
        assert r.status_code == 200 and r.json() == {"gewijzigd": 1}
        (event,) = await aanwezigheid_events(runtime)
        # Recorded now, but it names the activity: the KPI service counts it by the activity's
        # date, which the activity's own events carry.
        assert datetime.fromisoformat(event["geregistreerd_op"]).year >= 2026
        assert event["activiteit_id"] == str(activiteit_id)
        async with runtime.db.engine.connect() as conn:
            afgelopen = json.loads(
                (
                    await conn.execute(
                        text("SELECT body FROM outbox WHERE event_type = 'be.dinet.activiteit.afgelopen.v2' AND aggregate_id = :a"),
                        {"a": str(activiteit_id)},
                    )
                ).scalar_one()
            )
        assert jaar_van(datetime.fromisoformat(afgelopen["data"]["activiteit"]["start"])) == 2025

        # The API refuses more hours than the activity lasted, and a future activity.
        r = await client.put(
            f"/registratie/api/v1/activiteiten/{activiteit_id}/aanwezigheden",
            json={"aanwezigheden": [{"lid_id": str(an), "aanwezig": True, "uren": "3.5"}]},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "meer_dan_duur"
        toekomst = await levenscyclus.plan(levenscyclus.Plan(gegevens(datetime.now(UTC) + timedelta(days=3))), ActiviteitenUoW(runtime.db, source=runtime.source))
        r = await client.put(
            f"/registratie/api/v1/activiteiten/{toekomst}/aanwezigheden",
            json={"aanwezigheden": [{"lid_id": str(an), "aanwezig": True}]},
        )
        assert r.status_code == 409 and r.json()["errors"][0]["code"] == "nog_niet_begonnen"
        assert "Aanwezigheden registreer je vanaf de dag" in (await client.get(f"{BASIS}/{toekomst}/aanwezigheid")).text
