"""Read-only queries behind the pages and the API (the use cases write through the stores).

Each opens a connection of its own, except `inschrijving_van`: see there.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from dinet_chassis.db import Database
from dinet_contracts.tijd import BRUSSEL
from sqlalchemy import text

from ..domain import PUBLIEKE_SOORTEN, FeedbackSamenvatting, FeedbackStand, vat_feedback_samen
from . import feedback, ondersteuningsvragen
from .activiteiten import KOLOMMEN, ActiviteitRij, rij_naar_activiteit

MAX_IN_KALENDER = 500


@dataclass(frozen=True)
class Filter:
    soort: str | None = None
    status: str | None = None
    jaar: int | None = None
    trekker: str | None = None
    organisator_id: uuid.UUID | None = None  # a partner editor sees only its own organisation's


@dataclass(frozen=True)
class Overzicht:
    activiteit: ActiviteitRij
    organisator: str
    lokaal_bestuur: str | None
    ingeschreven: int
    wachtlijst: int


_AANTALLEN = (
    " (SELECT count(*) FROM inschrijvingen i WHERE i.activiteit_id = a.id AND i.status = 'ingeschreven') AS ingeschreven,"
    " (SELECT count(*) FROM inschrijvingen i WHERE i.activiteit_id = a.id AND i.status = 'wachtlijst') AS wachtlijst,"
    " o.naam AS organisator, lb.naam AS lokaal_bestuur"
)
_VAN = (
    " FROM activiteiten a JOIN organisaties o ON o.id = a.organisator_id"
    " LEFT JOIN organisaties lb ON lb.id = a.lokaal_bestuur_id"
)
_KOLOMMEN_A = ", ".join(f"a.{k.strip()}" for k in KOLOMMEN.split(","))


def _overzicht(r: Any) -> Overzicht:
    return Overzicht(rij_naar_activiteit(r), r["organisator"], r["lokaal_bestuur"], r["ingeschreven"], r["wachtlijst"])


async def zoek(db: Database, f: Filter, *, maximum: int = 500) -> list[Overzicht]:
    voorwaarden: list[str] = []
    params: dict[str, Any] = {"max": maximum}
    if f.soort:
        voorwaarden.append("a.soort = :soort")
        params["soort"] = f.soort
    if f.status:
        voorwaarden.append("a.status = :status")
        params["status"] = f.status
    if f.trekker:
        voorwaarden.append("a.trekker = :trekker")
        params["trekker"] = f.trekker
    if f.organisator_id:
        voorwaarden.append("a.organisator_id = :organisator_id")
        params["organisator_id"] = f.organisator_id
    if f.jaar:
        # The year an activity counts in is that of its Belgian start date.
        voorwaarden.append("extract(year FROM a.start AT TIME ZONE :zone) = :jaar")
        params["jaar"] = f.jaar
        params["zone"] = BRUSSEL.key
    waar = (" WHERE " + " AND ".join(voorwaarden)) if voorwaarden else ""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    f"SELECT a.id, a.versie, a.status, a.bron, a.gewijzigd_op, {_KOLOMMEN_A}, {_AANTALLEN}"
                    f"{_VAN}{waar} ORDER BY a.start DESC, a.id LIMIT :max"
                ),
                params,
            )
        ).mappings().all()
    return [_overzicht(r) for r in rijen]


async def een(db: Database, activiteit_id: uuid.UUID) -> Overzicht | None:
    async with db.engine.connect() as conn:
        rij = (
            await conn.execute(
                text(
                    f"SELECT a.id, a.versie, a.status, a.bron, a.gewijzigd_op, {_KOLOMMEN_A}, {_AANTALLEN}"
                    f"{_VAN} WHERE a.id = :id"
                ),
                {"id": activiteit_id},
            )
        ).mappings().one_or_none()
    return _overzicht(rij) if rij is not None else None


async def jaren(db: Database) -> list[int]:
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT DISTINCT extract(year FROM start AT TIME ZONE :zone)::int AS jaar"
                    " FROM activiteiten ORDER BY jaar DESC"
                ),
                {"zone": BRUSSEL.key},
            )
        ).all()
    return [r.jaar for r in rijen]


# --- the public calendar -----------------------------------------------------------------------


async def komende(db: Database, nu: datetime, *, met_geannuleerde: bool = True) -> list[ActiviteitRij]:
    """Upcoming public activities. A cancelled one stays until its date has passed, so
    subscribed calendars remove it instead of keeping a stale entry."""
    statussen = ["gepland", "verplaatst"] + (["geannuleerd"] if met_geannuleerde else [])
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    f"SELECT id, versie, status, bron, gewijzigd_op, {KOLOMMEN} FROM activiteiten"
                    " WHERE einde >= :nu AND status = ANY(:statussen) AND soort = ANY(:soorten)"
                    " ORDER BY start, id LIMIT :max"
                ),
                {
                    "nu": nu,
                    "statussen": statussen,
                    "soorten": [s.value for s in PUBLIEKE_SOORTEN],
                    "max": MAX_IN_KALENDER,
                },
            )
        ).mappings().all()
    return [rij_naar_activiteit(r) for r in rijen]


# --- registrations -----------------------------------------------------------------------------


async def inschrijving_van(db: Database, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> dict[str, Any] | None:
    """A member's registration with their place on the waitlist (1 = next in line)."""
    # transaction(), not a connection of its own: right after a registration in a request that
    # runs in one transaction (Idempotency-Key), only that transaction sees the new row.
    async with db.transaction() as conn:
        rij = (
            await conn.execute(
                text(
                    "SELECT i.id, i.status, i.versie, CASE WHEN i.status = 'wachtlijst' THEN"
                    " (SELECT count(*) FROM inschrijvingen w WHERE w.activiteit_id = i.activiteit_id"
                    "  AND w.status = 'wachtlijst' AND w.wachtlijst_volgnummer <= i.wachtlijst_volgnummer) END AS positie"
                    " FROM inschrijvingen i WHERE i.activiteit_id = :a AND i.lid_id = :l"
                ),
                {"a": activiteit_id, "l": lid_id},
            )
        ).mappings().one_or_none()
    return dict(rij) if rij is not None else None


