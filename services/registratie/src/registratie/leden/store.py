"""Members in PostgreSQL: `LedenStore` (the repository the use cases write through, on their
unit of work's connection) and the read-only queries of the pages (staff list, one member's file,
the member's own export)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from dinet_contracts.tijd import iso
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis.uow import BorrowedUnitOfWork, SqlUnitOfWork
from dinet_contracts.types import OrganisatieType

from .domain.lidmaatschap import Doel, Hoe, Lid, NieuwLid

PER_PAGINA = 50

_LID = (
    "SELECT l.id, l.naam, l.email, l.organisatie_id, o.naam AS organisatie_naam, o.type AS organisatie_type,"
    " l.functie, l.nieuwsbrief, l.lid_sinds, l.lid_tot, l.aangemaakt_op"
    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = :id"
)


class LedenStore:
    """The members' tables, inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def organisatie_type(self, organisatie_id: uuid.UUID) -> OrganisatieType | None:
        waarde = (
            await self.conn.execute(text("SELECT type FROM organisaties WHERE id = :id"), {"id": organisatie_id})
        ).scalar_one_or_none()
        return OrganisatieType(waarde) if waarde is not None else None

    async def voeg_toe(self, lid: NieuwLid) -> bool:
        """False when the address is already a member: the unique index decides, so two
        simultaneous sign-ups cannot both win."""
        ingevoegd = (
            await self.conn.execute(
                text(
                    "INSERT INTO leden (id, naam, email, organisatie_id, functie, nieuwsbrief, lid_sinds)"
                    " VALUES (:id, :naam, :email, :organisatie_id, :functie, :nieuwsbrief, :lid_sinds)"
                    " ON CONFLICT (email) DO NOTHING RETURNING id"
                ),
                {
                    "id": lid.id,
                    "naam": lid.naam,
                    "email": lid.email,
                    "organisatie_id": lid.organisatie_id,
                    "functie": lid.functie,
                    "nieuwsbrief": lid.nieuwsbrief,
                    "lid_sinds": lid.lid_sinds,
                },
            )
        ).scalar_one_or_none()
        return ingevoegd is not None

    async def lees(self, lid_id: uuid.UUID, *, voor_update: bool = False) -> Lid | None:
        # Changes to one member are serialised on its row, so two tabs cannot both close a period.
        return await lees_lid(self.conn, lid_id, voor_update=voor_update)

    async def bestaat(self, lid_id: uuid.UUID) -> bool:
        """Locks the row, as `lees(voor_update=True)` does."""
        return (await self.conn.execute(text("SELECT 1 FROM leden WHERE id = :id FOR UPDATE"), {"id": lid_id})).first() is not None

    async def toestemmingen(self, lid_id: uuid.UUID) -> dict[Doel, dict[str, Any] | None]:
        """The latest record per purpose (None: never asked)."""
        rijen = (
            await self.conn.execute(
                text(
                    "SELECT DISTINCT ON (doel) doel, gegeven, tekst, wanneer, hoe FROM toestemmingen"
                    " WHERE lid_id = :id ORDER BY doel, wanneer DESC, id DESC"
                ),
                {"id": lid_id},
            )
        ).mappings()
        per_doel: dict[Doel, dict[str, Any] | None] = {d: None for d in Doel}
        for r in rijen:
            per_doel[Doel(r["doel"])] = dict(r)
        return per_doel

    async def leg_toestemming_vast(
        self, lid_id: uuid.UUID, doel: Doel | str, gegeven: bool, tekst: str, hoe: Hoe | str, *, wanneer: datetime | None = None
    ) -> None:
        """A new consent record; `wanneer` when the choice was made elsewhere (meldingen), else now."""
        await self.conn.execute(
            text(
                "INSERT INTO toestemmingen (lid_id, doel, gegeven, tekst, hoe, wanneer)"
                " VALUES (:id, :doel, :gegeven, :tekst, :hoe, coalesce(:wanneer, now()))"
            ),
            {"id": lid_id, "doel": str(doel), "gegeven": gegeven, "tekst": tekst, "hoe": str(hoe), "wanneer": wanneer},
        )

    async def zet_nieuwsbrief(self, lid_id: uuid.UUID, gegeven: bool) -> None:
        await self.conn.execute(text("UPDATE leden SET nieuwsbrief = :n WHERE id = :id"), {"id": lid_id, "n": gegeven})

    async def zet_gegevens(self, lid_id: uuid.UUID, naam: str, functie: str | None) -> None:
        await self.conn.execute(
            text("UPDATE leden SET naam = :naam, functie = :functie WHERE id = :id"),
            {"id": lid_id, "naam": naam, "functie": functie},
        )

    async def sluit_lidmaatschap(self, lid_id: uuid.UUID, lid_tot: date) -> None:
        """The last day of membership; all mail stops with it."""
        await self.conn.execute(
            text("UPDATE leden SET lid_tot = :tot, nieuwsbrief = false WHERE id = :id"), {"id": lid_id, "tot": lid_tot}
        )

    async def laatste_organisatiewissel(self, lid_id: uuid.UUID) -> date | None:
        return (
            await self.conn.execute(text("SELECT max(vanaf) FROM organisatiewissels WHERE lid_id = :id"), {"id": lid_id})
        ).scalar_one()

    async def wissel_organisatie(
        self, lid_id: uuid.UUID, van: uuid.UUID, naar: uuid.UUID, vanaf: date
    ) -> None:
        """The member works for `naar` from `vanaf` on; the history keeps `van`."""
        await self.conn.execute(
            text(
                "INSERT INTO organisatiewissels (lid_id, van_organisatie_id, naar_organisatie_id, vanaf)"
                " VALUES (:id, :van, :naar, :vanaf)"
            ),
            {"id": lid_id, "van": van, "naar": naar, "vanaf": vanaf},
        )
        await self.conn.execute(text("UPDATE leden SET organisatie_id = :o WHERE id = :id"), {"id": lid_id, "o": naar})

    async def zet_inwoners(
        self, organisatie_id: uuid.UUID, inwoners: int, peildatum: date, klasse: str
    ) -> Mapping[str, Any] | None:
        """The organisation's new figures (a size class for a local government only), with its
        next `versie`; None when there is no such organisation."""
        return (
            await self.conn.execute(
                text(
                    "UPDATE organisaties SET inwoners = :inwoners, inwoners_peildatum = :peildatum,"
                    " grootteklasse = CASE WHEN type = 'lokaal_bestuur' THEN :klasse END, versie = versie + 1"
                    " WHERE id = :id"
                    " RETURNING id, naam, type, nis_code, provincie, inwoners, grootteklasse, versie"
                ),
                {"id": organisatie_id, "inwoners": inwoners, "peildatum": peildatum, "klasse": klasse},
            )
        ).mappings().one_or_none()

    async def vul_functie_aan(self, lid_id: uuid.UUID, functie: str) -> None:
        await self.conn.execute(text("UPDATE leden SET functie = :f WHERE id = :id"), {"id": lid_id, "f": functie})

    async def open_kennisdeling_sinds(self, lid_id: uuid.UUID) -> date | None:
        return (
            await self.conn.execute(text("SELECT van FROM kennisdeling WHERE lid_id = :id AND tot IS NULL"), {"id": lid_id})
        ).scalar_one_or_none()

    async def laatste_kennisdeling_einde(self, lid_id: uuid.UUID) -> date | None:
        return (
            await self.conn.execute(text("SELECT max(tot) FROM kennisdeling WHERE lid_id = :id"), {"id": lid_id})
        ).scalar_one()

    async def open_kennisdeling(self, lid_id: uuid.UUID, datum: date) -> None:
        await self.conn.execute(text("INSERT INTO kennisdeling (lid_id, van) VALUES (:id, :d)"), {"id": lid_id, "d": datum})

    async def sluit_kennisdeling(self, lid_id: uuid.UUID, datum: date) -> None:
        await self.conn.execute(
            text("UPDATE kennisdeling SET tot = :d WHERE lid_id = :id AND tot IS NULL"), {"id": lid_id, "d": datum}
        )

    # --- sign-in links (only a token's hash is stored) ---

    async def lid_met_adres(self, email: str) -> tuple[uuid.UUID, str] | None:
        """The member's id and name; locks the row, so two requests count the open links in turn."""
        rij = (await self.conn.execute(text("SELECT id, naam FROM leden WHERE email = :e FOR UPDATE"), {"e": email})).first()
        return (rij.id, rij.naam) if rij is not None else None

    async def open_aanmeldlinks(self, lid_id: uuid.UUID) -> int:
        return (
            await self.conn.execute(
                text("SELECT count(*) FROM aanmeldlinks WHERE lid_id = :id AND gebruikt_op IS NULL AND verloopt_op > now()"),
                {"id": lid_id},
            )
        ).scalar_one()

    async def ruim_aanmeldlinks_op(self, lid_id: uuid.UUID) -> None:
        await self.conn.execute(
            text("DELETE FROM aanmeldlinks WHERE lid_id = :id AND (gebruikt_op IS NOT NULL OR verloopt_op <= now())"),
            {"id": lid_id},
        )

    async def bewaar_aanmeldlink(self, hash_: str, lid_id: uuid.UUID, verloopt_op: datetime) -> None:
        await self.conn.execute(
            text("INSERT INTO aanmeldlinks (token_hash, lid_id, verloopt_op) VALUES (:h, :id, :tot)"),
            {"h": hash_, "id": lid_id, "tot": verloopt_op},
        )

    async def aanmeldlink(self, hash_: str) -> Mapping[str, Any] | None:
        return (
            await self.conn.execute(
                text("SELECT verloopt_op <= now() AS verlopen, gebruikt_op FROM aanmeldlinks WHERE token_hash = :h"),
                {"h": hash_},
            )
        ).mappings().one_or_none()

    async def gebruik_aanmeldlink(self, hash_: str) -> Mapping[str, Any] | None:
        """Spends a valid link; the member it signs in, or None."""
        return (
            await self.conn.execute(
                text(
                    "UPDATE aanmeldlinks a SET gebruikt_op = now() FROM leden l"
                    " WHERE a.token_hash = :h AND a.gebruikt_op IS NULL AND a.verloopt_op > now() AND l.id = a.lid_id"
                    " RETURNING l.id, l.naam, l.organisatie_id"
                ),
                {"h": hash_},
            )
        ).mappings().one_or_none()

    # --- erasure ---

    async def bewaar_grafsteen(self, lid: Lid, lid_tot: date, gewist_op: datetime) -> None:
        """What erasure keeps of a member: the random id, the organisation and the dates."""
        await self.conn.execute(
            text(
                "INSERT INTO gewiste_leden (id, organisatie_id, lid_sinds, lid_tot, gewist_op)"
                " VALUES (:id, :organisatie_id, :lid_sinds, :lid_tot, :gewist_op)"
            ),
            {"id": lid.id, "organisatie_id": lid.organisatie_id, "lid_sinds": lid.lid_sinds, "lid_tot": lid_tot, "gewist_op": gewist_op},
        )

    async def verwijder(self, lid_id: uuid.UUID) -> None:
        """The member's row (every table that refers to it follows its own ON DELETE rule) and the
        outbox rows still carrying their contact data."""
        await self.conn.execute(text("DELETE FROM leden WHERE id = :id"), {"id": lid_id})
        await self.conn.execute(text("DELETE FROM outbox WHERE subject LIKE :s"), {"s": f"dinet.pii.lid.{lid_id}.%"})


