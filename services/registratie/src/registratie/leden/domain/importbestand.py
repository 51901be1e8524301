"""Reading the old member list (CSV or XLSX) and judging every row, without a database.

The list has grown by hand over the years, so the reader is lenient about how it looks (column
names in several spellings, `;` or `,`, UTF-8 or Windows-1252, dates as 31/01/2020 or real
spreadsheet dates) and strict about what it means: every row is valid or gets a message in plain
Dutch that names its row number, as staff see it in their spreadsheet program.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError

from ...kernel.datum import lees_datum
from .aanmelding import MAX_EMAIL, MAX_FUNCTIE, MAX_NAAM

MAX_BESTAND_BYTES = 5 * 1024 * 1024
MAX_RIJEN = 20_000

# Column name (normalised: lowercase, no accents, single spaces) -> field.
_KOLOMNAMEN: dict[str, str] = {}
for _veld, _namen in {
    "naam": ("naam", "volledige naam", "naam en voornaam", "voornaam en naam", "voor en achternaam"),
    "voornaam": ("voornaam",),
    "achternaam": ("achternaam", "familienaam"),
    "email": ("e-mail", "email", "e-mailadres", "emailadres", "mail", "e mail", "mailadres"),
    "organisatie": ("organisatie", "bestuur", "lokaal bestuur", "gemeente", "organisatienaam", "werkgever"),
    "nis_code": ("nis", "nis-code", "nis code", "niscode"),
    "functie": ("functie", "functietitel", "jobtitel"),
    "nieuwsbrief": ("nieuwsbrief", "nieuwsbrief gewenst"),
    "lid_sinds": ("lid sinds", "lid vanaf", "startdatum", "datum lid", "ingeschreven op"),
    "kennisdeling": ("kennisdeling", "kennisdelingsplatform", "online platform", "kennisplatform"),
}.items():
    for _naam in _namen:
        _KOLOMNAMEN[_naam] = _veld

KOLOM_LABELS = {
    "naam": "naam",
    "email": "e-mail",
    "organisatie": "organisatie",
    "functie": "functie",
    "nieuwsbrief": "nieuwsbrief",
    "lid_sinds": "lid sinds",
    "kennisdeling": "kennisdeling",
}

_JA = {"ja", "j", "yes", "y", "1", "true", "waar", "x", "ok"}
_NEE = {"nee", "n", "no", "0", "false", "onwaar", "neen"}
_EMAIL = TypeAdapter(EmailStr)
_VOORVOEGSELS = ("stad ", "gemeente ", "lokaal bestuur ", "ocmw ")


class OnleesbaarBestand(Exception):
    """The file as a whole cannot be used; `melding` says why, in Dutch."""

    def __init__(self, melding: str) -> None:
        super().__init__(melding)
        self.melding = melding


@dataclass(frozen=True, slots=True)
class Tabel:
    kop: list[str]
    rijen: list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)


@dataclass(frozen=True, slots=True)
class ImportRij:
    rij: int
    naam: str
    email: str
    organisatie_id: uuid.UUID
    functie: str | None = None
    nieuwsbrief: bool | None = None
    lid_sinds: date | None = None
    kennisdeling: bool | None = None
    kennisdeling_sinds: date | None = None


@dataclass(frozen=True, slots=True)
class RijFout:
    rij: int
    veld: str
    code: str
    melding: str


@dataclass(frozen=True, slots=True)
class Samenvoeging:
    rij: int
    met_rij: int


@dataclass(slots=True)
class Beoordeling:
    rijen: list[ImportRij] = field(default_factory=list)  # valid and merged, in file order
    fouten: list[RijFout] = field(default_factory=list)
    samengevoegd: list[Samenvoeging] = field(default_factory=list)
    aantal_rijen: int = 0

    @property
    def foute_rijen(self) -> int:
        return len({f.rij for f in self.fouten})


# --- reading ------------------------------------------------------------------------------------


def lees_tabel(bestandsnaam: str, inhoud: bytes) -> Tabel:
    if not inhoud:
        raise OnleesbaarBestand("Het bestand is leeg.")
    if len(inhoud) > MAX_BESTAND_BYTES:
        raise OnleesbaarBestand("Het bestand is groter dan 5 MB. Splits het in kleinere bestanden.")
    naam = bestandsnaam.lower()
    if naam.endswith(".xlsx") or inhoud[:2] == b"PK":
        tabel = _lees_xlsx(inhoud)
    elif naam.endswith(".xls"):
        raise OnleesbaarBestand("Oude Excel-bestanden (.xls) kunnen we niet lezen. Bewaar het als .xlsx of .csv.")
    else:
        tabel = _lees_csv(inhoud)
    if len(tabel.rijen) > MAX_RIJEN:
        raise OnleesbaarBestand(f"Het bestand heeft meer dan {MAX_RIJEN} rijen. Splits het in kleinere bestanden.")
    return tabel


def _lees_csv(inhoud: bytes) -> Tabel:
    try:
        tekst = inhoud.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the local code page.
        tekst = inhoud.decode("cp1252", errors="replace")
    eerste_regel = tekst.split("\n", 1)[0]
    scheiding = max((";", ",", "\t"), key=eerste_regel.count)
    lezer = csv.reader(io.StringIO(tekst, newline=""), delimiter=scheiding)
    try:
        regels = list(lezer)
    except csv.Error as exc:
        raise OnleesbaarBestand(f"Het CSV-bestand is niet leesbaar: {exc}.") from exc
    if not regels:
        raise OnleesbaarBestand("Het bestand is leeg.")
    rijen = [(i, r) for i, r in enumerate(regels[1:], start=2) if any(c.strip() for c in r)]
    return Tabel(kop=regels[0], rijen=rijen)


def _lees_xlsx(inhoud: bytes) -> Tabel:
    from openpyxl import load_workbook  # only needed here; keeps the import of this module light

    try:
        boek = load_workbook(io.BytesIO(inhoud), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise OnleesbaarBestand("Het Excel-bestand is niet leesbaar. Is het een .xlsx-bestand?") from exc
    try:
        blad = boek.worksheets[0]
        kop: list[str] | None = None
        rijen: list[tuple[int, list[str]]] = []
        for nummer, cellen in enumerate(blad.iter_rows(values_only=True), start=1):
            waarden = [_celtekst(c) for c in cellen]
            if kop is None:
                if any(waarden):
                    kop = waarden
                continue
            if any(w.strip() for w in waarden):
                rijen.append((nummer, waarden))
                if len(rijen) > MAX_RIJEN:
                    break
    finally:
        boek.close()
    if kop is None:
        raise OnleesbaarBestand("Het bestand is leeg.")
    return Tabel(kop=kop, rijen=rijen)


def _celtekst(waarde: Any) -> str:
    if waarde is None:
        return ""
    if isinstance(waarde, bool):
        return "ja" if waarde else "nee"
    if isinstance(waarde, datetime):
        return waarde.date().isoformat()
    if isinstance(waarde, date):
        return waarde.isoformat()
    if isinstance(waarde, float) and waarde.is_integer():
        return str(int(waarde))
    return str(waarde)


# --- organisations ------------------------------------------------------------------------------


def _normaal(tekst: str) -> str:
    zonder = unicodedata.normalize("NFKD", tekst).encode("ascii", "ignore").decode()
    return " ".join(zonder.replace("_", " ").casefold().split())


def _organisatienaam(tekst: str) -> str:
    # "Sint-Niklaas", "Sint Niklaas" and "sint-niklaas" are one organisation.
    naam = _normaal(tekst.replace("-", " ").replace(".", " "))
    for voorvoegsel in _VOORVOEGSELS:
        if naam.startswith(voorvoegsel):
            return naam[len(voorvoegsel):]
    return naam


@dataclass(frozen=True, slots=True)
class BekendeOrganisatie:
    id: uuid.UUID
    naam: str
    nis_code: str | None


class OrganisatieZoeker:
    """Finds an organisation by NIS code, id or name ("Stad Gent", "gent" and "Gent" are one)."""

    def __init__(self, organisaties: Iterable[BekendeOrganisatie]) -> None:
        self._per_nis: dict[str, uuid.UUID] = {}
        self._per_id: set[uuid.UUID] = set()
        self._per_naam: dict[str, set[uuid.UUID]] = {}
        for org in organisaties:
            self._per_id.add(org.id)
            if org.nis_code:
                self._per_nis[org.nis_code] = org.id
            self._per_naam.setdefault(_organisatienaam(org.naam), set()).add(org.id)

    def zoek(self, tekst: str) -> uuid.UUID | str:
        """The organisation's id, or a code: 'onbekende_organisatie' or 'dubbelzinnige_organisatie'."""
        tekst = tekst.strip()
        if tekst.isdigit() and len(tekst) == 5:
            return self._per_nis.get(tekst, "onbekende_organisatie")
        try:
            als_id = uuid.UUID(tekst)
        except ValueError:
            pass
        else:
            return als_id if als_id in self._per_id else "onbekende_organisatie"
        gevonden = self._per_naam.get(_organisatienaam(tekst), set())
        if len(gevonden) == 1:
            return next(iter(gevonden))
        return "dubbelzinnige_organisatie" if gevonden else "onbekende_organisatie"


