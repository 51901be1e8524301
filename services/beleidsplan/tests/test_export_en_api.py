"""Exports for the council (tagged PDF with its language, editable ODT, actions as CSV and XLSX)
and the JSON API, for a plan with 30 actions; the timings are printed (run with -s to see them)."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
import zipfile
import zlib
from typing import Any

import pytest

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

from beleidsplan.main import DEFINITION

GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
GEERT = Identiteit("demo:gent", "Geert Goossens", frozenset({Rol.BESTUUR}), GENT)
ELEMENTEN = ["TOE-01", "TOE-04", "VAA-03", "VAA-05", "DIE-02", "DIE-05", "REG-01", "REG-09"]


def plan_met_acties(n: int) -> dict[str, Any]:
    return {
        "titel": "Digitaal mee in Gent 2026-2031",
        "voorbereiding": {"risicogroepen": "Ouderen; nieuwkomers", "bestaande_acties": "Digipunten", "partners": "Bib, OCMW", "meerjarenplan": ""},
        "elementen": [{"element_id": e, "score": "rood", "notitie": "", "prioriteit": "kort"} for e in ELEMENTEN],
        "acties": [
            {
                "element_id": ELEMENTEN[i % len(ELEMENTEN)], "wat": f"Actie {i + 1}: =SOM(A1) met een lange beschrijving " + "x" * 120,
                "eigenaar": "Dienst welzijn", "betrokken": "Bib, OCMW", "start": "2027-01-01", "einde": "2027-12-31",
                "budget": f"{1000 * (i + 1)}.50", "bbc_code": "0909", "doelgroep": "Ouderen", "indicator": "Bereik",
                "baseline": "0", "streefwaarde": "100", "bron": "Registratie", "status": ["rood", "oranje", "groen"][i % 3],
                "evaluatiedatum": "2027-06-30", "beleidsdoelstelling": "BD1", "actieplan": "AP1.1",
            }
            for i in range(n)
        ],
    }


def pdf_objecten(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated, to look inside."""
    delen = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            delen.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(delen)


@pytest.fixture
async def gent(start_service: Any, http: Any) -> Any:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        client.cookies.set(COOKIE, maak_cookie(GEERT, runtime.settings.secret_key))
        yield client


async def test_een_plan_met_30_acties_exporteren(gent: Any) -> None:
    r = await gent.post("/beleidsplan/api/v1/plannen", json=plan_met_acties(30))
    assert r.status_code == 201, r.text
    plan = r.json()
    assert len(plan["acties"]) == 30 and r.headers["location"] == f"/beleidsplan/api/v1/plannen/{plan['id']}"
    pad = plan["pagina"]

    tijden: dict[str, float] = {}
    antwoorden: dict[str, Any] = {}
    for naam, url in (("pagina", pad), ("pdf", f"{pad}/export.pdf"), ("odt", f"{pad}/export.odt"),
                      ("xlsx", f"{pad}/acties.xlsx"), ("csv", f"{pad}/acties.csv")):
        await gent.get(url)  # warm: templates compiled, fonts loaded
        begin = time.perf_counter()
        antwoorden[naam] = await gent.get(url)
        tijden[naam] = time.perf_counter() - begin
        assert antwoorden[naam].status_code == 200, (naam, antwoorden[naam].text[:500])
    print("plan met 30 acties, seconden:", {k: round(v, 3) for k, v in tijden.items()})

    pdf = antwoorden["pdf"]
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    objecten = pdf_objecten(pdf.content)
    assert b"/StructTreeRoot" in objecten and b"/MarkInfo" in objecten  # tagged
    assert b"/Lang (nl-BE)" in objecten
    assert b"pdfuaid:part" in objecten  # declares PDF/UA-1
    assert b"/S /H1" in objecten and b"/S /Table" in objecten and b"/S /TH" in objecten
    assert 'filename="digitaal-mee-in-gent-2026-2031.pdf"' in pdf.headers["content-disposition"]

    odt = zipfile.ZipFile(io.BytesIO(antwoorden["odt"].content))
    assert odt.namelist()[0] == "mimetype" and odt.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    inhoud = odt.read("content.xml").decode()
    assert inhoud.count("<text:h ") >= 30 + 4 and "Actie 30: =SOM(A1)" in inhoud and "&lt;" not in inhoud[:0]
    assert 'fo:language="nl"' in odt.read("styles.xml").decode() and "<dc:language>nl-BE</dc:language>" in odt.read("meta.xml").decode()

    rijen = list(csv.reader(io.StringIO(antwoorden["csv"].content.decode("utf-8-sig")), delimiter=";"))
    assert len(rijen) == 31 and rijen[0][:3] == ["Pijler", "Beleidselement (tekst)", "Beleidselement"]
    eerste = next(r for r in rijen if r[3].startswith("Actie 1: "))
    assert eerste[:3] == ["Toegang", eerste[1], "TOE-01"] and eerste[1].startswith("… voorzien we")
    assert eerste[3].startswith("Actie 1: =SOM") and eerste[8] == "1000,50" and eerste[15] == "Rood"

    from openpyxl import load_workbook

    blad = load_workbook(io.BytesIO(antwoorden["xlsx"].content)).active
    assert blad.max_row == 31
    rij = next(r for r in range(2, 32) if str(blad.cell(r, 4).value).startswith("Actie 1: "))
    assert blad.cell(rij, 9).value == 1000.5 and blad.cell(rij, 7).value.year == 2027
    assert blad.cell(rij, 4).data_type == "s"  # "=SOM(A1)" stays text, never a formula

    # Generous bounds (a shared 2-core machine): the point is the order of magnitude.
    assert tijden["pagina"] < 2 and tijden["pdf"] < 20 and tijden["odt"] < 2 and tijden["xlsx"] < 2


