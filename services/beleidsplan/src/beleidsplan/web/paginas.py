"""The beleidstool's pages: the plans of your own local government, step by step.

Every form carries the plan's `versie`; saving claims it (`store.wijzig`), so when a colleague
saved in between, the form comes back with a clear message and the person's own input, never a
silent overwrite. Staff of VVSG read every plan (overview and exports) but change none.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from dinet_chassis.errors import Invalid
from dinet_chassis.web import errors_by_field
from dinet_chassis.web.auth import Rol, identiteit
from dinet_contracts import beleidstool, paginas
from dinet_contracts.tijd import lokaal

from .. import domain, store, use_cases
from ..bootstrap import BeleidsplanDiensten
from ..domain import Actie, Beleidsplan, Fout, OngeldigPlan, PlanElement
from ..store import VersieConflict
from . import export, toegang
from .toegang import BESTUUR, LEZERS, MEDEWERKER

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
Req = Request[Any, Any, Any]
Formulier = Annotated[dict[str, Any], FORM]



def tijdstip(moment: datetime) -> str:
    belgisch = lokaal(moment)
    return f"{belgisch:%d/%m/%Y} om {belgisch:%H.%M} uur"


HELPERS: dict[str, Any] = {
    "tijdstip": tijdstip,
    "scores": domain.SCORES,
    "score_kort": domain.SCORE_KORT,
    "prioriteiten": domain.PRIORITEITEN,
    "antwoorden": domain.ANTWOORDEN,
    "stappen": domain.STAPPEN,
    "bedrag": domain.bedrag,
    "datum_kort": domain.datum,
    "actie_labels": domain.ACTIE_LABELS,
}


def _pagina(naam: str, *, fouten: list[Fout] | None = None, status: int = 200, **context: Any) -> Template:
    veldfouten = list(fouten or [])
    return Template(
        template_name=f"beleidsplan/{naam}.html",
        context={**HELPERS, **context, "fouten": veldfouten, "fout": errors_by_field(veldfouten)},
        status_code=status,
    )


def _versie(data: dict[str, Any]) -> int:
    tekst = str(data.get("versie") or "")
    return int(tekst) if tekst.isdigit() else -1


def _pad(plan: Beleidsplan, *rest: str) -> str:
    return "/".join([f"/beleidsplan/plannen/{plan.beleidsplan_id}", *rest])


def _wijziging(request: Req, plan: Beleidsplan, data: dict[str, Any]) -> dict[str, Any]:
    """What every change of a plan carries: which plan, the version its form was built on, who."""
    return {"beleidsplan_id": plan.beleidsplan_id, "versie": _versie(data), "wie": toegang.naam(identiteit(request))}


async def _bewaar(
    diensten: BeleidsplanDiensten,
    use_case: Callable[[Any, Any], Awaitable[Any]],
    cmd: use_cases.Wijziging,
    *,
    toon: Callable[..., Template | Awaitable[Template]] | None,
    verder: str,
) -> Template | Redirect:
    """Run the change. When a colleague saved in between, `toon` shows the form again with the
    person's own input and the current version; without `toon` (a form whose repetition is
    harmless) the conflict just leads on."""
    try:
        await use_case(cmd, diensten.uow())
    except VersieConflict as c:
        if toon is not None:
            pagina = toon(versie=c.huidige_versie, fouten=list(c.problemen), status=409)
            return await pagina if inspect.isawaitable(pagina) else pagina
    return Redirect(verder, status_code=303)


async def _alles(diensten: BeleidsplanDiensten, plan: Beleidsplan) -> dict[str, Any]:
    """What most pages of a plan show: its elements, actions and the catalogue it is built on."""
    async with diensten.db.engine.connect() as conn:
        elementen = await store.elementen(conn, plan.beleidsplan_id)
        acties = await store.acties(conn, plan.beleidsplan_id)
        profiel = await store.organisatie(conn, plan.organisatie_id)
    catalogus = domain.catalogus_van(plan)
    return {
        "plan": plan,
        "catalogus": catalogus,
        "elementen": elementen,
        "acties": acties,
        "profiel": profiel,
        "organisatie": profiel.naam if profiel else "je lokaal bestuur",
        "element": lambda eid: domain.element(eid, catalogus),
        "per_pijler": {p.code: [e for e in elementen.values() if e.element_id.startswith(p.code + "-")] for p in catalogus.pijlers},
    }


# --- start ------------------------------------------------------------------------------------


async def _startpagina(request: Req, diensten: BeleidsplanDiensten, *, fouten: list[Fout] | None = None, titel: str = "", status: int = 200) -> Template:
    wie = identiteit(request)
    org = toegang.eigen_organisatie(wie)
    plannen: list[Beleidsplan] = []
    alle: list[store.PlanRegel] = []
    profiel = None
    async with diensten.db.engine.connect() as conn:
        if org is not None:
            plannen = await store.plannen_van(conn, org)
            profiel = await store.organisatie(conn, org)
        if wie is not None and wie.heeft(Rol.MEDEWERKER):
            alle = await store.alle_plannen(conn)
    return _pagina(
        "start",
        fouten=fouten,
        status=status,
        wie=wie,
        bestuur=org is not None,
        bestuur_zonder_organisatie=wie is not None and wie.heeft(Rol.BESTUUR) and org is None,
        medewerker=wie is not None and wie.heeft(Rol.MEDEWERKER),
        organisatie=profiel.naam if profiel else "je lokaal bestuur",
        plannen=plannen,
        alle_plannen=alle,
        catalogus=beleidstool.huidige(),
        titel=titel,
        inloggen=f"{paginas.INLOGGEN}?volgende=%2Fbeleidsplan%2F",
    )


@get("/beleidsplan/", include_in_schema=False)
async def start(request: Req, diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    return await _startpagina(request, diensten)


@post("/beleidsplan/plannen", guards=BESTUUR, include_in_schema=False)
async def nieuw_plan(request: Req, diensten: NamedDependency[BeleidsplanDiensten], data: Formulier) -> Template | Redirect:
    wie = identiteit(request)
    org = toegang.eigen_organisatie(wie)
    titel = str(data.get("titel") or "")
    if org is None:
        return await _startpagina(
            request, diensten, status=400, titel=titel,
            fouten=[Fout("titel", "geen_organisatie", "Je account hoort bij geen lokaal bestuur. Bel ons, dan koppelen we het.")],
        )
    try:
        plan = await use_cases.start_plan(use_cases.StartPlan(org, titel, toegang.naam(wie)), diensten.uow())
    except OngeldigPlan as fout:
        return await _startpagina(request, diensten, fouten=fout.fouten, titel=titel, status=400)
    return Redirect(_pad(plan), status_code=303)


# --- the plan ---------------------------------------------------------------------------------


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}", guards=LEZERS, include_in_schema=False)
async def toon_plan(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan, schrijven = await toegang.leesbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    elementen: dict[str, PlanElement] = alles["elementen"]
    nodig = [e for e in elementen.values() if domain.vraagt_aanbod(e)]
    async with diensten.db.engine.connect() as conn:
        aanbod = await store.aanbod_voor(
            conn, [e.element_id for e in nodig], sorted({e.element_id[:3] for e in nodig}), datetime.now(UTC)
        )
        historiek = await store.historiek(conn, plan.beleidsplan_id, limiet=10)
        vragen = await store.ondersteuningsvragen(conn, plan.beleidsplan_id)
    aanbod_per_element = {
        e.element_id: [a for a in aanbod if e.element_id in a.elementen or e.element_id[:3] in a.pijlers] for e in nodig
    }
    nieuwste = beleidstool.huidige()
    return _pagina(
        "plan",
        **alles,
        schrijven=schrijven,
        aanbod=aanbod_per_element,
        historiek=historiek,
        vragen=vragen,
        nieuwere_catalogus=nieuwste.versie if nieuwste.versie != plan.catalogus_versie else None,
        acties_per_element={eid: [a for a in alles["acties"] if a.element_id == eid] for eid in elementen},
        losse_acties=[a for a in alles["acties"] if a.element_id not in elementen],
    )


# --- step 0: preparation ----------------------------------------------------------------------


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/voorbereiding", guards=BESTUUR, include_in_schema=False)
async def voorbereiding(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    waarden = {veld: getattr(plan, veld) for veld in domain.VOORBEREIDING_VELDEN}
    return _pagina("voorbereiding", **await _alles(diensten, plan), waarden=waarden, versie=plan.versie)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/voorbereiding", guards=BESTUUR, include_in_schema=False)
async def voorbereiding_bewaren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    resultaat = domain.lees_voorbereiding(data)
    waarden = {veld: str(data.get(veld) or "") for veld in domain.VOORBEREIDING_VELDEN}
    toon = partial(_pagina, "voorbereiding", **await _alles(diensten, plan), waarden=waarden)
    if isinstance(resultaat, list):
        return toon(versie=_versie(data), fouten=resultaat, status=400)
    return await _bewaar(
        diensten, use_cases.bewaar_voorbereiding, use_cases.BewaarVoorbereiding(**_wijziging(request, plan, data), waarden=resultaat),
        toon=toon, verder=_pad(plan) + "#stap-voorbereiding",
    )


# --- steps 1-3: choose, score, prioritise -----------------------------------------------------


async def _bewaar_elementen(
    request: Req,
    diensten: BeleidsplanDiensten,
    plan: Beleidsplan,
    data: dict[str, Any],
    nieuw: dict[str, PlanElement],
    toon: Callable[..., Template],
    volgende: str,
) -> Template | Redirect:
    return await _bewaar(
        diensten, use_cases.bewaar_elementen, use_cases.BewaarElementen(**_wijziging(request, plan, data), elementen=nieuw),
        toon=toon, verder=_pad(plan, volgende),
    )


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/kiezen", guards=BESTUUR, include_in_schema=False)
async def kiezen(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    return _pagina("kiezen", **alles, gekozen=list(alles["elementen"]), versie=plan.versie)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/kiezen", guards=BESTUUR, include_in_schema=False)
async def kiezen_bewaren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    oud: dict[str, PlanElement] = alles["elementen"]
    resultaat = domain.lees_keuze(data, alles["catalogus"], oud)
    if resultaat and isinstance(resultaat[0], Fout):
        return _pagina("kiezen", **alles, gekozen=[], versie=_versie(data), fouten=resultaat, status=400)  # type: ignore[arg-type]
    gekozen: list[str] = resultaat  # type: ignore[assignment]
    nieuw = {eid: oud.get(eid, PlanElement(eid)) for eid in gekozen}
    return await _bewaar_elementen(request, diensten, plan, data, nieuw, partial(_pagina, "kiezen", **alles, gekozen=gekozen), "stand")


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/stand", guards=BESTUUR, include_in_schema=False)
async def stand(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    waarden = {f"score-{e.element_id}": e.score or "" for e in alles["elementen"].values()}
    waarden |= {f"notitie-{e.element_id}": e.notitie for e in alles["elementen"].values()}
    return _pagina("stand", **alles, waarden=waarden, versie=plan.versie)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/stand", guards=BESTUUR, include_in_schema=False)
async def stand_bewaren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    oud: dict[str, PlanElement] = alles["elementen"]
    toon = partial(_pagina, "stand", **alles, waarden={k: str(v) for k, v in data.items()})
    resultaat = domain.lees_scores(data, oud)
    if isinstance(resultaat, list):
        return toon(versie=_versie(data), fouten=resultaat, status=400)
    nieuw = {eid: PlanElement(eid, s, n, oud[eid].prioriteit) for eid, (s, n) in resultaat.items()}
    return await _bewaar_elementen(request, diensten, plan, data, nieuw, toon, "prioriteiten")


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/prioriteiten", guards=BESTUUR, include_in_schema=False)
async def prioriteiten(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    waarden = {f"prioriteit-{e.element_id}": e.prioriteit or "" for e in alles["elementen"].values()}
    return _pagina("prioriteiten", **alles, waarden=waarden, versie=plan.versie)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/prioriteiten", guards=BESTUUR, include_in_schema=False)
async def prioriteiten_bewaren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    oud: dict[str, PlanElement] = alles["elementen"]
    toon = partial(_pagina, "prioriteiten", **alles, waarden={k: str(v) for k, v in data.items()})
    resultaat = domain.lees_prioriteiten(data, oud)
    if isinstance(resultaat, list):
        return toon(versie=_versie(data), fouten=resultaat, status=400)
    nieuw = {eid: PlanElement(eid, oud[eid].score, oud[eid].notitie, p) for eid, p in resultaat.items()}
    return await _bewaar_elementen(request, diensten, plan, data, nieuw, toon, "acties")


# --- step 4: actions (with step 5's anchoring and step 6's follow-up fields) ------------------


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties", guards=BESTUUR, include_in_schema=False)
async def acties(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    geprioriteerd = [e for e in alles["elementen"].values() if e.prioriteit in ("kort", "lang")]
    return _pagina("acties", **alles, geprioriteerd=geprioriteerd)


def _actie_context(alles: dict[str, Any]) -> dict[str, Any]:
    elementen: dict[str, PlanElement] = alles["elementen"]
    # Prioritised elements first: those are the ones to concretise.
    volgorde = sorted(elementen.values(), key=lambda e: (e.prioriteit not in ("kort", "lang"), e.element_id))
    return {"element_keuzes": [(e.element_id, f"{e.element_id}: {_tekst(alles, e.element_id)}") for e in volgorde]}


def _actie_pagina(alles: dict[str, Any], actie: Actie | None, waarden: dict[str, str]) -> Callable[..., Template]:
    return partial(_pagina, "actie", **alles, **_actie_context(alles), actie=actie, waarden=waarden)


def _tekst(alles: dict[str, Any], eid: str) -> str:
    el = alles["element"](eid)
    return el.tekst if el else eid


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties/nieuw", guards=BESTUUR, include_in_schema=False)
async def actie_nieuw(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], element: FromQuery[str | None] = None
) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    return _actie_pagina(alles, None, {"element_id": element or "", "status": "rood"})(versie=plan.versie)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties/nieuw", guards=BESTUUR, include_in_schema=False)
async def actie_toevoegen(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    toon = _actie_pagina(alles, None, {k: str(v) for k, v in data.items()})
    resultaat = domain.lees_actie(data, alles["elementen"])
    if isinstance(resultaat, list):
        return toon(versie=_versie(data), fouten=resultaat, status=400)
    return await _bewaar(
        diensten, use_cases.voeg_actie_toe, use_cases.VoegActieToe(**_wijziging(request, plan, data), actie=resultaat),
        toon=toon, verder=_pad(plan, "acties") + f"#actie-{resultaat.actie_id}",
    )


async def _actie_of_404(diensten: BeleidsplanDiensten, plan: Beleidsplan, actie_id: uuid.UUID) -> Actie:
    async with diensten.db.engine.connect() as conn:
        gevonden = await store.actie(conn, plan.beleidsplan_id, actie_id)
    if gevonden is None:
        raise NotFoundException("Deze actie bestaat niet (meer).")
    return gevonden


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties/{actie_id:uuid}", guards=BESTUUR, include_in_schema=False)
async def actie_bewerken(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], actie_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]
) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    a = await _actie_of_404(diensten, plan, actie_id)
    alles = await _alles(diensten, plan)
    return _actie_pagina(alles, a, domain.actie_waarden(a))(versie=plan.versie)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties/{actie_id:uuid}", guards=BESTUUR, include_in_schema=False)
async def actie_bijwerken(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], actie_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    oud = await _actie_of_404(diensten, plan, actie_id)
    alles = await _alles(diensten, plan)
    toon = _actie_pagina(alles, oud, {k: str(v) for k, v in data.items()})
    # An action may stay on an element no longer chosen; it then still shows in the plan.
    resultaat = domain.lees_actie(data, [*alles["elementen"], oud.element_id], actie_id=oud.actie_id)
    if isinstance(resultaat, list):
        return toon(versie=_versie(data), fouten=resultaat, status=400)
    return await _bewaar(
        diensten, use_cases.werk_acties_bij, use_cases.WerkActiesBij(**_wijziging(request, plan, data), acties=[resultaat]),
        toon=toon, verder=_pad(plan, "acties") + f"#actie-{actie_id}",
    )


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties/{actie_id:uuid}/verwijderen", guards=BESTUUR, include_in_schema=False)
async def actie_verwijderen(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], actie_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    a = await _actie_of_404(diensten, plan, actie_id)

    async def toon(**kw: Any) -> Template:
        return _actie_pagina(await _alles(diensten, plan), a, domain.actie_waarden(a))(**kw)

    return await _bewaar(
        diensten, use_cases.verwijder_actie, use_cases.VerwijderActie(**_wijziging(request, plan, data), actie_id=actie_id),
        toon=toon, verder=_pad(plan, "acties"),
    )


# --- steps 5 and 6: anchoring and follow-up, for all actions at once --------------------------


_BULK = {
    "verankeren": ("beleidsdoelstelling", "actieplan"),
    "opvolgen": ("status", "evaluatiedatum"),
}


async def _bulk_pagina(request: Req, diensten: BeleidsplanDiensten, plan: Beleidsplan, stap: str, **extra: Any) -> Template:
    alles = await _alles(diensten, plan)
    async with diensten.db.engine.connect() as conn:
        historiek = await store.historiek(conn, plan.beleidsplan_id)
    if "waarden" not in extra:
        extra["waarden"] = {
            f"{veld}-{a.actie_id}": domain.actie_waarden(a)[veld] for a in alles["acties"] for veld in _BULK[stap]
        }
    extra.setdefault("versie", plan.versie)
    return _pagina(stap, **alles, historiek=historiek, **extra)


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/verankeren", guards=BESTUUR, include_in_schema=False)
async def verankeren(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    return await _bulk_pagina(request, diensten, plan, "verankeren")


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/opvolgen", guards=BESTUUR, include_in_schema=False)
async def opvolgen(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    return await _bulk_pagina(request, diensten, plan, "opvolgen")


async def _bulk_bewaren(request: Req, diensten: BeleidsplanDiensten, plan: Beleidsplan, stap: str, data: dict[str, Any]) -> Template | Redirect:
    alles = await _alles(diensten, plan)
    waarden = {k: str(v) for k, v in data.items()}
    nieuwe: list[Actie] = []
    fouten: list[Fout] = []
    for a in alles["acties"]:
        invoer = domain.actie_waarden(a) | {veld: str(data.get(f"{veld}-{a.actie_id}") or "") for veld in _BULK[stap]}
        r = domain.lees_actie(invoer, [a.element_id], actie_id=a.actie_id)
        if isinstance(r, list):
            fouten += [Fout(f"{f.veld}-{a.actie_id}", f.code, f"{a.wat[:40]}: {f.melding}") for f in r]
        else:
            nieuwe.append(r)
    if fouten:
        return await _bulk_pagina(request, diensten, plan, stap, waarden=waarden, versie=_versie(data), fouten=fouten, status=400)
    return await _bewaar(
        diensten, use_cases.werk_acties_bij, use_cases.WerkActiesBij(**_wijziging(request, plan, data), acties=nieuwe),
        toon=partial(_bulk_pagina, request, diensten, plan, stap, waarden=waarden), verder=_pad(plan) + f"#stap-{stap}",
    )


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/verankeren", guards=BESTUUR, include_in_schema=False)
async def verankeren_bewaren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    return await _bulk_bewaren(request, diensten, plan, "verankeren", data)


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/opvolgen", guards=BESTUUR, include_in_schema=False)
async def opvolgen_bewaren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    return await _bulk_bewaren(request, diensten, plan, "opvolgen", data)


# --- catalogue version, publishing, support ---------------------------------------------------


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/catalogus", guards=BESTUUR, include_in_schema=False)
async def catalogus_verschillen(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    return await _catalogus_pagina(diensten, plan)


async def _catalogus_pagina(diensten: BeleidsplanDiensten, plan: Beleidsplan, **extra: Any) -> Template:
    alles = await _alles(diensten, plan)
    nieuw = beleidstool.huidige()
    return _pagina(
        "catalogus",
        **alles,
        nieuw=nieuw,
        verschillen=beleidstool.verschillen(alles["catalogus"], nieuw),
        versie=extra.pop("versie", plan.versie),
        **extra,
    )


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/catalogus", guards=BESTUUR, include_in_schema=False)
async def catalogus_verhuizen(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    """Move the plan to the newest catalogue. Chosen elements the new version dropped stay in the
    plan (with their text of the old version): nothing the local government wrote disappears."""
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    nieuw = beleidstool.huidige()
    if str(data.get("naar") or "") != nieuw.versie or plan.catalogus_versie == nieuw.versie:
        return Redirect(_pad(plan), status_code=303)
    return await _bewaar(
        diensten, use_cases.verhuis_catalogus, use_cases.VerhuisCatalogus(**_wijziging(request, plan, data), naar=nieuw.versie),
        toon=partial(_catalogus_pagina, diensten, plan), verder=_pad(plan),
    )


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/publiceren", guards=BESTUUR, include_in_schema=False)
async def publiceren(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    # No form to show again on a conflict: the plan page shows its state; publishing again is harmless.
    return await _bewaar(
        diensten, use_cases.publiceer, use_cases.Publiceer(**_wijziging(request, plan, data)),
        toon=None, verder=_pad(plan) + "#publiceren",
    )


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/ondersteuning", guards=BESTUUR, include_in_schema=False)
async def ondersteuning(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], element: FromQuery[str | None] = None
) -> Template:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    alles = await _alles(diensten, plan)
    return _pagina("ondersteuning", **alles, waarden={"element_id": element or "", "vraag": ""}, **_actie_context(alles))


@post("/beleidsplan/plannen/{beleidsplan_id:uuid}/ondersteuning", guards=BESTUUR, include_in_schema=False)
async def ondersteuning_vragen(
    request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten], data: Formulier
) -> Template | Redirect:
    plan = await toegang.schrijfbaar(request, diensten, beleidsplan_id)
    element_id = str(data.get("element_id") or "").strip()
    vraag = str(data.get("vraag") or "").strip()
    cmd = use_cases.VraagOndersteuning(plan.beleidsplan_id, toegang.naam(identiteit(request)), element_id, vraag)
    try:
        await use_cases.vraag_ondersteuning(cmd, diensten.uow())
    except Invalid as fout:
        alles = await _alles(diensten, plan)
        waarden = {"element_id": element_id, "vraag": vraag}
        return _pagina("ondersteuning", **alles, **_actie_context(alles), waarden=waarden, fouten=list(fout.problemen), status=400)
    return Redirect(_pad(plan) + "#ondersteuning", status_code=303)


# --- exports ----------------------------------------------------------------------------------


async def _export_gegevens(request: Req, diensten: BeleidsplanDiensten, beleidsplan_id: uuid.UUID) -> dict[str, Any]:
    plan, _ = await toegang.leesbaar(request, diensten, beleidsplan_id)
    return await _alles(diensten, plan)


def _bestandsnaam(plan: Beleidsplan, extensie: str) -> str:
    kort = "".join(c if c.isalnum() else "-" for c in plan.titel.lower()).strip("-")[:60] or "beleidsplan"
    return f"{kort}.{extensie}"


def _download(inhoud: bytes, media_type: str, naam: str) -> Response[bytes]:
    return Response(inhoud, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{naam}"'})


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/export.pdf", guards=LEZERS, include_in_schema=False)
async def export_pdf(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Response[bytes]:
    g = await _export_gegevens(request, diensten, beleidsplan_id)
    if not export.pdf_mogelijk():
        # Without the system's text libraries: the same document as a printable page.
        return Response(export.als_html(g).encode(), media_type="text/html")
    return _download(await export.als_pdf(g, request), "application/pdf", _bestandsnaam(g["plan"], "pdf"))


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/export.odt", guards=LEZERS, include_in_schema=False)
async def export_odt(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Response[bytes]:
    g = await _export_gegevens(request, diensten, beleidsplan_id)
    return _download(export.als_odt(g), export.ODT_MEDIA_TYPE, _bestandsnaam(g["plan"], "odt"))


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties.csv", guards=LEZERS, include_in_schema=False)
async def export_csv(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Response[bytes]:
    g = await _export_gegevens(request, diensten, beleidsplan_id)
    return _download(export.acties_csv(g), export.CSV_MEDIA_TYPE, _bestandsnaam(g["plan"], "csv"))


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}/acties.xlsx", guards=LEZERS, include_in_schema=False)
async def export_xlsx(request: Req, beleidsplan_id: FromPath[uuid.UUID], diensten: NamedDependency[BeleidsplanDiensten]) -> Response[bytes]:
    g = await _export_gegevens(request, diensten, beleidsplan_id)
    return _download(export.acties_xlsx(g), export.XLSX_MEDIA_TYPE, _bestandsnaam(g["plan"], "xlsx"))


# --- across all plans, for VVSG ---------------------------------------------------------------


@get("/beleidsplan/overzicht", guards=MEDEWERKER, include_in_schema=False)
async def overzicht(diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    async with diensten.db.engine.connect() as conn:
        alle = await store.elementen_van_alle_plannen(conn)
    catalogus = beleidstool.huidige()
    return _pagina(
        "overzicht",
        aantal_plannen=len(alle),
        rijen=domain.overzicht_over_plannen(alle),
        drempel=domain.ANONIEM_VANAF,
        element=lambda eid: domain.element(eid, catalogus),
        catalogus=catalogus,
    )


ROUTES = [
    start,
    nieuw_plan,
    toon_plan,
    voorbereiding,
    voorbereiding_bewaren,
    kiezen,
    kiezen_bewaren,
    stand,
    stand_bewaren,
    prioriteiten,
    prioriteiten_bewaren,
    acties,
    actie_nieuw,
    actie_toevoegen,
    actie_bewerken,
    actie_bijwerken,
    actie_verwijderen,
    verankeren,
    verankeren_bewaren,
    opvolgen,
    opvolgen_bewaren,
    catalogus_verschillen,
    catalogus_verhuizen,
    publiceren,
    ondersteuning,
    ondersteuning_vragen,
    export_pdf,
    export_odt,
    export_csv,
    export_xlsx,
    overzicht,
]
