"""meldingen's tables (see migrations/): contacts, planned mails and opt-in tokens; the newsletter's
issues in `nieuwsbrieven.py`; `MeldingenUoW`, the unit of work meldingen's use cases get."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from dinet_chassis.uow import SqlUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Contact, Soort, Token
from .nieuwsbrieven import NieuwsbriefStore
from .regels import RegelStore
from .voorkeuren import VoorkeurStore


async def lees_contact(conn: AsyncConnection, lid_id: UUID, *, voor_update: bool = False) -> Contact | None:
    sql = (
        "SELECT lid_id, naam, email, nieuwsbrief_gewenst, nieuwsbrief_bevestigd_op, gegevens_van"
        " FROM contact WHERE lid_id = :lid_id"
    )
    if voor_update:
        sql += " FOR UPDATE"
    row = (await conn.execute(text(sql), {"lid_id": lid_id})).mappings().first()
    return Contact(**row) if row else None


async def bewaar_contact(conn: AsyncConnection, contact: Contact) -> None:
    await conn.execute(
        text(
            "INSERT INTO contact (lid_id, naam, email, nieuwsbrief_gewenst, nieuwsbrief_bevestigd_op, gegevens_van)"
            " VALUES (:lid_id, :naam, :email, :nieuwsbrief_gewenst, :nieuwsbrief_bevestigd_op, :gegevens_van)"
            " ON CONFLICT (lid_id) DO UPDATE SET naam = EXCLUDED.naam, email = EXCLUDED.email,"
            " nieuwsbrief_gewenst = EXCLUDED.nieuwsbrief_gewenst,"
            " nieuwsbrief_bevestigd_op = EXCLUDED.nieuwsbrief_bevestigd_op,"
            " gegevens_van = EXCLUDED.gegevens_van, bijgewerkt_op = now()"
        ),
        {
            "lid_id": contact.lid_id,
            "naam": contact.naam,
            "email": contact.email,
            "nieuwsbrief_gewenst": contact.nieuwsbrief_gewenst,
            "nieuwsbrief_bevestigd_op": contact.nieuwsbrief_bevestigd_op,
            "gegevens_van": contact.gegevens_van,
        },
    )


async def plan_melding(
    conn: AsyncConnection, *, lid_id: UUID, soort: Soort, bron_event_id: str, token: str | None = None
) -> UUID | None:
    """Record a mail to send; None if this event already planned this mail for this member."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO melding (id, lid_id, soort, bron_event_id, token)"
                " VALUES (:id, :lid_id, :soort, :bron, :token)"
                " ON CONFLICT (lid_id, soort, bron_event_id) DO NOTHING RETURNING id"
            ),
            {"id": uuid.uuid4(), "lid_id": lid_id, "soort": soort.value, "bron": bron_event_id, "token": token},
        )
    ).first()
    return row[0] if row else None


async def bewaar_token(
    conn: AsyncConnection, *, token_hash: str, lid_id: UUID, melding_id: UUID, verloopt_op: datetime
) -> None:
    await conn.execute(
        text(
            "INSERT INTO nieuwsbrief_token (token_hash, lid_id, melding_id, verloopt_op)"
            " VALUES (:h, :lid_id, :melding_id, :verloopt_op)"
        ),
        {"h": token_hash, "lid_id": lid_id, "melding_id": melding_id, "verloopt_op": verloopt_op},
    )


@dataclass(frozen=True)
class TeVerzenden:
    id: UUID
    lid_id: UUID
    soort: Soort
    pogingen: int
    token: str | None
    naam: str | None  # None: the contact is gone (erased), nothing to send to
    email: str | None
    nieuwsbrief_gewenst: bool | None
    activiteit_id: UUID | None = None
    gegevens: object = None
    geblokkeerd_op: datetime | None = None


async def neem_reeks(conn: AsyncConnection, aantal: int, *, zonder_nieuwsbrief: bool = False) -> list[TeVerzenden]:
    """Lock the next due mail; other instances skip it while this transaction holds it.
    `zonder_nieuwsbrief`: the newsletter's per-minute limit is reached, other mail goes first."""
    rows = (
        await conn.execute(
            text(
                "SELECT m.id, m.lid_id, m.soort, m.pogingen, m.token, c.naam, c.email, c.nieuwsbrief_gewenst,"
                " m.activiteit_id, m.gegevens, c.geblokkeerd_op"
                " FROM melding m LEFT JOIN contact c ON c.lid_id = m.lid_id"
                " WHERE m.status = 'wachtend' AND m.volgende_poging_op <= now()"
                + (" AND m.soort <> 'nieuwsbrief'" if zonder_nieuwsbrief else "")
                + " ORDER BY m.volgende_poging_op, m.aangemaakt_op LIMIT :aantal"
                " FOR UPDATE OF m SKIP LOCKED"
            ),
            {"aantal": aantal},
        )
    ).mappings().all()
    return [TeVerzenden(**{**row, "soort": Soort(row["soort"])}) for row in rows]


