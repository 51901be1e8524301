"""The catalogue's "rules that matter", one test each, from real events on JetStream to the API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from dinet_contracts import OrganisatieType, wrap
from dinet_contracts.events.activiteiten import FeedbackOntvangen, InschrijvingGewijzigd
from dinet_contracts.events.meldingen import NieuwsbriefVerzonden
from dinet_contracts.events.registratie import (
    LidGewist,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
)
from dinet_contracts.types import ActiviteitSoort as S
from dinet_contracts.types import ActiviteitStatus, Trekker, Vorm
from sqlalchemy import text

SOURCE = "/dinet/test"


async def test_deelnemersuren_tellen_aanwezigheid_niet_inschrijving(dienst, maak, lees):
    runtime, client, bus = dienst
    sessie = maak.activiteit(S.INFOSESSIE, date(2025, 3, 10), duur="3")
    ingeschreven_niet_gekomen = uuid.uuid4()
    await bus.alles(
        [
            maak.event(sessie),
            # A registration alone adds nothing ...
            InschrijvingGewijzigd(
                inschrijving_id=uuid.uuid4(),
                versie=1,
                activiteit_id=sessie.activiteit_id,
                lid_id=ingeschreven_niet_gekomen,
                organisatie_id=uuid.uuid4(),
                organisatie_type=OrganisatieType.LOKAAL_BESTUUR,
                status="ingeschreven",
                gewijzigd_op=datetime(2025, 3, 1, tzinfo=UTC),
            ),
            # ... nor does an attendance recorded as absent.
            maak.aanwezig(sessie, lid_id=ingeschreven_niet_gekomen, aanwezig=False),
            maak.aanwezig(sessie),
            maak.aanwezig(sessie),
        ]
    )
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert figures["od12_deelnemersuren"] == 6
    assert figures["od12_infosessies"] == 1


async def test_gedeeltelijke_aanwezigheid_telt_de_gewerkte_uren(dienst, maak, lees):
    runtime, client, bus = dienst
    sessie = maak.activiteit(S.INFOSESSIE, date(2025, 4, 1), duur="3")
    await bus.alles([maak.event(sessie), maak.aanwezig(sessie, uren="1.5"), maak.aanwezig(sessie, uren="0")])
    await bus.verwerkt()
    # Half of a 3-hour session: 1.5; present without partial hours recorded: the full 3.
    assert (await lees(client, 2025))["od12_deelnemersuren"] == 4.5


async def test_een_latere_correctie_van_de_aanwezigheid_wint(dienst, maak, lees):
    runtime, client, bus = dienst
    sessie = maak.activiteit(S.THEMATISCHE_OPLEIDING, date(2025, 5, 1), duur="4")
    lid = uuid.uuid4()
    # The correction (versie 2: left after 2 hours) arrives before the first recording.
    await bus.alles([maak.event(sessie), maak.aanwezig(sessie, lid_id=lid, uren="2", versie=2), maak.aanwezig(sessie, lid_id=lid, versie=1)])
    await bus.verwerkt()
    assert (await lees(client, 2025))["od22_deelnemersuren"] == 2


async def test_geannuleerde_activiteit_telt_niet(dienst, maak, lees):
    runtime, client, bus = dienst
    gepland = maak.activiteit(S.NETWERK_ALGEMEEN, date(2025, 6, 5), status=ActiviteitStatus.GEPLAND)
    geannuleerd = maak.activiteit(
        S.NETWERK_ALGEMEEN, date(2025, 6, 5), status=ActiviteitStatus.GEANNULEERD, versie=2, activiteit_id=gepland.activiteit_id
    )
    await bus.alles([maak.event(gepland), maak.event(geannuleerd), maak.aanwezig(geannuleerd)])
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert (figures["od11_algemeen"], figures["od11_bijeenkomsten"]) == (0, 0)


async def test_gepland_maar_nog_niet_gehouden_telt_niet(dienst, maak, lees):
    runtime, client, bus = dienst
    await bus.publiceer(maak.event(maak.activiteit(S.NETWERK_SPECIFIEK, date(2025, 9, 9), status=ActiviteitStatus.GEPLAND)))
    await bus.verwerkt()
    assert (await lees(client, 2025))["od11_specifiek"] == 0


async def test_verplaatste_activiteit_telt_in_het_jaar_waarin_ze_plaatsvond(dienst, maak, lees):
    runtime, client, bus = dienst
    v1 = maak.activiteit(S.NETWERK_SPECIFIEK, date(2025, 12, 15), status=ActiviteitStatus.GEPLAND)
    v2 = maak.activiteit(S.NETWERK_SPECIFIEK, date(2026, 1, 20), status=ActiviteitStatus.VERPLAATST, versie=2, activiteit_id=v1.activiteit_id)
    v3 = maak.activiteit(S.NETWERK_SPECIFIEK, date(2026, 1, 20), status=ActiviteitStatus.AFGELOPEN, versie=3, activiteit_id=v1.activiteit_id)
    # The oldest snapshot arrives last: the highest versie still wins.
    await bus.alles([maak.event(v3), maak.event(v2), maak.event(v1)])
    await bus.verwerkt()
    assert (await lees(client, 2025))["od11_specifiek"] == 0
    assert (await lees(client, 2026))["od11_specifiek"] == 1


async def test_jaargrens_in_belgische_tijd(dienst, maak, lees):
    runtime, client, bus = dienst
    # 23:30 UTC on 31/12/2024 is 00:30 on 1/1/2025 in Brussels.
    await bus.publiceer(maak.event(maak.activiteit(S.STUURGROEP, start=datetime(2024, 12, 31, 23, 30, tzinfo=UTC))))
    await bus.verwerkt()
    assert (await lees(client, 2024))["gov_stuurgroep"] == 0
    assert (await lees(client, 2025))["gov_stuurgroep"] == 1


async def test_laat_geregistreerde_aanwezigheid_telt_in_het_jaar_van_de_activiteit(dienst, maak, lees):
    runtime, client, bus = dienst
    december = maak.activiteit(S.INFOSESSIE, date(2025, 12, 18), duur="2")
    await bus.publiceer(maak.event(december))
    await bus.verwerkt()
    # Recorded in January, and even the activity snapshot arrives after the attendance.
    await bus.publiceer(maak.aanwezig(december, geregistreerd_op=datetime(2026, 1, 8, 9, tzinfo=UTC)), tijd=datetime(2026, 1, 8, 9, tzinfo=UTC))
    await bus.verwerkt()
    assert (await lees(client, 2025))["od12_deelnemersuren"] == 2
    assert (await lees(client, 2026))["od12_deelnemersuren"] == 0


async def test_dubbel_ontvangen_event_telt_een_keer(dienst, maak, lees):
    runtime, client, bus = dienst
    sessie = maak.activiteit(S.INFOSESSIE, date(2025, 2, 2), duur="3")
    envelope = wrap(maak.aanwezig(sessie), source=SOURCE)
    await bus.publiceer(maak.event(sessie))
    for _ in range(3):  # redelivered, or republished after the duplicate window
        await bus.publiceer(envelope, msg_id=str(uuid.uuid4()))
    await bus.publiceer(maak.aanwezig(sessie, lid_id=envelope.data.lid_id))  # same fact, new event id
    await bus.publiceer(maak.event(sessie))  # the activity again, as a partner retrying
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert (figures["od12_deelnemersuren"], figures["od12_infosessies"]) == (3, 1)


async def test_infosessies_alleen_met_vvsg_als_trekker(dienst, maak, lees):
    runtime, client, bus = dienst
    vvsg = maak.activiteit(S.INFOSESSIE, date(2025, 3, 3))
    mediawijs = maak.activiteit(S.INFOSESSIE, date(2025, 3, 4), trekker=Trekker.MEDIAWIJS)
    await bus.alles([maak.event(vvsg), maak.event(mediawijs), maak.aanwezig(vvsg), maak.aanwezig(mediawijs)])
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert (figures["od12_infosessies"], figures["od12_deelnemersuren"]) == (1, 3)


async def test_inspiratiedag_fysiek_en_online_apart(dienst, maak, lees):
    runtime, client, bus = dienst
    await bus.alles(
        [
            maak.event(maak.activiteit(S.INSPIRATIEDAG, date(2025, 10, 1), trekker=Trekker.MEDIAWIJS)),
            maak.event(maak.activiteit(S.INSPIRATIEDAG, date(2025, 11, 1), trekker=Trekker.MEDIAWIJS, vorm=Vorm.ONLINE)),
            maak.event(maak.activiteit(S.INSPIRATIEDAG, date(2025, 11, 2), trekker=Trekker.MEDIAWIJS, vorm=Vorm.ONLINE)),
        ]
    )
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert (figures["od12_inspiratiedag_fysiek"], figures["od12_inspiratiedag_online"]) == (1, 2)


async def test_meerdaagse_opleiding_alleen_waar_vvsg_meewerkte(dienst, maak, lees):
    runtime, client, bus = dienst
    await bus.alles(
        [
            maak.event(maak.activiteit(S.MEERDAAGSE_OPLEIDING, date(2025, 5, 5), trekker=Trekker.MEDIAWIJS, vvsg_werkte_mee=True)),
            maak.event(maak.activiteit(S.MEERDAAGSE_OPLEIDING, date(2025, 5, 6), trekker=Trekker.MEDIAWIJS)),
        ]
    )
    await bus.verwerkt()
    assert (await lees(client, 2025))["od21_meerdaagse"] == 1


async def test_op_maat_telt_verschillende_lokale_besturen(dienst, maak, lees):
    runtime, client, bus = dienst
    gent, aalst = uuid.uuid4(), uuid.uuid4()
    trajecten = [
        maak.activiteit(S.ONDERSTEUNING_OP_MAAT, date(2025, 2, 1), lokaal_bestuur_id=gent, ondersteuning="Begeleiding", methode="Workshop"),
        maak.activiteit(S.ONDERSTEUNING_OP_MAAT, date(2025, 6, 1), lokaal_bestuur_id=gent, ondersteuning="Opvolging", methode="Gesprek"),
        maak.activiteit(S.ONDERSTEUNING_OP_MAAT, date(2025, 7, 1), lokaal_bestuur_id=aalst, ondersteuning="Scan", methode="Bevraging"),
        maak.activiteit(S.ADVIESGESPREK, date(2025, 7, 2), lokaal_bestuur_id=aalst),
    ]
    await bus.alles([maak.event(t) for t in trajecten])
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert (figures["od33_op_maat"], figures["od32_adviesgesprekken"]) == (2, 1)


async def test_leden_op_31_december_en_vertegenwoordigde_besturen(dienst, maak, lees):
    runtime, client, bus = dienst
    gent, igs, vzw, aalst = (uuid.uuid4() for _ in range(4))
    blijft = maak.lid(gent, sinds=date(2024, 5, 1))
    vertrekt = maak.lid(igs, OrganisatieType.IGS, sinds=date(2024, 5, 1))
    gewist = maak.lid(aalst, sinds=date(2024, 5, 1))
    verhuist = maak.lid(vzw, OrganisatieType.MIDDENVELDORGANISATIE, sinds=date(2024, 5, 1))
    await bus.alles(
        [
            # The member's leaving arrives before the registration: order does not matter.
            LidUitgeschreven(lid_id=vertrekt.lid_id, lid_tot=date(2025, 6, 30)),
            blijft,
            vertrekt,
            gewist,
            LidGewist(lid_id=gewist.lid_id, gewist_op=datetime(2025, 8, 1, 10, tzinfo=UTC)),
            verhuist,
            LidOrganisatieGewijzigd(lid_id=verhuist.lid_id, organisatie_id=aalst, organisatie_type=OrganisatieType.LOKAAL_BESTUUR, vanaf=date(2025, 9, 1)),
            maak.lid(gent, sinds=date(2026, 1, 1)),  # not yet a member on 31/12/2025
        ]
    )
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert figures["od11_leden"] == 2  # "blijft" and "verhuist"
    assert figures["od11_besturen"] == 2  # Gent, and Aalst through the member who moved there
    vorig = await lees(client, 2024)
    assert (vorig["od11_leden"], vorig["od11_besturen"]) == (4, 3)  # Gent, the IGS, Aalst


async def test_wie_gewist_wordt_telt_nog_mee_op_de_dag_zelf(dienst, maak, lees):
    runtime, client, bus = dienst
    gewist_op_31_12, gewist_op_30_12, vertrokken_op_31_12 = (maak.lid(sinds=date(2025, 5, 1)) for _ in range(3))
    await bus.alles(
        [
            gewist_op_31_12,
            LidUitgeschreven(lid_id=gewist_op_31_12.lid_id, lid_tot=date(2025, 12, 31)),
            LidGewist(lid_id=gewist_op_31_12.lid_id, gewist_op=datetime(2025, 12, 31, 15, tzinfo=UTC)),
            # An erasure alone (the member had left earlier, or an older registratie): the same day.
            gewist_op_30_12,
            LidGewist(lid_id=gewist_op_30_12.lid_id, gewist_op=datetime(2025, 12, 30, 15, tzinfo=UTC)),
            vertrokken_op_31_12,
            LidUitgeschreven(lid_id=vertrokken_op_31_12.lid_id, lid_tot=date(2025, 12, 31)),
        ]
    )
    await bus.verwerkt()
    # Erased on 31/12 is a member on 31/12, exactly like leaving that day; erased on 30/12 is not.
    assert (await lees(client, 2025))["od11_leden"] == 2
    async with runtime.db.engine.connect() as conn:
        einde = dict(
            (await conn.execute(text("SELECT lid_id, LEAST(uitgeschreven_tot, gewist_tot) FROM lidmaatschap"))).all()
        )
    assert einde == {
        gewist_op_31_12.lid_id: date(2025, 12, 31),
        gewist_op_30_12.lid_id: date(2025, 12, 30),
        vertrokken_op_31_12.lid_id: date(2025, 12, 31),
    }


async def test_leden_van_de_online_kennisdeling(dienst, lees):
    runtime, client, bus = dienst
    a, b = uuid.uuid4(), uuid.uuid4()
    await bus.alles(
        [
            LidKennisdelingGewijzigd(lid_id=a, lid=True, datum=date(2025, 2, 1)),
            LidKennisdelingGewijzigd(lid_id=b, lid=True, datum=date(2025, 2, 1)),
            LidKennisdelingGewijzigd(lid_id=b, lid=False, datum=date(2025, 10, 1)),
            LidKennisdelingGewijzigd(lid_id=b, lid=True, datum=date(2026, 1, 10)),
        ]
    )
    await bus.verwerkt()
    assert (await lees(client, 2025))["od11_kennisdeling"] == 1
    assert (await lees(client, 2026))["od11_kennisdeling"] == 2


async def test_nieuwsbrieven_en_hun_bereik(dienst, lees):
    runtime, client, bus = dienst
    for dag, ontvangers in ((datetime(2025, 1, 15, 8, tzinfo=UTC), 600), (datetime(2025, 2, 15, 8, tzinfo=UTC), 640), (datetime(2026, 1, 15, 8, tzinfo=UTC), 700)):
        await bus.publiceer(NieuwsbriefVerzonden(nieuwsbrief_id=uuid.uuid4(), titel="Nieuwsbrief", verzonden_op=dag, aantal_ontvangers=ontvangers))
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert (figures["od13_nieuwsbrieven"], figures["ctx_nieuwsbrief_bereik"]) == (2, 1240)


async def test_lijst_kpis_tellen_hun_soort(dienst, maak, lees):
    runtime, client, bus = dienst
    soorten = {
        "od13_goede_praktijken": S.GOEDE_PRAKTIJK,
        "od13_artikels": S.ARTIKEL_LOKAAL,
        "od13_op_vraag": S.SESSIE_OP_VRAAG,
        "od22_thematisch": S.THEMATISCHE_OPLEIDING,
        "od22_geintegreerd": S.VVSG_OPLEIDING_GEINTEGREERD,
        "od31_bevragingen": S.GEBRUIKERSBEVRAGING,
        "gov_overleg": S.MAANDELIJKS_OVERLEG,
    }
    for i, soort in enumerate(soorten.values()):
        for n in range(i + 1):
            await bus.publiceer(maak.event(maak.activiteit(soort, date(2025, 1 + n, 3))))
    await bus.verwerkt()
    figures = await lees(client, 2025)
    assert {k: figures[k] for k in soorten} == {k: i + 1 for i, k in enumerate(soorten)}


async def test_feedback_per_soort_en_vertegenwoordiging_per_provincie(dienst, maak, als):
    from dinet_chassis.web.auth import Rol

    runtime, client, bus = dienst
    gent, brugge = uuid.uuid4(), uuid.uuid4()
    sessie = maak.activiteit(S.INFOSESSIE, date(2025, 3, 3))
    await bus.alles(
        [
            maak.organisatie(gent, "Gent", provincie="Oost-Vlaanderen", inwoners=265_000),
            maak.organisatie(brugge, "Brugge", provincie="West-Vlaanderen", inwoners=119_000),
            maak.lid(gent, sinds=date(2025, 1, 1)),
            maak.lid(gent, sinds=date(2025, 1, 1)),
            maak.lid(brugge, sinds=date(2025, 1, 1)),
            maak.event(sessie),
            *[
                FeedbackOntvangen(feedback_id=uuid.uuid4(), activiteit_id=sessie.activiteit_id, activiteit_soort=S.INFOSESSIE, score=s, ontvangen_op=datetime(2025, 3, 4, tzinfo=UTC))
                for s in (4, 5)
            ],
        ]
    )
    await bus.verwerkt()
    body = (await client.get("/kpi/api/v1/kpis", params={"jaar": 2025})).json()
    context = {c["id"]: c["waarde"] for c in body["context"]}
    assert context["ctx_gemeenten_vertegenwoordigd"] == 2
    assert context["ctx_gemeenten_aandeel"] == 0.7  # 2 of 285
    als(client, runtime, Rol.STUURGROEP)
    csv = (await client.get("/kpi/export/provincies", params={"jaar": 2025, "formaat": "csv"})).content.decode("utf-8-sig")
    assert "Oost-Vlaanderen;1;55;1,8" in csv and "West-Vlaanderen;1;62;1,6" in csv
    feedback = (await client.get("/kpi/export/feedback", params={"jaar": 2025, "formaat": "csv"})).content.decode("utf-8-sig")
    assert "Infosessie;2;4,5" in feedback


async def test_kpi_bewaart_geen_persoonsgegevens(dienst, maak):
    """Only ids, organisations, dates and hours: no column can hold a name or an address."""
    from sqlalchemy import text

    runtime, client, bus = dienst
    sessie = maak.activiteit(S.INFOSESSIE, date(2025, 3, 3))
    await bus.alles([maak.lid(), maak.event(sessie), maak.aanwezig(sessie)])
    await bus.verwerkt()
    async with runtime.db.engine.connect() as conn:
        kolommen = {
            (r.table_name, r.column_name)
            for r in await conn.execute(text("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'kpi'"))
        }
    verboden = ("naam", "email", "adres", "telefoon", "voornaam", "achternaam", "functie")
    toegestaan = {("organisatie", "naam"), ("schema_migrations", "naam")}  # organisations; migration files
    assert [k for k in kolommen if any(v in k[1] for v in verboden) and k not in toegestaan] == []
    assert ("aanwezigheid", "lid_id") in kolommen and ("lidmaatschap", "lid_id") in kolommen
    assert Decimal("3") == Decimal(sessie.duur_uren)
