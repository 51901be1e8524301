"""The figures of a year as the pages, the API, the exports and the closing use them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from kpi import domain, store
from kpi.catalogus import GEMEENTEN_PER_PROVINCIE, KPIS, PLANJAREN, VLAAMSE_GEMEENTEN, Kpi


async def jaaroverzicht(conn: AsyncConnection, p: domain.Periode) -> domain.Jaaroverzicht:
    waarden = await store.waarden(conn, KPIS, p)
    doelen = await store.doelen(conn, p.jaar)
    afsluiting = await store.afsluiting(conn, p.jaar)
    return domain.Jaaroverzicht(
        periode=p,
        kpis=tuple(
            domain.cijfer(k.id, k.label, k.kort, waarden[k.id], doelen.get(k.id), p, eenheid=k.eenheid, afsluiting=afsluiting)
            for k in KPIS
        ),
        afsluiting=afsluiting,
    )


def planjaren_tot(vandaag: date) -> list[int]:
    return [j for j in PLANJAREN if j <= vandaag.year]


async def trend(conn: AsyncConnection, vandaag: date) -> list[domain.Jaaroverzicht]:
    """The plan's years so far, each counted as the dashboard of that year counts it."""
    return [await jaaroverzicht(conn, domain.periode(j, vandaag)) for j in planjaren_tot(vandaag)]


@dataclass(frozen=True)
class ContextCijfer:
    id: str
    label: str
    waarde: int | float


async def contextcijfers(conn: AsyncConnection, p: domain.Periode) -> tuple[store.Context, list[ContextCijfer]]:
    ctx = await store.context(conn, p, GEMEENTEN_PER_PROVINCIE)
    vertegenwoordigd = sum(n for _, n, _ in ctx.provincies)
    aandeel = round(100 * vertegenwoordigd / VLAAMSE_GEMEENTEN, 1)
    cijfers = [
        ContextCijfer("ctx_beleidsplannen_gestart", "Gestarte lokale beleidsplannen digitale inclusie", ctx.beleidsplannen_gestart),
        ContextCijfer("ctx_beleidsplannen_gepubliceerd", "Gepubliceerde lokale beleidsplannen digitale inclusie", ctx.beleidsplannen_gepubliceerd),
        ContextCijfer("ctx_zelfevaluaties", "Lokale besturen met een zelfevaluatie van hun digitale-inclusiebeleid", ctx.zelfevaluaties),
        ContextCijfer("ctx_nieuwsbrief_bevestigd", "Bevestigde inschrijvingen op de nieuwsbrief", ctx.nieuwsbrief_bevestigd),
        ContextCijfer("ctx_nieuwsbrief_bereik", "Bereik van de nieuwsbrieven (som van de ontvangers)", ctx.nieuwsbrief_bereik),
        ContextCijfer("ctx_gemeenten_vertegenwoordigd", f"Vertegenwoordigde gemeenten (van de {VLAAMSE_GEMEENTEN})", vertegenwoordigd),
        ContextCijfer("ctx_gemeenten_aandeel", f"Aandeel vertegenwoordigde gemeenten van de {VLAAMSE_GEMEENTEN} (%)", domain.als_getal(aandeel)),  # type: ignore[arg-type]
    ]
    return ctx, cijfers


def kpi_of_none(kpi_id: str) -> Kpi | None:
    from kpi.catalogus import KPI_PER_ID

    return KPI_PER_ID.get(kpi_id)
