"""A local government's digital-inclusion policy plan: the rules, without any I/O.

The workshop flow of the beleidstool, step by step: 0 preparation, 1 choose elements, 2 score
them, 3 prioritise, 4 concretise in actions, 5 anchor them in the meerjarenplan, 6 follow up.
Each `lees_*` reads one step's form (all values text) and returns the clean values or every
problem at once, with a stable code and a message in plain Dutch.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from dinet_chassis.errors import FieldProblem, Invalid
from dinet_contracts import beleidstool

TITEL_MAX = 200
TEKST_MAX = 5000
KORT_MAX = 500
BUDGET_MAX = Decimal("999999999999.99")  # numeric(14, 2)

# Below this many organisations a comparison or an overview could point at one of them.
ANONIEM_VANAF = 5

SCORES: dict[str, str] = {
    "rood": "Rood: hier doen we nog weinig of niets",
    "oranje": "Oranje: we zijn ermee bezig",
    "groen": "Groen: dit loopt goed",
}
SCORE_KORT: dict[str, str] = {"rood": "Rood", "oranje": "Oranje", "groen": "Groen"}
PRIORITEITEN: dict[str, str] = {"kort": "Korte termijn", "lang": "Lange termijn", "niet_nu": "Nu niet"}
ANTWOORDEN: dict[str, str] = {"niet": "Niet", "eerder_niet": "Eerder niet", "eerder_wel": "Eerder wel", "wel": "Wel"}
WEL = frozenset({"eerder_wel", "wel"})

STAPPEN: tuple[tuple[str, str, str], ...] = (
    ("voorbereiding", "0. Voorbereiding", "Profiel van de gemeente, risicogroepen, bestaande acties en partners."),
    ("kiezen", "1. Kiezen", "Kies per pijler de beleidselementen die voor jullie belangrijk zijn."),
    ("stand", "2. Stand van zaken", "Geef elk gekozen element rood, oranje of groen, met een toelichting."),
    ("prioriteiten", "3. Prioriteren", "Wat pakken jullie op korte termijn aan, wat op lange termijn, wat nu niet?"),
    ("acties", "4. Concretiseren", "Acties per element: wat, wie, wanneer, budget, indicator."),
    ("verankeren", "5. Verankeren", "Bij welke beleidsdoelstelling en welk actieplan van het meerjarenplan hoort elke actie?"),
    ("opvolgen", "6. Opvolgen", "Evaluatiedata, stand van elke actie en de geschiedenis van het plan."),
)


# One wrong field: the chassis' FieldProblem (veld, code, melding), as every service's domain uses.
Fout = FieldProblem


class OngeldigPlan(Invalid, ValueError):
    """The plan's own fields are wrong: every wrong one in `fouten` (= `problemen`)."""

    def __init__(self, fouten: list[Fout]) -> None:
        super().__init__(problemen=fouten)
        self.fouten = fouten


@dataclass(frozen=True)
class Beleidsplan:
    beleidsplan_id: uuid.UUID
    organisatie_id: uuid.UUID
    titel: str
    catalogus_versie: str
    aangemaakt_op: datetime
    versie: int = 1
    gewijzigd_op: datetime | None = None
    gepubliceerd_op: datetime | None = None
    risicogroepen: str = ""
    bestaande_acties: str = ""
    partners: str = ""
    meerjarenplan: str = ""


@dataclass(frozen=True)
class PlanElement:
    element_id: str
    score: str | None = None
    notitie: str = ""
    prioriteit: str | None = None


@dataclass(frozen=True)
class Actie:
    actie_id: uuid.UUID
    element_id: str
    wat: str
    eigenaar: str = ""
    betrokken: str = ""
    start: date | None = None
    einde: date | None = None
    budget: Decimal | None = None
    bbc_code: str = ""
    doelgroep: str = ""
    indicator: str = ""
    baseline: str = ""
    streefwaarde: str = ""
    bron: str = ""
    status: str = "rood"
    evaluatiedatum: date | None = None
    beleidsdoelstelling: str = ""
    actieplan: str = ""


