"""A local government's digital-inclusion policy plan: the rules, without any I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

TITEL_MAX = 200


@dataclass(frozen=True)
class Fout:
    veld: str
    code: str
    melding: str


@dataclass(frozen=True)
class Beleidsplan:
    beleidsplan_id: uuid.UUID
    organisatie_id: uuid.UUID
    titel: str
    catalogus_versie: str
    aangemaakt_op: datetime


class OngeldigPlan(ValueError):
    def __init__(self, fouten: list[Fout]) -> None:
        super().__init__("; ".join(f.melding for f in fouten))
        self.fouten = fouten


def _titel(ruw: str) -> str:
    # Pasted titles often carry line breaks or runs of spaces; a title is one line.
    return " ".join(ruw.split())


def controleer_titel(ruw: str | None) -> list[Fout]:
    titel = _titel(ruw or "")
    if not titel:
        return [Fout("titel", "verplicht", "Geef je beleidsplan een titel.")]
    if len(titel) > TITEL_MAX:
        return [Fout("titel", "te_lang", f"Gebruik maximaal {TITEL_MAX} tekens voor de titel.")]
    return []


def start_plan(
    *, titel: str | None, organisatie_id: uuid.UUID, catalogus_versie: str, nu: datetime
) -> Beleidsplan:
    """A new plan on the current catalogue version; raises OngeldigPlan with Dutch messages."""
    fouten = controleer_titel(titel)
    if fouten:
        raise OngeldigPlan(fouten)
    return Beleidsplan(
        beleidsplan_id=uuid.uuid4(),
        organisatie_id=organisatie_id,
        titel=_titel(titel or ""),
        catalogus_versie=catalogus_versie,
        aangemaakt_op=nu,
    )