async def ingeschrevenen(db: Database, activiteit_id: uuid.UUID) -> list[dict[str, Any]]:
    """Everyone on a list for the activity (not the cancelled ones), seats first, then the
    waitlist in order, with any attendance recorded."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT i.lid_id, i.status, l.naam, l.email, o.naam AS organisatie_naam,"
                    " a.aanwezig, a.uren"
                    " FROM inschrijvingen i JOIN leden l ON l.id = i.lid_id"
                    " JOIN organisaties o ON o.id = l.organisatie_id"
                    " LEFT JOIN aanwezigheden a ON a.activiteit_id = i.activiteit_id AND a.lid_id = i.lid_id"
                    " WHERE i.activiteit_id = :a AND i.status <> 'geannuleerd'"
                    " ORDER BY i.status = 'wachtlijst', i.wachtlijst_volgnummer NULLS FIRST, l.naam, l.id"
                ),
                {"a": activiteit_id},
            )
        ).mappings().all()
    return [dict(r) for r in rijen]


async def collegas(db: Database, organisatie_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """Members of one organisation, for "register a colleague"."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text("SELECT id, naam FROM leden WHERE organisatie_id = :o ORDER BY naam, id"), {"o": organisatie_id}
            )
        ).all()
    return [(r.id, r.naam) for r in rijen]


async def inschrijvingen_van_organisatie(db: Database, activiteit_id: uuid.UUID, organisatie_id: uuid.UUID) -> list[dict[str, Any]]:
    """The registrations of one organisation's members for an activity (a member sees their colleagues')."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT i.lid_id, i.status, l.naam FROM inschrijvingen i JOIN leden l ON l.id = i.lid_id"
                    " WHERE i.activiteit_id = :a AND l.organisatie_id = :o AND i.status <> 'geannuleerd'"
                    " ORDER BY l.naam, l.id"
                ),
                {"a": activiteit_id, "o": organisatie_id},
            )
        ).mappings().all()
    return [dict(r) for r in rijen]


# --- attendance --------------------------------------------------------------------------------


async def deelnemerslijst(db: Database, activiteit_id: uuid.UUID) -> list[dict[str, Any]]:
    """Who to check in: everyone registered (not the waitlist) and anyone recorded already
    (also people who came without registering), by name."""
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT l.id AS lid_id, l.naam, l.email, o.naam AS organisatie_naam, a.aanwezig, a.uren,"
                    " i.status = 'ingeschreven' AS ingeschreven"
                    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id"
                    " LEFT JOIN inschrijvingen i ON i.activiteit_id = :a AND i.lid_id = l.id"
                    " LEFT JOIN aanwezigheden a ON a.activiteit_id = :a AND a.lid_id = l.id"
                    " WHERE i.status = 'ingeschreven' OR a.id IS NOT NULL"
                    " ORDER BY l.naam, l.id"
                ),
                {"a": activiteit_id},
            )
        ).mappings().all()
    mensen = [dict(r) for r in rijen]
    # Every field on the form is named after its person (for screen readers too), and two people
    # with one name must not get one label: the organisation tells most apart, the e-mail the rest.
    dubbel = Counter((m["naam"], m["organisatie_naam"]) for m in mensen)
    for m in mensen:
        uniek = dubbel[(m["naam"], m["organisatie_naam"])] == 1
        m["kenmerk"] = m["organisatie_naam"] if uniek else f"{m['organisatie_naam']}, {m['email']}"
        m["label"] = f"{m['naam']} ({m['kenmerk']})"
    return mensen


async def lid_met_email(db: Database, email: str) -> uuid.UUID | None:
    async with db.engine.connect() as conn:
        return (
            await conn.execute(text("SELECT id FROM leden WHERE email = :e"), {"e": email.strip().lower()})
        ).scalar_one_or_none()


async def aanwezigheid_totaal(db: Database, activiteit_id: uuid.UUID) -> tuple[int, Decimal]:
    """How many attended and their hours together (participant hours)."""
    async with db.engine.connect() as conn:
        rij = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE aanwezig), coalesce(sum(uren), 0) FROM aanwezigheden"
                    " WHERE activiteit_id = :a"
                ),
                {"a": activiteit_id},
            )
        ).one()
    return rij[0], Decimal(rij[1])


# --- feedback ----------------------------------------------------------------------------------


async def feedback_stand(db: Database, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> FeedbackStand | None:
    async with db.engine.connect() as conn:
        return await feedback.lees_stand(conn, activiteit_id, lid_id)


async def feedback_samenvatting(db: Database, activiteit_id: uuid.UUID) -> FeedbackSamenvatting:
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(text("SELECT score, tekst FROM feedback WHERE activiteit_id = :a"), {"a": activiteit_id})
        ).all()
    return vat_feedback_samen([r.score for r in rijen], [r.tekst for r in rijen if r.tekst])


# --- requests for tailored support -------------------------------------------------------------


async def ondersteuningsvragen_lijst(db: Database) -> list[ondersteuningsvragen.Vraag]:
    async with db.engine.connect() as conn:
        return await ondersteuningsvragen.lijst(conn)


async def ondersteuningsvraag(db: Database, vraag_id: uuid.UUID) -> ondersteuningsvragen.Vraag | None:
    async with db.engine.connect() as conn:
        return await ondersteuningsvragen.lees(conn, vraag_id)
