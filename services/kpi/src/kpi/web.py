"""HTTP: the KPI API for machines and the dashboard page for the steering committee."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from dinet_chassis.runtime import Runtime
from dinet_chassis.web import FieldError, validation_problem

from . import domain, store
from .grafiek import staafdiagram

STATUS_TAGS: dict[domain.Status, str] = {
    domain.Status.BEREIKT: "govuk-tag--green",
    domain.Status.OP_KOERS: "govuk-tag--blue",
    domain.Status.ACHTER: "govuk-tag--red",
    domain.Status.GEEN_DOEL: "govuk-tag--grey",
}


def _vandaag():
    return domain.vandaag(datetime.now(UTC))


def getal(waarde: int | float | None) -> str:
    """Dutch notation: 1.234 and 2,5."""
    if waarde is None:
        return "–"
    if isinstance(waarde, int):
        return f"{waarde:,}".replace(",", ".")
    tekst = f"{waarde:,.2f}".translate(str.maketrans(",.", ".,"))
    return tekst.rstrip("0").rstrip(",")


async def _overzicht(runtime: Runtime, p: domain.Periode) -> domain.Jaaroverzicht:
    async with runtime.db.engine.connect() as conn:
        feiten = await store.feiten(conn, p)
        doelen = await store.doelen(conn, p.jaar)
    return domain.jaaroverzicht(feiten, p, doelen)


@get("/kpi/api/v1/kpis", summary="Kerncijfers van één jaar")
async def kpis(
    runtime: NamedDependency[Runtime],
    jaar: Annotated[str | None, QueryParameter(description="Kalenderjaar, bv. 2026; zonder jaar: het lopende jaar.")] = None,
) -> Response[Any]:
    """The KPIs of a calendar year (default: the running year, counted up to today)."""
    try:
        p = domain.lees_jaar(jaar, _vandaag())
    except domain.OngeldigJaar as fout:
        return validation_problem([FieldError("jaar", "ongeldig_jaar", str(fout))])
    overzicht = await _overzicht(runtime, p)
    return Response(
        {
            "jaar": p.jaar,
            "peildatum": p.peildatum.isoformat(),
            "kpis": [
                {"id": c.id, "label": c.label, "waarde": c.waarde, "doel": c.doel, "status": c.status.value}
                for c in overzicht.kpis
            ],
            "context": [{"id": c.id, "label": c.label, "waarde": c.waarde} for c in overzicht.context],
        }
    )


@get("/kpi/", include_in_schema=False)
async def dashboard(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Template:
    vandaag = _vandaag()
    jaren = [(j, str(j)) for j in range(vandaag.year, domain.EERSTE_JAAR - 1, -1)]
    ingevuld = request.query_params.get("jaar")
    try:
        p = domain.lees_jaar(ingevuld, vandaag)
    except domain.OngeldigJaar as fout:
        return Template(
            template_name="kpi/dashboard.html",
            context={
                "fouten": [FieldError("jaar", "ongeldig_jaar", str(fout))],
                "jaren": jaren,
                "gekozen": ingevuld,
                "overzicht": None,
            },
            status_code=400,
        )
    overzicht = await _overzicht(runtime, p)
    alle = (*overzicht.kpis, *overzicht.context)
    return Template(
        template_name="kpi/dashboard.html",
        context={
            "fouten": [],
            "jaren": jaren,
            "gekozen": str(p.jaar),
            "overzicht": overzicht,
            "diagram": staafdiagram([(c.kort, c.waarde, c.doel) for c in alle]),
            "status_tags": STATUS_TAGS,
            "getal": getal,
        },
    )


ROUTES = [kpis, dashboard]