class LedenUnitOfWork(Protocol):
    """What these use cases need: a unit of work with the members' repository."""

    leden: LedenStore  # or an in-memory fake with the same methods

    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: Any) -> Any: ...
    async def publish(self, event: Any, *, event_id: str | None = None) -> str: ...
    def now(self) -> Any: ...


class LedenUoW(SqlUnitOfWork):
    """registratie's unit of work with the members' repository (`uow.leden`)."""

    leden: LedenStore

    async def __aenter__(self) -> "LedenUoW":
        await super().__aenter__()
        self.leden = LedenStore(self.conn)
        return self


class GeleendeLedenUoW(BorrowedUnitOfWork):
    """The same, on a transaction someone else commits (a consumer's inbox transaction)."""

    def __init__(self, conn: AsyncConnection, *, source: str) -> None:
        super().__init__(conn, source=source)
        self.leden = LedenStore(conn)


async def lees_lid(conn: AsyncConnection, lid_id: uuid.UUID, *, voor_update: bool = False) -> Lid | None:
    rij = (
        await conn.execute(text(_LID + (" FOR UPDATE OF l" if voor_update else "")), {"id": lid_id})
    ).mappings().one_or_none()
    if rij is None:
        return None
    return Lid(**{**rij, "organisatie_type": OrganisatieType(rij["organisatie_type"])})