# --- judging rows -------------------------------------------------------------------------------


def kolommen(kop: list[str]) -> dict[str, int] | list[str]:
    """Which column holds which field; or what is missing, as Dutch messages."""
    gevonden: dict[str, int] = {}
    for i, titel in enumerate(kop):
        veld = _KOLOMNAMEN.get(_normaal(titel or ""))
        if veld and veld not in gevonden:
            gevonden[veld] = i
    problemen: list[str] = []
    if "naam" not in gevonden and not ("voornaam" in gevonden and "achternaam" in gevonden):
        if "voornaam" not in gevonden:
            problemen.append("De kolom 'naam' ontbreekt (of de kolommen 'voornaam' en 'achternaam').")
        else:
            problemen.append("Er is een kolom 'voornaam' maar geen kolom 'naam' of 'achternaam'.")
    if "email" not in gevonden:
        problemen.append("De kolom 'e-mail' ontbreekt.")
    if "organisatie" not in gevonden and "nis_code" not in gevonden:
        problemen.append("De kolom 'organisatie' (of 'NIS-code') ontbreekt.")
    return problemen or gevonden


def _ja_nee(tekst: str) -> bool | None | str:
    waarde = _normaal(tekst)
    if not waarde:
        return None
    if waarde in _JA:
        return True
    if waarde in _NEE:
        return False
    return "ongeldig"