async def markeer_reeks_verzonden(conn: AsyncConnection, meldingen: list[tuple[UUID, str | None]]) -> dict[UUID, datetime]:
    """Mark a batch sent in one statement, and close their journal entries."""
    if not meldingen:
        return {}
    rows = (
        await conn.execute(
            text(
                "WITH weg AS (DELETE FROM smtp_poging WHERE melding_id = ANY(:ids)),"
                " r AS (SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:redenen AS text[])) AS r(id, reden))"
                " UPDATE melding m SET status = 'verzonden', verzonden_op = now(), pogingen = m.pogingen + 1,"
                " reden = r.reden, token = NULL FROM r WHERE m.id = r.id RETURNING m.id, m.verzonden_op"
            ),
            {"ids": [i for i, _ in meldingen], "redenen": [r for _, r in meldingen]},
        )
    ).all()
    return {r[0]: r[1] for r in rows}


async def markeer_verzonden(conn: AsyncConnection, melding_id: UUID, reden: str | None = None) -> datetime:
    row = (
        await conn.execute(
            text(
                "WITH weg AS (DELETE FROM smtp_poging WHERE melding_id = :id)"
                " UPDATE melding SET status = 'verzonden', verzonden_op = now(), pogingen = pogingen + 1,"
                " reden = :reden, token = NULL WHERE id = :id RETURNING verzonden_op"
            ),
            {"id": melding_id, "reden": reden},
        )
    ).one()
    return row[0]


async def smtp_journaal(conn: AsyncConnection, ids: list[UUID]) -> dict[UUID, tuple[bool, int]]:
    """Per mail, what the journal says of earlier attempts: (arrived, times interrupted)."""
    rows = (
        await conn.execute(
            text(
                "SELECT melding_id, bool_or(aangekomen), count(*) FILTER (WHERE NOT aangekomen)"
                " FROM smtp_poging WHERE melding_id = ANY(:ids) GROUP BY melding_id"
            ),
            {"ids": ids},
        )
    ).all()
    return {r[0]: (bool(r[1]), int(r[2])) for r in rows}


_JOURNAAL_SQL = (
    "WITH klaar AS (UPDATE smtp_poging SET aangekomen = true WHERE id = $1)"
    " INSERT INTO smtp_poging (melding_id) VALUES ($2) RETURNING id"
)


async def volgende_in_journaal(apart: Any, *, vorige: int | None, melding_id: UUID) -> int:
    """One durable statement: the previous mail arrived, this one's SMTP transaction begins.

    `apart` is the driver's own connection (asyncpg, autocommit): this runs once per mail, and
    a prepared statement on it costs a fraction of a query through the SQL toolkit."""
    return await apart.fetchval(_JOURNAAL_SQL, vorige, melding_id)


async def sluit_journaal(apart: Any, poging_id: int, *, aangekomen: bool) -> None:
    if aangekomen:
        await apart.execute("UPDATE smtp_poging SET aangekomen = true WHERE id = $1", poging_id)
    else:  # the server refused it: nothing under way any more
        await apart.execute("DELETE FROM smtp_poging WHERE id = $1", poging_id)


async def markeer_overgeslagen(conn: AsyncConnection, melding_id: UUID, reden: str) -> None:
    await conn.execute(
        text("UPDATE melding SET status = 'overgeslagen', reden = :reden, token = NULL WHERE id = :id"),
        {"id": melding_id, "reden": reden},
    )


async def stel_uit(conn: AsyncConnection, melding_id: UUID, op: datetime) -> None:
    await conn.execute(text("UPDATE melding SET volgende_poging_op = :op WHERE id = :id"), {"id": melding_id, "op": op})


async def markeer_poging_mislukt(conn: AsyncConnection, melding_id: UUID, reden: str, wacht: timedelta) -> None:
    await conn.execute(
        text(
            "UPDATE melding SET pogingen = pogingen + 1, reden = :reden,"
            " volgende_poging_op = now() + :wacht WHERE id = :id"
        ),
        {"id": melding_id, "reden": reden, "wacht": wacht},
    )


async def markeer_mislukt(conn: AsyncConnection, melding_id: UUID, reden: str) -> None:
    await conn.execute(
        text(
            "UPDATE melding SET status = 'mislukt', pogingen = pogingen + 1, reden = :reden, token = NULL"
            " WHERE id = :id"
        ),
        {"id": melding_id, "reden": reden},
    )


async def seconden_tot_volgende(conn: AsyncConnection) -> float | None:
    """How long until the earliest waiting mail is due (0 if overdue), None if none waits."""
    # Not GREATEST(..., 0) in SQL: it skips a NULL, so "nothing waits" would read as "due now"
    # and the worker would poll without pause.
    value = (
        await conn.execute(
            text("SELECT EXTRACT(EPOCH FROM min(volgende_poging_op) - now()) FROM melding WHERE status = 'wachtend'")
        )
    ).scalar()
    return max(float(value), 0.0) if value is not None else None