# Labels of the action's fields, for the history ("Eigenaar: 'A' werd 'B'") and the exports.
ACTIE_LABELS: dict[str, str] = {
    "element_id": "Beleidselement",
    "wat": "Actie",
    "eigenaar": "Eigenaar (trekker)",
    "betrokken": "Betrokken diensten en partners",
    "start": "Start",
    "einde": "Einde",
    "budget": "Budget (euro)",
    "bbc_code": "BBC-code",
    "doelgroep": "Doelgroep",
    "indicator": "Indicator",
    "baseline": "Nulmeting (baseline)",
    "streefwaarde": "Streefwaarde",
    "bron": "Bron van de indicator",
    "status": "Stand",
    "evaluatiedatum": "Evaluatiedatum",
    "beleidsdoelstelling": "Beleidsdoelstelling (meerjarenplan)",
    "actieplan": "Actieplan (meerjarenplan)",
}
VOORBEREIDING_VELDEN: dict[str, str] = {
    "risicogroepen": "Risicogroepen",
    "bestaande_acties": "Bestaande acties",
    "partners": "Partners",
    "meerjarenplan": "Digitale inclusie in het huidige meerjarenplan",
}


# --- the plan itself --------------------------------------------------------------------------


def _een_regel(ruw: str) -> str:
    # Pasted titles often carry line breaks or runs of spaces; a title is one line.
    return " ".join(ruw.split())


def controleer_titel(ruw: str | None) -> list[Fout]:
    titel = _een_regel(ruw or "")
    if not titel:
        return [Fout("titel", "verplicht", "Geef je beleidsplan een titel.")]
    if len(titel) > TITEL_MAX:
        return [Fout("titel", "te_lang", f"Gebruik maximaal {TITEL_MAX} tekens voor de titel.")]
    return []


def start_plan(*, titel: str | None, organisatie_id: uuid.UUID, catalogus_versie: str, nu: datetime) -> Beleidsplan:
    """A new plan on the current catalogue version; raises OngeldigPlan with Dutch messages."""
    fouten = controleer_titel(titel)
    if fouten:
        raise OngeldigPlan(fouten)
    return Beleidsplan(
        beleidsplan_id=uuid.uuid4(),
        organisatie_id=organisatie_id,
        titel=_een_regel(titel or ""),
        catalogus_versie=catalogus_versie,
        aangemaakt_op=nu,
    )


def catalogus_van(plan: Beleidsplan) -> beleidstool.Catalogus:
    """The catalogue the plan was built on; a version no longer shipped reads as the current one."""
    return beleidstool.versie(plan.catalogus_versie) or beleidstool.huidige()


def element(element_id: str, catalogus: beleidstool.Catalogus) -> beleidstool.Element | None:
    """An element of the plan's version, or of an older one (kept after a move to a new version)."""
    gevonden = catalogus.element(element_id)
    if gevonden is not None:
        return gevonden
    for c in reversed(beleidstool.alle_versies()):
        if (gevonden := c.element(element_id)) is not None:
            return gevonden
    return None


# --- reading forms ----------------------------------------------------------------------------


def _tekst(invoer: Mapping[str, Any], veld: str) -> str:
    waarde = invoer.get(veld)
    if isinstance(waarde, list):
        waarde = waarde[-1] if waarde else ""
    return "" if waarde is None else str(waarde).strip()


def _lijst(invoer: Mapping[str, Any], veld: str) -> list[str]:
    waarde = invoer.get(veld)
    if waarde is None:
        return []
    if not isinstance(waarde, list):
        waarde = [waarde]
    return [str(w).strip() for w in waarde if str(w).strip()]


def lees_voorbereiding(invoer: Mapping[str, Any]) -> dict[str, str] | list[Fout]:
    waarden = {veld: _tekst(invoer, veld) for veld in VOORBEREIDING_VELDEN}
    fouten = [
        Fout(veld, "te_lang", f"Gebruik hoogstens {TEKST_MAX} tekens.") for veld, w in waarden.items() if len(w) > TEKST_MAX
    ]
    return fouten or waarden


