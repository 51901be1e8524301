"""A plan step by step through the pages, on real PostgreSQL and NATS: who may do what, every
field of the workshop flow, two colleagues saving at once, moving to a new catalogue version."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

from beleidsplan.main import DEFINITION

GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
LEUVEN = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/24062")
GEERT = Identiteit("demo:gent", "Geert Goossens", frozenset({Rol.BESTUUR}), GENT)
GREET = Identiteit("oidc:gent-2", "Greet Geens", frozenset({Rol.BESTUUR}), GENT)
LIES = Identiteit("oidc:leuven", "Lies", frozenset({Rol.BESTUUR}), LEUVEN)
MIA = Identiteit("demo:medewerker", "Mia Medewerker", frozenset({Rol.MEDEWERKER}))


def als(http: Any, runtime: Any, wie: Identiteit | None) -> Any:
    client = http(runtime)
    if wie is not None:
        client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    return client


def csrf(html: str) -> str:
    gevonden = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert gevonden, "form without CSRF token"
    return gevonden.group(1)


def versie(html: str) -> str:
    return re.search(r'name="versie" value="(\d+)"', html).group(1)


async def formulier(client: Any, pad: str, velden: dict[str, Any], naar: str | None = None) -> Any:
    """Open the form (for its CSRF token and version), then post it as a browser would."""
    pagina = await client.get(pad)
    assert pagina.status_code == 200, pagina.text
    basis = {"_csrf_token": csrf(pagina.text)}
    if 'name="versie"' in pagina.text:
        basis["versie"] = versie(pagina.text)
    return await client.post(naar or pad.split("?")[0], data=basis | velden)


async def nieuw_plan(client: Any, titel: str = "Digitaal mee in Gent") -> str:
    r = await formulier(client, "/beleidsplan/", {"titel": titel}, naar="/beleidsplan/plannen")
    assert r.status_code == 303, r.text
    return r.headers["location"]


async def outbox(runtime: Any, soort: str) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rijen = await conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": soort})
        return [json.loads(b)["data"] for (b,) in rijen.all()]


@pytest.fixture
async def dienst(start_service: Any) -> Any:
    async with start_service(DEFINITION) as runtime:
        yield runtime


async def test_een_plan_doorloopt_de_zes_stappen(dienst: Any, http: Any) -> None:
    gent = als(http, dienst, GEERT)
    plan = await nieuw_plan(gent)
    assert (await outbox(dienst, "be.dinet.beleidsplan.aangemaakt.v1"))[0]["catalogus_versie"] == "2026.2-afgeleid"

    r = await formulier(gent, f"{plan}/voorbereiding", {
        "risicogroepen": "Alleenstaande ouderen", "bestaande_acties": "Digipunt in de bib", "partners": "OCMW, bib",
        "meerjarenplan": "Niets expliciet",
    })
    assert r.status_code == 303
    r = await formulier(gent, f"{plan}/kiezen", {"elementen": ["TOE-04", "REG-09", "DIE-01"]})
    assert r.status_code == 303 and r.headers["location"].endswith("/stand")
    r = await formulier(gent, f"{plan}/stand", {
        "score-TOE-04": "rood", "notitie-TOE-04": "Geen uitleensysteem", "score-REG-09": "rood", "score-DIE-01": "groen",
    })
    assert r.status_code == 303
    r = await formulier(gent, f"{plan}/prioriteiten", {"prioriteit-TOE-04": "kort", "prioriteit-REG-09": "lang", "prioriteit-DIE-01": "niet_nu"})
    assert r.status_code == 303 and r.headers["location"].endswith("/acties")
    assert "E-inclusie by design" in (await gent.get(f"{plan}/stand")).text  # the GzG compass helps to score
    assert "Aantal uitgeleende toestellen" in (await gent.get(f"{plan}/acties/nieuw")).text  # example indicators
    acties = (await gent.get(f"{plan}/acties")).text
    assert "Nog zonder actie, terwijl ze prioriteit hebben" in acties and "TOE-04: actie toevoegen" in acties

    r = await formulier(gent, f"{plan}/acties/nieuw?element=TOE-04", {
        "element_id": "TOE-04", "wat": "Laptops uitlenen via de bib", "eigenaar": "Dienst welzijn", "betrokken": "Bib, OCMW",
        "start": "15/03/2027", "einde": "31/12/2027", "budget": "12.500", "bbc_code": "0909", "doelgroep": "Ouderen",
        "indicator": "Uitgeleende laptops", "baseline": "0", "streefwaarde": "150", "bron": "Uitleenregister",
        "status": "rood", "evaluatiedatum": "30/06/2027",
    })
    assert r.status_code == 303, r.text
    actie_id = r.headers["location"].rsplit("#actie-", 1)[1]
    # Step 5 and 6 on all actions at once.
    r = await formulier(gent, f"{plan}/verankeren", {f"beleidsdoelstelling-{actie_id}": "BD2 Iedereen digitaal mee", f"actieplan-{actie_id}": "AP2.1"})
    assert r.status_code == 303
    r = await formulier(gent, f"{plan}/opvolgen", {f"status-{actie_id}": "oranje", f"evaluatiedatum-{actie_id}": "2027-09-30"})
    assert r.status_code == 303

    pagina = (await gent.get(plan)).text
    for verwacht in ("Alleenstaande ouderen", "TOE-04: … zorgen we (bv. via een digibank)", "Geen uitleensysteem",
                     "Korte termijn", "Laptops uitlenen via de bib", "(Dienst welzijn)", "Nog niet"):
        assert verwacht in pagina, verwacht
    api = (await gent.get(f"/beleidsplan/api/v1/plannen/{plan.rsplit('/', 1)[1]}")).json()
    (a,) = api["acties"]
    assert (a["status"], a["evaluatiedatum"], a["beleidsdoelstelling"], a["actieplan"], a["budget"]) == (
        "oranje", "2027-09-30", "BD2 Iedereen digitaal mee", "AP2.1", "12500.00",
    )
    assert {e["element_id"]: (e["score"], e["prioriteit"]) for e in api["elementen"]} == {
        "TOE-04": ("rood", "kort"), "REG-09": ("rood", "lang"), "DIE-01": ("groen", "niet_nu"),
    }

    geschiedenis = (await gent.get(f"{plan}/opvolgen")).text
    assert "Geert Goossens" in geschiedenis and "Stand: Rood werd Oranje" in geschiedenis
    assert "TOE-04: stand (geen) werd Rood" in geschiedenis and "Actie toegevoegd bij TOE-04" in geschiedenis

    # An element no longer chosen loses its score; its actions stay in the plan.
    r = await formulier(gent, f"{plan}/kiezen", {"elementen": ["REG-09", "DIE-01"]})
    assert r.status_code == 303
    pagina = (await gent.get(plan)).text
    assert "Acties bij elementen die niet meer gekozen zijn" in pagina and "Laptops uitlenen via de bib" in pagina
    assert "TOE-04 niet meer gekozen" in (await gent.get(f"{plan}/opvolgen")).text

    r = await formulier(gent, plan, {}, naar=f"{plan}/publiceren")  # the plan page's publish form
    assert r.status_code == 303
    (gepubliceerd,) = await outbox(dienst, "be.dinet.beleidsplan.gepubliceerd.v1")
    assert gepubliceerd["organisatie_id"] == str(GENT)


async def test_een_collega_werkt_mee_en_wie_tweede_bewaart_verliest_niets(dienst: Any, http: Any) -> None:
    geert, greet = als(http, dienst, GEERT), als(http, dienst, GREET)
    plan = await nieuw_plan(geert)
    assert (await formulier(greet, f"{plan}/kiezen", {"elementen": ["VAA-05"]})).status_code == 303  # a colleague, same plan

    # Both open the same form; Geert saves first.
    pagina_geert, pagina_greet = (await geert.get(f"{plan}/stand")).text, (await greet.get(f"{plan}/stand")).text
    assert versie(pagina_geert) == versie(pagina_greet)
    r = await geert.post(f"{plan}/stand", data={"_csrf_token": csrf(pagina_geert), "versie": versie(pagina_geert), "score-VAA-05": "oranje", "notitie-VAA-05": "Tien digibuddies"})
    assert r.status_code == 303
    r = await greet.post(f"{plan}/stand", data={"_csrf_token": csrf(pagina_greet), "versie": versie(pagina_greet), "score-VAA-05": "rood", "notitie-VAA-05": "Geen vrijwilligers meer"})
    assert r.status_code == 409
    assert "Een collega heeft dit plan intussen gewijzigd" in r.text
    assert "Geen vrijwilligers meer" in r.text  # her input comes back
    api = (await geert.get(f"/beleidsplan/api/v1/plannen/{plan.rsplit('/', 1)[1]}")).json()
    assert api["elementen"][0]["notitie"] == "Tien digibuddies"  # Geert's work is still there
    # Saving again on purpose, with the version the conflict page gave, puts hers on top.
    r = await greet.post(f"{plan}/stand", data={"_csrf_token": csrf(r.text), "versie": versie(r.text), "score-VAA-05": "rood", "notitie-VAA-05": "Geen vrijwilligers meer"})
    assert r.status_code == 303
    geschiedenis = (await geert.get(f"{plan}/opvolgen")).text
    assert "Greet Geens" in geschiedenis and "Geert Goossens" in geschiedenis


async def test_alleen_de_eigen_organisatie_werkt_eraan_en_vvsg_leest_mee(dienst: Any, http: Any) -> None:
    gent = als(http, dienst, GEERT)
    plan = await nieuw_plan(gent)
    assert (await formulier(gent, f"{plan}/kiezen", {"elementen": ["REG-01"]})).status_code == 303

    leuven = als(http, dienst, LIES)
    assert (await leuven.get(plan)).status_code == 404
    assert (await leuven.get(f"{plan}/kiezen")).status_code == 404
    assert (await leuven.get(f"{plan}/export.pdf")).status_code == 404
    assert (await leuven.get(f"/beleidsplan/api/v1/plannen/{plan.rsplit('/', 1)[1]}")).status_code == 404
    assert (await leuven.get("/beleidsplan/api/v1/plannen")).json() == {"plannen": []}
    assert "Digitaal mee in Gent" not in (await leuven.get("/beleidsplan/")).text

    mia = als(http, dienst, MIA)
    pagina = await mia.get(plan)
    assert pagina.status_code == 200 and "je kan het lezen en downloaden, niet wijzigen" in pagina.text
    assert f'href="{plan}/kiezen"' not in pagina.text
    assert (await mia.get(f"{plan}/kiezen")).status_code == 403
    assert (await mia.get(f"{plan}/acties.csv")).status_code == 200
    assert "Digitaal mee in Gent" in (await mia.get("/beleidsplan/")).text
    assert len((await mia.get("/beleidsplan/api/v1/plannen")).json()["plannen"]) == 1

    for wie in (
        Identiteit("x", "Lien", frozenset({Rol.LID}), GENT, uuid.uuid4()),
        Identiteit("x", "Pieter", frozenset({Rol.PARTNER}), GENT),
        Identiteit("x", "Sofie", frozenset({Rol.STUURGROEP})),
    ):
        assert (await als(http, dienst, wie).get(plan)).status_code == 403, wie
    nobody = await als(http, dienst, None).get(plan)
    assert nobody.status_code == 303 and nobody.headers["location"].startswith("/registratie/inloggen?volgende=")
    # The old own sign-in is gone: one sign-in for the platform.
    assert (await als(http, dienst, None).get("/beleidsplan/aanmelden")).status_code == 404
    assert "/registratie/inloggen" in (await als(http, dienst, None).get("/beleidsplan/")).text


async def test_naar_een_nieuwe_catalogusversie_met_eerst_de_verschillen(dienst: Any, http: Any) -> None:
    gent = als(http, dienst, GEERT)
    plan = await nieuw_plan(gent)
    plan_id = uuid.UUID(plan.rsplit("/", 1)[1])
    # A plan started before the elements were published (the first catalogue had the pillars only).
    async with dienst.db.transaction() as conn:
        await conn.execute(text("UPDATE beleidsplan SET catalogus_versie = '2026.1-afgeleid' WHERE beleidsplan_id = :id"), {"id": plan_id})
    pagina = (await gent.get(plan)).text
    assert "Er is een nieuwere catalogus (2026.2-afgeleid)" in pagina and "blijft op 2026.1-afgeleid" in pagina
    kiezen = (await gent.get(f"{plan}/kiezen")).text
    assert 'value="TOE-01"' not in kiezen  # nothing changes silently: the old version has no elements

    verschillen = (await gent.get(f"{plan}/catalogus")).text
    assert "34 verschillen" in verschillen and "Nieuw: … voorzien we (met partners) gratis openbare computers" in verschillen
    r = await formulier(gent, f"{plan}/catalogus", {"naar": "2026.2-afgeleid"})
    assert r.status_code == 303
    assert "2026.2-afgeleid" in (await gent.get(plan)).text
    assert 'value="TOE-01"' in (await gent.get(f"{plan}/kiezen")).text
    assert "Verhuisd van catalogusversie 2026.1-afgeleid naar 2026.2-afgeleid" in (await gent.get(f"{plan}/opvolgen")).text


async def test_fouten_komen_per_veld_terug_met_de_invoer(dienst: Any, http: Any) -> None:
    gent = als(http, dienst, GEERT)
    plan = await nieuw_plan(gent)
    await formulier(gent, f"{plan}/kiezen", {"elementen": ["TOE-04"]})
    r = await formulier(gent, f"{plan}/acties/nieuw", {"element_id": "TOE-04", "wat": "", "budget": "veel", "start": "31/02/2027", "eigenaar": "Bib"})
    assert r.status_code == 400 and "<title>Fout:" in r.text
    for veld in ("#wat", "#budget", "#start"):
        assert f'href="{veld}"' in r.text
    assert 'value="Bib"' in r.text
    r = await formulier(gent, "/beleidsplan/", {"titel": ""}, naar="/beleidsplan/plannen")
    assert r.status_code == 400 and "Geef je beleidsplan een titel." in r.text


async def test_elk_formulier_van_het_plan_weigert_een_verouderde_versie(dienst: Any, http: Any) -> None:
    """Every form that changes the plan claims the version it was built on: a stale one comes back
    as 409 with the person's own input, and nothing is written."""
    gent = als(http, dienst, GEERT)
    plan = await nieuw_plan(gent)
    await formulier(gent, f"{plan}/kiezen", {"elementen": ["TOE-04"]})
    await formulier(gent, f"{plan}/prioriteiten", {"prioriteit-TOE-04": "kort"})
    await formulier(gent, f"{plan}/acties/nieuw", {"element_id": "TOE-04", "wat": "Digipunt openen", "status": "rood"})
    actie = re.search(r"/acties/([0-9a-f-]{36})", (await gent.get(f"{plan}/acties")).text).group(1)
    async with dienst.db.engine.connect() as conn:
        voor = (await conn.execute(text("SELECT versie FROM beleidsplan"))).scalar_one()
    oud = str(voor - 1)
    formulieren = {
        "voorbereiding": {"risicogroepen": "Eigen invoer 1"},
        "kiezen": {"elementen": ["TOE-04"]},
        "stand": {"score-TOE-04": "oranje", "notitie-TOE-04": "Eigen invoer 2"},
        "prioriteiten": {"prioriteit-TOE-04": "lang"},
        "acties/nieuw": {"element_id": "TOE-04", "wat": "Eigen invoer 3", "status": "rood"},
        f"acties/{actie}": {"element_id": "TOE-04", "wat": "Eigen invoer 4", "status": "groen"},
        f"acties/{actie}/verwijderen": {},
        "verankeren": {f"beleidsdoelstelling-{actie}": "Eigen invoer 5"},
        "opvolgen": {f"status-{actie}": "oranje"},
    }
    for pad, velden in formulieren.items():
        pagina = (await gent.get(f"{plan}/{pad.removesuffix('/verwijderen')}")).text
        r = await gent.post(f"{plan}/{pad}", data={"_csrf_token": csrf(pagina), "versie": oud, **velden})
        assert r.status_code == 409, (pad, r.status_code)
        assert "Een collega heeft dit plan intussen gewijzigd" in r.text, pad
        assert versie(r.text) == str(voor), pad  # the conflict page offers the current version
        for waarde in velden.values():
            if isinstance(waarde, str) and waarde.startswith("Eigen invoer"):
                assert waarde in r.text, pad
    async with dienst.db.transaction() as conn:  # a plan on an older catalogue, to move
        await conn.execute(text("UPDATE beleidsplan SET catalogus_versie = '2026.1-afgeleid'"))
    r = await gent.post(f"{plan}/catalogus", data={"_csrf_token": csrf(pagina), "versie": oud, "naar": "2026.2-afgeleid"})
    assert r.status_code == 409 and "Een collega heeft dit plan intussen gewijzigd" in r.text and versie(r.text) == str(voor)
    r = await gent.post(f"{plan}/publiceren", data={"_csrf_token": csrf(pagina), "versie": oud})
    assert r.status_code == 303 and r.headers["location"].endswith("#publiceren")  # publishing again is harmless
    async with dienst.db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT versie FROM beleidsplan"))).scalar_one() == voor
    assert await outbox(dienst, "be.dinet.beleidsplan.gepubliceerd.v1") == []
