"""Benchmark: importing the old member sheet (50 000 rows), its speed and the memory it takes.

registratie runs in this process as the test fixtures run it (`Runtime.start(serve_http=False)`:
migrations, the organisations, relay, consumers; no socket) on a fresh database. The sheet is
generated first: Flemish names, unique addresses, the 285 local governments and the other
organisations written as staff write them (`Aalst`, `Stad Aalst`, `gemeente Aalst`, the NIS code),
function, newsletter, member since as 31/01/2020, knowledge sharing; about 1 % of the rows repeat
an earlier address in other capitals (merged) and 0.5 % are wrong (no valid address, unknown
organisation), as a hand-kept list has them.

The import refuses files above `MAX_RIJEN` rows ("split it into smaller files"), so the sheet is
uploaded as staff would: in files of at most that many rows, one after the other (one import runs
at a time). Each file goes the staff path through the web app (httpx ASGITransport, signed in
as staff): the upload form, the upload (read, judge every row, stage the valid ones), the
preview, "start", then the progress page every second until it says the import is done. The
background job writes every staged row in one transaction through the sign-up's write path,
with the outbox; the relay publishes meanwhile, as in production.

Reported: members per second from the first upload to the last "done", the seconds of the
reading/judging step and of the writing step, and the memory of the process: the peak resident
memory (`ru_maxrss`) before and after, its growth over the resident memory just before the
first upload, and what stays resident afterwards. The generated files are kept in memory by the
driver (a few MB) and count in both.

    .venv/bin/python -m benchmarks --only ledenimport [--import-rijen 50000] [--import-formaat xlsx]
"""

from __future__ import annotations

import asyncio
import csv
import ctypes
import gc
import io
import os
import random
import re
import time
import uuid
from datetime import date
from typing import Any

import httpx
from dinet_chassis.embedded import free_port
from dinet_chassis.runtime import Runtime
from dinet_chassis.settings import Settings
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

from .common import log
from .kpi_rebuild import peak_rss_mb
from .report import Report, Row
from .servers import Servers, checkpoint, fresh_database, reset_streams

IMPORT = "/registratie/leden/import"
KOP = ["Voornaam", "Naam", "E-mail", "Organisatie", "Functie", "Nieuwsbrief", "Lid sinds", "Kennisdeling"]
# Issue 14: 200 MB idle. One file (at most MAX_RIJEN rows) is read, judged and written at a time,
# so the import may add what one file's rows take in Python (the cells, the judged rows, the
# staged rows read back, the events): 200 MB above idle is room for that, and more means the
# import holds the whole sheet or leaks from file to file.
DOEL_PIEK_MB = 400
VOORNAMEN = (
    "An", "Bart", "Chloë", "Dirk", "Els", "Frank", "Griet", "Hans", "Ilse", "Jan", "Katrien", "Luc", "Marleen", "Noah",
    "Olivia", "Pieter", "Rik", "Sofie", "Tom", "Ursula", "Veerle", "Wim", "Yasmine", "Zoë", "Mohamed", "Fatima",
    "Jef", "Leen", "Mathias", "Nele", "Stijn", "Hélène", "Kobe", "Ine",
)  # fmt: skip
ACHTERNAMEN = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Van den Bossche", "Vermeulen", "De Clercq", "Lambrechts", "El Amrani", "Van Damme", "Hermans",
    "D'Hondt", "Verstraete", "Coppens", "Desmet", "Aerts", "Van Acker", "Smeets",
)  # fmt: skip
FUNCTIES = ("Coördinator digitale inclusie", "Bibliothecaris", "Maatschappelijk werker", "Beleidsmedewerker", "", "Digibuddy")
KOPIEER_NA = 97  # a repeated address comes back this many rows later (in the same file, mostly)


