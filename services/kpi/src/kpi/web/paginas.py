"""The committee's pages: dashboard, drill-down, explanation, report, exports; and for VVSG staff
the targets and the closing of a year. Read-only for the steering committee."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from dinet_chassis.runtime import Runtime
from dinet_chassis.errors import Invalid
from dinet_chassis.web import FieldError, errors_by_field
from dinet_chassis.web.auth import Rol, identiteit, vereist
from dinet_contracts.tijd import datum, lokaal

from kpi import domain, store
from kpi.web import export, tabellen
from kpi.use_cases import opdrachten, overzicht
from kpi.catalogus import DIMENSIE_LABELS, KPI_PER_ID, KPIS, PLANJAREN, SPLITS_UITLEG, Dimensie, Kpi
from kpi.web.grafiek import staafdiagram

LEZEN = vereist(Rol.STUURGROEP, Rol.MEDEWERKER)
BEHEREN = vereist(Rol.MEDEWERKER)

STATUS_TAGS: dict[domain.Status, str] = {
    domain.Status.BEREIKT: "govuk-tag--green",
    domain.Status.OP_KOERS: "govuk-tag--blue",
    domain.Status.ACHTER: "govuk-tag--red",
    domain.Status.GEEN_DOEL: "govuk-tag--grey",
}

getal = tabellen.domain_getal
# A page of records stays quick to read and to render; the downloads hold them all.
RECORDS_OP_PAGINA = 50
EVENTS_OP_PAGINA = 500


def _vandaag():
    return domain.vandaag(datetime.now(UTC))


def tijd(moment: datetime) -> str:
    return lokaal(moment).strftime("%d/%m/%Y om %H:%M")


def _jaren() -> list[tuple[int, str]]:
    vandaag = _vandaag()
    return [(j, str(j)) for j in range(vandaag.year, domain.EERSTE_JAAR - 1, -1)]


def _basis(request: Request[Any, Any, Any]) -> dict[str, Any]:
    wie = identiteit(request)
    return {
        "getal": getal,
        "tijd": tijd,
        "status_tags": STATUS_TAGS,
        "medewerker": bool(wie and wie.heeft(Rol.MEDEWERKER)),
        "pdf": export.pdf_mogelijk(),
        "planjaren": PLANJAREN,
    }


def ongeldig_jaar_pagina(request: Request[Any, Any, Any], fout: domain.OngeldigJaar) -> Template:
    return Template(
        template_name="kpi/dashboard.html",
        context={
            **_basis(request),
            "fouten": [FieldError("jaar", "ongeldig_jaar", str(fout))],
            "jaren": _jaren(),
            "gekozen": request.query_params.get("jaar"),
            "overzicht": None,
        },
        status_code=400,
    )


def _kpi(kpi_id: str) -> Kpi:
    kpi = KPI_PER_ID.get(kpi_id)
    if kpi is None:
        raise NotFoundException(detail=f"Er is geen kerncijfer met id {kpi_id}.")
    return kpi


def realisatiediagram(o: domain.Jaaroverzicht):
    """Every KPI with a target, as a percentage of it: one scale for figures of any size."""
    rijen = []
    for c in o.kpis:
        doel = c.goedgekeurd_doel if c.goedgekeurd is not None else c.doel
        waarde = c.goedgekeurd if c.goedgekeurd is not None else c.waarde
        if doel:
            rijen.append((f"{c.kort} ({c.status_label.lower()})", round(100 * float(waarde) / float(doel)), 100))
    return staafdiagram(rijen, breedte=640, minimum_schaal=100)


def provinciediagram(ctx: store.Context):
    return staafdiagram(
        [(prov, round(100 * n / totaal, 1) if totaal else 0, None) for prov, n, totaal in ctx.provincies],
        breedte=640,
        minimum_schaal=100,
    )


async def dashboard_context(conn, p: domain.Periode) -> dict[str, Any]:
    trend = await overzicht.trend(conn, _vandaag())
    # The chosen year is usually one of the plan's: counted once, for the table and the trend.
    o = next((t for t in trend if t.periode == p), None) or await overzicht.jaaroverzicht(conn, p)
    ctx, contextcijfers = await overzicht.contextcijfers(conn, p)
    return {
        "overzicht": o,
        "kerncijfers": tabellen.kerncijfers(o),
        "diagram": realisatiediagram(o),
        "trend": tabellen.trend(trend),
        "context": tabellen.context(p.jaar, contextcijfers),
        "provincies": tabellen.provincies(p.jaar, ctx),
        "provinciediagram": provinciediagram(ctx),
        "feedback": tabellen.feedback(p.jaar, ctx),
        "historiek": await store.afsluitingshistoriek(conn, p.jaar),
    }


@get("/kpi/", include_in_schema=False, guards=[LEZEN])
async def dashboard(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Template:
    p = domain.lees_jaar(request.query_params.get("jaar"), _vandaag())
    async with runtime.db.engine.connect() as conn:
        inhoud = await dashboard_context(conn, p)
    return Template(
        template_name="kpi/dashboard.html",
        context={**_basis(request), **inhoud, "fouten": [], "jaren": _jaren(), "gekozen": str(p.jaar)},
    )


@get("/kpi/kpi/{kpi_id:str}", include_in_schema=False, guards=[LEZEN])
async def kpi_pagina(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime], kpi_id: FromPath[str]) -> Template:
    kpi = _kpi(kpi_id)
    vandaag = _vandaag()
    p = domain.lees_jaar(request.query_params.get("jaar"), vandaag)
    async with runtime.db.engine.connect() as conn:
        o = await overzicht.jaaroverzicht(conn, p)
        c = next(x for x in o.kpis if x.id == kpi.id)
        trendjaren = sorted({*overzicht.planjaren_tot(vandaag), p.jaar})
        trendrijen = []
        for j in trendjaren:
            pj = domain.periode(j, vandaag)
            doelen = await store.doelen(conn, j)
            trendrijen.append((str(j), domain.als_getal(await store.waarde(conn, kpi, pj)), domain.als_getal(doelen.get(kpi.id))))
        pagina = _pagina(request)
        rijen = await store.records(conn, kpi, p, limiet=RECORDS_OP_PAGINA + 1, vanaf=(pagina - 1) * RECORDS_OP_PAGINA)
        splits = []
        for dim in kpi.dimensies:
            delen = await store.opsplitsing(conn, kpi, p, dim)
            t = tabellen.opsplitsing(kpi, p.jaar, dim, delen)
            d = staafdiagram([(str(r[0]), r[1], None) for r in t.rijen], breedte=640)
            splits.append((t, d))
    return Template(
        template_name="kpi/kpi.html",
        context={
            **_basis(request),
            "kpi": kpi,
            "p": p,
            "c": c,
            "trenddiagram": staafdiagram(trendrijen, breedte=640),
            "records": tabellen.records(kpi, p.jaar, rijen[:RECORDS_OP_PAGINA]),
            "eerste": (pagina - 1) * RECORDS_OP_PAGINA + 1,
            "vorige": pagina - 1 if pagina > 1 else None,
            "volgende": pagina + 1 if len(rijen) > RECORDS_OP_PAGINA else None,
            "splits": splits,
            "splits_uitleg": SPLITS_UITLEG[kpi.bron],
        },
    )


def _pagina(request: Request[Any, Any, Any]) -> int:
    tekst = request.query_params.get("pagina", "1")
    return int(tekst) if tekst.isdigit() and 1 <= int(tekst) <= 1_000_000 else 1


@get("/kpi/kpi/{kpi_id:str}/uitleg", include_in_schema=False, guards=[LEZEN])
async def uitleg_pagina(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime], kpi_id: FromPath[str]) -> Template:
    kpi = _kpi(kpi_id)
    p = domain.lees_jaar(request.query_params.get("jaar"), _vandaag())
    pagina = _pagina(request)
    async with runtime.db.engine.connect() as conn:
        o = await overzicht.jaaroverzicht(conn, p)
        totaal, events = await store.uitleg(conn, kpi, p, limiet=EVENTS_OP_PAGINA, vanaf=(pagina - 1) * EVENTS_OP_PAGINA)
        afgesloten_op = o.afsluiting.op if o.afgesloten and o.afsluiting else None
        na = (await store.uitleg(conn, kpi, p, limiet=0, na=afgesloten_op))[0] if afgesloten_op else 0
    return Template(
        template_name="kpi/uitleg.html",
        context={
            **_basis(request),
            "kpi": kpi,
            "p": p,
            "c": next(x for x in o.kpis if x.id == kpi.id),
            "totaal": totaal,
            "t": tabellen.uitleg(kpi, p.jaar, events, afgesloten_op),
            "afgesloten_op": afgesloten_op,
            "na_afsluiting": na,
            "vorige": pagina - 1 if pagina > 1 else None,
            "volgende": pagina + 1 if pagina * EVENTS_OP_PAGINA < totaal else None,
        },
    )


# --- report and exports ----------------------------------------------------------------------


async def _rapport_html(request: Request[Any, Any, Any], runtime: Runtime, p: domain.Periode) -> str:
    async with runtime.db.engine.connect() as conn:
        inhoud = await dashboard_context(conn, p)
    template = request.app.template_engine.get_template("kpi/rapport.html")  # type: ignore[union-attr]
    return template.render(
        **_basis(request), **inhoud, opgemaakt=datum(_vandaag()), request=request
    )


@get("/kpi/rapport", include_in_schema=False, guards=[LEZEN])
async def rapport(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Response[str]:
    p = domain.lees_jaar(request.query_params.get("jaar"), _vandaag())
    return Response(await _rapport_html(request, runtime, p), media_type="text/html")


@get("/kpi/rapport.pdf", include_in_schema=False, guards=[LEZEN])
async def rapport_pdf(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Response[bytes]:
    import asyncio

    p = domain.lees_jaar(request.query_params.get("jaar"), _vandaag())
    if not export.pdf_mogelijk():
        raise NotFoundException(detail="PDF is hier niet beschikbaar; druk het rapport af vanuit de browser.")
    html = await _rapport_html(request, runtime, p)
    pdf = await asyncio.to_thread(export.als_pdf, html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="kerncijfers-{p.jaar}.pdf"'},
    )


async def export_tabel(conn, naam: str, p: domain.Periode, kpi_id: str | None, per: str | None) -> tabellen.Tabel:
    """The table behind an export link; the same builders as the pages."""
    if naam == "kerncijfers":
        return tabellen.kerncijfers(await overzicht.jaaroverzicht(conn, p))
    if naam == "trend":
        return tabellen.trend(await overzicht.trend(conn, _vandaag()))
    if naam in ("context", "provincies", "feedback"):
        ctx, cijfers = await overzicht.contextcijfers(conn, p)
        if naam == "context":
            return tabellen.context(p.jaar, cijfers)
        return tabellen.provincies(p.jaar, ctx) if naam == "provincies" else tabellen.feedback(p.jaar, ctx)
    kpi = _kpi(kpi_id or "")
    if naam == "records":
        return tabellen.records(kpi, p.jaar, await store.records(conn, kpi, p))
    if naam == "opsplitsing":
        try:
            dim = Dimensie(per or "")
        except ValueError:
            raise NotFoundException(detail="Onbekende opsplitsing.") from None
        if dim not in kpi.dimensies:
            raise NotFoundException(detail="Dit kerncijfer kan niet zo opgesplitst worden.")
        return tabellen.opsplitsing(kpi, p.jaar, dim, await store.opsplitsing(conn, kpi, p, dim))
    if naam == "uitleg":
        o = await overzicht.jaaroverzicht(conn, p)
        _, events = await store.uitleg(conn, kpi, p, limiet=1_000_000)
        return tabellen.uitleg(kpi, p.jaar, events, o.afsluiting.op if o.afgesloten and o.afsluiting else None)
    raise NotFoundException(detail="Onbekende tabel.")


@get("/kpi/export/{naam:str}", include_in_schema=False, guards=[LEZEN])
async def exporteer(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime], naam: FromPath[str]) -> Response[bytes]:
    p = domain.lees_jaar(request.query_params.get("jaar"), _vandaag())
    formaat = request.query_params.get("formaat", "csv")
    if formaat not in ("csv", "xlsx"):
        raise NotFoundException(detail="Kies het formaat csv of xlsx.")
    async with runtime.db.engine.connect() as conn:
        t = await export_tabel(conn, naam, p, request.query_params.get("kpi"), request.query_params.get("per"))
    if formaat == "csv":
        inhoud, media = export.als_csv(t), export.CSV_MEDIA_TYPE
    else:
        inhoud, media = export.als_xlsx(t), export.XLSX_MEDIA_TYPE
    return Response(
        inhoud, media_type=media, headers={"Content-Disposition": f'attachment; filename="{t.naam}.{formaat}"'}
    )


# --- staff: targets, closing, re-opening -----------------------------------------------------


def _planjaar(request: Request[Any, Any, Any]) -> int:
    tekst = request.query_params.get("jaar", "")
    vandaag = _vandaag()
    if tekst.isdigit() and int(tekst) in PLANJAREN:
        return int(tekst)
    return vandaag.year if vandaag.year in PLANJAREN else PLANJAREN[0]


async def _doelen_pagina(
    request: Request[Any, Any, Any], runtime: Runtime, jaar: int, *, fouten=(), waarden=None, bewaard=None, status_code=200
) -> Template:
    async with runtime.db.engine.connect() as conn:
        catalogus = await store.catalogusdoelen(conn, jaar)
        huidig = await store.doelen(conn, jaar)
    if waarden is None:
        waarden = {k: getal(domain.als_getal(v)) for k, v in huidig.items()}
    return Template(
        template_name="kpi/doelen.html",
        context={
            **_basis(request),
            "jaar": jaar,
            "jaren": [(j, str(j)) for j in PLANJAREN],
            "kpis": KPIS,
            "catalogus": {k: domain.als_getal(v) for k, v in catalogus.items()},
            "waarden": waarden,
            "fouten": list(fouten),
            "fouten_per_veld": errors_by_field(list(fouten)),
            "bewaard": bewaard,
        },
        status_code=status_code,
    )


@get("/kpi/doelen", include_in_schema=False, guards=[BEHEREN])
async def doelen_formulier(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Template:
    bewaard = None
    if request.query_params.get("bewaard") is not None:
        n = request.query_params.get("bewaard", "0")
        bewaard = "Er veranderde geen enkel doel." if n == "0" else f"{n} doel(en) gewijzigd."
    return await _doelen_pagina(request, runtime, _planjaar(request), bewaard=bewaard)


@post("/kpi/doelen", include_in_schema=False, guards=[BEHEREN])
async def doelen_bewaren(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Any:
    jaar = _planjaar(request)
    ingevuld = {k.id: str(data.get(k.id, "") or "") for k in KPIS}
    try:
        async with runtime.db.transaction() as conn:
            resultaat = await opdrachten.wijzig_doelen(conn, jaar, ingevuld, runtime.source)
    except Invalid as fout:
        return await _doelen_pagina(request, runtime, jaar, fouten=list(fout.problemen), waarden=ingevuld, status_code=400)
    return Redirect(f"/kpi/doelen?jaar={jaar}&bewaard={len(resultaat.gewijzigd)}", status_code=303)


def _afgelopen_jaar(request: Request[Any, Any, Any]) -> domain.Periode:
    return domain.lees_jaar(request.query_params.get("jaar"), _vandaag())


async def _afsluiten_pagina(request, runtime: Runtime, p: domain.Periode, fouten=(), status_code=200) -> Template:
    async with runtime.db.engine.connect() as conn:
        o = await overzicht.jaaroverzicht(conn, p)
    return Template(
        template_name="kpi/afsluiten.html",
        context={**_basis(request), "p": p, "kerncijfers": tabellen.kerncijfers(o), "fouten": list(fouten)},
        status_code=status_code,
    )


@get("/kpi/afsluiten", include_in_schema=False, guards=[BEHEREN])
async def afsluiten_formulier(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Template:
    return await _afsluiten_pagina(request, runtime, _afgelopen_jaar(request))


@post("/kpi/afsluiten", include_in_schema=False, guards=[BEHEREN])
async def afsluiten(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Any:
    p = _afgelopen_jaar(request)
    try:
        async with runtime.db.transaction() as conn:
            await opdrachten.sluit_af(conn, p, runtime.source)
    except opdrachten.Geweigerd as g:
        return await _afsluiten_pagina(request, runtime, p, fouten=[g.fout], status_code=409)
    return Redirect(f"/kpi/?jaar={p.jaar}", status_code=303)


def _heropenen_pagina(request, jaar: int, fouten=(), reden: str = "", status_code=200) -> Template:
    return Template(
        template_name="kpi/heropenen.html",
        context={
            **_basis(request),
            "jaar": jaar,
            "reden": reden,
            "fouten": list(fouten),
            "fouten_per_veld": errors_by_field(list(fouten)),
        },
        status_code=status_code,
    )


@get("/kpi/heropenen", include_in_schema=False, guards=[BEHEREN])
async def heropenen_formulier(request: Request[Any, Any, Any]) -> Template:
    return _heropenen_pagina(request, _afgelopen_jaar(request).jaar)


@post("/kpi/heropenen", include_in_schema=False, guards=[BEHEREN])
async def heropenen(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Any:
    jaar = _afgelopen_jaar(request).jaar
    reden = str(data.get("reden", "") or "")
    try:
        async with runtime.db.transaction() as conn:
            await opdrachten.heropen(conn, jaar, reden, runtime.source)
    except opdrachten.Geweigerd as g:
        return _heropenen_pagina(request, jaar, [g.fout], reden, status_code=400 if g.fout.veld == "reden" else 409)
    return Redirect(f"/kpi/?jaar={jaar}", status_code=303)


PAGINAS = [
    dashboard,
    kpi_pagina,
    uitleg_pagina,
    rapport,
    rapport_pdf,
    exporteer,
    doelen_formulier,
    doelen_bewaren,
    afsluiten_formulier,
    afsluiten,
    heropenen_formulier,
    heropenen,
]

__all__ = ["PAGINAS", "DIMENSIE_LABELS", "ongeldig_jaar_pagina"]
