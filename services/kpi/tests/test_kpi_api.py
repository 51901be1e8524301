"""The KPI service end to end: real CloudEvents on JetStream in, figures out of the API and page."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import nats
import pytest

from dinet_contracts import OrganisatieType, wrap
from dinet_contracts.envelope import CONTENT_TYPE, CloudEvent, Event
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt, ZelfevaluatieIngediend
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd
from dinet_contracts.events.registratie import LidGeregistreerd
from dinet_contracts.topology import EVENTS
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import Rol
from kpi.main import DEFINITION

SOURCE = "/dinet/test"
JAAR = datetime.now(UTC).year


class Bus:
    """Publishes like a service's relay does: the envelope as JSON, Nats-Msg-Id = event id."""

    def __init__(self, nc) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.laatste_seq = 0

    async def publiceer(self, event: Event | CloudEvent, *, msg_id: str | None = None) -> CloudEvent:
        envelope = event if isinstance(event, CloudEvent) else wrap(event, source=SOURCE)
        ack = await self.js.publish(
            envelope.data.nats_subject(),
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or envelope.id, "Content-Type": CONTENT_TYPE},
        )
        self.laatste_seq = max(self.laatste_seq, ack.seq)
        return envelope

    async def verwerkt(self) -> None:
        """Wait until the KPI consumer acknowledged everything published so far."""

        async def klaar() -> bool:
            info = await self.js.consumer_info(EVENTS.name, "kpi-projectie")
            return info.ack_floor.stream_seq >= self.laatste_seq and not info.num_ack_pending

        await wait_until(klaar, timeout=10)


@pytest.fixture
async def dienst(start_service, http, nats_server):
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            yield runtime, http(runtime), Bus(nc)
        finally:
            await nc.close()


def lid(org: uuid.UUID, soort: OrganisatieType, sinds: date) -> LidGeregistreerd:
    return LidGeregistreerd(
        lid_id=uuid.uuid4(), organisatie_id=org, organisatie_type=soort, lid_sinds=sinds, nieuwsbrief=False
    )


def plan(op: datetime) -> BeleidsplanAangemaakt:
    return BeleidsplanAangemaakt(
        beleidsplan_id=uuid.uuid4(),
        organisatie_id=uuid.uuid4(),
        titel="Digitaal mee in onze gemeente",
        catalogus_versie="test",
        aangemaakt_op=op,
    )


def cijfers(body: dict) -> dict[str, int]:
    return {c["id"]: c["waarde"] for c in [*body["kpis"], *body["context"]]}


async def test_leden_en_besturen_worden_geteld(dienst):
    runtime, client, bus = dienst
    gent, igs, vzw = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    begin = date(JAAR, 1, 1)
    for event in (
        lid(gent, OrganisatieType.LOKAAL_BESTUUR, begin),
        lid(gent, OrganisatieType.LOKAAL_BESTUUR, begin),
        lid(igs, OrganisatieType.IGS, begin),
        lid(vzw, OrganisatieType.MIDDENVELDORGANISATIE, begin),
        lid(uuid.uuid4(), OrganisatieType.KENNISINSTELLING, begin),
    ):
        await bus.publiceer(event)
    await bus.verwerkt()

    response = await client.get(f"/kpi/api/v1/kpis?jaar={JAAR}")
    assert response.status_code == 200
    body = response.json()
    assert body["jaar"] == JAAR
    assert cijfers(body)["od11_leden"] == 5
    # Gent twice, the IGS once; the civil-society organisation and the institute are not governments.
    assert cijfers(body)["od11_besturen"] == 2
    kpi = {c["id"]: c for c in body["kpis"]}
    assert kpi["od11_leden"]["label"] == "Aantal leden van het netwerk"
    assert kpi["od11_leden"]["doel"] is None and kpi["od11_leden"]["status"] == "geen_doel"


