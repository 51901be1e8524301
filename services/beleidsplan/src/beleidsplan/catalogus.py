"""The beleidstool catalogue, shipped as data so the official card set can replace it without
a code change; every plan records the version it was started on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

STANDAARD = Path(__file__).parent / "data" / "catalogus.json"


@dataclass(frozen=True)
class Pijler:
    code: str
    naam: str


@dataclass(frozen=True)
class Catalogus:
    versie: str
    pijlers: tuple[Pijler, ...]


def laad(pad: Path = STANDAARD) -> Catalogus:
    ruw = json.loads(pad.read_text(encoding="utf-8"))
    versie = str(ruw["versie"]).strip()
    if not versie:
        raise ValueError(f"{pad.name}: de catalogus heeft geen versie")
    return Catalogus(versie=versie, pijlers=tuple(Pijler(p["code"], p["naam"]) for p in ruw["pijlers"]))
