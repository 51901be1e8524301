"""What staff change: targets, closing and re-opening a year. Each change is an event.

The event goes through the outbox and is applied to the projection in the same transaction
(with the very code the consumer runs), so the page shows the change at once; when the event
comes back from the stream the upsert changes nothing, and a rebuild restores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis import outbox
from dinet_chassis.errors import Conflict, DomainError, FieldProblem, Invalid
from dinet_contracts import wrap
from dinet_contracts.envelope import Event
from dinet_contracts.events.kpi import KpiDoelGewijzigd, KpiJaarAfgesloten, KpiJaarHeropend, KpiWaarde

from kpi import domain, handlers, store
from kpi.use_cases import overzicht, projectie
from kpi.catalogus import KPIS, PLANJAREN


async def _publiceer(conn: AsyncConnection, event: Event, source: str) -> str:
    envelope = wrap(event, source=source)
    await outbox.add(conn, event, source=source, event_id=envelope.id)
    w = projectie.Schrijfopdrachten()
    await handlers.vertaal(envelope, w)
    await w.uitvoeren(conn)
    return envelope.id


def lees_doel(tekst: str) -> Decimal | None:
    """A target as typed: empty is "no target"; Dutch decimal comma allowed."""
    tekst = (tekst or "").strip().replace(",", ".")
    if not tekst:
        return None
    try:
        doel = Decimal(tekst)
    except InvalidOperation as exc:
        raise ValueError("Geef een getal, bijvoorbeeld 2 of 12,5, of laat het veld leeg.") from exc
    if not doel.is_finite() or doel < 0:
        raise ValueError("Een doel is een getal van 0 of meer.")
    if doel >= Decimal(10) ** 9:
        raise ValueError("Dit doel is te groot.")
    return doel.normalize() if doel == doel.to_integral_value() else doel


@dataclass(frozen=True)
class DoelenResultaat:
    gewijzigd: list[str]


async def wijzig_doelen(conn: AsyncConnection, jaar: int, ingevuld: dict[str, str], source: str) -> DoelenResultaat:
    """Validate every field first (`Invalid` names every wrong one); then one event per target
    that really changed."""
    if jaar not in PLANJAREN:
        raise Invalid(problemen=[FieldProblem("jaar", "ongeldig_jaar", "Kies een jaar van het meerjarenplan.")])
    nieuw: dict[str, Decimal | None] = {}
    fouten = []
    for kpi in KPIS:
        try:
            nieuw[kpi.id] = lees_doel(ingevuld.get(kpi.id, ""))
        except ValueError as fout:
            fouten.append(FieldProblem(kpi.id, "ongeldig_doel", f"{kpi.kort}: {fout}"))
    if fouten:
        raise Invalid(problemen=fouten)
    huidig = await store.doelen(conn, jaar)
    gewijzigd = []
    nu = datetime.now(UTC)
    for kpi in KPIS:
        if huidig.get(kpi.id) == nieuw[kpi.id] or (huidig.get(kpi.id) is None and nieuw[kpi.id] is None):
            continue
        await _publiceer(conn, KpiDoelGewijzigd(kpi_id=kpi.id, jaar=jaar, doel=nieuw[kpi.id], gewijzigd_op=nu), source)
        gewijzigd.append(kpi.id)
    return DoelenResultaat(gewijzigd)


class Geweigerd(DomainError):
    """Closing or re-opening refused, because of one field; the message says why, in Dutch."""

    def __init__(self, veld: str, code: str, melding: str) -> None:
        super().__init__(code, melding, problemen=[FieldProblem(veld, code, melding)])

    @property
    def fout(self) -> FieldProblem:
        return self.problemen[0]


class JaarGeweigerd(Geweigerd, Conflict):
    """The year's state does not allow it (still running, already closed, not closed)."""


class RedenOngeldig(Geweigerd, Invalid):
    """The reason given for re-opening is missing or too long."""


async def _vergrendel_jaar(conn: AsyncConnection, jaar: int) -> None:
    # Two members of staff closing the same year at once: one waits and then sees it closed.
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('kpi-jaar:' || :jaar))"), {"jaar": str(jaar)})


async def sluit_af(conn: AsyncConnection, p: domain.Periode, source: str) -> str:
    """Keep the figures of a finished year as approved."""
    if p.lopend:
        raise JaarGeweigerd("jaar", "jaar_loopt", f"{p.jaar} loopt nog: een jaar kan pas afgesloten worden als het voorbij is.")
    await _vergrendel_jaar(conn, p.jaar)
    huidige = await store.afsluiting(conn, p.jaar)
    if huidige is not None and huidige.afgesloten:
        raise JaarGeweigerd("jaar", "al_afgesloten", f"{p.jaar} is al afgesloten.")
    jaar = await overzicht.jaaroverzicht(conn, p)
    cijfers = [
        KpiWaarde(
            kpi_id=c.id,
            waarde=Decimal(str(c.waarde)),
            doel=Decimal(str(c.doel)) if c.doel is not None else None,
        )
        for c in jaar.kpis
    ]
    return await _publiceer(
        conn, KpiJaarAfgesloten(jaar=p.jaar, afgesloten_op=datetime.now(UTC), cijfers=cijfers), source
    )


async def heropen(conn: AsyncConnection, jaar: int, reden: str, source: str) -> str:
    reden = (reden or "").strip()
    if not reden:
        raise RedenOngeldig("reden", "reden_ontbreekt", "Geef de reden waarom het jaar heropend wordt.")
    if len(reden) > 1000:
        raise RedenOngeldig("reden", "reden_te_lang", "Geef een reden van hoogstens 1000 tekens.")
    await _vergrendel_jaar(conn, jaar)
    huidige = await store.afsluiting(conn, jaar)
    if huidige is None or not huidige.afgesloten:
        raise JaarGeweigerd("jaar", "niet_afgesloten", f"{jaar} is niet afgesloten.")
    return await _publiceer(conn, KpiJaarHeropend(jaar=jaar, heropend_op=datetime.now(UTC), reden=reden), source)
