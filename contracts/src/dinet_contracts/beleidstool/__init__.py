"""The beleidstool catalogue: pillars, policy elements, the 18 imec policy actions, the GzG
compass and example indicators, shipped as versioned data (`catalogus-<versie>.json`).

It lives in contracts because its pillar and element ids are shared vocabulary: activities in
registratie say which of them they serve, and beleidsplan builds plans on them. A new card set
is a new file beside the old ones, never an edit of a published one: a plan keeps the version it
was built on, and an event naming an element of an older version stays readable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

PIJLER_CODES: tuple[str, ...] = ("TOE", "VAA", "DIE", "REG")
# The shape of an element id; which ids exist is the catalogue's business, not the schema's, so a
# new card set needs no new event version.
ELEMENT_ID_PATTERN = r"^(TOE|VAA|DIE|REG)-[0-9]{2}$"
_BESTAND = re.compile(r"^catalogus-(.+)\.json$")


@dataclass(frozen=True)
class Pijler:
    code: str
    naam: str
    uitleg: str = ""
    indicatoren: tuple[str, ...] = ()


@dataclass(frozen=True)
class Element:
    id: str
    pijler: str
    tekst: str
    status: str  # "letterlijk" (word for word on a beleidstool card) or "afgeleid"
    basis: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Beleidsactie:
    """One of the 18 imec policy actions, in one of three phases, with the Flemish share."""

    id: str
    fase: str
    tekst: str
    vlaanderen_procent: int


@dataclass(frozen=True)
class Kompasniveau:
    code: str
    naam: str
    kenmerken: tuple[str, ...]


@dataclass(frozen=True)
class Catalogus:
    versie: str
    uitleg: str
    pijlers: tuple[Pijler, ...]
    elementen: tuple[Element, ...] = ()
    beleidsfasen: tuple[tuple[str, str], ...] = ()
    beleidsacties: tuple[Beleidsactie, ...] = ()
    kompas: tuple[Kompasniveau, ...] = ()
    contextindicatoren: tuple[str, ...] = ()
    bronnen: str = ""

    def pijler(self, code: str) -> Pijler | None:
        return next((p for p in self.pijlers if p.code == code), None)

    def element(self, element_id: str) -> Element | None:
        return self._elementen().get(element_id)

    def elementen_van(self, pijler: str) -> tuple[Element, ...]:
        return tuple(e for e in self.elementen if e.pijler == pijler)

    def fase_naam(self, code: str) -> str:
        return dict(self.beleidsfasen).get(code, code)

    def acties_van(self, fase: str) -> tuple[Beleidsactie, ...]:
        return tuple(a for a in self.beleidsacties if a.fase == fase)

    def _elementen(self) -> dict[str, Element]:
        return {e.id: e for e in self.elementen}


@dataclass(frozen=True)
class Verschil:
    """One element that differs between two versions: `soort` nieuw, vervallen or gewijzigd."""

    soort: str
    element_id: str
    oud: str | None
    nieuw: str | None


def _lees(versie_bestand: str) -> Catalogus:
    ruw = json.loads(resources.files(__package__).joinpath(versie_bestand).read_text(encoding="utf-8"))
    versie = str(ruw.get("versie", "")).strip()
    if not versie:
        raise ValueError(f"{versie_bestand}: de catalogus heeft geen versie")
    pijlers = tuple(
        Pijler(p["code"], p["naam"], p.get("uitleg", ""), tuple(p.get("indicatoren", ()))) for p in ruw["pijlers"]
    )
    elementen = tuple(
        Element(e["id"], e["pijler"], e["tekst"], e["status"], e.get("basis", ""), tuple(e.get("tags", ())))
        for e in ruw.get("elementen", ())
    )
    codes = {p.code for p in pijlers}
    for e in elementen:
        if e.pijler not in codes or not re.match(ELEMENT_ID_PATTERN, e.id) or not e.id.startswith(e.pijler):
            raise ValueError(f"{versie_bestand}: element {e.id} hoort niet bij een pijler van de catalogus")
        if e.status not in ("letterlijk", "afgeleid"):
            raise ValueError(f"{versie_bestand}: element {e.id} heeft een onbekende status {e.status!r}")
    if len({e.id for e in elementen}) != len(elementen):
        raise ValueError(f"{versie_bestand}: een element-id komt twee keer voor")
    return Catalogus(
        versie=versie,
        uitleg=ruw.get("uitleg", ""),
        bronnen=ruw.get("bronnen", ""),
        pijlers=pijlers,
        elementen=elementen,
        beleidsfasen=tuple((f["code"], f["naam"]) for f in ruw.get("beleidsfasen", ())),
        beleidsacties=tuple(
            Beleidsactie(a["id"], a["fase"], a["tekst"], int(a["vlaanderen_procent"])) for a in ruw.get("beleidsacties", ())
        ),
        kompas=tuple(
            Kompasniveau(k["code"], k["naam"], tuple(k["kenmerken"])) for k in ruw.get("kompas", {}).get("niveaus", ())
        ),
        contextindicatoren=tuple(ruw.get("contextindicatoren", ())),
    )


@cache
def alle_versies() -> tuple[Catalogus, ...]:
    """Every shipped version, oldest first (file names sort by version: `catalogus-2026.2.json`)."""
    namen = sorted(
        (p.name for p in resources.files(__package__).iterdir() if _BESTAND.match(p.name)),
        key=lambda n: [int(d) if d.isdigit() else d for d in re.split(r"(\d+)", n)],
    )
    return tuple(_lees(n) for n in namen)


def huidige() -> Catalogus:
    """The version new plans are built on: the newest shipped."""
    return alle_versies()[-1]


def versie(naam: str) -> Catalogus | None:
    return next((c for c in alle_versies() if c.versie == naam), None)


@cache
def bekende_element_ids() -> frozenset[str]:
    """Ids of every version: an event that named an element of an older card set stays valid."""
    return frozenset(e.id for c in alle_versies() for e in c.elementen)


def verschillen(oud: Catalogus, nieuw: Catalogus) -> list[Verschil]:
    """What moving a plan from `oud` to `nieuw` changes, element by element, in id order."""
    a, b = oud._elementen(), nieuw._elementen()
    uit: list[Verschil] = []
    for eid in sorted(a.keys() | b.keys()):
        if eid not in a:
            uit.append(Verschil("nieuw", eid, None, b[eid].tekst))
        elif eid not in b:
            uit.append(Verschil("vervallen", eid, a[eid].tekst, None))
        elif a[eid].tekst != b[eid].tekst:
            uit.append(Verschil("gewijzigd", eid, a[eid].tekst, b[eid].tekst))
    return uit