async def test_hetzelfde_event_drie_keer_telt_een_keer(dienst):
    runtime, client, bus = dienst
    envelope = wrap(lid(uuid.uuid4(), OrganisatieType.LOKAAL_BESTUUR, date(JAAR, 1, 1)), source=SOURCE)
    # Distinct Nats-Msg-Ids: as if republished after JetStream's duplicate window had passed,
    # so only the consumer's inbox stands between the duplicates and the figures.
    for _ in range(3):
        await bus.publiceer(envelope, msg_id=str(uuid.uuid4()))
    await bus.verwerkt()

    info = await bus.js.stream_info(EVENTS.name)
    assert info.state.messages == 3, "JetStream must have stored all three copies"
    body = (await client.get(f"/kpi/api/v1/kpis?jaar={JAAR}")).json()
    assert cijfers(body)["od11_leden"] == 1
    assert cijfers(body)["od11_besturen"] == 1


async def test_hetzelfde_feit_onder_een_nieuwe_id_telt_een_keer(dienst):
    runtime, client, bus = dienst
    feit = lid(uuid.uuid4(), OrganisatieType.IGS, date(JAAR, 1, 1))
    await bus.publiceer(feit)
    await bus.publiceer(feit)  # a partner retrying with a fresh envelope id
    await bus.verwerkt()

    body = (await client.get(f"/kpi/api/v1/kpis?jaar={JAAR}")).json()
    assert cijfers(body)["od11_leden"] == 1


async def test_beleidsplan_en_nieuwsbrief_als_contextcijfer(dienst):
    runtime, client, bus = dienst
    nu = datetime.now(UTC)
    await bus.publiceer(plan(nu))
    await bus.publiceer(plan(nu))
    await bus.publiceer(NieuwsbriefInschrijvingBevestigd(lid_id=uuid.uuid4(), bevestigd_op=nu))
    await bus.verwerkt()

    body = (await client.get("/kpi/api/v1/kpis")).json()  # no year: the running year
    assert body["jaar"] == JAAR
    ids = [c["id"] for c in body["context"]]
    assert {"ctx_beleidsplannen_gestart", "ctx_nieuwsbrief_bevestigd"} <= set(ids)
    assert cijfers(body)["ctx_beleidsplannen_gestart"] == 2
    assert cijfers(body)["ctx_nieuwsbrief_bevestigd"] == 1


def zelfevaluatie(
    org: uuid.UUID, jaar: int, *, zelfevaluatie_id: uuid.UUID | None = None, op: datetime | None = None
) -> ZelfevaluatieIngediend:
    return ZelfevaluatieIngediend(
        zelfevaluatie_id=zelfevaluatie_id or uuid.uuid4(),
        organisatie_id=org,
        jaar=jaar,
        catalogus_versie="test",
        aantal_wel={"VV": 3, "CC": 4, "PE": 2},
        ingediend_op=op or datetime.now(UTC),
    )


async def test_lokale_besturen_met_een_zelfevaluatie_dit_jaar(dienst):
    runtime, client, bus = dienst
    gent, leuven = uuid.uuid4(), uuid.uuid4()
    herzien = uuid.uuid4()
    await bus.publiceer(zelfevaluatie(gent, JAAR, zelfevaluatie_id=herzien))
    await bus.publiceer(zelfevaluatie(gent, JAAR, zelfevaluatie_id=herzien))  # revised: the same assessment
    await bus.publiceer(zelfevaluatie(leuven, JAAR))
    await bus.publiceer(zelfevaluatie(leuven, JAAR - 1, op=datetime(JAAR - 1, 11, 5, tzinfo=UTC)))  # counts in its own year
    # About last year but sent only now, after that year's reference date: it does not change it.
    await bus.publiceer(zelfevaluatie(uuid.uuid4(), JAAR - 1))
    await bus.verwerkt()

    assert cijfers((await client.get("/kpi/api/v1/kpis")).json())["ctx_zelfevaluaties"] == 2
    assert cijfers((await client.get(f"/kpi/api/v1/kpis?jaar={JAAR - 1}")).json())["ctx_zelfevaluaties"] == 1
    assert "Lokale besturen met een zelfevaluatie" in (await client.get("/kpi/api/v1/kpis")).text


