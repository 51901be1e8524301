"""Partner credentials in the database: `ToegangStore` writes inside a unit of work (`ToegangUoW`);
the module functions are the pages' reads and the partner door's token check."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dinet_chassis.natsauth import PartnerIssuer, PartnerUser
from dinet_chassis.uow import SqlUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import sleutels


@dataclass(frozen=True)
class Sleutel:
    id: uuid.UUID
    organisatie_id: uuid.UUID
    organisatie_naam: str
    prefix: str
    omschrijving: str
    aangemaakt_op: datetime
    aangemaakt_door: str
    laatst_gebruikt_op: datetime | None
    ingetrokken_op: datetime | None
    ingetrokken_door: str | None

    @property
    def actief(self) -> bool:
        return self.ingetrokken_op is None


@dataclass(frozen=True)
class NatsGebruiker:
    id: int
    gebruiker: str
    organisatie_id: uuid.UUID
    organisatie_naam: str
    publieke_sleutel: str | None  # None: a user from the password era, never valid any more
    aangemaakt_op: datetime
    aangemaakt_door: str
    ingetrokken_op: datetime | None
    ingetrokken_door: str | None

    @property
    def actief(self) -> bool:
        return self.ingetrokken_op is None


class ToegangStore:
    """The writes of partner credentials, on the unit of work's connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def organisatie_naam(self, organisatie_id: uuid.UUID) -> str | None:
        return (
            await self.conn.execute(text("SELECT naam FROM organisaties WHERE id = :id"), {"id": organisatie_id})
        ).scalar_one_or_none()

    async def maak_sleutel(
        self, organisatie_id: uuid.UUID, omschrijving: str, door: str
    ) -> tuple[uuid.UUID, sleutels.NieuweSleutel]:
        nieuw = sleutels.nieuwe_sleutel()
        sleutel_id = uuid.uuid4()
        await self.conn.execute(
            text(
                "INSERT INTO partner_sleutels (id, organisatie_id, prefix, hash, omschrijving, aangemaakt_door)"
                " VALUES (:id, :org, :prefix, :hash, :omschrijving, :door)"
            ),
            {
                "id": sleutel_id,
                "org": organisatie_id,
                "prefix": nieuw.prefix,
                "hash": nieuw.hash,
                "omschrijving": omschrijving,
                "door": door,
            },
        )
        return sleutel_id, nieuw

    async def trek_sleutel_in(self, sleutel_id: uuid.UUID, door: str) -> bool:
        rij = (
            await self.conn.execute(
                text(
                    "UPDATE partner_sleutels SET ingetrokken_op = now(), ingetrokken_door = :door"
                    " WHERE id = :id AND ingetrokken_op IS NULL RETURNING id"
                ),
                {"id": sleutel_id, "door": door},
            )
        ).first()
        return rij is not None

    async def maak_nats_gebruiker(
        self, organisatie_id: uuid.UUID, naam: str, door: str, uitgever: PartnerIssuer
    ) -> tuple["NatsGebruiker", PartnerUser]:
        """Signs a new user for the organisation and registers its public key. The user is valid on
        the server at once: the PARTNER account trusts everything its signing key signs."""
        gebruikersnaam = sleutels.nats_gebruikersnaam(naam)
        bestaand = (
            await self.conn.execute(
                text("SELECT 1 FROM partner_nats_gebruikers WHERE gebruiker = :g AND ingetrokken_op IS NULL"),
                {"g": gebruikersnaam},
            )
        ).first()
        if bestaand is not None:
            raise NatsGebruikerBestaatAl(gebruikersnaam)
        nieuw = uitgever.issue(gebruikersnaam, str(organisatie_id))
        rij = (
            await self.conn.execute(
                text(
                    "INSERT INTO partner_nats_gebruikers (gebruiker, organisatie_id, publieke_sleutel, aangemaakt_door)"
                    " VALUES (:g, :org, :sleutel, :door) RETURNING id, aangemaakt_op"
                ),
                {"g": gebruikersnaam, "org": organisatie_id, "sleutel": nieuw.public_key, "door": door},
            )
        ).one()
        gebruiker = NatsGebruiker(
            id=rij.id,
            gebruiker=gebruikersnaam,
            organisatie_id=organisatie_id,
            organisatie_naam=naam,
            publieke_sleutel=nieuw.public_key,
            aangemaakt_op=rij.aangemaakt_op,
            aangemaakt_door=door,
            ingetrokken_op=None,
            ingetrokken_door=None,
        )
        return gebruiker, nieuw

    async def trek_nats_gebruiker_in(self, gebruiker_id: int, door: str) -> str | None:
        return (
            await self.conn.execute(
                text(
                    "UPDATE partner_nats_gebruikers SET ingetrokken_op = now(), ingetrokken_door = :door"
                    " WHERE id = :id AND ingetrokken_op IS NULL RETURNING gebruiker"
                ),
                {"id": gebruiker_id, "door": door},
            )
        ).scalar_one_or_none()