async def test_de_api_geeft_de_catalogus_en_de_eigen_plannen(gent: Any) -> None:
    catalogus = (await gent.get("/beleidsplan/api/v1/catalogus")).json()
    assert catalogus["versie"] == "2026.2-afgeleid"
    assert [p["code"] for p in catalogus["pijlers"]] == ["TOE", "VAA", "DIE", "REG"]
    assert sum(len(p["elementen"]) for p in catalogus["pijlers"]) == 34
    assert sum(len(f["beleidsacties"]) for f in catalogus["beleidsfasen"]) == 18

    r = await gent.post("/beleidsplan/api/v1/plannen", json={"titel": "", "elementen": [{"element_id": "TOE-99"}], "acties": [{"element_id": "VAA-01", "wat": "x"}]})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    velden = {e["veld"] for e in r.json()["errors"]}
    assert {"titel", "elementen", "acties.0.element_id"} <= velden, velden

    plan = (await gent.post("/beleidsplan/api/v1/plannen", json=plan_met_acties(2))).json()
    lijst = (await gent.get("/beleidsplan/api/v1/plannen")).json()["plannen"]
    assert [p["id"] for p in lijst] == [plan["id"]]
    een = (await gent.get(f"/beleidsplan/api/v1/plannen/{plan['id']}")).json()
    assert een["elementen"][0]["tekst"] and een["voorbereiding"]["partners"] == "Bib, OCMW"

    schema = (await gent.get("/beleidsplan/schema/openapi.json")).json()
    for pad in ("/beleidsplan/api/v1/catalogus", "/beleidsplan/api/v1/plannen", "/beleidsplan/api/v1/plannen/{beleidsplan_id}", "/beleidsplan/api/v1/zelfevaluaties"):
        assert pad in schema["paths"], pad


async def test_een_plan_aanmaken_met_idempotency_key_gebeurt_maar_een_keer(gent: Any) -> None:
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    eerste = await gent.post("/beleidsplan/api/v1/plannen", json=plan_met_acties(3), headers=sleutel)
    tweede = await gent.post("/beleidsplan/api/v1/plannen", json=plan_met_acties(3), headers=sleutel)
    assert eerste.status_code == tweede.status_code == 201
    assert tweede.headers.get("idempotent-replayed") == "true" and tweede.json()["id"] == eerste.json()["id"]
    assert len(eerste.json()["acties"]) == 3
    assert len((await gent.get("/beleidsplan/api/v1/plannen")).json()["plannen"]) == 1