async def test_jaarfilter(dienst):
    runtime, client, bus = dienst
    org = uuid.uuid4()
    vorig, eerder = JAAR - 1, JAAR - 2
    await bus.publiceer(lid(org, OrganisatieType.LOKAAL_BESTUUR, date(eerder, 5, 1)))
    await bus.publiceer(lid(uuid.uuid4(), OrganisatieType.LOKAAL_BESTUUR, date(vorig, 3, 1)))
    await bus.publiceer(plan(datetime(eerder, 6, 1, 10, tzinfo=UTC)))
    await bus.publiceer(plan(datetime(vorig, 6, 1, 10, tzinfo=UTC)))
    await bus.publiceer(plan(datetime(vorig, 7, 1, 10, tzinfo=UTC)))
    # 23:30 UTC on 31 December is already New Year in Brussels.
    await bus.publiceer(plan(datetime(eerder, 12, 31, 23, 30, tzinfo=UTC)))
    await bus.verwerkt()

    eerst = cijfers((await client.get(f"/kpi/api/v1/kpis?jaar={eerder}")).json())
    daarna = cijfers((await client.get(f"/kpi/api/v1/kpis?jaar={vorig}")).json())
    assert (eerst["od11_leden"], eerst["od11_besturen"], eerst["ctx_beleidsplannen_gestart"]) == (1, 1, 1)
    # Members stay members: the earlier one still counts on 31/12 of the next year.
    assert (daarna["od11_leden"], daarna["od11_besturen"], daarna["ctx_beleidsplannen_gestart"]) == (2, 2, 3)


@pytest.mark.parametrize("jaar", ["abc", "1999", str(JAAR + 1), "20251", " "])
async def test_ongeldig_jaar_is_een_probleem(dienst, jaar):
    runtime, client, bus = dienst
    response = await client.get("/kpi/api/v1/kpis", params={"jaar": jaar})
    if not jaar.strip():
        assert response.status_code == 200  # empty means the running year
        return
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["veld"] == "jaar"
    assert body["errors"][0]["code"] == "ongeldig_jaar"
    assert body["errors"][0]["melding"].startswith(("Kies een jaar", "Geef een jaar"))


async def test_dashboard_toont_tabel_en_grafiek(dienst, als):
    runtime, client, bus = dienst
    als(client, runtime, Rol.STUURGROEP)
    await bus.publiceer(lid(uuid.uuid4(), OrganisatieType.LOKAAL_BESTUUR, date(JAAR - 1, 2, 1)))
    await bus.verwerkt()

    response = await client.get(f"/kpi/?jaar={JAAR - 1}")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="nl"' in html
    assert f"Kerncijfers {JAAR - 1} tegenover het doel" in html
    assert "Aantal leden van het netwerk" in html
    assert "Geen doel vastgelegd" in html  # status in words, not colour alone
    assert "Achter op schema" in html
    assert 'role="img"' in html and '<title id="realisatie-titel">' in html
    # The chart's description carries every value, the status in words too.
    assert "Algemene bijeenkomsten (achter op schema): 0 % (doel: 100 %)" in html
    assert f'<option value="{JAAR - 1}" selected>' in html


async def test_dashboard_ongeldig_jaar_toont_foutmelding(dienst, als):
    runtime, client, bus = dienst
    als(client, runtime, Rol.MEDEWERKER)
    response = await client.get("/kpi/?jaar=twintig")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert 'href="#jaar"' in response.text
    assert "<title>Fout:" in response.text


async def test_dashboard_vraagt_aanmelding_en_rol(dienst, als):
    runtime, client, bus = dienst
    response = await client.get("/kpi/?jaar=2025")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/registratie/inloggen?volgende=")
    als(client, runtime, Rol.LID)
    assert (await client.get("/kpi/?jaar=2025")).status_code == 403
    als(client, runtime, Rol.STUURGROEP)
    assert (await client.get("/kpi/?jaar=2025")).status_code == 200


async def test_doelen_komen_uit_de_databank(dienst):
    from kpi import store

    runtime, client, bus = dienst
    async with runtime.db.engine.connect() as conn:
        doelen = await store.doelen(conn, 2026)
    assert doelen["od11_algemeen"] == 2
    assert doelen["od22_deelnemersuren"] == 160
    assert "od11_leden" not in doelen
