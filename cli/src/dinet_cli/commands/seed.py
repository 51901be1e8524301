"""`dinet seed`: fill a running `dinet up` with demo data, so the KPI pages show real figures.

Everything goes through the public HTTP APIs and staff forms, signed in as the demo staff
account, exactly as a person would: the CLI never imports a service nor touches a database, so
the events, the outbox and the KPI projection are exercised for real. The data follow from a
seed (same seed, same data) and a second run adds nothing: existing members answer 409 and
existing activities are found by title.
"""

from __future__ import annotations

import html
import random
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from dinet_contracts.tijd import BRUSSEL

from .. import paths
from ..parsing import add_command

TIMEOUT = 15.0
MEDEWERKER, WACHTWOORD = "medewerker", "demo"
BESTUUR = "gent"  # the demo local government: its plan shows a fresh `dinet up` a real beleidsplan
BELEIDSPLAN_API = "/beleidsplan/api/v1"
INLOGGEN = "/registratie/inloggen"
LEDEN_API = "/registratie/api/v1/leden"
ACTIVITEITEN_API = "/registratie/api/v1/activiteiten"
BEHEER = "/registratie/beheer/activiteiten"
DEMO_DOMEIN = "demo.dinet.be"  # no real mailbox: the seed must never mail a real person

VOORNAMEN = (
    "An", "Bart", "Charlotte", "Dirk", "Els", "Fatima", "Geert", "Hanne", "Ilse", "Jan", "Karim", "Lotte",
    "Mohamed", "Nele", "Olivier", "Pieter", "Ruth", "Sara", "Tom", "Veerle", "Wim", "Yasmine", "Zeynep", "Koen",
)
ACHTERNAMEN = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Hermans", "Aerts", "Lambrechts", "Van den Broeck", "El Amrani", "Vermeulen", "Desmet",
)
FUNCTIES = (
    "Coördinator digitale inclusie", "Medewerker sociaal huis", "Bibliothecaris", "Diensthoofd welzijn",
    "Beleidsmedewerker", "Digicoach", "Maatschappelijk werker", "Projectmedewerker e-inclusie",
)


@dataclass(frozen=True)
class Plan:
    """One demo activity: `dagen` from today (negative: already held)."""

    soort: str
    titel: str
    dagen: int
    uren: tuple[int, int]  # start and end hour, Belgian time
    vorm: str = "fysiek"
    trekker: str = "vvsg"
    lokaal_bestuur: bool = False  # adviesgesprek: for one local government
    capaciteit: int | None = None
    elementen: tuple[str, ...] = ()  # beleidstool elements it serves: a local plan shows it there


PLANNEN = (
    Plan("netwerk_algemeen", "Netwerkdag digitale inclusie (voorjaar)", -200, (9, 16), capaciteit=120),
    Plan("netwerk_specifiek", "Netwerkmoment bibliotheken en digitale inclusie", -150, (13, 16)),
    Plan("infosessie", "Infosessie: digitale basisvaardigheden in het OCMW", -120, (10, 12), vorm="online"),
    Plan("inspiratiedag", "Inspiratiedag Samen digitaal sterk", -90, (9, 17), capaciteit=80),
    Plan("thematische_opleiding", "Opleiding: toegankelijke digitale dienstverlening", -60, (9, 13)),
    Plan("adviesgesprek", "Adviesgesprek lokaal actieplan digitale inclusie", -45, (14, 15), lokaal_bestuur=True),
    Plan("netwerk_specifiek", "Netwerkmoment digicoaches", -30, (13, 15), vorm="online"),
    Plan("infosessie", "Infosessie: phishing herkennen met kwetsbare burgers", -14, (19, 21), vorm="online"),
    Plan("netwerk_algemeen", "Netwerkdag digitale inclusie (najaar)", 10, (9, 16), capaciteit=120, elementen=("REG-03", "REG-11")),
    Plan("thematische_opleiding", "Opleiding: digitale drempels in het sociaal huis", 20, (9, 12), capaciteit=25, elementen=("DIE-01", "DIE-09")),
    Plan("infosessie", "Infosessie: e-ID en itsme voor loketmedewerkers", 25, (10, 12), vorm="online", elementen=("DIE-03", "VAA-07")),
    Plan("adviesgesprek", "Adviesgesprek digitale dienstverlening", 30, (10, 11), lokaal_bestuur=True),
)