def lees_keuze(invoer: Mapping[str, Any], catalogus: beleidstool.Catalogus, al_gekozen: Iterable[str] = ()) -> list[str] | list[Fout]:
    """The chosen elements. Ids of the plan's version, or ones the plan already had (an element
    kept from an older version after a move stays choosable)."""
    gekozen = list(dict.fromkeys(_lijst(invoer, "elementen")))
    toegelaten = {e.id for e in catalogus.elementen} | set(al_gekozen)
    if any(e not in toegelaten for e in gekozen):
        return [Fout("elementen", "onbekend_element", "Kies de beleidselementen uit de lijst.")]
    return gekozen


def lees_scores(invoer: Mapping[str, Any], gekozen: Iterable[str]) -> dict[str, tuple[str | None, str]] | list[Fout]:
    uit: dict[str, tuple[str | None, str]] = {}
    fouten: list[Fout] = []
    for eid in gekozen:
        score = _tekst(invoer, f"score-{eid}") or None
        notitie = _tekst(invoer, f"notitie-{eid}")
        if score is not None and score not in SCORES:
            fouten.append(Fout(f"score-{eid}", "ongeldige_score", "Kies rood, oranje of groen."))
        if len(notitie) > TEKST_MAX:
            fouten.append(Fout(f"notitie-{eid}", "te_lang", f"Gebruik hoogstens {TEKST_MAX} tekens."))
        uit[eid] = (score, notitie)
    return fouten or uit


def lees_prioriteiten(invoer: Mapping[str, Any], gekozen: Iterable[str]) -> dict[str, str | None] | list[Fout]:
    uit: dict[str, str | None] = {}
    fouten: list[Fout] = []
    for eid in gekozen:
        p = _tekst(invoer, f"prioriteit-{eid}") or None
        if p is not None and p not in PRIORITEITEN:
            fouten.append(Fout(f"prioriteit-{eid}", "ongeldige_prioriteit", "Kies korte termijn, lange termijn of nu niet."))
        uit[eid] = p
    return fouten or uit


def lees_datum(tekst: str) -> date | None:
    """2026-03-15, or as people type it here: 15/03/2026, 15-03-2026, 15.03.2026."""
    try:
        return date.fromisoformat(tekst)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", tekst)
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def lees_bedrag(tekst: str) -> Decimal | None:
    """12.500,50 or 12500.50 or 12 500 euro: how people write an amount here."""
    schoon = tekst.replace("€", "").replace("euro", "").replace(" ", "").replace("\u00a0", "")
    if "," in schoon:
        schoon = schoon.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", schoon):
        schoon = schoon.replace(".", "")  # 12.500 is twelve thousand five hundred here
    try:
        bedrag = Decimal(schoon)
    except InvalidOperation:
        return None
    return bedrag.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if bedrag.is_finite() else None


ACTIE_TEKSTVELDEN = ("eigenaar", "betrokken", "bbc_code", "doelgroep", "indicator", "baseline", "streefwaarde", "bron",
                     "beleidsdoelstelling", "actieplan")


