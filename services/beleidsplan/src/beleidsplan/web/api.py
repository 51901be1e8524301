"""The JSON API (`/beleidsplan/api/v1/`), beside the pages and on the same rules: the catalogue
for anyone; plans of the signed-in person's own organisation (VVSG staff: every plan, read-only);
creating a whole plan in one request, and submitting a self-assessment, for a local government.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, ConfigDict, Field

from dinet_chassis.web import FieldError, validation_problem
from dinet_chassis.web.auth import Rol, identiteit
from dinet_contracts import beleidstool

from .. import domain, store, use_cases
from ..bootstrap import BeleidsplanDiensten
from ..domain import Beleidsplan, PlanElement
from . import toegang
from .toegang import BESTUUR, LEZERS

API = "/beleidsplan/api/v1"
TAGS = ["beleidstool"]
Req = Request[Any, Any, Any]


# --- the catalogue ----------------------------------------------------------------------------


class ElementUit(BaseModel):
    id: str = Field(examples=["DIE-01"])
    tekst: str
    status: Literal["letterlijk", "afgeleid"] = Field(description="Letterlijk van een kaart van de beleidstool, of afgeleid.")
    basis: str
    tags: list[str]


class PijlerUit(BaseModel):
    code: str = Field(examples=["TOE"])
    naam: str
    uitleg: str
    indicatoren: list[str] = Field(description="Voorbeelden van indicatoren om op te volgen.")
    elementen: list[ElementUit]


class BeleidsactieUit(BaseModel):
    id: str = Field(examples=["VV-6"])
    tekst: str
    vlaanderen_procent: int = Field(description="Aandeel lokale besturen in Vlaanderen dat dit (eerder) wel doet (imec 2024).")


class FaseUit(BaseModel):
    code: str
    naam: str
    beleidsacties: list[BeleidsactieUit]


class KompasniveauUit(BaseModel):
    code: str
    naam: str
    kenmerken: list[str]


class CatalogusUit(BaseModel):
    versie: str
    uitleg: str
    pijlers: list[PijlerUit]
    beleidsfasen: list[FaseUit] = Field(description="De 18 beleidsacties van de zelfevaluatie, in drie fasen.")
    kompas: list[KompasniveauUit] = Field(description="Het GzG-criteriakompas voor e-inclusie in een project.")
    contextindicatoren: list[str]


def catalogus_uit(c: beleidstool.Catalogus) -> CatalogusUit:
    return CatalogusUit(
        versie=c.versie,
        uitleg=c.uitleg,
        pijlers=[
            PijlerUit(
                code=p.code, naam=p.naam, uitleg=p.uitleg, indicatoren=list(p.indicatoren),
                elementen=[ElementUit(id=e.id, tekst=e.tekst, status=e.status, basis=e.basis, tags=list(e.tags)) for e in c.elementen_van(p.code)],  # type: ignore[arg-type]
            )
            for p in c.pijlers
        ],
        beleidsfasen=[
            FaseUit(code=code, naam=naam, beleidsacties=[BeleidsactieUit(id=a.id, tekst=a.tekst, vlaanderen_procent=a.vlaanderen_procent) for a in c.acties_van(code)])
            for code, naam in c.beleidsfasen
        ],
        kompas=[KompasniveauUit(code=k.code, naam=k.naam, kenmerken=list(k.kenmerken)) for k in c.kompas],
        contextindicatoren=list(c.contextindicatoren),
    )


@get(f"{API}/catalogus", tags=TAGS, summary="De catalogus van de beleidstool", sync_to_thread=False)
def api_catalogus() -> CatalogusUit:
    """Pijlers met hun beleidselementen, de 18 beleidsacties van de zelfevaluatie, het kompas en de versie."""
    return catalogus_uit(beleidstool.huidige())


# --- plans ------------------------------------------------------------------------------------

Score = Literal["rood", "oranje", "groen"]
Prioriteit = Literal["kort", "lang", "niet_nu"]


class PlanElementUit(BaseModel):
    element_id: str
    pijler: str
    tekst: str
    score: Score | None
    notitie: str
    prioriteit: Prioriteit | None


class ActieUit(BaseModel):
    actie_id: uuid.UUID
    element_id: str
    wat: str
    eigenaar: str
    betrokken: str = Field(description="Betrokken diensten en partners.")
    start: date | None
    einde: date | None
    budget: Decimal | None = Field(description="In euro.")
    bbc_code: str
    doelgroep: str
    indicator: str
    baseline: str
    streefwaarde: str
    bron: str
    status: Score
    evaluatiedatum: date | None
    beleidsdoelstelling: str = Field(description="Beleidsdoelstelling van het meerjarenplan.")
    actieplan: str = Field(description="Actieplan van het meerjarenplan.")


class PlanSamenvatting(BaseModel):
    id: uuid.UUID
    organisatie_id: uuid.UUID
    titel: str
    catalogus_versie: str
    versie: int = Field(description="Stijgt bij elke wijziging.")
    aangemaakt_op: datetime
    gewijzigd_op: datetime | None
    gepubliceerd_op: datetime | None
    pagina: str


class Voorbereiding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    risicogroepen: str = Field("", max_length=domain.TEKST_MAX)
    bestaande_acties: str = Field("", max_length=domain.TEKST_MAX)
    partners: str = Field("", max_length=domain.TEKST_MAX)
    meerjarenplan: str = Field("", max_length=domain.TEKST_MAX)


class PlanUit(PlanSamenvatting):
    voorbereiding: Voorbereiding
    elementen: list[PlanElementUit]
    acties: list[ActieUit]


class PlannenUit(BaseModel):
    plannen: list[PlanSamenvatting]


def _samenvatting(p: Beleidsplan) -> dict[str, Any]:
    return {
        "id": p.beleidsplan_id,
        "organisatie_id": p.organisatie_id,
        "titel": p.titel,
        "catalogus_versie": p.catalogus_versie,
        "versie": p.versie,
        "aangemaakt_op": p.aangemaakt_op,
        "gewijzigd_op": p.gewijzigd_op,
        "gepubliceerd_op": p.gepubliceerd_op,
        "pagina": f"/beleidsplan/plannen/{p.beleidsplan_id}",
    }


@get(f"{API}/plannen", guards=LEZERS, tags=TAGS, summary="De beleidsplannen van je lokaal bestuur")
async def api_plannen(request: Req, diensten: NamedDependency[BeleidsplanDiensten]) -> PlannenUit:
    """Voor een lokaal bestuur: de eigen plannen. Voor VVSG-medewerkers: alle plannen."""
    wie = identiteit(request)
    org = toegang.eigen_organisatie(wie)
    async with diensten.db.engine.connect() as conn:
        if org is not None:
            plannen = await store.plannen_van(conn, org)
        elif wie is not None and wie.heeft(Rol.MEDEWERKER):
            plannen = [r.plan for r in await store.alle_plannen(conn)]
        else:
            plannen = []
    return PlannenUit(plannen=[PlanSamenvatting(**_samenvatting(p)) for p in plannen])


async def _plan_uit(conn: Any, plan: Beleidsplan) -> PlanUit:
    elementen = await store.elementen(conn, plan.beleidsplan_id)
    acties = await store.acties(conn, plan.beleidsplan_id)
    catalogus = domain.catalogus_van(plan)

    def tekst(eid: str) -> str:
        el = domain.element(eid, catalogus)
        return el.tekst if el else ""

    return PlanUit(
        **_samenvatting(plan),
        voorbereiding=Voorbereiding(**{v: getattr(plan, v) for v in domain.VOORBEREIDING_VELDEN}),
        elementen=[
            PlanElementUit(element_id=e.element_id, pijler=e.element_id[:3], tekst=tekst(e.element_id), score=e.score, notitie=e.notitie, prioriteit=e.prioriteit)  # type: ignore[arg-type]
            for e in elementen.values()
        ],
        acties=[ActieUit(**{k: getattr(a, k) for k in ActieUit.model_fields}) for a in acties],
    )


@get(f"{API}/plannen/{{beleidsplan_id:uuid}}", guards=LEZERS, tags=TAGS, summary="Eén beleidsplan")
async def api_plan(request: Req, diensten: NamedDependency[BeleidsplanDiensten], beleidsplan_id: FromPath[uuid.UUID]) -> PlanUit:
    """Keuzes, scores, prioriteiten en acties. Een plan van een ander lokaal bestuur bestaat voor jou niet (404)."""
    plan, _ = await toegang.leesbaar(request, diensten, beleidsplan_id)
    async with diensten.db.engine.connect() as conn:
        return await _plan_uit(conn, plan)


class PlanElementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element_id: str = Field(pattern=beleidstool.ELEMENT_ID_PATTERN)
    score: Score | None = None
    notitie: str = Field("", max_length=domain.TEKST_MAX)
    prioriteit: Prioriteit | None = None


class ActieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element_id: str
    wat: str = Field(min_length=1, max_length=domain.TEKST_MAX)
    eigenaar: str = ""
    betrokken: str = ""
    start: date | None = None
    einde: date | None = None
    # A float bound: OpenAPI wants a number, and a Decimal bound is written as a string. The domain
    # checks the exact bound.
    budget: Decimal | None = Field(None, ge=0, le=float(domain.BUDGET_MAX))
    bbc_code: str = ""
    doelgroep: str = ""
    indicator: str = ""
    baseline: str = ""
    streefwaarde: str = ""
    bron: str = ""
    status: Score = "rood"
    evaluatiedatum: date | None = None
    beleidsdoelstelling: str = ""
    actieplan: str = ""


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Checked by the domain with the rest, so every wrong field is reported at once.
    titel: str = Field(max_length=1000)
    voorbereiding: Voorbereiding = Voorbereiding()
    elementen: list[PlanElementIn] = []
    acties: list[ActieIn] = []


@post(f"{API}/plannen", guards=BESTUUR, tags=TAGS, summary="Een beleidsplan aanmaken, met keuzes en acties", status_code=201)
async def api_plan_aanmaken(request: Req, diensten: NamedDependency[BeleidsplanDiensten], data: JSONBody[PlanIn]) -> Response[Any]:
    """Maakt in één keer een plan voor je eigen lokaal bestuur op de huidige catalogusversie."""
    wie = identiteit(request)
    org = toegang.eigen_organisatie(wie)
    if org is None:
        return validation_problem([FieldError("titel", "geen_organisatie", "Je account hoort bij geen lokaal bestuur.")])
    cmd = use_cases.MaakPlanAan(
        organisatie_id=org,
        titel=data.titel,
        wie=toegang.naam(wie),
        voorbereiding=data.voorbereiding.model_dump(),
        elementen=[PlanElement(e.element_id, e.score, e.notitie, e.prioriteit) for e in data.elementen],
        acties=[
            {k: ("" if v is None else (v.isoformat() if isinstance(v, date) else str(v))) for k, v in a.model_dump().items()}
            for a in data.acties
        ],
    )
    # A refusal (Invalid) escaping here is answered from the chassis' table: 422 with every field.
    plan = await use_cases.maak_plan_aan(cmd, diensten.uow())
    async with diensten.db.transaction() as conn:
        # Read back in the same transaction: with an Idempotency-Key the request's answer is
        # stored with its effect, before either is committed.
        opgeslagen = await store.plan(conn, plan.beleidsplan_id)
        assert opgeslagen is not None
        uit = await _plan_uit(conn, opgeslagen)
    return Response(uit.model_dump(mode="json"), status_code=201, headers={"Location": f"{API}/plannen/{plan.beleidsplan_id}"})


class ZelfevaluatieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    antwoorden: dict[str, Literal["niet", "eerder_niet", "eerder_wel", "wel"]] = Field(
        description="Per beleidsactie (id uit de catalogus, bv. VV-1) een antwoord; alle 18 zijn nodig."
    )


class ZelfevaluatieUit(BaseModel):
    jaar: int
    antwoorden: dict[str, str]
    aantal_wel: dict[str, int]


@post(f"{API}/zelfevaluaties", guards=BESTUUR, tags=TAGS, summary="De zelfevaluatie van dit jaar indienen", status_code=201)
async def api_zelfevaluatie(request: Req, diensten: NamedDependency[BeleidsplanDiensten], data: JSONBody[ZelfevaluatieIn]) -> Response[Any]:
    """Eén per lokaal bestuur en per jaar; opnieuw indienen vervangt die van dit jaar."""
    org = toegang.eigen_organisatie(identiteit(request))
    catalogus = beleidstool.huidige()
    resultaat = domain.lees_zelfevaluatie(data.antwoorden, catalogus)
    if org is None:
        return validation_problem([FieldError("antwoorden", "geen_organisatie", "Je account hoort bij geen lokaal bestuur.")])
    if isinstance(resultaat, list):
        return validation_problem([FieldError(f"antwoorden.{f.veld}", f.code, f.melding) for f in resultaat])
    jaar = await use_cases.dien_zelfevaluatie_in(use_cases.DienZelfevaluatieIn(org, resultaat), diensten.uow())
    uit = ZelfevaluatieUit(jaar=jaar, antwoorden=resultaat, aantal_wel=domain.aantal_wel(resultaat, catalogus))
    return Response(uit.model_dump(), status_code=201)


ROUTES = [api_catalogus, api_plannen, api_plan, api_plan_aanmaken, api_zelfevaluatie]