class SeedFout(Exception):
    """A step that cannot go on; the message is for the operator, in Dutch."""


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "seed",
        help="vul een draaiend platform met demogegevens (leden, activiteiten, aanwezigheden)",
        description=(
            "Vult het platform dat `dinet up` draait met realistische demogegevens: een veertigtal leden\n"
            "van lokale besturen en andere organisaties, een twaalftal activiteiten van dit jaar met\n"
            "inschrijvingen, en aanwezigheden voor de activiteiten die al plaatsvonden, die daarna als\n"
            "afgelopen staan. Alles gaat via de gewone webformulieren en API's, aangemeld als de\n"
            "demo-medewerker. Opnieuw uitvoeren voegt niets dubbel toe."
        ),
    )
    parser.add_argument("--datamap", help="datamap van `dinet up` (standaard DINET_DATA_DIR of .dinet)")
    parser.add_argument("--leden", type=int, default=40, help="aantal leden (40)")
    parser.add_argument("--zaad", type=int, default=2026, help="startgetal van het toeval: zelfde getal, zelfde gegevens (2026)")
    parser.set_defaults(func=run)


def run(args) -> int:
    data = paths.data_dir(args.datamap)
    state = paths.read_state(data)
    if not state or not paths.is_dinet(state.get("pid")):
        print(
            f"Er draait geen `dinet up` voor {data}. Start het platform eerst met `dinet up` "
            "(of geef de juiste datamap met --datamap).",
            file=sys.stderr,
        )
        return 1
    url = (state.get("gateway") or {}).get("url")
    if not url:
        print(f"De toestand in {paths.state_file(data)} bevat geen adres van de toegangspoort.", file=sys.stderr)
        return 1
    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT, trust_env=False) as client:
            samenvatting = Zaaier(client, args.zaad, max(1, args.leden)).zaai()
    except httpx.HTTPError as exc:
        print(f"Het platform op {url} antwoordt niet zoals verwacht: {exc}", file=sys.stderr)
        return 1
    except SeedFout as fout:
        print(f"Gestopt: {fout}", file=sys.stderr)
        return 1
    print()
    print("Klaar. Samenvatting:")
    for regel in samenvatting:
        print(f"  {regel}")
    print(f"Bekijk de kerncijfers op {url.rstrip('/')}/kpi/")
    return 0


def _zeg(tekst: str) -> None:
    print(tekst, flush=True)