def lees_actie(invoer: Mapping[str, Any], elementen: Iterable[str], actie_id: uuid.UUID | None = None) -> Actie | list[Fout]:
    """One action of step 4 (and its anchoring of step 5, and follow-up of step 6)."""
    fouten: list[Fout] = []
    element_id = _tekst(invoer, "element_id")
    if not element_id:
        fouten.append(Fout("element_id", "verplicht", "Kies het beleidselement waar de actie bij hoort."))
    elif element_id not in set(elementen):
        fouten.append(Fout("element_id", "onbekend_element", "Kies een van de gekozen beleidselementen."))
    wat = _tekst(invoer, "wat")
    if not wat:
        fouten.append(Fout("wat", "verplicht", "Beschrijf wat jullie gaan doen."))
    elif len(wat) > TEKST_MAX:
        fouten.append(Fout("wat", "te_lang", f"Gebruik hoogstens {TEKST_MAX} tekens."))
    teksten = {veld: _tekst(invoer, veld) for veld in ACTIE_TEKSTVELDEN}
    for veld, waarde in teksten.items():
        if len(waarde) > KORT_MAX:
            fouten.append(Fout(veld, "te_lang", f"Gebruik hoogstens {KORT_MAX} tekens."))
    datums: dict[str, date | None] = {}
    for veld in ("start", "einde", "evaluatiedatum"):
        tekst = _tekst(invoer, veld)
        datums[veld] = lees_datum(tekst) if tekst else None
        if tekst and datums[veld] is None:
            fouten.append(Fout(veld, "ongeldige_datum", "Geef de datum als dag/maand/jaar, bijvoorbeeld 15/03/2027."))
    if datums["start"] and datums["einde"] and datums["einde"] < datums["start"]:
        fouten.append(Fout("einde", "einde_voor_start", "Het einde moet na de start liggen."))
    budget: Decimal | None = None
    if tekst := _tekst(invoer, "budget"):
        budget = lees_bedrag(tekst)
        if budget is None or budget < 0 or budget > BUDGET_MAX:
            fouten.append(Fout("budget", "ongeldig_bedrag", "Geef het budget in euro, bijvoorbeeld 12500 of 12.500,50."))
            budget = None
    status = _tekst(invoer, "status") or "rood"
    if status not in SCORES:
        fouten.append(Fout("status", "ongeldige_status", "Kies rood, oranje of groen."))
    if fouten:
        return fouten
    return Actie(
        actie_id=actie_id or uuid.uuid4(),
        element_id=element_id,
        wat=wat,
        start=datums["start"],
        einde=datums["einde"],
        evaluatiedatum=datums["evaluatiedatum"],
        budget=budget,
        status=status,
        **teksten,
    )


def actie_waarden(a: Actie) -> dict[str, str]:
    """The action form's fields for an existing action (the inverse of lees_actie)."""
    uit: dict[str, str] = {}
    for f in fields(Actie):
        waarde = getattr(a, f.name)
        if isinstance(waarde, date):
            uit[f.name] = waarde.isoformat()
        elif isinstance(waarde, Decimal):
            uit[f.name] = bedrag(waarde)
        else:
            uit[f.name] = "" if waarde is None else str(waarde)
    return uit


def bedrag(waarde: Decimal | None) -> str:
    """12500.50 -> "12.500,50" (Belgian notation)."""
    if waarde is None:
        return ""
    geheel, _, cent = f"{waarde:,.2f}".partition(".")
    return f"{geheel.replace(',', '.')},{cent}"


def datum(waarde: date | None) -> str:
    return waarde.strftime("%d/%m/%Y") if waarde else ""


# --- history ----------------------------------------------------------------------------------


def _leesbaar(veld: str, waarde: Any) -> str:
    if waarde is None or waarde == "":
        return "(leeg)"
    if isinstance(waarde, Decimal):
        return f"€ {bedrag(waarde)}"
    if isinstance(waarde, date):
        return datum(waarde)
    if veld == "status":
        return SCORE_KORT.get(str(waarde), str(waarde))
    tekst = str(waarde)
    return f"‘{tekst[:80]}…’" if len(tekst) > 80 else f"‘{tekst}’"


def actie_wijzigingen(oud: Actie, nieuw: Actie) -> list[str]:
    """What changed in an action, field by field, in words for the plan's history."""
    return [
        f"{ACTIE_LABELS[f.name]}: {_leesbaar(f.name, getattr(oud, f.name))} werd {_leesbaar(f.name, getattr(nieuw, f.name))}"
        for f in fields(Actie)
        if f.name != "actie_id" and getattr(oud, f.name) != getattr(nieuw, f.name)
    ]