@dataclass(frozen=True)
class Zoekvraag:
    zoek: str = ""
    status: str = "actief"  # actief | uitgeschreven | alle
    organisatie_id: uuid.UUID | None = None
    pagina: int = 1


async def lid(db: Any, lid_id: uuid.UUID) -> dict[str, Any] | None:
    """One member with their organisation, as the API shows them."""
    async with db.engine.connect() as conn:
        gevonden = await lees_lid(conn, lid_id)
    return asdict(gevonden) if gevonden is not None else None


def escape_like(tekst: str) -> str:
    return tekst.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def zoek_leden(db: Any, vraag: Zoekvraag) -> tuple[list[Mapping[str, Any]], int]:
    voorwaarden = ["true"]
    params: dict[str, Any] = {}
    if vraag.zoek.strip():
        voorwaarden.append("(l.naam ILIKE :zoek OR l.email ILIKE :zoek OR o.naam ILIKE :zoek)")
        params["zoek"] = f"%{escape_like(vraag.zoek.strip())}%"
    if vraag.status == "actief":
        voorwaarden.append("l.lid_tot IS NULL")
    elif vraag.status == "uitgeschreven":
        voorwaarden.append("l.lid_tot IS NOT NULL")
    if vraag.organisatie_id is not None:
        voorwaarden.append("l.organisatie_id = :org")
        params["org"] = vraag.organisatie_id
    waar = " AND ".join(voorwaarden)
    async with db.engine.connect() as conn:
        totaal = (
            await conn.execute(
                text(f"SELECT count(*) FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE {waar}"), params
            )
        ).scalar_one()
        rijen = (
            await conn.execute(
                text(
                    "SELECT l.id, l.naam, l.email, o.naam AS organisatie_naam, l.lid_sinds, l.lid_tot,"
                    " EXISTS (SELECT 1 FROM kennisdeling k WHERE k.lid_id = l.id AND k.tot IS NULL) AS kennisdeling"
                    f" FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE {waar}"
                    " ORDER BY lower(l.naam), l.id LIMIT :limiet OFFSET :offset"
                ),
                {**params, "limiet": PER_PAGINA, "offset": (max(vraag.pagina, 1) - 1) * PER_PAGINA},
            )
        ).mappings().all()
    return list(rijen), totaal