class Zaaier:
    def __init__(self, client: httpx.Client, zaad: int, aantal_leden: int) -> None:
        self.client = client
        self.zaad = zaad
        self.rnd = random.Random(zaad)
        self.aantal_leden = aantal_leden
        self.teller = {"nieuwe_leden": 0, "bestaande_leden": 0, "nieuwe_activiteiten": 0, "bestaande_activiteiten": 0,
                       "inschrijvingen": 0, "aanwezigheden": 0, "afgelopen": 0}

    def zaai(self) -> list[str]:
        self.meld_aan()
        organisaties = self.organisaties()
        leden = self.leden(organisaties)
        besturen = [o for o in organisaties if o["type"] == "lokaal_bestuur"]
        vvsg = next((o["id"] for o in organisaties if "vvsg" in o["naam"].lower()), None)
        if vvsg is None:
            raise SeedFout("de organisatie VVSG staat niet in de lijst van organisaties.")
        for plan in PLANNEN:
            self.activiteit(plan, leden, vvsg, besturen)
        plan_regel = Beleidsplanner(self.client.base_url).zaai()
        MailZaaier(self).zaai(leden, vvsg)
        t = self.teller
        return [
            plan_regel,
            f"Leden: {t['nieuwe_leden']} nieuw, {t['bestaande_leden']} bestonden al",
            f"Activiteiten: {t['nieuwe_activiteiten']} nieuw, {t['bestaande_activiteiten']} bestonden al",
            f"Nieuwe inschrijvingen: {t['inschrijvingen']}",
            f"Gewijzigde aanwezigheden: {t['aanwezigheden']}",
            f"Als afgelopen gemarkeerd: {t['afgelopen']}",
        ]

    # --- signing in --------------------------------------------------------------------------

    def csrf(self, pad: str) -> str:
        """The form's hidden token; the matching cookie is set by the same answer."""
        antwoord = self.client.get(pad)
        if antwoord.status_code != 200:
            raise SeedFout(f"{pad} antwoordt {antwoord.status_code}.")
        gevonden = re.search(r'name="_csrf_token"\s+value="([^"]+)"', antwoord.text) or re.search(
            r'value="([^"]+)"\s+name="_csrf_token"', antwoord.text
        )
        if gevonden is None:
            raise SeedFout(f"het formulier op {pad} heeft geen CSRF-token.")
        return html.unescape(gevonden.group(1))

    def formulier(self, pad: str, velden: dict[str, Any], token_van: str | None = None) -> httpx.Response:
        token = self.csrf(token_van or pad)
        return self.client.post(pad, data={**velden, "_csrf_token": token})

    def meld_aan(self) -> None:
        _zeg(f"Aanmelden als demo-medewerker ‘{MEDEWERKER}’ ...")
        antwoord = self.formulier(INLOGGEN, {"gebruikersnaam": MEDEWERKER, "wachtwoord": WACHTWOORD, "volgende": "/"})
        if antwoord.status_code != 303:
            raise SeedFout(
                f"aanmelden als {MEDEWERKER} lukt niet (antwoord {antwoord.status_code}). "
                "Draait het platform in demomodus (DINET_DEMO=1)?"
            )

    # --- members -----------------------------------------------------------------------------

    def organisaties(self) -> list[dict[str, Any]]:
        antwoord = self.client.get("/registratie/api/v1/organisaties")
        antwoord.raise_for_status()
        lijst = antwoord.json()["organisaties"]
        if not lijst:
            raise SeedFout("er zijn nog geen organisaties geladen.")
        return sorted(lijst, key=lambda o: o["id"])  # a stable order, whatever the API returns

    def leden(self, organisaties: list[dict[str, Any]]) -> list[str]:
        besturen = [o for o in organisaties if o["type"] == "lokaal_bestuur"]
        andere = [o for o in organisaties if o["type"] != "lokaal_bestuur"]
        _zeg(f"Leden aanmaken ({self.aantal_leden}) ...")
        ids: list[str] = []
        for n in range(self.aantal_leden):
            # About four in five work for a local government, as in the real network.
            pool = besturen if (self.rnd.random() < 0.8 or not andere) else andere
            org = self.rnd.choice(pool)
            voornaam, achternaam = self.rnd.choice(VOORNAMEN), self.rnd.choice(ACHTERNAMEN)
            functie, nieuwsbrief = self.rnd.choice(FUNCTIES), self.rnd.random() < 0.6
            email = _email(voornaam, achternaam, n)
            lid = {"naam": f"{voornaam} {achternaam}", "email": email, "organisatie_id": org["id"],
                   "functie": functie, "nieuwsbrief": nieuwsbrief}
            antwoord = self.client.post(LEDEN_API, json=lid)
            if antwoord.status_code == 201:
                self.teller["nieuwe_leden"] += 1
                ids.append(antwoord.json()["id"])
            elif antwoord.status_code == 409:
                self.teller["bestaande_leden"] += 1
                gevonden = self.lid_met_email(email)
                if gevonden:
                    ids.append(gevonden)
            else:
                raise SeedFout(f"lid {email} aanmaken gaf {antwoord.status_code}: {antwoord.text[:300]}")
        _zeg(f"  {self.teller['nieuwe_leden']} nieuw, {self.teller['bestaande_leden']} bestonden al")
        return ids

    def lid_met_email(self, email: str) -> str | None:
        """The id of an existing member, from the staff member search (the API has no lookup by e-mail)."""
        antwoord = self.client.get("/registratie/leden", params={"zoek": email})
        if antwoord.status_code != 200:
            return None
        gevonden = re.search(r'href="/registratie/leden/([0-9a-f-]{36})"', antwoord.text)
        return gevonden.group(1) if gevonden else None

    # --- activities --------------------------------------------------------------------------

    def bestaande_activiteiten(self, jaar: int) -> dict[str, str]:
        antwoord = self.client.get(BEHEER, params={"jaar": str(jaar)})
        antwoord.raise_for_status()
        return {
            html.unescape(titel).strip(): activiteit_id
            for activiteit_id, titel in re.findall(rf'href="{BEHEER}/([0-9a-f-]{{36}})">([^<]+)</a>', antwoord.text)
        }

    def activiteit(self, plan: Plan, leden: list[str], vvsg: str, besturen: list[dict[str, Any]]) -> None:
        # Its own stream per activity: a second run, which skips the creation, draws the same people.
        rnd = random.Random(f"{self.zaad}/{plan.titel}")
        bestuur = rnd.choice(besturen)["id"] if plan.lokaal_bestuur and besturen else ""
        start, einde = _tijdstippen(plan)
        bestaand = self.bestaande_activiteiten(start.year).get(plan.titel)
        if bestaand:
            self.teller["bestaande_activiteiten"] += 1
            activiteit_id = bestaand
            _zeg(f"Activiteit bestaat al: {plan.titel}")
        else:
            activiteit_id = self.maak_activiteit(plan, start, einde, vvsg, bestuur)
            self.teller["nieuwe_activiteiten"] += 1
            _zeg(f"Activiteit aangemaakt: {plan.titel} ({start:%d/%m/%Y})")
        if not leden:
            return
        if start > datetime.now(BRUSSEL):
            aantal = rnd.randint(1, 2) if plan.lokaal_bestuur else rnd.randint(4, 12)
            self.schrijf_in(activiteit_id, rnd.sample(leden, min(len(leden), aantal)))
        else:
            self.aanwezigheden(activiteit_id, plan, int((einde - start).total_seconds() // 3600), leden, rnd)
            self.afgelopen(activiteit_id, plan.titel)

    def maak_activiteit(
        self, plan: Plan, start: datetime, einde: datetime, vvsg: str, bestuur: str
    ) -> str:
        velden = {
            "soort": plan.soort,
            "titel": plan.titel,
            # Public pages show this: what a visitor would read, never how the data was made.
            "omschrijving": "Samen ervaringen uitwisselen over digitale inclusie, met voorbeelden uit de praktijk.",
            "organisator_id": vvsg,
            "trekker": plan.trekker,
            "vorm": plan.vorm,
            "start_datum": start.date().isoformat(),
            "start_tijd": start.strftime("%H:%M"),
            "einde_datum": einde.date().isoformat(),
            "einde_tijd": einde.strftime("%H:%M"),
            "duur_uren": "",
            "capaciteit": "" if plan.capaciteit is None else str(plan.capaciteit),
            "locatie": "Online" if plan.vorm == "online" else "VVSG, Bischoffsheimlaan 1-8, Brussel",
            "lokaal_bestuur_id": bestuur,
            "ondersteuning": "",
            "methode": "",
            "url": "",
            "elementen": list(plan.elementen),
            "pijlers": sorted({e[:3] for e in plan.elementen}),
        }
        antwoord = self.formulier(f"{BEHEER}/nieuw", velden)
        gevonden = re.search(rf"{BEHEER}/([0-9a-f-]{{36}})", antwoord.headers.get("location", ""))
        if antwoord.status_code != 303 or gevonden is None:
            raise SeedFout(f"activiteit ‘{plan.titel}’ aanmaken gaf {antwoord.status_code}.")
        return gevonden.group(1)

    def schrijf_in(self, activiteit_id: str, leden: list[str]) -> None:
        nieuw = 0
        for lid_id in leden:
            antwoord = self.client.post(f"{ACTIVITEITEN_API}/{activiteit_id}/inschrijvingen", json={"lid_id": lid_id})
            if antwoord.status_code == 201:
                nieuw += 1
            elif antwoord.status_code != 409:  # already registered: a second run
                raise SeedFout(f"inschrijven gaf {antwoord.status_code}: {antwoord.text[:300]}")
        self.teller["inschrijvingen"] += nieuw
        _zeg(f"  {nieuw} nieuwe inschrijvingen")

    def aanwezigheden(self, activiteit_id: str, plan: Plan, duur: int, leden: list[str], rnd: random.Random) -> None:
        """Past activities are closed for registration, so attendance is recorded afterwards, as
        staff do with the list from the door; some people left early (partial hours)."""
        aantal = 1 if plan.lokaal_bestuur else rnd.randint(min(len(leden), 5), min(len(leden), 18))
        regels = []
        for lid_id in rnd.sample(leden, min(len(leden), aantal)):
            kans = rnd.random()
            if kans < 0.1:
                regels.append({"lid_id": lid_id, "aanwezig": False})
            elif kans < 0.3 and duur > 1:
                regels.append({"lid_id": lid_id, "aanwezig": True, "uren": f"{rnd.randint(1, duur - 1)}.5"})
            else:
                regels.append({"lid_id": lid_id, "aanwezig": True})
        antwoord = self.client.put(f"{ACTIVITEITEN_API}/{activiteit_id}/aanwezigheden", json={"aanwezigheden": regels})
        if antwoord.status_code != 200:
            raise SeedFout(f"aanwezigheden voor ‘{plan.titel}’ bewaren gaf {antwoord.status_code}: {antwoord.text[:300]}")
        gewijzigd = antwoord.json().get("gewijzigd", 0)
        self.teller["aanwezigheden"] += gewijzigd
        _zeg(f"  {gewijzigd} aanwezigheden geregistreerd")

    def afgelopen(self, activiteit_id: str, titel: str) -> None:
        pad = f"{BEHEER}/{activiteit_id}/afgelopen"
        antwoord = self.formulier(pad, {})
        if antwoord.status_code == 303:
            self.teller["afgelopen"] += 1
            _zeg("  als afgelopen gemarkeerd")
        elif antwoord.status_code != 409:  # already held: a second run
            raise SeedFout(f"‘{titel}’ als afgelopen markeren gaf {antwoord.status_code}.")


DEMO_PLAN_TITEL = "Digitaal mee in Gent 2026-2031"
DEMO_PLAN: dict[str, Any] = {
    "titel": DEMO_PLAN_TITEL,
    "voorbereiding": {
        "risicogroepen": "Alleenwonende ouderen, nieuwkomers die Nederlands leren, gezinnen in armoede zonder laptop.",
        "bestaande_acties": "Digipunten in de bibliotheek en drie dienstencentra; een digibank via het OCMW.",
        "partners": "Bibliotheek, OCMW, dienstencentra, Link in de Kabel, vrijwillige digibuddies.",
        "meerjarenplan": "Digitale inclusie staat bij de beleidsdoelstelling sociale inclusie, nog zonder eigen budget.",
    },
    "elementen": [
        {"element_id": "TOE-01", "score": "groen", "notitie": "Openbare computers in alle bibfilialen.", "prioriteit": "niet_nu"},
        {"element_id": "TOE-04", "score": "rood", "notitie": "Nog geen uitleensysteem voor laptops.", "prioriteit": "kort"},
        {"element_id": "VAA-03", "score": "oranje", "notitie": "Workshops alleen in het centrum.", "prioriteit": "lang"},
        {"element_id": "VAA-05", "score": "oranje", "notitie": "Twaalf digibuddies, te weinig.", "prioriteit": "kort"},
        {"element_id": "DIE-01", "score": "rood", "notitie": "Loketmedewerkers herkennen digitale kwetsbaarheid niet.", "prioriteit": "kort"},
        {"element_id": "DIE-02", "score": "groen", "notitie": "Gratis nummer en loketten blijven.", "prioriteit": "niet_nu"},
        {"element_id": "REG-01", "score": "oranje", "notitie": "Coördinator voor halftijds.", "prioriteit": "lang"},
        {"element_id": "REG-09", "score": "rood", "notitie": "Inwoners nog niet betrokken.", "prioriteit": "lang"},
    ],
    "acties": [
        {"element_id": "TOE-04", "wat": "Een uitleensysteem voor laptops en tablets via de bibliotheek opzetten", "eigenaar": "Dienst welzijn",
         "betrokken": "Bibliotheek, OCMW, digibank", "start": "2026-09-01", "einde": "2027-06-30", "budget": "25000", "bbc_code": "0909",
         "doelgroep": "Gezinnen met een leefloon", "indicator": "Uitgeleende toestellen per jaar", "baseline": "0", "streefwaarde": "300",
         "bron": "Uitleenregister bibliotheek", "status": "oranje", "evaluatiedatum": "2027-03-31",
         "beleidsdoelstelling": "BD3 Iedereen kan mee in de digitale samenleving", "actieplan": "AP3.2 Toegang tot toestellen"},
        {"element_id": "VAA-05", "wat": "Twintig nieuwe digibuddies werven en vormen", "eigenaar": "Vrijwilligerspunt",
         "betrokken": "Dienstencentra, Link in de Kabel", "start": "2026-10-01", "einde": "2027-12-31", "budget": "6000", "bbc_code": "0950",
         "doelgroep": "Vrijwilligers", "indicator": "Actieve digibuddies", "baseline": "12", "streefwaarde": "32",
         "bron": "Vrijwilligersregistratie", "status": "rood", "evaluatiedatum": "2027-06-30",
         "beleidsdoelstelling": "BD3 Iedereen kan mee in de digitale samenleving", "actieplan": "AP3.1 Digitale vaardigheden"},
        {"element_id": "DIE-01", "wat": "Alle loketmedewerkers volgen de opleiding digitale drempels herkennen", "eigenaar": "Dienst HR",
         "betrokken": "Klantencontact, OCMW", "start": "2027-01-15", "einde": "2027-05-31", "budget": "4500", "bbc_code": "0119",
         "doelgroep": "Loketmedewerkers", "indicator": "Aandeel opgeleide loketmedewerkers", "baseline": "10%", "streefwaarde": "90%",
         "bron": "Opleidingsregister", "status": "rood", "evaluatiedatum": "2027-06-30",
         "beleidsdoelstelling": "BD1 Een klantvriendelijke dienstverlening", "actieplan": "AP1.4 Inclusieve loketten"},
    ],
}
ZELFEVALUATIE_WEL = frozenset({"VV-2", "VV-3", "VV-4", "CC-1", "CC-2", "CC-3", "CC-5", "PE-1", "PE-2"})


class Beleidsplanner:
    """The demo local government's plan and self-assessment, through the beleidstool's API while
    signed in as the demo account `gent` (a session of its own, beside the staff one)."""

    def __init__(self, base_url: Any) -> None:
        self.base_url = base_url

    def zaai(self) -> str:
        with httpx.Client(base_url=self.base_url, timeout=TIMEOUT, trust_env=False) as client:
            pagina = client.get(INLOGGEN)
            token = re.search(r'name="_csrf_token"\s+value="([^"]+)"', pagina.text)
            if token is None:
                raise SeedFout(f"het formulier op {INLOGGEN} heeft geen CSRF-token.")
            antwoord = client.post(
                INLOGGEN,
                data={"gebruikersnaam": BESTUUR, "wachtwoord": WACHTWOORD, "volgende": "/beleidsplan/", "_csrf_token": html.unescape(token.group(1))},
            )
            if antwoord.status_code != 303:
                raise SeedFout(f"aanmelden als {BESTUUR} lukt niet (antwoord {antwoord.status_code}).")
            bestaand = client.get(f"{BELEIDSPLAN_API}/plannen")
            bestaand.raise_for_status()
            if any(p["titel"] == DEMO_PLAN_TITEL for p in bestaand.json()["plannen"]):
                _zeg(f"Beleidsplan bestaat al: {DEMO_PLAN_TITEL}")
                return "Beleidsplan van Gent: bestond al"
            antwoord = client.post(f"{BELEIDSPLAN_API}/plannen", json=DEMO_PLAN)
            if antwoord.status_code != 201:
                raise SeedFout(f"het demobeleidsplan aanmaken gaf {antwoord.status_code}: {antwoord.text[:300]}")
            catalogus = client.get(f"{BELEIDSPLAN_API}/catalogus").json()
            acties = [a["id"] for f in catalogus["beleidsfasen"] for a in f["beleidsacties"]]
            antwoorden = {a: ("wel" if a in ZELFEVALUATIE_WEL else "eerder_niet") for a in acties}
            zelfevaluatie = client.post(f"{BELEIDSPLAN_API}/zelfevaluaties", json={"antwoorden": antwoorden})
            if zelfevaluatie.status_code != 201:
                raise SeedFout(f"de demozelfevaluatie indienen gaf {zelfevaluatie.status_code}.")
            pad = antwoord.json()["pagina"]
            _zeg(f"Beleidsplan aangemaakt voor Gent: {DEMO_PLAN_TITEL} ({pad})")
            return f"Beleidsplan van Gent: nieuw, met {len(DEMO_PLAN['elementen'])} elementen, {len(DEMO_PLAN['acties'])} acties en een zelfevaluatie ({pad})"


def _email(voornaam: str, achternaam: str, n: int) -> str:
    # The number keeps two people with the same name apart, and a second run finds the same address.
    return f"{voornaam.lower()}.{re.sub(r'[^a-z]', '', achternaam.lower())}.{n + 1}@{DEMO_DOMEIN}"


def _tijdstippen(plan: Plan) -> tuple[datetime, datetime]:
    """The plan's day, kept inside this year: the KPIs of this year are what a demo shows."""
    vandaag = date.today()
    jan1, dec31 = date(vandaag.year, 1, 1), date(vandaag.year, 12, 31)
    if plan.dagen < 0:
        # Early in the year there are fewer past days: squeeze the held ones into them.
        verleden = (vandaag - jan1).days
        dag = vandaag - timedelta(days=min(-plan.dagen, verleden))
        if dag == vandaag:
            return _lokaal(dag, 0), _lokaal(dag, 1)
    else:
        dag = min(vandaag + timedelta(days=plan.dagen), dec31)
        if dag == vandaag:
            dag = vandaag + timedelta(days=1)  # 31 December: the next year, but still planned
    return _lokaal(dag, plan.uren[0]), _lokaal(dag, plan.uren[1])


def _lokaal(dag: date, uur: int) -> datetime:
    return datetime.combine(dag, time(uur, 0), tzinfo=BRUSSEL)


# --- every kind of mail, and one newsletter ------------------------------------------------------

MELDINGEN_API = "/meldingen/api/v1/nieuwsbrieven"
REGELS = "/meldingen/beheer/regels"
OVERZICHT_NU = "/meldingen/beheer/weekoverzicht"
OVERZICHT_ONDERWERP = "Nieuwe activiteiten van het netwerk"
BEVESTIGLINK = re.compile(r"/meldingen/nieuwsbrief/bevestigen\?token=[\w\-]+")
VOORKEURLINK = re.compile(r"/meldingen/voorkeuren/[\w.\-]+")


class MailZaaier:
    """Makes meldingen send each kind of mail, through the same pages and APIs as people use:
    members confirm the newsletter from the mailbox, staff send one issue, two members choose
    invitations from the newsletter's link, and two demo activities go through a waitlist, a
    cancelled registration, a change of time and a cancellation; staff send the weekly digest
    now. A reminder follows a minute later (one activity starts just over two days from now)."""

    def __init__(self, zaaier: Zaaier) -> None:
        self.z = zaaier
        self.client = zaaier.client

    def zaai(self, leden: list[str], vvsg: str) -> None:
        if not leden:
            return
        _zeg("Mails: nieuwsbrief bevestigen, een nummer versturen, uitnodigingen, wachtlijst, wijziging, annulatie,"
             " het wekelijkse overzicht ...")
        bevestigd = self.bevestig_nieuwsbrief()
        self.nieuwsbrief(bevestigd)
        self.kies_uitnodigingen()
        self.activiteiten(leden, vvsg)
        self.weekoverzicht()

    def mails(self, onderwerp: str) -> list[str]:
        """The texts of the mails in the demo mailbox (the gateway's /mail/ pages) whose subject
        starts with `onderwerp`."""
        lijst = self.client.get("/mail/")
        if lijst.status_code != 200:
            return []
        teksten = []
        for bestand, titel in re.findall(r'href="/mail/([^"]+)">([^<]*)</a>', lijst.text):
            if not html.unescape(titel).startswith(onderwerp):
                continue
            pagina = self.client.get(f"/mail/{bestand}")
            if pagina.status_code == 200:
                teksten.append(html.unescape(pagina.text))
        return teksten

    def links(self, patroon: re.Pattern[str], onderwerp: str, minimum: int, seconden: float = 30.0) -> list[str]:
        import time as klok

        einde = klok.monotonic() + seconden
        while True:
            gevonden = sorted({m.group(0) for tekst in self.mails(onderwerp) for m in patroon.finditer(tekst)})
            if len(gevonden) >= minimum or klok.monotonic() > einde:
                return gevonden
            klok.sleep(1.0)

    def bevestig_nieuwsbrief(self) -> int:
        aantal = 0
        for link in self.links(BEVESTIGLINK, "Bevestig je inschrijving", 1)[:15]:
            pagina = self.client.get(link)
            if pagina.status_code != 200:
                continue  # used already (a second run) or expired
            token = re.search(r'name="token" value="([^"]+)"', pagina.text)
            csrf = re.search(r'name="_csrf_token"\s+value="([^"]+)"', pagina.text)
            if token and csrf:
                antwoord = self.client.post("/meldingen/nieuwsbrief/bevestigen",
                                            data={"token": html.unescape(token.group(1)), "_csrf_token": csrf.group(1)})
                aantal += antwoord.status_code == 303
        _zeg(f"  {aantal} leden bevestigden de nieuwsbrief")
        return aantal

    def nieuwsbrief(self, bevestigd: int) -> None:
        titel = f"Nieuwsbrief digitale inclusie {date.today():%m/%Y}"
        bestaand = self.client.get(MELDINGEN_API)
        bestaand.raise_for_status()
        if any(n["titel"] == titel for n in bestaand.json()):
            _zeg(f"  nieuwsbrief ‘{titel}’ bestond al")
            return
        antwoord = self.client.post(MELDINGEN_API, json={
            "titel": titel,
            "blokken": [
                {"soort": "tekst", "markdown": "## Welkom\n\nDit is een **demonummer**, gemaakt met `dinet seed`. "
                 "Lees meer op [de website van VVSG](https://www.vvsg.be)."},
                {"soort": "activiteiten"},
                {"soort": "praktijken"},
            ],
        })
        if antwoord.status_code != 201:
            raise SeedFout(f"nieuwsbrief maken gaf {antwoord.status_code}: {antwoord.text[:300]}")
        pad = f"{MELDINGEN_API}/{antwoord.json()['id']}"
        self.client.post(f"{pad}/test", json={"email": f"redactie@{DEMO_DOMEIN}"})
        verstuurd = self.client.post(f"{pad}/verzenden", json={})
        if verstuurd.status_code != 202:
            raise SeedFout(f"nieuwsbrief versturen gaf {verstuurd.status_code}: {verstuurd.text[:300]}")
        _zeg(f"  nieuwsbrief ‘{titel}’ verstuurd (naar {bevestigd} bevestigde abonnees)")

    def kies_uitnodigingen(self) -> None:
        for link, keuze in zip(self.links(VOORKEURLINK, "Nieuwsbrief", 2), ("per_mail", "wekelijks")):
            pagina = self.client.get(link)
            csrf = re.search(r'name="_csrf_token"\s+value="([^"]+)"', pagina.text)
            if pagina.status_code == 200 and csrf:
                self.client.post(link, data={"_csrf_token": csrf.group(1), "uitnodigingen": keuze})
                _zeg(f"  een lid koos uitnodigingen: {keuze}")

    def weekoverzicht(self, seconden: float = 20.0) -> None:
        """The weekly digest goes out on Mondays: staff's button on the rules page sends it now, to
        the member who chose it, with the activities planned above (once meldingen has read them)."""
        import time as klok

        if self.mails(OVERZICHT_ONDERWERP):
            _zeg("  het wekelijkse overzicht was al verstuurd")
            return
        einde = klok.monotonic() + seconden
        while True:
            antwoord = self.z.formulier(OVERZICHT_NU, {}, token_van=REGELS)
            aantal = re.search(r"overzicht=(\d+)", antwoord.headers.get("location", ""))
            if antwoord.status_code != 303 or aantal is None:
                raise SeedFout(f"het wekelijkse overzicht versturen gaf {antwoord.status_code}.")
            if int(aantal.group(1)) or klok.monotonic() > einde:
                _zeg(f"  het wekelijkse overzicht ging nu naar {aantal.group(1)} lid/leden (anders op maandag)")
                return
            klok.sleep(1.0)

    def activiteiten(self, leden: list[str], vvsg: str) -> None:
        rnd = random.Random(f"{self.z.zaad}/meldingen")
        nu = datetime.now(BRUSSEL).replace(second=0, microsecond=0)
        # Starts two days and two minutes from now: its reminder (two days before) follows shortly.
        for titel, start, capaciteit in (
            ("Demo: netwerkmoment met wachtlijst", nu + timedelta(days=2, minutes=2), 1),
            ("Demo: infosessie die verschuift en dan niet doorgaat", nu + timedelta(days=5), 10),
        ):
            bestaand = self.z.bestaande_activiteiten(start.year).get(titel)
            if bestaand:
                _zeg(f"  activiteit bestaat al: {titel}")
                continue
            plan = Plan("netwerk_specifiek", titel, 0, (start.hour, start.hour), capaciteit=capaciteit)
            activiteit_id = self.z.maak_activiteit(plan, start, start + timedelta(hours=2), vvsg, "")
            mensen = rnd.sample(leden, min(len(leden), 3))
            for lid_id in mensen:  # the first gets the place, the others the waitlist (capacity 1)
                self.client.post(f"{ACTIVITEITEN_API}/{activiteit_id}/inschrijvingen", json={"lid_id": lid_id})
            if capaciteit == 1:
                # The first cancels: the first on the waitlist gets the place.
                self.client.delete(f"{ACTIVITEITEN_API}/{activiteit_id}/inschrijvingen/{mensen[0]}")
                _zeg(f"  {titel}: inschrijving, wachtlijst, annulatie, plaats gekregen")
            else:
                self.verschuif(activiteit_id, start + timedelta(hours=1))
                self.z.formulier(f"{BEHEER}/{activiteit_id}/annuleren", {}, token_van=f"{BEHEER}/{activiteit_id}")
                _zeg(f"  {titel}: verschoven en geannuleerd")

    def verschuif(self, activiteit_id: str, start: datetime) -> None:
        """Staff change the time on the activity's form; every other field stays as it is."""
        pad = f"{BEHEER}/{activiteit_id}/bewerken"
        pagina = self.client.get(pad)
        if pagina.status_code != 200:
            return
        velden: dict[str, str] = {}
        for tag in re.findall(r"<input[^>]*>", pagina.text):
            naam = re.search(r'name="([^"]+)"', tag)
            waarde = re.search(r'value="([^"]*)"', tag)
            if naam and ('type="radio"' not in tag or "checked" in tag) and ('type="checkbox"' not in tag or "checked" in tag):
                velden[naam.group(1)] = html.unescape(waarde.group(1)) if waarde else ""
        for select in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', pagina.text, re.S):
            gekozen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', select[1])
            velden[select[0]] = html.unescape(gekozen.group(1)) if gekozen else ""
        for naam, inhoud in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', pagina.text, re.S):
            velden[naam] = html.unescape(inhoud)
        velden["start_tijd"] = start.strftime("%H:%M")
        velden["einde_tijd"] = (start + timedelta(hours=2)).strftime("%H:%M")
        self.client.post(pad, data=velden)
