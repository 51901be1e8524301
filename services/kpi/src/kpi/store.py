"""Reading the projections for one year, as the domain's facts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import Beleidsplan, Feiten, Lidmaatschap, NieuwsbriefBevestiging, Periode


def _grenzen(p: Periode) -> tuple[datetime, datetime]:
    """[begin, end) of the period in UTC; the domain applies the exact rule on the loaded rows."""
    # One day of margin each side, so a timestamp near midnight in another zone is still loaded.
    begin = datetime.combine(p.begin - timedelta(days=1), time.min, tzinfo=UTC)
    einde = datetime.combine(p.peildatum + timedelta(days=2), time.min, tzinfo=UTC)
    return begin, einde


async def feiten(conn: AsyncConnection, p: Periode) -> Feiten:
    begin, einde = _grenzen(p)
    leden = await conn.execute(
        text(
            "SELECT lid_id, organisatie_id, organisatie_type, lid_sinds FROM lidmaatschap"
            " WHERE lid_sinds <= :peildatum"
        ),
        {"peildatum": p.peildatum},
    )
    plannen = await conn.execute(
        text(
            "SELECT beleidsplan_id, organisatie_id, aangemaakt_op FROM beleidsplan"
            " WHERE aangemaakt_op >= :begin AND aangemaakt_op < :einde"
        ),
        {"begin": begin, "einde": einde},
    )
    bevestigingen = await conn.execute(
        text(
            "SELECT lid_id, bevestigd_op FROM nieuwsbrief_bevestiging"
            " WHERE bevestigd_op >= :begin AND bevestigd_op < :einde"
        ),
        {"begin": begin, "einde": einde},
    )
    return Feiten(
        lidmaatschappen=tuple(Lidmaatschap(*r) for r in leden.all()),
        beleidsplannen=tuple(Beleidsplan(*r) for r in plannen.all()),
        nieuwsbrief_bevestigingen=tuple(NieuwsbriefBevestiging(*r) for r in bevestigingen.all()),
    )


async def doelen(conn: AsyncConnection, jaar: int) -> dict[str, Decimal]:
    rows = await conn.execute(text("SELECT kpi_id, doel FROM kpi_doel WHERE jaar = :jaar"), {"jaar": jaar})
    return {kpi_id: doel for kpi_id, doel in rows.all()}