class ToegangUoW(SqlUnitOfWork):
    """registratie's unit of work with the partner credentials' repository (`uow.toegang`)."""

    toegang: ToegangStore

    async def __aenter__(self) -> "ToegangUoW":
        await super().__aenter__()
        self.toegang = ToegangStore(self.conn)
        return self


async def maak_sleutel(
    db: Any, organisatie_id: uuid.UUID, omschrijving: str, door: str
) -> tuple[uuid.UUID, sleutels.NieuweSleutel]:
    """A token outside a use case (tests and the seed): one transaction of its own."""
    async with db.transaction() as conn:
        return await ToegangStore(conn).maak_sleutel(organisatie_id, omschrijving, door)


_SLEUTEL_KOLOMMEN = (
    "s.id, s.organisatie_id, o.naam AS organisatie_naam, s.prefix, s.omschrijving, s.aangemaakt_op,"
    " s.aangemaakt_door, s.laatst_gebruikt_op, s.ingetrokken_op, s.ingetrokken_door"
)


async def alle_sleutels(db: Any, organisatie_id: uuid.UUID | None = None) -> list[Sleutel]:
    sql = f"SELECT {_SLEUTEL_KOLOMMEN} FROM partner_sleutels s JOIN organisaties o ON o.id = s.organisatie_id"
    params: dict[str, Any] = {}
    if organisatie_id is not None:
        sql += " WHERE s.organisatie_id = :org"
        params["org"] = organisatie_id
    sql += " ORDER BY s.ingetrokken_op IS NOT NULL, o.naam, s.aangemaakt_op DESC"
    async with db.engine.connect() as conn:
        rijen = (await conn.execute(text(sql), params)).mappings().all()
    return [Sleutel(**r) for r in rijen]


async def organisatie_van_token(db: Any, token: str) -> uuid.UUID | None:
    """The organisation a valid, unrevoked token belongs to; records that it was used."""
    prefix = sleutels.prefix_van(token)
    if prefix is None:
        return None
    async with db.transaction() as conn:
        rij = (
            await conn.execute(
                text(
                    "SELECT id, organisatie_id, hash FROM partner_sleutels"
                    " WHERE prefix = :prefix AND ingetrokken_op IS NULL"
                ),
                {"prefix": prefix},
            )
        ).first()
        if rij is None or not sleutels.token_klopt(token, rij.hash):
            return None
        # At most once a minute: a busy partner should not turn every request into a row update.
        await conn.execute(
            text(
                "UPDATE partner_sleutels SET laatst_gebruikt_op = now() WHERE id = :id"
                " AND (laatst_gebruikt_op IS NULL OR laatst_gebruikt_op < now() - interval '1 minute')"
            ),
            {"id": rij.id},
        )
    return rij.organisatie_id  # type: ignore[no-any-return]


# --- NATS users --------------------------------------------------------------------------------


class NatsGebruikerBestaatAl(Exception):
    pass


_NATS_KOLOMMEN = (
    "g.id, g.gebruiker, g.organisatie_id, o.naam AS organisatie_naam, g.publieke_sleutel,"
    " g.aangemaakt_op, g.aangemaakt_door, g.ingetrokken_op, g.ingetrokken_door"
)


async def alle_nats_gebruikers(db: Any) -> list[NatsGebruiker]:
    async with db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    f"SELECT {_NATS_KOLOMMEN}"
                    " FROM partner_nats_gebruikers g JOIN organisaties o ON o.id = g.organisatie_id"
                    " ORDER BY g.ingetrokken_op IS NOT NULL, g.gebruiker, g.aangemaakt_op DESC"
                )
            )
        ).mappings().all()
    return [NatsGebruiker(**r) for r in rijen]


async def ingetrokken_nats_sleutels(conn: Any) -> dict[str, int]:
    """The PARTNER account's revocation list: each revoked user's key, and from when (JWTs
    issued up to that second are refused)."""
    rijen = (
        await conn.execute(
            text(
                "SELECT publieke_sleutel, ingetrokken_op FROM partner_nats_gebruikers"
                " WHERE ingetrokken_op IS NOT NULL AND publieke_sleutel IS NOT NULL"
            )
        )
    ).all()
    return {r.publieke_sleutel: math.ceil(r.ingetrokken_op.timestamp()) for r in rijen}