async def lees_token(conn: AsyncConnection, token_hash: str, *, voor_update: bool = False) -> Token | None:
    sql = (
        "SELECT t.lid_id, t.verloopt_op, t.gebruikt_op, COALESCE(c.nieuwsbrief_gewenst, false) AS nieuwsbrief_gewenst"
        " FROM nieuwsbrief_token t LEFT JOIN contact c ON c.lid_id = t.lid_id WHERE t.token_hash = :h"
    )
    if voor_update:
        sql += " FOR UPDATE OF t"
    row = (await conn.execute(text(sql), {"h": token_hash})).mappings().first()
    return Token(**row) if row else None


async def gebruik_token(conn: AsyncConnection, token_hash: str) -> None:
    await conn.execute(text("UPDATE nieuwsbrief_token SET gebruikt_op = now() WHERE token_hash = :h"), {"h": token_hash})


async def bevestig_nieuwsbrief(conn: AsyncConnection, lid_id: UUID) -> datetime | None:
    """Mark the subscription confirmed; None if it already was (nothing new to announce)."""
    row = (
        await conn.execute(
            text(
                "UPDATE contact SET nieuwsbrief_bevestigd_op = now(), bijgewerkt_op = now()"
                " WHERE lid_id = :lid_id AND nieuwsbrief_bevestigd_op IS NULL RETURNING nieuwsbrief_bevestigd_op"
            ),
            {"lid_id": lid_id},
        )
    ).first()
    return row[0] if row else None


# One lock for every instance's bookings against the newsletter's per-minute limit.
_TEMPO_SLOT = 0x6D656C64  # "meld"


async def reserveer_nieuwsbrief(apart: Any, per_minuut: int, gevraagd: int) -> tuple[int | None, int, float]:
    """Book up to `gevraagd` newsletter mails against the limit all instances share.

    Returns (booking id or None, how many may be claimed, seconds until the oldest booking of the
    last minute leaves it). A short transaction on `apart` (the driver's own connection), apart
    from the batch's long one, so no instance waits on another's SMTP round."""
    async with apart.transaction():
        await apart.execute("SELECT pg_advisory_xact_lock($1)", _TEMPO_SLOT)
        rij = await apart.fetchrow(
            "SELECT COALESCE(sum(aantal), 0) AS geboekt,"
            " EXTRACT(EPOCH FROM min(op) + interval '60 seconds' - clock_timestamp()) AS vrij_over"
            " FROM nieuwsbrief_tempo WHERE op > clock_timestamp() - interval '60 seconds'"
        )
        vrij = max(0, min(gevraagd, per_minuut - int(rij["geboekt"])))
        vrij_over = max(0.0, float(rij["vrij_over"] or 0.0))
        if vrij == 0:
            return None, 0, vrij_over
        boeking = await apart.fetchval("INSERT INTO nieuwsbrief_tempo (aantal) VALUES ($1) RETURNING id", vrij)
        await apart.execute("DELETE FROM nieuwsbrief_tempo WHERE op < clock_timestamp() - interval '120 seconds'")
    return boeking, vrij, vrij_over


async def pas_boeking_aan(apart: Any, boeking: int, genomen: int) -> None:
    """Fewer newsletter mails were claimed than booked: give the rest back to the limit."""
    await apart.execute("UPDATE nieuwsbrief_tempo SET aantal = $2 WHERE id = $1", boeking, genomen)


async def wachtrij(conn: AsyncConnection) -> tuple[int, int]:
    """(mails waiting to be sent, addresses held after bounces), for the metrics."""
    row = (
        await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM melding WHERE status = 'wachtend'),"
                " (SELECT count(*) FROM contact WHERE geblokkeerd_op IS NOT NULL)"
            )
        )
    ).one()
    return int(row[0]), int(row[1])


class TokenStore:
    """The newsletter's single-use opt-in tokens and the confirmation they lead to."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lees(self, token_hash: str, *, voor_update: bool = False) -> Token | None:
        return await lees_token(self.conn, token_hash, voor_update=voor_update)

    async def gebruik(self, token_hash: str) -> None:
        await gebruik_token(self.conn, token_hash)

    async def bevestig_nieuwsbrief(self, lid_id: UUID) -> datetime | None:
        return await bevestig_nieuwsbrief(self.conn, lid_id)


class MeldingenUoW(SqlUnitOfWork):
    """One transaction of meldingen with its repositories (cosmicpython's pattern)."""

    nieuwsbrieven: NieuwsbriefStore
    regels: RegelStore
    tokens: TokenStore
    voorkeuren: VoorkeurStore

    async def __aenter__(self) -> "MeldingenUoW":
        await super().__aenter__()
        self.nieuwsbrieven = NieuwsbriefStore(self.conn)
        self.regels = RegelStore(self.conn)
        self.tokens = TokenStore(self.conn)
        self.voorkeuren = VoorkeurStore(self.conn)
        return self
