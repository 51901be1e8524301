"""The committee's pages and the staff's changes: targets as events, closing a year, drill-downs,
explanations, exports and the yearly report."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest

from dinet_chassis.web.auth import Rol
from dinet_contracts.events.activiteiten import ActiviteitAfgelopenV2, ActiviteitV2
from dinet_contracts.types import ActiviteitSoort as S
from dinet_contracts.types import Trekker, Vorm
from kpi.use_cases.herbouw import herbouw


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def test_doelen_wijzigen_is_een_event_en_overleeft_een_herbouw(dienst, als, lees):
    runtime, client, bus = dienst
    als(client, runtime, Rol.STUURGROEP)
    assert (await client.get("/kpi/doelen?jaar=2025")).status_code == 403  # the committee only reads

    als(client, runtime, Rol.MEDEWERKER)
    pagina = await client.get("/kpi/doelen?jaar=2025")
    assert pagina.status_code == 200
    assert 'id="od11_algemeen"' in pagina.text and "Volgens de catalogus: minstens 2." in pagina.text
    velden = dict(re.findall(r'name="(od\d\d_\w+|gov_\w+)" type="text" value="([^"]*)"', pagina.text))
    fout = await client.post("/kpi/doelen?jaar=2025", data={**velden, "od11_algemeen": "veel", "_csrf_token": csrf(pagina.text)})
    assert fout.status_code == 400
    assert "govuk-error-summary" in fout.text and 'href="#od11_algemeen"' in fout.text and 'value="veel"' in fout.text

    bewaard = await client.post(
        "/kpi/doelen?jaar=2025",
        data={**velden, "od11_algemeen": "4", "od11_leden": "700", "gov_overleg": "", "_csrf_token": csrf(pagina.text)},
    )
    assert bewaard.status_code == 303
    doelen = {c["id"]: c["doel"] for c in (await client.get("/kpi/api/v1/kpis?jaar=2025")).json()["kpis"]}
    assert (doelen["od11_algemeen"], doelen["od11_leden"], doelen["gov_overleg"], doelen["gov_stuurgroep"]) == (4, 700, None, 2)

    async with runtime.db.engine.connect() as conn:
        from sqlalchemy import text

        uitgaand = (await conn.execute(text("SELECT event_type, count(*) FROM outbox GROUP BY 1"))).all()
    assert uitgaand == [("be.dinet.kpi.doel_gewijzigd.v1", 3)]

    # The projection of targets is built from those events: a rebuild restores them.
    await bus.verwerkt()
    bus.laatste_seq = (await bus.js.stream_info("DINET_EVENTS")).state.last_seq
    await bus.verwerkt()
    await herbouw(runtime.settings)
    doelen = {c["id"]: c["doel"] for c in (await client.get("/kpi/api/v1/kpis?jaar=2025")).json()["kpis"]}
    assert (doelen["od11_algemeen"], doelen["od11_leden"], doelen["gov_overleg"]) == (4, 700, None)


async def test_jaar_afsluiten_houdt_cijfers_en_toont_latere_events_apart(dienst, als, maak, lees):
    runtime, client, bus = dienst
    eerste = maak.activiteit(S.NETWERK_ALGEMEEN, date(2025, 3, 1))
    await bus.publiceer(maak.event(eerste))
    await bus.verwerkt()

    als(client, runtime, Rol.STUURGROEP)
    assert (await client.post("/kpi/afsluiten?jaar=2025", data={})).status_code == 403
    als(client, runtime, Rol.MEDEWERKER)
    pagina = await client.get("/kpi/afsluiten?jaar=2025")
    assert pagina.status_code == 200
    lopend = await client.post("/kpi/afsluiten?jaar=2026", data={"_csrf_token": csrf(pagina.text)})
    assert lopend.status_code == 409 and "loopt nog" in lopend.text
    gesloten = await client.post("/kpi/afsluiten?jaar=2025", data={"_csrf_token": csrf(pagina.text)})
    assert gesloten.status_code == 303
    nogmaals = await client.post("/kpi/afsluiten?jaar=2025", data={"_csrf_token": csrf(pagina.text)})
    assert nogmaals.status_code == 409 and "al afgesloten" in nogmaals.text

    # A meeting of 2025 recorded after the closing: kept, shown beside the approved figure.
    laat = maak.activiteit(S.NETWERK_ALGEMEEN, date(2025, 11, 20))
    await bus.publiceer(maak.event(laat))
    await bus.verwerkt()
    body = (await client.get("/kpi/api/v1/kpis?jaar=2025")).json()
    algemeen = next(c for c in body["kpis"] if c["id"] == "od11_algemeen")
    assert body["afgesloten"] is True
    assert (algemeen["goedgekeurd"], algemeen["waarde"], algemeen["na_afsluiting"]) == (1, 2, 1)
    assert algemeen["status"] == "achter"  # judged on the approved figure: 1 of 2

    dashboard = (await client.get("/kpi/?jaar=2025")).text
    assert "Dit jaar is afgesloten" in dashboard and "Na afsluiting bijgekomen" in dashboard
    uitleg = (await client.get("/kpi/kpi/od11_algemeen/uitleg?jaar=2025")).text
    assert "1 gebeurtenis kwam nadien binnen" in uitleg
    assert str(laat.activiteit_id) in uitleg and ">ja<" in uitleg

    # Re-opening needs a reason, and is recorded.
    formulier = await client.get("/kpi/heropenen?jaar=2025")
    zonder = await client.post("/kpi/heropenen?jaar=2025", data={"reden": " ", "_csrf_token": csrf(formulier.text)})
    assert zonder.status_code == 400 and 'href="#reden"' in zonder.text
    heropend = await client.post(
        "/kpi/heropenen?jaar=2025", data={"reden": "Correctie op vraag van de stuurgroep", "_csrf_token": csrf(formulier.text)}
    )
    assert heropend.status_code == 303
    body = (await client.get("/kpi/api/v1/kpis?jaar=2025")).json()
    algemeen = next(c for c in body["kpis"] if c["id"] == "od11_algemeen")
    assert body["afgesloten"] is False and algemeen["goedgekeurd"] is None and algemeen["status"] == "bereikt"
    dashboard = (await client.get("/kpi/?jaar=2025")).text
    assert "Correctie op vraag van de stuurgroep" in dashboard


async def test_doorklikken_opsplitsen_en_uitleggen(dienst, als, maak):
    runtime, client, bus = dienst
    gent, brugge = uuid.uuid4(), uuid.uuid4()
    online = maak.activiteit(S.INFOSESSIE, date(2025, 3, 3), vorm=Vorm.ONLINE, titel="Digitale drempels verlagen", duur="2")
    fysiek = maak.activiteit(S.INFOSESSIE, date(2025, 4, 3), titel="Inclusief digitaliseren", duur="3")
    await bus.alles(
        [
            maak.organisatie(gent, "Gent", provincie="Oost-Vlaanderen", inwoners=265_000),
            maak.organisatie(brugge, "Brugge", provincie="West-Vlaanderen", inwoners=119_000),
            maak.event(online),
            # Version 2 (registratie publishes it) counts and is explained like version 1.
            ActiviteitAfgelopenV2(activiteit_id=fysiek.activiteit_id, activiteit=ActiviteitV2(**fysiek.model_dump(), elementen=("DIE-01",))),
            maak.aanwezig(online, organisatie_id=gent),
            maak.aanwezig(fysiek, organisatie_id=gent),
            maak.aanwezig(fysiek, organisatie_id=brugge, uren="1.5"),
            maak.event(maak.activiteit(S.INFOSESSIE, date(2025, 5, 3), trekker=Trekker.PARTNER, titel="Niet van VVSG")),
        ]
    )
    await bus.verwerkt()
    als(client, runtime, Rol.STUURGROEP)
    pagina = await client.get("/kpi/kpi/od12_deelnemersuren?jaar=2025")
    assert pagina.status_code == 200
    html = pagina.text
    assert "Digitale drempels verlagen" in html and "Inclusief digitaliseren" in html and "Niet van VVSG" not in html
    assert "Per online of fysiek" in html and "Per provincie" in html and "Per grootteklasse lokaal bestuur" in html
    assert html.count('role="img"') >= 6  # trend + one chart per split

    detail = (await client.get("/kpi/api/v1/kpis/od12_deelnemersuren?jaar=2025")).json()
    assert detail["kpi"]["waarde"] == 6.5
    splits = {s["dimensie"]: {d["waarde"]: d["aantal"] for d in s["delen"]} for s in detail["opsplitsingen"]}
    assert splits["vorm"] == {"online": 2, "fysiek": 4.5}
    assert splits["provincie"] == {"Oost-Vlaanderen": 5, "West-Vlaanderen": 1.5}
    assert splits["grootteklasse"] == {"groot": 6.5}
    assert splits["organisatietype"] == {"lokaal_bestuur": 6.5}
    for deel in splits.values():  # every split adds up to the figure
        assert sum(deel.values()) == 6.5

    uitleg = (await client.get("/kpi/api/v1/kpis/od12_deelnemersuren/uitleg?jaar=2025")).json()
    types = sorted(g["type"] for g in uitleg["gebeurtenissen"])
    assert types == ["be.dinet.aanwezigheid.geregistreerd.v1"] * 3 + ["be.dinet.activiteit.afgelopen.v1", "be.dinet.activiteit.afgelopen.v2"]
    pagina = await client.get("/kpi/kpi/od12_deelnemersuren/uitleg?jaar=2025")
    assert "5 gebeurtenissen" in pagina.text
    # In the committee's words: what happened, to which activity (linked), when, by whom, hours.
    assert "Aanwezigheden genoteerd" in pagina.text and "Activiteit vond plaats" in pagina.text
    assert "AanwezigheidGeregistreerd" not in pagina.text and "be.dinet." not in pagina.text
    assert f'href="/registratie/activiteiten/{fysiek.activiteit_id}">Inclusief digitaliseren</a>' in pagina.text
    assert f">{fysiek.activiteit_id}<" not in pagina.text  # no bare ids
    assert "03/04/2025" in pagina.text or "3 april 2025" in pagina.text

    assert (await client.get("/kpi/kpi/bestaat_niet?jaar=2025")).status_code == 404


async def test_exports_csv_en_xlsx_van_elke_tabel(dienst, als, maak):
    openpyxl = pytest.importorskip("openpyxl")

    runtime, client, bus = dienst
    sessie = maak.activiteit(S.INFOSESSIE, date(2025, 3, 3), titel="=HYPERLINK(\"x\")", duur="2.5")
    await bus.alles([maak.event(sessie), maak.aanwezig(sessie)])
    await bus.verwerkt()
    als(client, runtime, Rol.STUURGROEP)
    csv = await client.get("/kpi/export/kerncijfers", params={"jaar": 2025, "formaat": "csv"})
    assert csv.status_code == 200
    assert csv.headers.get_list("content-type") == ["text/csv; charset=utf-8"]
    assert csv.content.startswith("\ufeff".encode())
    regels = csv.content.decode("utf-8-sig").splitlines()
    assert regels[0] == "Kerncijfer;Doelstelling;Waarde;Doel (minstens);Status"
    assert "Deelnemersuren aan infosessies (VVSG trekker);OD 1.2;2,5;100;Achter op schema" in regels

    records = (await client.get("/kpi/export/records", params={"jaar": 2025, "kpi": "od12_infosessies", "formaat": "csv"})).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in records  # never a formula in a spreadsheet

    xlsx = await client.get("/kpi/export/opsplitsing", params={"jaar": 2025, "kpi": "od12_deelnemersuren", "per": "vorm", "formaat": "xlsx"})
    assert xlsx.status_code == 200
    blad = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in blad[1]] == ["Online of fysiek", "Deelnemersuren"]
    assert [c.value for c in blad[2]] == ["Fysiek", 2.5]

    dashboard = (await client.get("/kpi/?jaar=2025")).text
    links = set(re.findall(r'href="(/kpi/export/[^"]+)"', dashboard))
    assert len(links) >= 10  # every table on the page has its downloads
    for link in links:
        response = await client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
    assert (await client.get("/kpi/export/records", params={"jaar": 2025, "kpi": "od11_leden", "formaat": "pdf"})).status_code == 404


def test_exports_tonen_belgische_tijd():
    """An event at 08:00 UTC on 1 July happened at 10:00 in Brussels; a spreadsheet cell has no
    time zone, so the downloads hold the Belgian clock time (the CSV with its offset)."""
    openpyxl = pytest.importorskip("openpyxl")
    from kpi.web import export
    from kpi.web.tabellen import Kolom, Tabel

    tabel = Tabel("t", "Gebeurtenissen", [Kolom("Wanneer")], rijen=[[datetime(2025, 7, 1, 8, 0, tzinfo=UTC)], [datetime(2025, 12, 31, 23, 30, tzinfo=UTC)]])
    regels = export.als_csv(tabel).decode("utf-8-sig").splitlines()
    assert regels[1:] == ["2025-07-01T10:00:00+02:00", "2026-01-01T00:30:00+01:00"]
    blad = openpyxl.load_workbook(io.BytesIO(export.als_xlsx(tabel))).active
    assert [blad.cell(r, 1).value for r in (2, 3)] == [datetime(2025, 7, 1, 10, 0), datetime(2026, 1, 1, 0, 30)]


async def test_jaarrapport_om_af_te_drukken(dienst, als, maak):
    from kpi.web import export

    runtime, client, bus = dienst
    await bus.publiceer(maak.event(maak.activiteit(S.STUURGROEP, date(2025, 5, 5))))
    await bus.verwerkt()
    als(client, runtime, Rol.STUURGROEP)
    rapport = await client.get("/kpi/rapport?jaar=2025")
    assert rapport.status_code == 200
    assert rapport.headers.get_list("content-type") == ["text/html; charset=utf-8"]
    assert '<html lang="nl">' in rapport.text and "@media print" in rapport.text
    assert "Vergaderingen van de stuurgroep" in rapport.text and 'role="img"' in rapport.text
    # Sentences are spaced, and on screen the report has every page's header (not in print).
    assert "digitale inclusie. Toestand op 31/12/2025. Nog niet afgesloten" in rapport.text
    assert 'href="/registratie/uitloggen">Uitloggen</a>' in rapport.text and "Terug naar de kerncijfers" in rapport.text
    pdf = await client.get("/kpi/rapport.pdf?jaar=2025")
    if export.pdf_mogelijk():
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # Page 1 starts with content: the first table begins there, not only the headings.
        import weasyprint

        html = rapport.text
        document = weasyprint.HTML(string=html).render()
        eerste = [box for box in _dozen(document.pages[0]._page_box) if getattr(box, "element_tag", None) == "tr"]
        assert len(eerste) >= 3, "page 1 holds only headings"
    else:
        assert pdf.status_code == 404


async def test_api_detail_vraagt_een_rol(dienst, als):
    runtime, client, bus = dienst
    response = await client.get("/kpi/api/v1/kpis/od11_leden?jaar=2025")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    als(client, runtime, Rol.LID)
    assert (await client.get("/kpi/api/v1/kpis/od11_leden?jaar=2025")).status_code == 403
    als(client, runtime, Rol.STUURGROEP)
    assert (await client.get("/kpi/api/v1/kpis/od11_leden?jaar=2025")).status_code == 200
    assert (await client.get("/kpi/api/v1/kpis/od11_leden?jaar=1999")).status_code == 422
    trend = (await client.get("/kpi/api/v1/trend")).json()
    assert [j["jaar"] for j in trend] == [j for j in (2025, 2026) if j <= date.today().year]
    schema = (await client.get("/kpi/schema/openapi.json")).json()
    assert {"/kpi/api/v1/kpis", "/kpi/api/v1/kpis/{kpi_id}", "/kpi/api/v1/kpis/{kpi_id}/uitleg", "/kpi/api/v1/trend"} <= set(schema["paths"])


def _dozen(box):
    yield box
    for kind in getattr(box, "children", []) or []:
        yield from _dozen(kind)


async def test_doorklikken_toont_de_records_per_pagina(dienst, als, maak, monkeypatch):
    """The drill-down pages its records (the page stays quick at any size); together the pages
    hold every record once, in the order of the downloads."""
    from kpi.web import paginas as web

    monkeypatch.setattr(web, "RECORDS_OP_PAGINA", 2)
    runtime, client, bus = dienst
    sessies = [maak.activiteit(S.INFOSESSIE, date(2025, 3, dag), titel=f"Sessie {dag}") for dag in (3, 1, 2, 4, 5)]
    for sessie in sessies:
        await bus.publiceer(maak.event(sessie))
        await bus.publiceer(maak.aanwezig(sessie))
    await bus.verwerkt()
    als(client, runtime, Rol.STUURGROEP)
    gezien = []
    for pagina in (1, 2, 3):
        html = (await client.get(f"/kpi/kpi/od12_deelnemersuren?jaar=2025&pagina={pagina}")).text
        gezien += re.findall(r">(Sessie \d)<", html)
        assert ('rel="prev"' in html) == (pagina > 1) and ('rel="next"' in html) == (pagina < 3)
    assert gezien == ["Sessie 1", "Sessie 2", "Sessie 3", "Sessie 4", "Sessie 5"]
    assert "Hieronder 5 tot en met 5" in html