def beoordeel(tabel: Tabel, organisaties: OrganisatieZoeker, *, vandaag: date) -> Beoordeling | list[str]:
    """Every row judged; valid rows with the same e-mail address merged into the first one.

    Returns the file-level problems instead when a required column is missing.
    """
    plaats = kolommen(tabel.kop)
    if isinstance(plaats, list):
        return plaats
    beoordeling = Beoordeling(aantal_rijen=len(tabel.rijen))
    per_email: dict[str, int] = {}
    for nummer, cellen in tabel.rijen:
        resultaat = beoordeel_rij(nummer, cellen, plaats, organisaties, vandaag=vandaag)
        if isinstance(resultaat, list):
            beoordeling.fouten.extend(resultaat)
            continue
        eerder = per_email.get(resultaat.email)
        if eerder is None:
            per_email[resultaat.email] = len(beoordeling.rijen)
            beoordeling.rijen.append(resultaat)
        else:
            eerste = beoordeling.rijen[eerder]
            beoordeling.rijen[eerder] = voeg_samen(eerste, resultaat)
            beoordeling.samengevoegd.append(Samenvoeging(rij=nummer, met_rij=eerste.rij))
    return beoordeling


def voeg_samen(eerste: ImportRij, later: ImportRij) -> ImportRij:
    """Two rows for one person: the first row wins; the later one only fills what it left empty."""
    return replace(
        eerste,
        functie=eerste.functie or later.functie,
        nieuwsbrief=eerste.nieuwsbrief if eerste.nieuwsbrief is not None else later.nieuwsbrief,
        lid_sinds=eerste.lid_sinds or later.lid_sinds,
        kennisdeling=eerste.kennisdeling if eerste.kennisdeling is not None else later.kennisdeling,
        kennisdeling_sinds=eerste.kennisdeling_sinds or later.kennisdeling_sinds,
    )


