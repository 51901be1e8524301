"""beleidsplan's fast tests: the use cases on an in-memory unit of work (no database, no bus),
the way cosmicpython tests its service layer."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import pytest

from dinet_chassis.uow import FakeUnitOfWork

from beleidsplan.domain import Actie, Beleidsplan, PlanElement
from beleidsplan.store import Organisatie, VersieConflict


class InMemoryPlanStore:
    """The same methods as store.PlanStore, on dicts."""

    def __init__(self) -> None:
        self.plannen: dict[uuid.UUID, Beleidsplan] = {}
        self.elementen_per_plan: dict[uuid.UUID, dict[str, PlanElement]] = {}
        self.acties_per_plan: dict[uuid.UUID, dict[uuid.UUID, Actie]] = {}
        self.historiek: list[tuple[uuid.UUID, str, str]] = []
        self.vragen: list[tuple[uuid.UUID, uuid.UUID, str, str]] = []
        self.zelfevaluaties: dict[tuple[uuid.UUID, int], dict[str, Any]] = {}
        self.organisaties: dict[uuid.UUID, dict[str, Any]] = {}
        self.aanbod: dict[uuid.UUID, dict[str, Any]] = {}

    async def plan(self, beleidsplan_id: uuid.UUID) -> Beleidsplan | None:
        return self.plannen.get(beleidsplan_id)

    async def voeg_toe(self, p: Beleidsplan, wie: str) -> None:
        self.plannen[p.beleidsplan_id] = p
        await self.noteer(p.beleidsplan_id, wie, f"Plan gestart op catalogusversie {p.catalogus_versie}")

    async def wijzig(self, beleidsplan_id: uuid.UUID, verwachte_versie: int, wie: str, wat: list[str]) -> int:
        p = self.plannen[beleidsplan_id]
        if p.versie != verwachte_versie:
            raise VersieConflict(p.versie)
        self.plannen[beleidsplan_id] = dataclasses.replace(p, versie=p.versie + 1)
        for regel in wat:
            await self.noteer(beleidsplan_id, wie, regel)
        return p.versie + 1

    async def noteer(self, beleidsplan_id: uuid.UUID, wie: str, wat: str) -> None:
        self.historiek.append((beleidsplan_id, wie, wat))

    async def zet_voorbereiding(self, beleidsplan_id: uuid.UUID, waarden: dict[str, str]) -> None:
        self.plannen[beleidsplan_id] = dataclasses.replace(self.plannen[beleidsplan_id], **waarden)

    async def zet_catalogus(self, beleidsplan_id: uuid.UUID, versie: str) -> None:
        self.plannen[beleidsplan_id] = dataclasses.replace(self.plannen[beleidsplan_id], catalogus_versie=versie)

    async def zet_gepubliceerd(self, beleidsplan_id: uuid.UUID, nu: datetime) -> None:
        self.plannen[beleidsplan_id] = dataclasses.replace(self.plannen[beleidsplan_id], gepubliceerd_op=nu)

    async def elementen(self, beleidsplan_id: uuid.UUID) -> dict[str, PlanElement]:
        return dict(sorted(self.elementen_per_plan.get(beleidsplan_id, {}).items()))

    async def zet_elementen(self, beleidsplan_id: uuid.UUID, nieuw: dict[str, PlanElement]) -> None:
        self.elementen_per_plan[beleidsplan_id] = dict(nieuw)

    async def acties(self, beleidsplan_id: uuid.UUID) -> list[Actie]:
        return list(self.acties_per_plan.get(beleidsplan_id, {}).values())

    async def voeg_actie_toe(self, beleidsplan_id: uuid.UUID, a: Actie) -> None:
        self.acties_per_plan.setdefault(beleidsplan_id, {})[a.actie_id] = a

    async def werk_actie_bij(self, beleidsplan_id: uuid.UUID, a: Actie) -> None:
        self.acties_per_plan[beleidsplan_id][a.actie_id] = a

    async def verwijder_actie(self, beleidsplan_id: uuid.UUID, actie_id: uuid.UUID) -> None:
        self.acties_per_plan.get(beleidsplan_id, {}).pop(actie_id, None)

    async def bewaar_ondersteuningsvraag(self, vraag_id, p, element_id, vraag, wie, nu) -> None:
        self.vragen.append((vraag_id, p.beleidsplan_id, element_id, vraag))

    async def organisatie(self, organisatie_id: uuid.UUID) -> Organisatie | None:
        o = self.organisaties.get(organisatie_id)
        if o is None:
            return None
        return Organisatie(**{k: o.get(k) for k in ("organisatie_id", "naam", "nis_code", "provincie", "inwoners", "grootteklasse")})

    async def bewaar_zelfevaluatie(self, organisatie_id, jaar, catalogus_versie, antwoorden, profiel, nu) -> uuid.UUID:
        bestaand = self.zelfevaluaties.get((organisatie_id, jaar))
        zelfevaluatie_id = bestaand["id"] if bestaand else uuid.uuid4()
        self.zelfevaluaties[(organisatie_id, jaar)] = {
            "id": zelfevaluatie_id, "antwoorden": antwoorden, "provincie": profiel.provincie if profiel else None,
        }
        return zelfevaluatie_id

    async def bewaar_organisatie(self, waarden: dict[str, Any]) -> None:
        oud = self.organisaties.get(waarden["organisatie_id"])
        if oud is None or oud["versie"] < waarden["versie"]:
            self.organisaties[waarden["organisatie_id"]] = waarden

    async def bewaar_aanbod(self, waarden: dict[str, Any]) -> None:
        oud = self.aanbod.get(waarden["activiteit_id"])
        if oud is None or oud["versie"] < waarden["versie"]:
            self.aanbod[waarden["activiteit_id"]] = waarden


class FakeBeleidsplanUoW(FakeUnitOfWork):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="/dinet/beleidsplan", **kwargs)
        self.plannen = InMemoryPlanStore()


@pytest.fixture
def nep_uow():
    """A factory: `nep_uow(clock=...)`; call it once per test and reuse it, like the service's
    own factory hands out units of work on the same database."""
    return FakeBeleidsplanUoW
