"""What people and other services make beleidsplan do: one use case per command or event.

Each takes a command (a frozen dataclass, already parsed: the web layer reads forms and JSON) and
a `BeleidsplanUoW`, enters it (so it commits as a whole, events included) and refuses with a
domain error: `Invalid` (every wrong field at once), `NotFound`, or `VersieConflict` when a
colleague saved the plan after the form was opened. No HTTP, no Litestar, no runtime: the fast
tests run them with an in-memory unit of work (tests/test_use_cases.py).

A change to a plan claims the version its form was built on (`plannen.wijzig`) and writes the
history lines in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dinet_chassis.errors import FieldProblem, Invalid, NotFound
from dinet_contracts import beleidstool
from dinet_contracts.events.activiteiten import ActiviteitV2, _ActiviteitEvent
from dinet_contracts.events.beleidsplan import (
    BeleidsplanAangemaakt,
    BeleidsplanGepubliceerd,
    OndersteuningsnoodGesignaleerd,
    ZelfevaluatieIngediend,
)
from dinet_contracts.events.registratie import OrganisatieBijgewerkt
from dinet_contracts.tijd import lokaal

from . import domain
from .domain import Actie, Beleidsplan, PlanElement

if TYPE_CHECKING:
    from .store import BeleidsplanUoW

VRAAG_MAX = 2000


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartPlan:
    organisatie_id: uuid.UUID
    titel: str
    wie: str  # who, for the history


@dataclass(frozen=True)
class MaakPlanAan:
    """A whole plan at once (the API): choices, scores, priorities and actions as typed."""

    organisatie_id: uuid.UUID
    titel: str
    wie: str
    voorbereiding: dict[str, str] = field(default_factory=dict)
    elementen: list[PlanElement] = field(default_factory=list)
    acties: list[dict[str, str]] = field(default_factory=list)  # each as a form would send it


@dataclass(frozen=True)
class Wijziging:
    """A change to a plan, on the version the form was opened on."""

    beleidsplan_id: uuid.UUID
    versie: int
    wie: str


@dataclass(frozen=True)
class BewaarVoorbereiding(Wijziging):
    waarden: dict[str, str]


@dataclass(frozen=True)
class BewaarElementen(Wijziging):
    elementen: dict[str, PlanElement]  # exactly the plan's elements afterwards


@dataclass(frozen=True)
class VoegActieToe(Wijziging):
    actie: Actie


@dataclass(frozen=True)
class WerkActiesBij(Wijziging):
    acties: list[Actie]  # new values of existing actions; unchanged ones write nothing


@dataclass(frozen=True)
class VerwijderActie(Wijziging):
    actie_id: uuid.UUID


@dataclass(frozen=True)
class VerhuisCatalogus(Wijziging):
    naar: str


@dataclass(frozen=True)
class Publiceer(Wijziging):
    pass


@dataclass(frozen=True)
class VraagOndersteuning:
    beleidsplan_id: uuid.UUID
    wie: str
    element_id: str
    vraag: str


@dataclass(frozen=True)
class DienZelfevaluatieIn:
    organisatie_id: uuid.UUID
    antwoorden: dict[str, str]  # as checked by domain.lees_zelfevaluatie


# --- plans ------------------------------------------------------------------------------------


def _aangemaakt(plan: Beleidsplan) -> BeleidsplanAangemaakt:
    return BeleidsplanAangemaakt(
        beleidsplan_id=plan.beleidsplan_id,
        organisatie_id=plan.organisatie_id,
        titel=plan.titel,
        catalogus_versie=plan.catalogus_versie,
        aangemaakt_op=plan.aangemaakt_op,
    )


async def start_plan(cmd: StartPlan, uow: BeleidsplanUoW) -> Beleidsplan:
    """A new, empty plan on the newest catalogue version. Raises OngeldigPlan (an `Invalid`)."""
    plan = domain.start_plan(
        titel=cmd.titel, organisatie_id=cmd.organisatie_id, catalogus_versie=beleidstool.huidige().versie, nu=uow.now()
    )
    async with uow:
        await uow.plannen.voeg_toe(plan, cmd.wie)
        await uow.publish(_aangemaakt(plan))
    return plan


async def maak_plan_aan(cmd: MaakPlanAan, uow: BeleidsplanUoW) -> Beleidsplan:
    """A whole plan in one go. Every wrong field at once: `titel`, `elementen`, `acties.<i>.<veld>`."""
    catalogus = beleidstool.huidige()
    fouten: list[FieldProblem] = []
    plan: Beleidsplan | None = None
    try:
        plan = domain.start_plan(titel=cmd.titel, organisatie_id=cmd.organisatie_id, catalogus_versie=catalogus.versie, nu=uow.now())
    except domain.OngeldigPlan as fout:
        fouten += fout.fouten
    gekozen = [e.element_id for e in cmd.elementen]
    keuze = domain.lees_keuze({"elementen": gekozen}, catalogus)
    if keuze and isinstance(keuze[0], FieldProblem):
        fouten += keuze  # type: ignore[arg-type]
    if len(set(gekozen)) != len(gekozen):
        fouten.append(FieldProblem("elementen", "dubbel", "Elk element mag maar één keer voorkomen."))
    acties: list[Actie] = []
    for i, invoer in enumerate(cmd.acties):
        r = domain.lees_actie(invoer, gekozen)
        if isinstance(r, list):
            fouten += [FieldProblem(f"acties.{i}.{f.veld}", f.code, f.melding) for f in r]
        else:
            acties.append(r)
    if fouten or plan is None:
        raise Invalid(problemen=fouten)
    async with uow:
        await uow.plannen.voeg_toe(plan, cmd.wie)
        await uow.publish(_aangemaakt(plan))
        await uow.plannen.zet_voorbereiding(plan.beleidsplan_id, cmd.voorbereiding)
        await uow.plannen.zet_elementen(plan.beleidsplan_id, {e.element_id: e for e in cmd.elementen})
        for a in acties:
            await uow.plannen.voeg_actie_toe(plan.beleidsplan_id, a)
        await uow.plannen.noteer(
            plan.beleidsplan_id, cmd.wie, f"{len(gekozen)} elementen en {len(acties)} acties ingevoerd via de API"
        )
    return plan


async def _plan(uow: BeleidsplanUoW, beleidsplan_id: uuid.UUID) -> Beleidsplan:
    plan = await uow.plannen.plan(beleidsplan_id)
    if plan is None:
        raise NotFound("plan_onbekend", "Dit beleidsplan bestaat niet.")
    return plan


async def _claim(uow: BeleidsplanUoW, cmd: Wijziging, wat: list[str]) -> None:
    await uow.plannen.wijzig(cmd.beleidsplan_id, cmd.versie, cmd.wie, wat)


async def bewaar_voorbereiding(cmd: BewaarVoorbereiding, uow: BeleidsplanUoW) -> None:
    async with uow:
        plan = await _plan(uow, cmd.beleidsplan_id)
        gewijzigd = [domain.VOORBEREIDING_VELDEN[v] for v, w in cmd.waarden.items() if getattr(plan, v) != w]
        await _claim(uow, cmd, [f"Voorbereiding: {', '.join(gewijzigd).lower()} aangepast"] if gewijzigd else [])
        await uow.plannen.zet_voorbereiding(cmd.beleidsplan_id, cmd.waarden)


async def bewaar_elementen(cmd: BewaarElementen, uow: BeleidsplanUoW) -> None:
    """Steps 1-3: the chosen elements, their scores and notes, their priorities."""
    async with uow:
        oud = await uow.plannen.elementen(cmd.beleidsplan_id)
        await _claim(uow, cmd, domain.element_wijzigingen(oud, cmd.elementen))
        await uow.plannen.zet_elementen(cmd.beleidsplan_id, cmd.elementen)


async def voeg_actie_toe(cmd: VoegActieToe, uow: BeleidsplanUoW) -> None:
    a = cmd.actie
    async with uow:
        await _claim(uow, cmd, [f"Actie toegevoegd bij {a.element_id}: ‘{a.wat[:80]}’"])
        await uow.plannen.voeg_actie_toe(cmd.beleidsplan_id, a)


async def werk_acties_bij(cmd: WerkActiesBij, uow: BeleidsplanUoW) -> None:
    """One action (its form) or all at once (steps 5 and 6); the history names each change."""
    async with uow:
        oud = {a.actie_id: a for a in await uow.plannen.acties(cmd.beleidsplan_id)}
        gewijzigd = []
        for nieuw in cmd.acties:
            if nieuw.actie_id not in oud:
                raise NotFound("actie_onbekend", "Deze actie bestaat niet (meer).")
            gewijzigd.append((nieuw, domain.actie_wijzigingen(oud[nieuw.actie_id], nieuw)))
        await _claim(uow, cmd, [f"Actie ‘{oud[n.actie_id].wat[:60]}’: {w}" for n, ws in gewijzigd for w in ws])
        for n, ws in gewijzigd:
            if ws:
                await uow.plannen.werk_actie_bij(cmd.beleidsplan_id, n)


async def verwijder_actie(cmd: VerwijderActie, uow: BeleidsplanUoW) -> None:
    async with uow:
        a = next((a for a in await uow.plannen.acties(cmd.beleidsplan_id) if a.actie_id == cmd.actie_id), None)
        if a is None:
            raise NotFound("actie_onbekend", "Deze actie bestaat niet (meer).")
        await _claim(uow, cmd, [f"Actie verwijderd: ‘{a.wat[:80]}’"])
        await uow.plannen.verwijder_actie(cmd.beleidsplan_id, cmd.actie_id)


async def verhuis_catalogus(cmd: VerhuisCatalogus, uow: BeleidsplanUoW) -> None:
    """Move the plan to another catalogue version. Chosen elements the new version dropped stay
    in the plan (with their text of the old version): nothing the local government wrote goes."""
    async with uow:
        plan = await _plan(uow, cmd.beleidsplan_id)
        await _claim(uow, cmd, [f"Verhuisd van catalogusversie {plan.catalogus_versie} naar {cmd.naar}"])
        await uow.plannen.zet_catalogus(cmd.beleidsplan_id, cmd.naar)


async def publiceer(cmd: Publiceer, uow: BeleidsplanUoW) -> None:
    async with uow:
        plan = await _plan(uow, cmd.beleidsplan_id)
        nu = uow.now()
        await _claim(uow, cmd, ["Plan gepubliceerd" if plan.gepubliceerd_op is None else "Plan opnieuw gepubliceerd"])
        await uow.plannen.zet_gepubliceerd(plan.beleidsplan_id, nu)
        await uow.publish(
            BeleidsplanGepubliceerd(beleidsplan_id=plan.beleidsplan_id, organisatie_id=plan.organisatie_id, gepubliceerd_op=nu)
        )


async def vraag_ondersteuning(cmd: VraagOndersteuning, uow: BeleidsplanUoW) -> uuid.UUID:
    """A request for support on one element of the plan: VVSG hears of it through the event. It
    changes nothing in the plan (no new version) but belongs in its history."""
    element_id = cmd.element_id.strip()
    vraag = cmd.vraag.strip()
    async with uow:
        plan = await _plan(uow, cmd.beleidsplan_id)
        elementen = await uow.plannen.elementen(plan.beleidsplan_id)
        fouten = []
        if element_id not in elementen:
            fouten.append(FieldProblem("element_id", "onbekend_element", "Kies een van de beleidselementen van je plan."))
        if not vraag:
            fouten.append(FieldProblem("vraag", "verplicht", "Beschrijf waarbij je ondersteuning zoekt."))
        elif len(vraag) > VRAAG_MAX:
            fouten.append(FieldProblem("vraag", "te_lang", f"Gebruik hoogstens {VRAAG_MAX} tekens."))
        if fouten:
            raise Invalid(problemen=fouten)
        element = domain.element(element_id, domain.catalogus_van(plan))
        vraag_id = uuid.uuid4()
        nu = uow.now()
        await uow.plannen.bewaar_ondersteuningsvraag(vraag_id, plan, element_id, vraag, cmd.wie, nu)
        await uow.publish(
            OndersteuningsnoodGesignaleerd(
                vraag_id=vraag_id,
                organisatie_id=plan.organisatie_id,
                beleidsplan_id=plan.beleidsplan_id,
                element_id=element_id,
                element_tekst=(element.tekst if element else element_id)[:500],
                vraag=vraag,
                gesignaleerd_op=nu,
            )
        )
        await uow.plannen.noteer(plan.beleidsplan_id, cmd.wie, f"Ondersteuning op maat gevraagd bij {element_id}")
    return vraag_id


# --- self-assessment --------------------------------------------------------------------------


def jaar_van(uow: Any) -> int:
    """The self-assessment's year: the calendar year in Belgium."""
    return lokaal(uow.now()).year