def beoordeel_rij(
    nummer: int, cellen: list[str], plaats: dict[str, int], organisaties: OrganisatieZoeker, *, vandaag: date
) -> ImportRij | list[RijFout]:
    def cel(veld: str) -> str:
        i = plaats.get(veld)
        if i is None or i >= len(cellen):
            return ""
        return " ".join((cellen[i] or "").split())

    fouten: list[RijFout] = []

    def fout(veld: str, code: str, melding: str) -> None:
        fouten.append(RijFout(nummer, KOLOM_LABELS.get(veld, veld), code, f"Rij {nummer}: {melding}"))

    naam = cel("naam")
    if "voornaam" in plaats:
        naam = " ".join(d for d in (cel("voornaam"), cel("achternaam") or naam) if d)
    if not naam:
        fout("naam", "verplicht", "de naam ontbreekt.")
    elif len(naam) > MAX_NAAM:
        fout("naam", "te_lang", f"de naam is langer dan {MAX_NAAM} tekens.")

    email = cel("email")
    if not email:
        fout("email", "verplicht", "het e-mailadres ontbreekt.")
    elif len(email) > MAX_EMAIL:
        fout("email", "te_lang", f"het e-mailadres is langer dan {MAX_EMAIL} tekens.")
    else:
        try:
            email = _EMAIL.validate_python(email).lower()
        except ValidationError:
            fout("email", "ongeldig_email", "het e-mailadres is niet geldig (zoals naam@gemeente.be).")

    organisatie_id: uuid.UUID | None = None
    organisatie = cel("nis_code") or cel("organisatie")
    if not organisatie:
        fout("organisatie", "verplicht", "de organisatie ontbreekt.")
    else:
        gevonden = organisaties.zoek(organisatie)
        if gevonden == "onbekende_organisatie":
            fout(
                "organisatie",
                "onbekende_organisatie",
                f"de organisatie '{organisatie[:100]}' kennen we niet. Gebruik de naam uit de lijst of de NIS-code.",
            )
        elif gevonden == "dubbelzinnige_organisatie":
            fout(
                "organisatie",
                "dubbelzinnige_organisatie",
                f"meer dan één organisatie heet '{organisatie[:100]}'. Gebruik de NIS-code.",
            )
        else:
            assert isinstance(gevonden, uuid.UUID)
            organisatie_id = gevonden

    functie = cel("functie") or None
    if functie and len(functie) > MAX_FUNCTIE:
        fout("functie", "te_lang", f"de functie is langer dan {MAX_FUNCTIE} tekens.")

    nieuwsbrief = _ja_nee(cel("nieuwsbrief"))
    if nieuwsbrief == "ongeldig":
        fout("nieuwsbrief", "ongeldige_waarde", "vul bij nieuwsbrief 'ja' of 'nee' in.")

    lid_sinds: date | None = None
    if cel("lid_sinds"):
        lid_sinds = lees_datum(cel("lid_sinds"))
        if lid_sinds is None:
            fout("lid_sinds", "ongeldige_datum", "'lid sinds' is geen geldige datum (zoals 31/01/2020).")
        elif lid_sinds > vandaag:
            fout("lid_sinds", "in_de_toekomst", "'lid sinds' ligt in de toekomst.")

    kennisdeling: bool | None = None
    kennisdeling_sinds: date | None = None
    ruw = cel("kennisdeling")
    if ruw:
        ja_nee = _ja_nee(ruw)
        if ja_nee == "ongeldig":
            kennisdeling_sinds = lees_datum(ruw)
            if kennisdeling_sinds is None:
                fout("kennisdeling", "ongeldige_waarde", "vul bij kennisdeling 'ja', 'nee' of de datum van aansluiten in.")
            elif kennisdeling_sinds > vandaag:
                fout("kennisdeling", "in_de_toekomst", "de datum bij kennisdeling ligt in de toekomst.")
            else:
                kennisdeling = True
        else:
            kennisdeling = ja_nee  # type: ignore[assignment]

    if fouten:
        return fouten
    assert organisatie_id is not None
    return ImportRij(
        rij=nummer,
        naam=naam,
        email=email,
        organisatie_id=organisatie_id,
        functie=functie,
        nieuwsbrief=nieuwsbrief,  # type: ignore[arg-type]
        lid_sinds=lid_sinds,
        kennisdeling=kennisdeling,
        kennisdeling_sinds=kennisdeling_sinds,
    )
