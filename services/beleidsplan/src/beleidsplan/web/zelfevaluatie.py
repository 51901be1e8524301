"""The self-assessment on the 18 imec policy actions: once a year per local government
(revisable within the year), compared with its own previous one and with peers of the same size
class and province, anonymised: a peer group is shown only from `ANONIEM_VANAF` organisations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from dinet_chassis.web import errors_by_field
from dinet_chassis.web.auth import identiteit
from dinet_contracts import beleidstool
from dinet_contracts.tijd import lokaal

from .. import domain, store, use_cases
from ..bootstrap import BeleidsplanDiensten
from ..domain import Fout
from . import toegang
from .toegang import BESTUUR

PAD = "/beleidsplan/zelfevaluatie"
Req = Request[Any, Any, Any]


def dit_jaar(nu: datetime | None = None) -> int:
    return lokaal(nu or datetime.now(UTC)).year


async def vergelijking(diensten: BeleidsplanDiensten, organisatie_id: Any, jaar: int) -> dict[str, Any]:
    """Own answers of `jaar` and the year before, and the peer groups of `jaar`."""
    catalogus = beleidstool.huidige()
    async with diensten.db.engine.connect() as conn:
        eigen = {z.jaar: z for z in await store.zelfevaluaties_van(conn, organisatie_id)}
        profiel = await store.organisatie(conn, organisatie_id)
        huidig = eigen.get(jaar)
        # The peer groups of the profile the assessment was made with (or the current profile).
        grootteklasse = huidig.grootteklasse if huidig else (profiel.grootteklasse if profiel else None)
        provincie = huidig.provincie if huidig else (profiel.provincie if profiel else None)
        groepen = []
        if grootteklasse:
            antwoorden = await store.antwoorden_van_anderen(conn, jaar, organisatie_id, grootteklasse=grootteklasse)
            naam = {"klein": "kleine", "middelgroot": "middelgrote", "groot": "grote"}.get(grootteklasse, grootteklasse)
            groepen.append(domain.groep(f"Andere {naam} lokale besturen", antwoorden, catalogus))
        if provincie:
            antwoorden = await store.antwoorden_van_anderen(conn, jaar, organisatie_id, provincie=provincie)
            groepen.append(domain.groep(f"Andere lokale besturen in {provincie}", antwoorden, catalogus))
    return {
        "jaar": jaar,
        "huidig": huidig,
        "vorig": eigen.get(jaar - 1),
        "eerdere": sorted(eigen.values(), key=lambda z: -z.jaar),
        "groepen": groepen,
        "profiel": profiel,
        "catalogus": catalogus,
        "wel": domain.WEL,
        "antwoorden": domain.ANTWOORDEN,
        "drempel": domain.ANONIEM_VANAF,
    }


def _pagina(context: dict[str, Any], *, waarden: dict[str, str], fouten: list[Fout] | None = None, status: int = 200) -> Template:
    veldfouten = list(fouten or [])
    return Template(
        template_name="beleidsplan/zelfevaluatie.html",
        context={**context, "waarden": waarden, "fouten": veldfouten, "fout": errors_by_field(veldfouten)},
        status_code=status,
    )


@get(PAD, guards=BESTUUR, include_in_schema=False)
async def zelfevaluatie(request: Req, diensten: NamedDependency[BeleidsplanDiensten]) -> Template:
    org = toegang.eigen_organisatie(identiteit(request))
    if org is None:
        return Template(template_name="beleidsplan/geen_organisatie.html", status_code=403)
    context = await vergelijking(diensten, org, dit_jaar())
    huidig = context["huidig"] or context["vorig"]  # start from last year's answers: only what changed
    return _pagina(context, waarden=dict(huidig.antwoorden) if huidig else {})


@post(PAD, guards=BESTUUR, include_in_schema=False)
async def zelfevaluatie_indienen(
    request: Req, diensten: NamedDependency[BeleidsplanDiensten], data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Template | Redirect:
    org = toegang.eigen_organisatie(identiteit(request))
    if org is None:
        return Template(template_name="beleidsplan/geen_organisatie.html", status_code=403)
    catalogus = beleidstool.huidige()
    resultaat = domain.lees_zelfevaluatie(data, catalogus)
    if isinstance(resultaat, list):
        context = await vergelijking(diensten, org, dit_jaar())
        return _pagina(context, waarden={k: str(v) for k, v in data.items()}, fouten=resultaat, status=400)
    await use_cases.dien_zelfevaluatie_in(use_cases.DienZelfevaluatieIn(org, resultaat), diensten.uow())
    return Redirect(PAD + "#vergelijking", status_code=303)


ROUTES = [zelfevaluatie, zelfevaluatie_indienen]
