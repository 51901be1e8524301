"""Importing the old member list (CSV and XLSX): preview, merge, one transaction, report, re-import."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from typing import Any

from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from openpyxl import Workbook
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.leden.domain.importbestand import (
    BekendeOrganisatie,
    OrganisatieZoeker,
    Tabel,
    beoordeel,
    lees_tabel,
)
from registratie.main import DEFINITION

MEDEWERKER = Identiteit(sub="test:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
GENT = organisatie_id_voor_nis("44021")
KOP = ["Voornaam", "Naam", "E-mail", "Organisatie", "Functie", "Nieuwsbrief", "Lid sinds", "Kennisdeling"]
ORGANISATIES = ["Gent", "Stad Antwerpen", "11002", "Aalst", "Mediawijs", "gemeente Aartselaar", "71072", "Interleuven"]
BESTAAND = ["lid0007@voorbeeld.be", "lid0100@voorbeeld.be", "lid0400@voorbeeld.be"]  # members before the import

# Row numbers as the spreadsheet shows them (header = 1) and what is wrong with them.
FOUTEN = {
    12: ("naam", "", "lid"),
    40: ("email", "geen-adres", None),
    77: ("organisatie", "Gemeente Nergenshuizen", None),
    120: ("email", "", None),
    200: ("organisatie", "99999", None),
    260: ("nieuwsbrief", "misschien", None),
    333: ("lid_sinds", "31/02/2020", None),
    401: ("organisatie", "", None),
    500: ("kennisdeling", "soms", None),
    640: ("email", "an@@gent.be", None),
}
DUBBEL = {300: 13, 301: 14, 450: 15, 600: 16, 651: 17}  # row -> earlier row with the same address


def ledenlijst() -> list[list[Any]]:
    """650 data rows (spreadsheet rows 2..651): 10 bad ones, 5 that repeat an earlier address."""
    rijen: list[list[Any]] = []
    for nummer in range(2, 652):
        i = DUBBEL.get(nummer, nummer)
        email = f"Lid{i:04d}@Voorbeeld.be" if nummer in DUBBEL else f"lid{i:04d}@voorbeeld.be"
        rij: list[Any] = [
            f"Voornaam{i}",
            f"Achternaam{i}",
            email,
            ORGANISATIES[i % len(ORGANISATIES)],
            "" if nummer in DUBBEL else ("Coördinator" if i % 3 else ""),
            "ja" if i % 2 else "nee",
            date(2019 + i % 5, 1 + i % 12, 1 + i % 28),
            "ja" if i % 10 == 0 else "",
        ]
        if nummer in DUBBEL:
            rij[4] = "Later ingevulde functie"  # fills the first row's empty functie only if it was empty
        if nummer in FOUTEN:
            veld, waarde, _ = FOUTEN[nummer]
            kolom = {"naam": 1, "email": 2, "organisatie": 3, "nieuwsbrief": 5, "lid_sinds": 6, "kennisdeling": 7}[veld]
            rij[kolom] = waarde
            if veld == "naam":
                rij[0] = ""
        rijen.append(rij)
    return rijen


def als_csv(rijen: list[list[Any]]) -> bytes:
    def cel(w: Any) -> str:
        return w.strftime("%d/%m/%Y") if isinstance(w, date) else str(w)

    regels = [";".join(KOP)] + [";".join(cel(w) for w in r) for r in rijen]
    # Excel on Windows: semicolons and Windows-1252.
    return ("\r\n".join(regels) + "\r\n").encode("cp1252")


def als_xlsx(rijen: list[list[Any]]) -> bytes:
    boek = Workbook()
    blad = boek.active
    blad.append(KOP)
    for r in rijen:
        blad.append(r)
    uit = io.BytesIO()
    boek.save(uit)
    return uit.getvalue()


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def medewerker(runtime: Any, http: Any) -> Any:
    client = http(runtime, follow_redirects=False)
    client.cookies.set(COOKIE, maak_cookie(MEDEWERKER, runtime.settings.secret_key))
    return client


async def tel(runtime: Any, sql: str) -> int:
    async with runtime.db.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def upload(client: Any, naam: str, inhoud: bytes) -> str:
    pagina = await client.get("/registratie/leden/import")
    r = await client.post(
        "/registratie/leden/import",
        data={"_csrf_token": csrf(pagina.text)},
        files={"bestand": (naam, inhoud, "application/octet-stream")},
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


async def importeer(client: Any, taak: str) -> str:
    voorbeeld = await client.get(taak)
    r = await client.post(f"{taak}/starten", data={"_csrf_token": csrf(voorbeeld.text)})
    assert r.status_code == 303

    async def klaar() -> str | None:
        pagina = await client.get(taak)
        return pagina.text if "Import klaar" in pagina.text or "mislukt" in pagina.text else None

    return await wait_until(klaar, timeout=30)


def getal(html: str, label: str) -> int:
    return int(re.search(re.escape(label) + r'</dt><dd class="govuk-summary-list__value">(?:<strong>)?(\d+)', html).group(1))


async def meld_bestaande_leden_aan(client: Any) -> None:
    for email in BESTAAND:
        r = await client.post(
            "/registratie/api/v1/leden",
            json={"naam": "Bestaand Lid", "email": email, "organisatie_id": str(GENT), "functie": "Schepen"},
        )
        assert r.status_code == 201


# --- the rules, without a database -------------------------------------------------------------------


def test_rows_are_judged_and_merged_without_a_database() -> None:
    zoeker = OrganisatieZoeker(
        [
            BekendeOrganisatie(GENT, "Gent", "44021"),
            BekendeOrganisatie(uuid.uuid4(), "Mediawijs", None),
            BekendeOrganisatie(uuid.uuid4(), "Sint-Niklaas", "46021"),
        ]
    )
    tabel = Tabel(
        kop=["Naam", "E-mailadres", "NIS-code", "Nieuwsbrief"],
        rijen=[
            (2, ["An Peeters", "AN@gent.be", "44021", "ja"]),
            (3, ["", "x@gent.be", "44021", ""]),
            (4, ["An P.", "an@gent.be", "44021", ""]),
            (5, ["Bo", "bo@sint-niklaas.be", "46021", "neen"]),
        ],
    )
    b = beoordeel(tabel, zoeker, vandaag=date(2025, 6, 1))
    assert not isinstance(b, list)
    assert [(r.rij, r.email, r.nieuwsbrief) for r in b.rijen] == [(2, "an@gent.be", True), (5, "bo@sint-niklaas.be", False)]
    assert [(f.rij, f.veld, f.code) for f in b.fouten] == [(3, "naam", "verplicht")]
    assert b.fouten[0].melding == "Rij 3: de naam ontbreekt."
    assert [(s.rij, s.met_rij) for s in b.samengevoegd] == [(4, 2)]
    assert zoeker.zoek("Stad Gent") == GENT and zoeker.zoek("sint niklaas") != "onbekende_organisatie"

    zonder_email = beoordeel(Tabel(kop=["Naam", "Organisatie"], rijen=[]), zoeker, vandaag=date(2025, 6, 1))
    assert zonder_email == ["De kolom 'e-mail' ontbreekt."]


def test_csv_and_xlsx_read_the_same() -> None:
    rijen = ledenlijst()
    uit_csv = lees_tabel("leden.csv", als_csv(rijen))
    uit_xlsx = lees_tabel("leden.xlsx", als_xlsx(rijen))
    assert len(uit_csv.rijen) == len(uit_xlsx.rijen) == 650
    assert uit_csv.rijen[0][0] == uit_xlsx.rijen[0][0] == 2
    assert uit_csv.kop == uit_xlsx.kop == KOP


# --- the pages, on a real database --------------------------------------------------------------------


async def test_csv_import_preview_write_report_and_reimport(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = medewerker(runtime, http)
        await meld_bestaande_leden_aan(http(runtime))
        leden_voor = await tel(runtime, "SELECT count(*) FROM leden")
        events_voor = await tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'")
        bestand = als_csv(ledenlijst())

        taak = await upload(client, "ledenlijst 2024.csv", bestand)
        voorbeeld = await client.get(taak)
        assert voorbeeld.status_code == 200
        assert "Nakijken voor je importeert" in voorbeeld.text
        # Nothing is written before staff confirm.
        assert await tel(runtime, "SELECT count(*) FROM leden") == leden_voor

        # Every bad row is named, in Dutch, with its row number as the spreadsheet shows it.
        assert getal(voorbeeld.text, "Rijen in het bestand") == 650
        assert getal(voorbeeld.text, "Rijen met een fout") == 10
        fouten = re.findall(r"Rij (\d+): ([^<]+)</td>", voorbeeld.text)
        assert sorted(int(r) for r, _ in fouten) == sorted(FOUTEN)
        meldingen = dict((int(r), m) for r, m in fouten)
        assert meldingen[12] == "de naam ontbreekt."
        assert meldingen[40] == "het e-mailadres is niet geldig (zoals naam@gemeente.be)."
        assert meldingen[77].startswith("de organisatie &#39;Gemeente Nergenshuizen&#39; kennen we niet")
        assert meldingen[120] == "het e-mailadres ontbreekt."
        assert "&#39;lid sinds&#39; is geen geldige datum" in meldingen[333]
        assert getal(voorbeeld.text, "Dubbele rijen") == 5
        assert getal(voorbeeld.text, "Al lid") == 3
        assert getal(voorbeeld.text, "Nieuwe leden") == 650 - 10 - 5 - 3

        # While it runs the page refreshes itself and shows progress (no JavaScript).
        async with runtime.db.engine.begin() as conn:
            await conn.execute(text("UPDATE ledenimport SET status = 'bezig', verwerkt = 127"))
        bezig = await client.get(taak)
        assert '<meta http-equiv="refresh" content="2">' in bezig.text
        assert '<progress id="voortgang" max="635" value="127">20%</progress>' in bezig.text
        assert "127 van 635 rijen verwerkt" in bezig.text
        async with runtime.db.engine.begin() as conn:
            await conn.execute(text("UPDATE ledenimport SET status = 'voorbeeld', verwerkt = 0"))

        verslag = await importeer(client, taak)
        assert "Import klaar" in verslag, verslag
        assert getal(verslag, "Nieuwe leden") == 632
        # Existing members keep their data; the file only adds the knowledge-sharing space they lacked.
        assert getal(verslag, "Bestaande leden aangevuld") == 2  # rows 100 and 400 say kennisdeling: ja
        assert getal(verslag, "Bestaande leden ongewijzigd") == 1
        assert "Rij 640: het e-mailadres is niet geldig" in verslag
        assert '<meta http-equiv="refresh"' not in verslag

        assert await tel(runtime, "SELECT count(*) FROM leden") == leden_voor + 632
        assert await tel(runtime, "SELECT count(*) FROM ledenimport_rijen") == 0  # staged personal data is gone
        # Each new member is announced, with no welcome mail ('wijziging'), in the import's transaction.
        assert await tel(runtime, "SELECT count(*) FROM outbox WHERE event_type = 'be.dinet.lid.geregistreerd.v1'") == 3 + 632
        assert await tel(
            runtime,
            "SELECT count(*) FROM outbox WHERE event_type = 'be.dinet.lid.contactgegevens.v1'"
            " AND convert_from(body, 'UTF8')::jsonb -> 'data' ->> 'aanleiding' = 'wijziging'",
        ) == 632
        async with runtime.db.engine.connect() as conn:
            eerste = (
                await conn.execute(
                    text(
                        "SELECT l.naam, l.functie, l.nieuwsbrief, l.lid_sinds, t.hoe, t.tekst FROM leden l"
                        " JOIN toestemmingen t ON t.lid_id = l.id WHERE l.email = 'lid0013@voorbeeld.be'"
                    )
                )
            ).one()
            aangevuld = (
                await conn.execute(text("SELECT functie FROM leden WHERE email = 'lid0015@voorbeeld.be'"))
            ).scalar_one()
            bestaand = (
                await conn.execute(text("SELECT naam, functie FROM leden WHERE email = 'lid0100@voorbeeld.be'"))
            ).one()
            kennisdeling = (
                await conn.execute(
                    text("SELECT count(*) FROM kennisdeling k JOIN leden l ON l.id = k.lid_id WHERE l.email LIKE 'lid%0@voorbeeld.be'")
                )
            ).scalar_one()
        # Row 300 repeated row 13's address (other case) and filled its empty functie.
        assert eerste.naam == "Voornaam13 Achternaam13"
        assert eerste.functie == "Coördinator"
        assert eerste.nieuwsbrief is True and eerste.lid_sinds == date(2022, 2, 14)
        assert eerste.hoe == "import" and "ledenlijst 2024.csv" in eerste.tekst
        assert aangevuld == "Later ingevulde functie"  # row 15 left it empty, its repeat in row 450 filled it
        assert tuple(bestaand) == ("Bestaand Lid", "Schepen")
        # Rows whose number ends in 0 say kennisdeling: ja: 65, minus 6 bad rows and 3 repeats (300, 450, 600).
        assert kennisdeling == 56
        events_na = await tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'")

        # The same file again: nothing changes, nothing is announced.
        taak2 = await upload(client, "ledenlijst 2024.csv", bestand)
        tweede = await client.get(taak2)
        assert getal(tweede.text, "Al lid") == 635 and getal(tweede.text, "Nieuwe leden") == 0
        verslag2 = await importeer(client, taak2)
        assert getal(verslag2, "Nieuwe leden") == 0
        assert getal(verslag2, "Bestaande leden aangevuld") == 0
        assert getal(verslag2, "Bestaande leden ongewijzigd") == 635
        assert await tel(runtime, "SELECT count(*) FROM leden") == leden_voor + 632
        assert await tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'") == events_na
    assert events_na > events_voor


async def test_xlsx_import_and_nothing_half_imported_on_failure(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = medewerker(runtime, http)
        taak = await upload(client, "leden.xlsx", als_xlsx(ledenlijst()))
        voorbeeld = await client.get(taak)
        assert getal(voorbeeld.text, "Rijen met een fout") == 10
        assert getal(voorbeeld.text, "Nieuwe leden") == 635

        # A row that breaks while writing (here: forced past validation) rolls everything back.
        async with runtime.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE ledenimport_rijen SET naam = repeat('x', 300) WHERE rij = (SELECT max(rij) FROM ledenimport_rijen)")
            )
        mislukt = await importeer(client, taak)
        assert "De import is mislukt" in mislukt and "Er is niets ingevoerd" in mislukt
        assert await tel(runtime, "SELECT count(*) FROM leden") == 0
        assert await tel(runtime, "SELECT count(*) FROM outbox WHERE event_type LIKE 'be.dinet.lid.%'") == 0

        # Repaired, it can be started again and then writes everything.
        async with runtime.db.engine.begin() as conn:
            await conn.execute(text("UPDATE ledenimport_rijen SET naam = 'Hersteld' WHERE length(naam) > 200"))
        verslag = await importeer(client, taak)
        assert getal(verslag, "Nieuwe leden") == 635
        assert await tel(runtime, "SELECT count(*) FROM leden") == 635


async def test_unreadable_files_get_a_dutch_message(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = medewerker(runtime, http)
        pagina = await client.get("/registratie/leden/import")
        leeg = await client.post("/registratie/leden/import", data={"_csrf_token": csrf(pagina.text)})
        zonder_kolom = await client.post(
            "/registratie/leden/import",
            data={"_csrf_token": csrf(pagina.text)},
            files={"bestand": ("leden.csv", b"naam;organisatie\nAn;Gent\n", "text/csv")},
        )
        kapot = await client.post(
            "/registratie/leden/import",
            data={"_csrf_token": csrf(pagina.text)},
            files={"bestand": ("leden.xlsx", b"PK\x03\x04 dit is geen excel", "application/octet-stream")},
        )
        assert await tel(runtime, "SELECT count(*) FROM ledenimport") == 0
    assert leeg.status_code == 400 and "Kies een bestand" in leeg.text
    assert zonder_kolom.status_code == 400 and "De kolom &#39;e-mail&#39; ontbreekt." in zonder_kolom.text
    assert kapot.status_code == 400 and "Het Excel-bestand is niet leesbaar" in kapot.text