def organisatiecellen() -> list[str]:
    """Every organisation the import knows, written the ways a hand-kept list writes them."""
    from registratie.kernel.referentiedata import ANDERE_ORGANISATIES, LOKALE_BESTUREN

    cellen: list[str] = []
    with LOKALE_BESTUREN.open(encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            cellen.append((r["naam"], f"Stad {r['naam']}", f"gemeente {r['naam']}", r["nis_code"])[i % 4])
    with ANDERE_ORGANISATIES.open(encoding="utf-8") as f:
        cellen.extend(r["naam"] for r in csv.DictReader(f))
    return cellen


def ledenblad(aantal: int, *, seed: int = 14) -> list[list[Any]]:
    """`aantal` data rows; spreadsheet row 2 is the first."""
    kans = random.Random(seed)
    organisaties = organisatiecellen()
    rijen: list[list[Any]] = []
    for i in range(aantal):
        voornaam, achternaam = kans.choice(VOORNAMEN), kans.choice(ACHTERNAMEN)
        lokaal = re.sub(r"[^a-z]", "", (voornaam + "." + achternaam).lower().replace("ë", "e").replace("é", "e"))
        email = f"{lokaal}{i}@voorbeeld{i % 50}.be"
        organisatie = kans.choice(organisaties)
        lot = kans.random()
        if lot < 0.01 and i >= KOPIEER_NA:
            email = str(rijen[i - KOPIEER_NA][2]).upper()  # the same person entered twice
        elif lot < 0.0125:
            email = email.replace("@", " at ")
        elif lot < 0.015:
            organisatie = f"Gemeente Nergens{i}"
        rijen.append(
            [
                voornaam,
                achternaam,
                email,
                organisatie,
                kans.choice(FUNCTIES),
                kans.choice(("ja", "nee", "ja", "")),
                date(2012 + kans.randrange(14), 1 + kans.randrange(12), 1 + kans.randrange(28)),
                "ja" if kans.random() < 0.2 else "",
            ]
        )
    return rijen


def als_bestand(rijen: list[list[Any]], formaat: str) -> bytes:
    if formaat == "csv":  # as Excel on Windows saves it: semicolons, Windows-1252
        regels = [";".join(KOP)]
        regels += [";".join(w.strftime("%d/%m/%Y") if isinstance(w, date) else str(w) for w in r) for r in rijen]
        return ("\r\n".join(regels) + "\r\n").encode("cp1252")
    from openpyxl import Workbook

    boek = Workbook(write_only=True)  # the driver's own file must not set the peak
    blad = boek.create_sheet()
    blad.append(KOP)
    for r in rijen:
        blad.append(r)
    uit = io.BytesIO()
    boek.save(uit)
    return uit.getvalue()


def rss_mb() -> float:
    """The resident memory of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def geef_vrij_mb() -> float | None:
    """Resident memory after glibc hands its free pages back: what stays after the import but
    disappears here was free memory the allocator kept, not objects the import still holds."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None  # not glibc
    return rss_mb()


def _csrf(html: str) -> str:
    gevonden = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if gevonden is None:
        raise RuntimeError("geen CSRF-token op de pagina")
    return gevonden.group(1)


def _getal(html: str, label: str) -> int:
    gevonden = re.search(re.escape(label) + r'</dt><dd class="govuk-summary-list__value">(?:<strong>)?(\d+)', html)
    return int(gevonden.group(1)) if gevonden else 0


async def importeer_bestand(client: httpx.AsyncClient, naam: str, inhoud: bytes, rijen: int) -> dict[str, float]:
    """One file through the staff pages; the seconds of each step and the preview's counts."""
    start = time.perf_counter()
    formulier = await client.get(IMPORT)
    antwoord = await client.post(
        IMPORT,
        data={"_csrf_token": _csrf(formulier.text)},
        files={"bestand": (naam, inhoud, "application/octet-stream")},
    )
    if antwoord.status_code != 303:
        raise RuntimeError(f"upload van {naam} geweigerd ({antwoord.status_code}): {antwoord.text[:500]}")
    taak = antwoord.headers["location"]
    voorbeeld = await client.get(taak)
    voorbeeld.raise_for_status()
    gelezen = time.perf_counter()
    telling = {label: _getal(voorbeeld.text, label) for label in ("Rijen met een fout", "Dubbele rijen", "Al lid", "Nieuwe leden")}
    antwoord = await client.post(f"{taak}/starten", data={"_csrf_token": _csrf(voorbeeld.text), "verversen": "ja"})
    if antwoord.status_code != 303:
        raise RuntimeError(f"starten van {naam} geweigerd ({antwoord.status_code})")
    grens = time.perf_counter() + 60 + rijen * 0.05
    while True:
        pagina = await client.get(taak)
        if "Import klaar" in pagina.text:
            break
        if "mislukt" in pagina.text:
            raise RuntimeError(f"import van {naam} mislukt")
        if time.perf_counter() > grens:
            raise TimeoutError(f"import van {naam} niet klaar")
        await asyncio.sleep(1.0)
    klaar = time.perf_counter()
    return {"lezen": gelezen - start, "schrijven": klaar - gelezen, **telling}


def _settings(servers: Servers, nats_url: str, database_url: str) -> Settings:
    return Settings(
        service="registratie",
        nats_url=nats_url,
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{free_port()}",
        data_dir=servers.work_dir / "data-registratie-ledenimport",
        public_url="http://bench",
        secret_key="bench-" + "x" * 32,
        http_port=free_port(),
    )


async def bench_ledenimport(servers: Servers, report: Report, aantal: int, formaat: str) -> None:
    from registratie.leden.domain.importbestand import MAX_RIJEN
    from registratie.main import DEFINITION

    blad = ledenblad(aantal)
    bestanden = [
        (f"ledenlijst-{n + 1}.{formaat}", als_bestand(blad[i : i + MAX_RIJEN], formaat), len(blad[i : i + MAX_RIJEN]))
        for n, i in enumerate(range(0, aantal, MAX_RIJEN))
    ]
    del blad
    log(
        f"ledenimport: {aantal} rijen in {len(bestanden)} {formaat}-bestand(en) van samen"
        f" {sum(len(b) for _, b, _ in bestanden) / 1024 / 1024:.1f} MB"
    )
    nats_url = servers.shipped_nats_url
    await reset_streams(nats_url)
    async with fresh_database(servers.admin_database_url) as url:
        runtime = Runtime(DEFINITION, _settings(servers, nats_url, url))
        await runtime.start(serve_http=False)
        medewerker = Identiteit(sub="bench:medewerker", naam="Bench Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=runtime.app),
                base_url="http://bench",
                cookies={COOKIE: maak_cookie(medewerker, runtime.settings.secret_key)},
            ) as client:
                (await client.get(IMPORT)).raise_for_status()  # warm-up: routing, templates
                await checkpoint(url)
                gc.collect()
                piek_voor, rss_voor = peak_rss_mb(), rss_mb()
                start = time.perf_counter()
                stappen = []
                for naam, inhoud, rijen in bestanden:
                    stappen.append(await importeer_bestand(client, naam, inhoud, rijen))
                    log(
                        f"ledenimport: {naam} ({rijen} rijen) gelezen in {stappen[-1]['lezen']:.1f} s, geschreven in"
                        f" {stappen[-1]['schrijven']:.1f} s; piek RSS nu {peak_rss_mb():.0f} MB"
                    )
                seconden = time.perf_counter() - start
                piek_na = peak_rss_mb()
            gc.collect()
            rss_na = rss_mb()
            rss_getrimd = geef_vrij_mb()
            belasting = os.getloadavg()[0]
            async with runtime.db.engine.connect() as conn:
                from sqlalchemy import text

                leden = (await conn.execute(text("SELECT count(*) FROM leden"))).scalar_one()
        finally:
            await runtime.stop()
    nieuw = sum(s["Nieuwe leden"] for s in stappen)
    if leden < nieuw:
        raise RuntimeError(f"{leden} leden na de import, de voorbeelden beloofden er {nieuw}")
    lezen = sum(s["lezen"] for s in stappen)
    schrijven = sum(s["schrijven"] for s in stappen)
    detail = (
        f"{aantal} rijen ({formaat}, {len(bestanden)} bestanden van max {MAX_RIJEN}): {leden} leden,"
        f" {sum(s['Rijen met een fout'] for s in stappen)} foute rijen, {sum(s['Dubbele rijen'] for s in stappen)}"
        f" dubbel in hetzelfde bestand, {sum(s['Al lid'] for s in stappen)} al lid; {seconden:.0f} s"
        f" (lezen en beoordelen {lezen:.0f} s, schrijven {schrijven:.0f} s); load average {belasting:.2f} bij het einde"
    )
    report.add(Row(f"ledenimport {aantal} rijen (leden/s)", leden / seconden, "leden/s", detail=detail))
    report.add(
        Row(
            f"ledenimport {aantal} rijen, piek RSS (MB)",
            piek_na,
            "MB",
            target=f"<= {DOEL_PIEK_MB} MB",
            detail=(
                f"piek RSS {piek_voor:.0f} MB voor en {piek_na:.0f} MB na de import; groei {piek_na - rss_voor:.0f} MB"
                f" boven de {rss_voor:.0f} MB resident voor de eerste upload; daarna nog {rss_na:.0f} MB resident"
                + (f", {rss_getrimd:.0f} MB na malloc_trim" if rss_getrimd is not None else "")
            ),
        )
    )