async def dien_zelfevaluatie_in(cmd: DienZelfevaluatieIn, uow: BeleidsplanUoW) -> int:
    """One per organisation and year; submitting again in the same year revises it. Returns the year."""
    catalogus = beleidstool.huidige()
    nu = uow.now()
    jaar = lokaal(nu).year
    async with uow:
        # The peer groups it is compared with are those of the profile it was made with.
        profiel = await uow.plannen.organisatie(cmd.organisatie_id)
        zelfevaluatie_id = await uow.plannen.bewaar_zelfevaluatie(
            cmd.organisatie_id, jaar, catalogus.versie, cmd.antwoorden, profiel, nu
        )
        await uow.publish(
            ZelfevaluatieIngediend(
                zelfevaluatie_id=zelfevaluatie_id,
                organisatie_id=cmd.organisatie_id,
                jaar=jaar,
                catalogus_versie=catalogus.versie,
                aantal_wel=domain.aantal_wel(cmd.antwoorden, catalogus),
                ingediend_op=nu,
            )
        )
    return jaar


# --- what other services tell ------------------------------------------------------------------


async def bewaar_organisatie(e: OrganisatieBijgewerkt, uow: BeleidsplanUoW) -> None:
    """An organisation as registratie describes it: a plan's municipality profile and the peer
    groups of the self-assessment."""
    async with uow:
        await uow.plannen.bewaar_organisatie(
            {
                "organisatie_id": e.organisatie_id,
                "versie": e.versie,
                "naam": e.naam,
                "type": e.type.value,
                "nis_code": e.nis_code,
                "provincie": e.provincie,
                "inwoners": e.inwoners,
                "grootteklasse": e.grootteklasse,
            }
        )


async def bewaar_aanbod(e: _ActiviteitEvent, uow: BeleidsplanUoW) -> None:
    """An activity of the network with the pillars and elements it serves ("plan and network
    meet"). Version-1 events arrive read as version 2, with no pillars or elements: they match
    no plan."""
    a: ActiviteitV2 = e.activiteit  # type: ignore[assignment]  # always v2 after the upcast
    async with uow:
        await uow.plannen.bewaar_aanbod(
            {
                "activiteit_id": a.activiteit_id,
                "versie": a.versie,
                "soort": a.soort.value,
                "titel": a.titel,
                "start": a.start,
                "einde": a.einde,
                "status": a.status.value,
                "vorm": a.vorm.value,
                "plaats": a.plaats,
                "url": a.url,
                "pijlers": list(a.pijlers),
                "elementen": list(a.elementen),
            }
        )