async def tel_leden_op(db: Any, dag: date) -> int:
    """Members on `dag`, erased ones included: the count does not move when someone is erased."""
    async with db.engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT count(*) FROM lidmaatschappen WHERE lid_sinds <= :d AND (lid_tot IS NULL OR lid_tot >= :d)"
                ),
                {"d": dag},
            )
        ).scalar_one()


async def _rijen(conn: AsyncConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def _bestaat(conn: AsyncConnection, *tabellen: str) -> bool:
    for tabel in tabellen:
        if (await conn.execute(text("SELECT to_regclass(:t)"), {"t": tabel})).scalar_one() is None:
            return False
    return True


async def inschrijvingen(conn: AsyncConnection, lid_id: uuid.UUID) -> list[dict[str, Any]]:
    """The member's registrations for activities, newest activity first."""
    if not await _bestaat(conn, "inschrijvingen", "activiteiten"):
        return []
    return await _rijen(
        conn,
        "SELECT a.id AS activiteit_id, a.titel, a.soort, a.vorm, a.start, a.einde, a.locatie,"
        # The member reads their own words (docs/woordenlijst.md), also in the download.
        " a.status AS activiteit_status,"
        " CASE i.status WHEN 'geannuleerd' THEN 'uitgeschreven' ELSE i.status END AS status,"
        " i.aangemaakt_op, i.gewijzigd_op"
        " FROM inschrijvingen i JOIN activiteiten a ON a.id = i.activiteit_id"
        " WHERE i.lid_id = :id ORDER BY a.start DESC",
        id=lid_id,
    )


async def dossier(db: Any, lid_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything about one member that the staff page shows."""
    async with db.engine.connect() as conn:
        lid = await lees_lid(conn, lid_id)
        if lid is None:
            return None
        return {
            "lid": lid,
            "toestemmingen": await _rijen(
                conn,
                "SELECT doel, gegeven, tekst, wanneer, hoe FROM toestemmingen WHERE lid_id = :id ORDER BY wanneer DESC, id DESC",
                id=lid_id,
            ),
            "organisatiewissels": await _rijen(
                conn,
                "SELECT w.vanaf, v.naam AS van, n.naam AS naar FROM organisatiewissels w"
                " JOIN organisaties v ON v.id = w.van_organisatie_id JOIN organisaties n ON n.id = w.naar_organisatie_id"
                " WHERE w.lid_id = :id ORDER BY w.vanaf DESC, w.id DESC",
                id=lid_id,
            ),
            "kennisdeling": await _rijen(
                conn, "SELECT van, tot FROM kennisdeling WHERE lid_id = :id ORDER BY van DESC", id=lid_id
            ),
            "inschrijvingen": await inschrijvingen(conn, lid_id),
        }


def _json(waarde: Any) -> Any:
    if isinstance(waarde, datetime):
        return iso(waarde)
    if isinstance(waarde, date):
        return waarde.isoformat()
    if isinstance(waarde, (uuid.UUID, Decimal)):
        return str(waarde)
    if isinstance(waarde, dict):
        return {k: _json(v) for k, v in waarde.items()}
    if isinstance(waarde, (list, tuple)):
        return [_json(v) for v in waarde]
    return waarde


async def export(db: Any, lid_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything registratie holds about the member, for "download my data" (GDPR art. 15 and 20)."""
    async with db.engine.connect() as conn:
        lid = await lees_lid(conn, lid_id)
        if lid is None:
            return None
        gegevens: dict[str, Any] = {
            "uitleg": (
                "Alle gegevens die de dienst registratie van het netwerk digitale inclusie (VVSG) over jou bewaart. "
                "Vragen? Bel VVSG op 02 211 55 00."
            ),
            "gemaakt_op": datetime.now().astimezone(),
            "lid": {k: v for k, v in asdict(lid).items()},
            "toestemmingen": await _rijen(
                conn,
                "SELECT doel, gegeven, tekst, wanneer, hoe FROM toestemmingen WHERE lid_id = :id ORDER BY wanneer, id",
                id=lid_id,
            ),
            "organisatiewissels": await _rijen(
                conn,
                "SELECT w.vanaf, w.van_organisatie_id, v.naam AS van_organisatie, w.naar_organisatie_id,"
                " n.naam AS naar_organisatie, w.geregistreerd_op FROM organisatiewissels w"
                " JOIN organisaties v ON v.id = w.van_organisatie_id JOIN organisaties n ON n.id = w.naar_organisatie_id"
                " WHERE w.lid_id = :id ORDER BY w.vanaf, w.id",
                id=lid_id,
            ),
            "kennisdelingsplatform": await _rijen(
                conn, "SELECT van, tot FROM kennisdeling WHERE lid_id = :id ORDER BY van", id=lid_id
            ),
            "aanmeldlinks": await _rijen(
                conn,
                "SELECT aangemaakt_op, verloopt_op, gebruikt_op FROM aanmeldlinks WHERE lid_id = :id ORDER BY aangemaakt_op",
                id=lid_id,
            ),
            "inschrijvingen": await inschrijvingen(conn, lid_id),
        }
        if await _bestaat(conn, "aanwezigheden", "activiteiten"):
            gegevens["aanwezigheden"] = await _rijen(
                conn,
                "SELECT a.id AS activiteit_id, a.titel, a.start, w.aanwezig, w.uren, w.geregistreerd_op"
                " FROM aanwezigheden w JOIN activiteiten a ON a.id = w.activiteit_id WHERE w.lid_id = :id ORDER BY a.start",
                id=lid_id,
            )
        if await _bestaat(conn, "feedback", "activiteiten"):
            gegevens["feedback"] = await _rijen(
                conn,
                "SELECT a.id AS activiteit_id, a.titel, f.score, f.tekst, f.ontvangen_op"
                " FROM feedback f JOIN activiteiten a ON a.id = f.activiteit_id WHERE f.lid_id = :id ORDER BY f.ontvangen_op",
                id=lid_id,
            )
    return _json(gegevens)


# --- organisations' figures (staff pages) ---------------------------------------------------


async def organisaties(db: Any, *, zoek: str = "", type_: str = "", provincie: str = "") -> list[Mapping[str, Any]]:
    voorwaarden = ["true"]
    params: dict[str, Any] = {}
    if zoek:
        voorwaarden.append("(naam ILIKE :zoek OR nis_code = :exact)")
        params["zoek"] = f"%{escape_like(zoek.strip())}%"
        params["exact"] = zoek.strip()
    if type_:
        voorwaarden.append("type = :type")
        params["type"] = type_
    if provincie:
        voorwaarden.append("provincie = :provincie")
        params["provincie"] = provincie
    async with db.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    text(
                        "SELECT o.id, o.naam, o.type, o.nis_code, o.provincie, o.inwoners, o.inwoners_peildatum,"
                        " o.grootteklasse, o.versie,"
                        " (SELECT count(*) FROM leden l WHERE l.organisatie_id = o.id AND l.lid_tot IS NULL) AS leden"
                        f" FROM organisaties o WHERE {' AND '.join(voorwaarden)} ORDER BY o.naam, o.id"
                    ),
                    params,
                )
            ).mappings()
        )


async def organisatie(db: Any, organisatie_id: uuid.UUID) -> Mapping[str, Any] | None:
    async with db.engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT id, naam, type, nis_code, provincie, inwoners, inwoners_peildatum, grootteklasse, versie"
                    " FROM organisaties WHERE id = :id"
                ),
                {"id": organisatie_id},
            )
        ).mappings().one_or_none()


async def provincies(db: Any) -> list[str]:
    async with db.engine.connect() as conn:
        return list(
            (await conn.execute(text("SELECT DISTINCT provincie FROM organisaties WHERE provincie IS NOT NULL ORDER BY 1")))
            .scalars()
        )