def element_wijzigingen(oud: Mapping[str, PlanElement], nieuw: Mapping[str, PlanElement]) -> list[str]:
    uit: list[str] = []
    for eid in sorted(nieuw.keys() - oud.keys()):
        uit.append(f"{eid} gekozen")
    for eid in sorted(oud.keys() - nieuw.keys()):
        uit.append(f"{eid} niet meer gekozen")
    for eid in sorted(oud.keys() & nieuw.keys()):
        a, b = oud[eid], nieuw[eid]
        if a.score != b.score:
            uit.append(f"{eid}: stand {SCORE_KORT.get(a.score or '', '(geen)')} werd {SCORE_KORT.get(b.score or '', '(geen)')}")
        if a.notitie != b.notitie:
            uit.append(f"{eid}: toelichting gewijzigd")
        if a.prioriteit != b.prioriteit:
            uit.append(
                f"{eid}: prioriteit {PRIORITEITEN.get(a.prioriteit or '', '(geen)')} werd {PRIORITEITEN.get(b.prioriteit or '', '(geen)')}"
            )
    return uit


# --- plan and network meet --------------------------------------------------------------------


def vraagt_aanbod(e: PlanElement) -> bool:
    """An element the network's offer should be shown for: scored red, or to be tackled."""
    return e.score == "rood" or e.prioriteit in ("kort", "lang")


# --- self-assessment --------------------------------------------------------------------------


def lees_zelfevaluatie(invoer: Mapping[str, Any], catalogus: beleidstool.Catalogus) -> dict[str, str] | list[Fout]:
    """An answer for each of the 18 policy actions; every missing one is reported."""
    antwoorden: dict[str, str] = {}
    fouten: list[Fout] = []
    for a in catalogus.beleidsacties:
        waarde = _tekst(invoer, a.id)
        if waarde not in ANTWOORDEN:
            fouten.append(Fout(a.id, "verplicht", f"Kies een antwoord bij ‘{a.tekst[:60]}…’."))
        else:
            antwoorden[a.id] = waarde
    return fouten or antwoorden


def aantal_wel(antwoorden: Mapping[str, str], catalogus: beleidstool.Catalogus) -> dict[str, int]:
    return {
        fase: sum(1 for a in catalogus.acties_van(fase) if antwoorden.get(a.id) in WEL) for fase, _ in catalogus.beleidsfasen
    }


@dataclass(frozen=True)
class Groep:
    """Peers' answers for one comparison: shown only from ANONIEM_VANAF organisations on."""

    naam: str
    aantal: int
    procent_wel: dict[str, int] = field(default_factory=dict)  # per policy action

    @property
    def zichtbaar(self) -> bool:
        return self.aantal >= ANONIEM_VANAF


def groep(naam: str, antwoorden: list[Mapping[str, str]], catalogus: beleidstool.Catalogus) -> Groep:
    """Share answering (rather) yes per policy action; nothing but the count below the threshold."""
    if len(antwoorden) < ANONIEM_VANAF:
        return Groep(naam, len(antwoorden))
    return Groep(
        naam,
        len(antwoorden),
        {
            a.id: round(100 * sum(1 for x in antwoorden if x.get(a.id) in WEL) / len(antwoorden))
            for a in catalogus.beleidsacties
        },
    )


# --- across all plans (for VVSG) --------------------------------------------------------------


@dataclass(frozen=True)
class ElementOverzicht:
    element_id: str
    gekozen: int
    prioriteit: int  # short or long term
    rood: int
    oranje: int
    groen: int


def overzicht_over_plannen(plannen: Mapping[uuid.UUID, Iterable[PlanElement]]) -> list[ElementOverzicht] | None:
    """Per element, over all plans: chosen, prioritised, scores. None below ANONIEM_VANAF plans.
    Sorted by what the network should programme first: most often prioritised, then weakest."""
    if len(plannen) < ANONIEM_VANAF:
        return None
    tellers: dict[str, Counter[str]] = {}
    for elementen in plannen.values():
        for e in elementen:
            t = tellers.setdefault(e.element_id, Counter())
            t["gekozen"] += 1
            if e.prioriteit in ("kort", "lang"):
                t["prioriteit"] += 1
            if e.score:
                t[e.score] += 1
    uit = [
        ElementOverzicht(eid, t["gekozen"], t["prioriteit"], t["rood"], t["oranje"], t["groen"]) for eid, t in tellers.items()
    ]
    return sorted(uit, key=lambda o: (-o.prioriteit, -o.rood, -o.gekozen, o.element_id))
