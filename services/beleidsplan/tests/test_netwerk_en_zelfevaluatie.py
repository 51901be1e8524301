"""Plan and network meet (registratie's activity and organisation events, consumed for real from
JetStream), the yearly self-assessment with anonymised comparisons, and VVSG's overview across
all plans."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import nats
import pytest
from sqlalchemy import text

from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts import OrganisatieType, beleidstool, wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.activiteiten import Activiteit, ActiviteitGepland, ActiviteitGeplandV2, ActiviteitGeannuleerdV2, ActiviteitV2
from dinet_contracts.events.registratie import OrganisatieBijgewerkt
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm

from beleidsplan.main import DEFINITION

VVSG = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dinet:organisatie:vvsg")
MIA = Identiteit("demo:medewerker", "Mia", frozenset({Rol.MEDEWERKER}))


def gemeente(nis: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://data.vlaanderen.be/id/gemeente/{nis}")


GENT = gemeente("44021")


def bestuur(org: uuid.UUID) -> Identiteit:
    return Identiteit(f"test:{org}", "Ambtenaar", frozenset({Rol.BESTUUR}), org)


def als(http: Any, runtime: Any, wie: Identiteit) -> Any:
    client = http(runtime)
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    return client


def organisatie(org: uuid.UUID, naam: str, nis: str, provincie: str, klasse: str, inwoners: int) -> OrganisatieBijgewerkt:
    return OrganisatieBijgewerkt(
        organisatie_id=org, versie=1, naam=naam, type=OrganisatieType.LOKAAL_BESTUUR, nis_code=nis,
        provincie=provincie, inwoners=inwoners, grootteklasse=klasse,
    )


def activiteit(titel: str, dagen: int, *, soort: ActiviteitSoort = ActiviteitSoort.INFOSESSIE, **v2: Any) -> ActiviteitV2:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=dagen)
    return ActiviteitV2(
        activiteit_id=uuid.uuid4(), versie=1, soort=soort, titel=titel, organisator_id=VVSG, trekker=Trekker.VVSG,
        vorm=Vorm.FYSIEK, start=start, einde=start + timedelta(hours=2), duur_uren=Decimal("2.00"),
        status=ActiviteitStatus.GEPLAND, **v2,
    )


class Bus:
    def __init__(self, js: Any) -> None:
        self.js = js
        self.seq = 0

    async def publiceer(self, event: Any) -> None:
        envelope = wrap(event, source="/dinet/registratie")
        ack = await self.js.publish(
            event.nats_subject(), envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": envelope.id, "Content-Type": CONTENT_TYPE}
        )
        self.seq = max(self.seq, ack.seq)

    async def verwerkt(self) -> None:
        async def klaar() -> bool:
            info = await self.js.consumer_info("DINET_EVENTS", "beleidsplan-aanbod")
            return info.ack_floor.stream_seq >= self.seq and not info.num_ack_pending

        await wait_until(klaar, timeout=15)


@pytest.fixture
async def omgeving(start_service: Any, nats_server: Any) -> Any:
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            yield runtime, Bus(nc.jetstream())
        finally:
            await nc.close()


async def plan_via_api(client: Any, elementen: list[dict[str, Any]], titel: str = "Plan") -> dict[str, Any]:
    r = await client.post("/beleidsplan/api/v1/plannen", json={"titel": titel, "elementen": elementen})
    assert r.status_code == 201, r.text
    return r.json()


async def test_het_plan_toont_het_aanbod_van_het_netwerk_bij_rode_of_geprioriteerde_elementen(omgeving: Any, http: Any) -> None:
    runtime, bus = omgeving
    await bus.publiceer(organisatie(GENT, "Gent", "44021", "Oost-Vlaanderen", "groot", 263_703))
    passend = activiteit("Infosessie: inwoners betrekken", 10, elementen=("REG-09",))
    pijler = activiteit("Inspiratiedag toegang", 20, soort=ActiviteitSoort.INSPIRATIEDAG, pijlers=("TOE",))
    voorbij = activiteit("Al voorbij", -3, elementen=("REG-09",))
    geannuleerd = activiteit("Gaat niet door", 15, elementen=("REG-09",))
    advies = activiteit("Adviesgesprek voor een ander bestuur", 5, soort=ActiviteitSoort.ADVIESGESPREK, elementen=("REG-09",), lokaal_bestuur_id=gemeente("24062"))
    praktijk = activiteit("Goede praktijk: adviesraad digitaal", -30, soort=ActiviteitSoort.GOEDE_PRAKTIJK, elementen=("REG-09",), url="https://vvsg.example/praktijk")
    ander = activiteit("Over iets anders", 10, elementen=("DIE-05",))
    for a in (passend, pijler, voorbij, geannuleerd, advies, praktijk, ander):
        await bus.publiceer(ActiviteitGeplandV2(activiteit_id=a.activiteit_id, activiteit=a))
    await bus.publiceer(
        ActiviteitGeannuleerdV2(
            activiteit_id=geannuleerd.activiteit_id,
            activiteit=geannuleerd.model_copy(update={"versie": 2, "status": ActiviteitStatus.GEANNULEERD}),
        )
    )
    # A version-1 event (no elements) is read as v2 and matches nothing, but is kept.
    oud = Activiteit(**activiteit("Versie 1", 10).model_dump(include=set(Activiteit.model_fields)))
    await bus.publiceer(ActiviteitGepland(activiteit_id=oud.activiteit_id, activiteit=oud))
    await bus.verwerkt()

    gent = als(http, runtime, bestuur(GENT))
    plan = await plan_via_api(gent, [
        {"element_id": "REG-09", "score": "rood"}, {"element_id": "TOE-02", "score": "groen", "prioriteit": "kort"},
        {"element_id": "DIE-05", "score": "groen", "prioriteit": "niet_nu"},
    ])
    pagina = (await gent.get(plan["pagina"])).text
    assert "263.703 inwoners" in pagina and "provincie Oost-Vlaanderen" in pagina
    for zichtbaar in ("Infosessie: inwoners betrekken", "Inspiratiedag toegang", "Goede praktijk: adviesraad digitaal", "https://vvsg.example/praktijk"):
        assert zichtbaar in pagina, zichtbaar
    for onzichtbaar in ("Al voorbij", "Gaat niet door", "Adviesgesprek voor een ander bestuur", "Over iets anders"):
        assert onzichtbaar not in pagina, onzichtbaar  # DIE-05 is green and not now: no offer shown
    async with runtime.db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM aanbod"))).scalar_one() == 8


async def test_ondersteuning_op_maat_vragen_stuurt_een_gebeurtenis(omgeving: Any, http: Any) -> None:
    runtime, _ = omgeving
    gent = als(http, runtime, bestuur(GENT))
    plan = await plan_via_api(gent, [{"element_id": "REG-09", "score": "rood"}])
    pad = plan["pagina"] + "/ondersteuning"
    pagina = await gent.get(pad + "?element=REG-09")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    r = await gent.post(pad, data={"_csrf_token": token, "element_id": "REG-09", "vraag": "Hoe betrekken we adviesraden?"})
    assert r.status_code == 303
    async with runtime.db.engine.connect() as conn:
        (body,) = (await conn.execute(text("SELECT body FROM outbox WHERE event_type = 'be.dinet.ondersteuningsnood.gesignaleerd.v1'"))).scalars()
    data = json.loads(body)["data"]
    assert (data["organisatie_id"], data["element_id"], data["vraag"]) == (str(GENT), "REG-09", "Hoe betrekken we adviesraden?")
    assert data["element_tekst"].startswith("… betrekken we inwoners")
    assert "Hoe betrekken we adviesraden?" in (await gent.get(plan["pagina"])).text
    r = await gent.post(pad, data={"_csrf_token": token, "element_id": "TOE-01", "vraag": ""})
    assert r.status_code == 400 and 'href="#element_id"' in r.text and 'href="#vraag"' in r.text


def antwoorden(wel: int) -> dict[str, str]:
    """`wel` of the 18 answered "wel", the rest "niet"."""
    return {a.id: ("wel" if i < wel else "niet") for i, a in enumerate(beleidstool.huidige().beleidsacties)}


async def test_zelfevaluatie_met_vergelijking_vanaf_vijf_lokale_besturen(omgeving: Any, http: Any) -> None:
    runtime, bus = omgeving
    andere = [(gemeente(nis), nis) for nis in ("11002", "12025", "13040", "23062", "24062")]
    await bus.publiceer(organisatie(GENT, "Gent", "44021", "Oost-Vlaanderen", "groot", 263_703))
    for org, nis in andere:
        await bus.publiceer(organisatie(org, f"Gemeente {nis}", nis, "Antwerpen", "groot", 100_000))
    await bus.verwerkt()
    jaar = datetime.now(UTC).year

    # Last year's, straight in the table (as if submitted then).
    async with runtime.db.transaction() as conn:
        await conn.execute(
            text("INSERT INTO zelfevaluatie VALUES (:id, :o, :j, 'x', CAST(:a AS jsonb), 'groot', 'Oost-Vlaanderen', now() - interval '1 year')"),
            {"id": uuid.uuid4(), "o": GENT, "j": jaar - 1, "a": json.dumps(antwoorden(3))},
        )
    gent = als(http, runtime, bestuur(GENT))
    pagina = await gent.get("/beleidsplan/zelfevaluatie")
    assert "De antwoorden van vorig jaar staan al ingevuld" in pagina.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    r = await gent.post("/beleidsplan/zelfevaluatie", data={"_csrf_token": token, "VV-1": "wel"})
    assert r.status_code == 400 and 'href="#VV-2"' in r.text and 'href="#PE-6"' in r.text
    r = await gent.post("/beleidsplan/zelfevaluatie", data={"_csrf_token": token, **antwoorden(10)})
    assert r.status_code == 303

    # Four peers: too few to show.
    for org, _ in andere[:4]:
        assert (await als(http, runtime, bestuur(org)).post("/beleidsplan/api/v1/zelfevaluaties", json={"antwoorden": antwoorden(18)})).status_code == 201
    pagina = (await gent.get("/beleidsplan/zelfevaluatie")).text
    assert "Andere grote lokale besturen: nog te weinig antwoorden (4)" in pagina
    assert "Vlaanderen 2024" in pagina and "48%" in pagina  # imec's weakest action

    # The fifth: the size class is shown (all say "wel": 100%); Gent's own province has no peers.
    org, _ = andere[4]
    r = await als(http, runtime, bestuur(org)).post("/beleidsplan/api/v1/zelfevaluaties", json={"antwoorden": antwoorden(18)})
    assert r.status_code == 201 and r.json()["aantal_wel"] == {"VV": 6, "CC": 6, "PE": 6}
    pagina = (await gent.get("/beleidsplan/zelfevaluatie")).text
    assert "Andere grote lokale besturen (5), % (eerder) wel" in pagina and "100%" in pagina
    assert "Andere lokale besturen in Oost-Vlaanderen: nog te weinig antwoorden (0)" in pagina
    assert f"Jullie, {jaar - 1}" in pagina

    async with runtime.db.engine.connect() as conn:
        events = [json.loads(b)["data"] for (b,) in (await conn.execute(text("SELECT body FROM outbox WHERE event_type = 'be.dinet.zelfevaluatie.ingediend.v1'"))).all()]
    assert len(events) == 6 and {e["jaar"] for e in events} == {jaar}
    assert next(e for e in events if e["organisatie_id"] == str(GENT))["aantal_wel"] == {"VV": 6, "CC": 4, "PE": 0}


async def test_vvsg_ziet_over_alle_plannen_heen_wat_ze_prioriteren_zonder_namen(omgeving: Any, http: Any) -> None:
    runtime, _ = omgeving
    mia = als(http, runtime, MIA)
    for i in range(4):
        await plan_via_api(als(http, runtime, bestuur(gemeente(f"1100{i}"))), [{"element_id": "REG-09", "score": "rood", "prioriteit": "kort"}], titel=f"Plan van gemeente {i}")
    pagina = (await mia.get("/beleidsplan/overzicht")).text
    assert "verschijnt vanaf 5 beleidsplannen" in pagina and "Er zijn er nu 4" in pagina
    await plan_via_api(als(http, runtime, bestuur(GENT)), [{"element_id": "TOE-01", "score": "groen"}, {"element_id": "REG-09", "score": "oranje"}])
    pagina = (await mia.get("/beleidsplan/overzicht")).text
    assert "Over alle 5 beleidsplannen" in pagina
    rijen = re.findall(r'<th scope="row" class="govuk-table__header">(\w+-\d+):', pagina)
    assert rijen == ["REG-09", "TOE-01"]
    assert "Plan van gemeente" not in pagina and "Gent" not in pagina
    assert (await als(http, runtime, bestuur(GENT)).get("/beleidsplan/overzicht")).status_code == 403
