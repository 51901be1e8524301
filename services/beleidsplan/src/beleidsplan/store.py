"""Plans, self-assessments and what beleidsplan reads from other services, in PostgreSQL.

Every change to a plan goes through `wijzig`, which bumps the plan's `versie` only if it is still
the one the form was opened on (two people saving at once: the second gets `VersieConflict`, not
a silent overwrite) and writes the history line, all in the caller's transaction.

The use cases write through `BeleidsplanUoW` (a unit of work with `plannen`, a `PlanStore` on its
transaction); the pages read with the functions below on a connection of their own. Events are
not published here: the use cases put them in the unit of work's outbox.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dinet_chassis.errors import Conflict
from dinet_chassis.uow import BorrowedUnitOfWork, SqlUnitOfWork

from .domain import Actie, Beleidsplan, Fout, PlanElement

_PLAN_KOLOMMEN = ", ".join(f.name for f in fields(Beleidsplan))
_ACTIE_KOLOMMEN = ", ".join(f.name for f in fields(Actie))

# Kinds of activity that are an offer to every local government (not advice for one of them,
# nor internal meetings).
AANBOD_SOORTEN = (
    "netwerk_algemeen",
    "netwerk_specifiek",
    "infosessie",
    "inspiratiedag",
    "thematische_opleiding",
    "meerdaagse_opleiding",
    "vvsg_opleiding_geintegreerd",
    "sessie_op_vraag",
    "artikel_lokaal",
    "goede_praktijk",
)
PUBLICATIES = ("artikel_lokaal", "goede_praktijk")


CONFLICT = Fout(
    "versie",
    "versie_conflict",
    "Een collega heeft dit plan intussen gewijzigd. Je eigen invoer staat hieronder nog: kijk ze na en bewaar opnieuw "
    "om ze over die van je collega te zetten, of bekijk eerst het plan.",
)


class VersieConflict(Conflict):
    """Someone else saved the plan after this form was opened."""

    def __init__(self, huidige_versie: int) -> None:
        super().__init__(CONFLICT.code, CONFLICT.melding, problemen=[CONFLICT])
        self.huidige_versie = huidige_versie


# --- plans ------------------------------------------------------------------------------------


async def bewaar_nieuw(conn: AsyncConnection, plan: Beleidsplan, *, wie: str) -> None:
    """Store the new plan and its first history line."""
    await conn.execute(
        text(
            "INSERT INTO beleidsplan (beleidsplan_id, organisatie_id, titel, catalogus_versie, aangemaakt_op)"
            " VALUES (:beleidsplan_id, :organisatie_id, :titel, :catalogus_versie, :aangemaakt_op)"
        ),
        {
            "beleidsplan_id": plan.beleidsplan_id,
            "organisatie_id": plan.organisatie_id,
            "titel": plan.titel,
            "catalogus_versie": plan.catalogus_versie,
            "aangemaakt_op": plan.aangemaakt_op,
        },
    )
    await noteer(conn, plan.beleidsplan_id, wie, f"Plan gestart op catalogusversie {plan.catalogus_versie}")


@dataclass(frozen=True)
class PlanRegel:
    plan: Beleidsplan
    organisatie: str | None


async def plannen_van(conn: AsyncConnection, organisatie_id: uuid.UUID) -> list[Beleidsplan]:
    rows = await conn.execute(
        text(f"SELECT {_PLAN_KOLOMMEN} FROM beleidsplan WHERE organisatie_id = :o ORDER BY aangemaakt_op DESC"),
        {"o": organisatie_id},
    )
    return [Beleidsplan(**r) for r in rows.mappings()]


async def alle_plannen(conn: AsyncConnection) -> list[PlanRegel]:
    """Every plan with its organisation's name: what VVSG staff may read."""
    rows = await conn.execute(
        text(
            f"SELECT {', '.join('b.' + k for k in _PLAN_KOLOMMEN.split(', '))}, o.naam AS organisatie"
            " FROM beleidsplan b LEFT JOIN organisatie o ON o.organisatie_id = b.organisatie_id"
            " ORDER BY o.naam NULLS LAST, b.aangemaakt_op DESC"
        )
    )
    return [PlanRegel(Beleidsplan(**{k: r[k] for k in _PLAN_KOLOMMEN.split(", ")}), r["organisatie"]) for r in rows.mappings()]


async def plan(conn: AsyncConnection, beleidsplan_id: uuid.UUID) -> Beleidsplan | None:
    """A plan, whoever's: the caller decides who may see it (web.mag_lezen)."""
    row = (
        await conn.execute(text(f"SELECT {_PLAN_KOLOMMEN} FROM beleidsplan WHERE beleidsplan_id = :id"), {"id": beleidsplan_id})
    ).mappings().one_or_none()
    return Beleidsplan(**row) if row else None


async def wijzig(conn: AsyncConnection, beleidsplan_id: uuid.UUID, verwachte_versie: int, wie: str, wat: list[str]) -> int:
    """Claim the change: the plan's version must still be `verwachte_versie`. Returns the new one."""
    nieuw = (
        await conn.execute(
            text(
                "UPDATE beleidsplan SET versie = versie + 1, gewijzigd_op = now()"
                " WHERE beleidsplan_id = :id AND versie = :v RETURNING versie"
            ),
            {"id": beleidsplan_id, "v": verwachte_versie},
        )
    ).scalar_one_or_none()
    if nieuw is None:
        huidig = (
            await conn.execute(text("SELECT versie FROM beleidsplan WHERE beleidsplan_id = :id"), {"id": beleidsplan_id})
        ).scalar_one()
        raise VersieConflict(huidig)
    for regel in wat:
        await noteer(conn, beleidsplan_id, wie, regel)
    return int(nieuw)


async def noteer(conn: AsyncConnection, beleidsplan_id: uuid.UUID, wie: str, wat: str) -> None:
    await conn.execute(
        text("INSERT INTO plan_historiek (beleidsplan_id, op, wie, wat) VALUES (:id, now(), :wie, :wat)"),
        {"id": beleidsplan_id, "wie": wie, "wat": wat},
    )


@dataclass(frozen=True)
class Historiek:
    op: datetime
    wie: str
    wat: str


async def historiek(conn: AsyncConnection, beleidsplan_id: uuid.UUID, limiet: int = 200) -> list[Historiek]:
    rows = await conn.execute(
        text("SELECT op, wie, wat FROM plan_historiek WHERE beleidsplan_id = :id ORDER BY id DESC LIMIT :n"),
        {"id": beleidsplan_id, "n": limiet},
    )
    return [Historiek(*r) for r in rows.all()]


async def zet_voorbereiding(conn: AsyncConnection, beleidsplan_id: uuid.UUID, waarden: dict[str, str]) -> None:
    await conn.execute(
        text(
            "UPDATE beleidsplan SET risicogroepen = :risicogroepen, bestaande_acties = :bestaande_acties,"
            " partners = :partners, meerjarenplan = :meerjarenplan WHERE beleidsplan_id = :id"
        ),
        waarden | {"id": beleidsplan_id},
    )


async def zet_catalogus(conn: AsyncConnection, beleidsplan_id: uuid.UUID, versie: str) -> None:
    await conn.execute(
        text("UPDATE beleidsplan SET catalogus_versie = :v WHERE beleidsplan_id = :id"), {"id": beleidsplan_id, "v": versie}
    )


async def zet_gepubliceerd(conn: AsyncConnection, beleidsplan_id: uuid.UUID, nu: datetime) -> None:
    await conn.execute(
        text("UPDATE beleidsplan SET gepubliceerd_op = :nu WHERE beleidsplan_id = :id"), {"id": beleidsplan_id, "nu": nu}
    )


# --- elements (steps 1-3) ---------------------------------------------------------------------


async def elementen(conn: AsyncConnection, beleidsplan_id: uuid.UUID) -> dict[str, PlanElement]:
    rows = await conn.execute(
        text("SELECT element_id, score, notitie, prioriteit FROM plan_element WHERE beleidsplan_id = :id ORDER BY element_id"),
        {"id": beleidsplan_id},
    )
    return {r.element_id: PlanElement(*r) for r in rows.all()}


async def zet_elementen(conn: AsyncConnection, beleidsplan_id: uuid.UUID, nieuw: dict[str, PlanElement]) -> None:
    """The plan's elements become exactly `nieuw` (score, note and priority included)."""
    await conn.execute(
        text("DELETE FROM plan_element WHERE beleidsplan_id = :id AND NOT (element_id = ANY(:ids))"),
        {"id": beleidsplan_id, "ids": list(nieuw)},
    )
    if nieuw:
        await conn.execute(
            text(
                "INSERT INTO plan_element (beleidsplan_id, element_id, score, notitie, prioriteit)"
                " VALUES (:id, :element_id, :score, :notitie, :prioriteit)"
                " ON CONFLICT (beleidsplan_id, element_id) DO UPDATE SET score = EXCLUDED.score,"
                " notitie = EXCLUDED.notitie, prioriteit = EXCLUDED.prioriteit"
            ),
            [
                {"id": beleidsplan_id, "element_id": e.element_id, "score": e.score, "notitie": e.notitie, "prioriteit": e.prioriteit}
                for e in nieuw.values()
            ],
        )


# --- actions (steps 4-6) ----------------------------------------------------------------------


async def acties(conn: AsyncConnection, beleidsplan_id: uuid.UUID) -> list[Actie]:
    rows = await conn.execute(
        text(f"SELECT {_ACTIE_KOLOMMEN} FROM plan_actie WHERE beleidsplan_id = :id ORDER BY element_id, aangemaakt_op, actie_id"),
        {"id": beleidsplan_id},
    )
    return [Actie(**r) for r in rows.mappings()]


async def actie(conn: AsyncConnection, beleidsplan_id: uuid.UUID, actie_id: uuid.UUID) -> Actie | None:
    row = (
        await conn.execute(
            text(f"SELECT {_ACTIE_KOLOMMEN} FROM plan_actie WHERE beleidsplan_id = :id AND actie_id = :a"),
            {"id": beleidsplan_id, "a": actie_id},
        )
    ).mappings().one_or_none()
    return Actie(**row) if row else None


def _actie_parameters(a: Actie) -> dict[str, Any]:
    return {f.name: getattr(a, f.name) for f in fields(Actie)}


async def voeg_actie_toe(conn: AsyncConnection, beleidsplan_id: uuid.UUID, a: Actie) -> None:
    namen = [f.name for f in fields(Actie)]
    await conn.execute(
        text(
            f"INSERT INTO plan_actie (beleidsplan_id, aangemaakt_op, {', '.join(namen)})"
            f" VALUES (:beleidsplan_id, clock_timestamp(), {', '.join(':' + n for n in namen)})"
        ),
        _actie_parameters(a) | {"beleidsplan_id": beleidsplan_id},
    )


async def werk_actie_bij(conn: AsyncConnection, beleidsplan_id: uuid.UUID, a: Actie) -> None:
    namen = [f.name for f in fields(Actie) if f.name != "actie_id"]
    await conn.execute(
        text(
            f"UPDATE plan_actie SET {', '.join(f'{n} = :{n}' for n in namen)}"
            " WHERE beleidsplan_id = :beleidsplan_id AND actie_id = :actie_id"
        ),
        _actie_parameters(a) | {"beleidsplan_id": beleidsplan_id},
    )


async def verwijder_actie(conn: AsyncConnection, beleidsplan_id: uuid.UUID, actie_id: uuid.UUID) -> None:
    await conn.execute(
        text("DELETE FROM plan_actie WHERE beleidsplan_id = :id AND actie_id = :a"), {"id": beleidsplan_id, "a": actie_id}
    )


# --- support requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ondersteuningsvraag:
    vraag_id: uuid.UUID
    element_id: str
    vraag: str
    gevraagd_op: datetime


async def bewaar_ondersteuningsvraag(
    conn: AsyncConnection, vraag_id: uuid.UUID, plan: Beleidsplan, element_id: str, vraag: str, wie: str, nu: datetime
) -> None:
    await conn.execute(
        text(
            "INSERT INTO ondersteuningsvraag (vraag_id, beleidsplan_id, element_id, vraag, gevraagd_op, gevraagd_door)"
            " VALUES (:v, :p, :e, :vraag, :nu, :wie)"
        ),
        {"v": vraag_id, "p": plan.beleidsplan_id, "e": element_id, "vraag": vraag, "nu": nu, "wie": wie},
    )


async def ondersteuningsvragen(conn: AsyncConnection, beleidsplan_id: uuid.UUID) -> list[Ondersteuningsvraag]:
    rows = await conn.execute(
        text(
            "SELECT vraag_id, element_id, vraag, gevraagd_op FROM ondersteuningsvraag"
            " WHERE beleidsplan_id = :id ORDER BY gevraagd_op DESC"
        ),
        {"id": beleidsplan_id},
    )
    return [Ondersteuningsvraag(*r) for r in rows.all()]


# --- self-assessment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Zelfevaluatie:
    zelfevaluatie_id: uuid.UUID
    organisatie_id: uuid.UUID
    jaar: int
    catalogus_versie: str
    antwoorden: dict[str, str]
    grootteklasse: str | None
    provincie: str | None
    ingediend_op: datetime


_ZE_KOLOMMEN = "zelfevaluatie_id, organisatie_id, jaar, catalogus_versie, antwoorden, grootteklasse, provincie, ingediend_op"


def _zelfevaluatie(r: Any) -> Zelfevaluatie:
    antwoorden = r["antwoorden"]
    return Zelfevaluatie(**{**r, "antwoorden": json.loads(antwoorden) if isinstance(antwoorden, str) else antwoorden})


async def bewaar_zelfevaluatie(
    conn: AsyncConnection,
    organisatie_id: uuid.UUID,
    jaar: int,
    catalogus_versie: str,
    antwoorden: dict[str, str],
    profiel: Organisatie | None,
    nu: datetime,
) -> uuid.UUID:
    """One assessment per organisation and year: submitting again revises it (same id)."""
    zelfevaluatie_id = (
        await conn.execute(
            text(
                f"INSERT INTO zelfevaluatie ({_ZE_KOLOMMEN}) VALUES (:id, :o, :jaar, :v, CAST(:a AS jsonb), :gk, :prov, :nu)"
                " ON CONFLICT (organisatie_id, jaar) DO UPDATE SET antwoorden = EXCLUDED.antwoorden,"
                " catalogus_versie = EXCLUDED.catalogus_versie, grootteklasse = EXCLUDED.grootteklasse,"
                " provincie = EXCLUDED.provincie, ingediend_op = EXCLUDED.ingediend_op RETURNING zelfevaluatie_id"
            ),
            {
                "id": uuid.uuid4(),
                "o": organisatie_id,
                "jaar": jaar,
                "v": catalogus_versie,
                "a": json.dumps(antwoorden),
                "gk": profiel.grootteklasse if profiel else None,
                "prov": profiel.provincie if profiel else None,
                "nu": nu,
            },
        )
    ).scalar_one()
    return zelfevaluatie_id


async def zelfevaluaties_van(conn: AsyncConnection, organisatie_id: uuid.UUID) -> list[Zelfevaluatie]:
    rows = await conn.execute(
        text(f"SELECT {_ZE_KOLOMMEN} FROM zelfevaluatie WHERE organisatie_id = :o ORDER BY jaar DESC"), {"o": organisatie_id}
    )
    return [_zelfevaluatie(r) for r in rows.mappings()]


async def antwoorden_van_anderen(
    conn: AsyncConnection, jaar: int, zonder: uuid.UUID, *, grootteklasse: str | None = None, provincie: str | None = None
) -> list[dict[str, str]]:
    """Other organisations' answers of that year, of the same size class or province."""
    sql = "SELECT antwoorden FROM zelfevaluatie WHERE jaar = :jaar AND organisatie_id <> :o"
    if grootteklasse is not None:
        sql += " AND grootteklasse = :gk"
    if provincie is not None:
        sql += " AND provincie = :prov"
    rows = await conn.execute(text(sql), {"jaar": jaar, "o": zonder, "gk": grootteklasse, "prov": provincie})
    return [json.loads(a) if isinstance(a, str) else a for (a,) in rows.all()]


# --- across plans -----------------------------------------------------------------------------


async def elementen_van_alle_plannen(conn: AsyncConnection) -> dict[uuid.UUID, list[PlanElement]]:
    """Every plan (also one without chosen elements) with its elements."""
    uit: dict[uuid.UUID, list[PlanElement]] = {
        r.beleidsplan_id: [] for r in (await conn.execute(text("SELECT beleidsplan_id FROM beleidsplan"))).all()
    }
    rows = await conn.execute(text("SELECT beleidsplan_id, element_id, score, notitie, prioriteit FROM plan_element"))
    for r in rows.all():
        uit.setdefault(r.beleidsplan_id, []).append(PlanElement(r.element_id, r.score, r.notitie, r.prioriteit))
    return uit


# --- read from other services' events ---------------------------------------------------------


@dataclass(frozen=True)
class Organisatie:
    organisatie_id: uuid.UUID
    naam: str
    nis_code: str | None
    provincie: str | None
    inwoners: int | None
    grootteklasse: str | None


async def organisatie(conn: AsyncConnection, organisatie_id: uuid.UUID) -> Organisatie | None:
    row = (
        await conn.execute(
            text(
                "SELECT organisatie_id, naam, nis_code, provincie, inwoners, grootteklasse FROM organisatie"
                " WHERE organisatie_id = :o"
            ),
            {"o": organisatie_id},
        )
    ).mappings().one_or_none()
    return Organisatie(**row) if row else None


async def bewaar_organisatie(conn: AsyncConnection, waarden: dict[str, Any]) -> None:
    """An organisation as registratie last described it; an older version arriving late is ignored."""
    await conn.execute(
        text(
            "INSERT INTO organisatie (organisatie_id, versie, naam, type, nis_code, provincie, inwoners, grootteklasse)"
            " VALUES (:organisatie_id, :versie, :naam, :type, :nis_code, :provincie, :inwoners, :grootteklasse)"
            " ON CONFLICT (organisatie_id) DO UPDATE SET versie = EXCLUDED.versie, naam = EXCLUDED.naam,"
            " type = EXCLUDED.type, nis_code = EXCLUDED.nis_code, provincie = EXCLUDED.provincie,"
            " inwoners = EXCLUDED.inwoners, grootteklasse = EXCLUDED.grootteklasse"
            " WHERE organisatie.versie < EXCLUDED.versie"
        ),
        waarden,
    )


async def bewaar_aanbod(conn: AsyncConnection, waarden: dict[str, Any]) -> None:
    """An activity's latest snapshot; an older `versie` arriving late changes nothing."""
    await conn.execute(
        text(
            "INSERT INTO aanbod (activiteit_id, versie, soort, titel, start, einde, status, vorm, plaats, url, pijlers, elementen)"
            " VALUES (:activiteit_id, :versie, :soort, :titel, :start, :einde, :status, :vorm, :plaats, :url, :pijlers, :elementen)"
            " ON CONFLICT (activiteit_id) DO UPDATE SET versie = EXCLUDED.versie, soort = EXCLUDED.soort,"
            " titel = EXCLUDED.titel, start = EXCLUDED.start, einde = EXCLUDED.einde, status = EXCLUDED.status,"
            " vorm = EXCLUDED.vorm, plaats = EXCLUDED.plaats, url = EXCLUDED.url, pijlers = EXCLUDED.pijlers,"
            " elementen = EXCLUDED.elementen WHERE aanbod.versie < EXCLUDED.versie"
        ),
        waarden,
    )


@dataclass(frozen=True)
class Aanbod:
    activiteit_id: uuid.UUID
    soort: str
    titel: str
    start: datetime
    einde: datetime
    vorm: str
    plaats: str | None
    url: str | None
    pijlers: list[str]
    elementen: list[str]


async def aanbod_voor(
    conn: AsyncConnection, elementen: list[str], pijlers: list[str], nu: datetime, *, per_soort: int = 50
) -> list[Aanbod]:
    """Upcoming activities, and published good practices and articles, that serve one of
    `elementen` or a whole pillar of `pijlers`. Cancelled ones are left out."""
    if not elementen and not pijlers:
        return []
    rows = await conn.execute(
        text(
            "SELECT activiteit_id, soort, titel, start, einde, vorm, plaats, url, pijlers, elementen FROM aanbod"
            " WHERE (elementen && CAST(:e AS text[]) OR pijlers && CAST(:p AS text[]))"
            " AND soort = ANY(CAST(:soorten AS text[])) AND status <> 'geannuleerd'"
            " AND (start > :nu OR soort = ANY(CAST(:publicaties AS text[])))"
            " ORDER BY (soort = ANY(CAST(:publicaties AS text[]))), start LIMIT :n"
        ),
        {
            "e": elementen,
            "p": pijlers,
            "nu": nu,
            "soorten": list(AANBOD_SOORTEN),
            "publicaties": list(PUBLICATIES),
            "n": per_soort * 4,
        },
    )
    return [Aanbod(*r) for r in rows.all()]


# --- what the use cases write through ---------------------------------------------------------


class PlanStore:
    """The writes (and the few reads) of the use cases, on one unit of work's transaction. The
    fast tests use an in-memory one with the same methods (tests/conftest.py)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def plan(self, beleidsplan_id: uuid.UUID) -> Beleidsplan | None:
        return await plan(self.conn, beleidsplan_id)

    async def voeg_toe(self, p: Beleidsplan, wie: str) -> None:
        await bewaar_nieuw(self.conn, p, wie=wie)

    async def wijzig(self, beleidsplan_id: uuid.UUID, verwachte_versie: int, wie: str, wat: list[str]) -> int:
        return await wijzig(self.conn, beleidsplan_id, verwachte_versie, wie, wat)

    async def noteer(self, beleidsplan_id: uuid.UUID, wie: str, wat: str) -> None:
        await noteer(self.conn, beleidsplan_id, wie, wat)

    async def zet_voorbereiding(self, beleidsplan_id: uuid.UUID, waarden: dict[str, str]) -> None:
        await zet_voorbereiding(self.conn, beleidsplan_id, waarden)

    async def zet_catalogus(self, beleidsplan_id: uuid.UUID, versie: str) -> None:
        await zet_catalogus(self.conn, beleidsplan_id, versie)

    async def zet_gepubliceerd(self, beleidsplan_id: uuid.UUID, nu: datetime) -> None:
        await zet_gepubliceerd(self.conn, beleidsplan_id, nu)

    async def elementen(self, beleidsplan_id: uuid.UUID) -> dict[str, PlanElement]:
        return await elementen(self.conn, beleidsplan_id)

    async def zet_elementen(self, beleidsplan_id: uuid.UUID, nieuw: dict[str, PlanElement]) -> None:
        await zet_elementen(self.conn, beleidsplan_id, nieuw)

    async def acties(self, beleidsplan_id: uuid.UUID) -> list[Actie]:
        return await acties(self.conn, beleidsplan_id)

    async def voeg_actie_toe(self, beleidsplan_id: uuid.UUID, a: Actie) -> None:
        await voeg_actie_toe(self.conn, beleidsplan_id, a)

    async def werk_actie_bij(self, beleidsplan_id: uuid.UUID, a: Actie) -> None:
        await werk_actie_bij(self.conn, beleidsplan_id, a)

    async def verwijder_actie(self, beleidsplan_id: uuid.UUID, actie_id: uuid.UUID) -> None:
        await verwijder_actie(self.conn, beleidsplan_id, actie_id)

    async def bewaar_ondersteuningsvraag(
        self, vraag_id: uuid.UUID, p: Beleidsplan, element_id: str, vraag: str, wie: str, nu: datetime
    ) -> None:
        await bewaar_ondersteuningsvraag(self.conn, vraag_id, p, element_id, vraag, wie, nu)

    async def organisatie(self, organisatie_id: uuid.UUID) -> Organisatie | None:
        return await organisatie(self.conn, organisatie_id)

    async def bewaar_zelfevaluatie(
        self, organisatie_id: uuid.UUID, jaar: int, catalogus_versie: str, antwoorden: dict[str, str],
        profiel: Organisatie | None, nu: datetime,
    ) -> uuid.UUID:
        return await bewaar_zelfevaluatie(self.conn, organisatie_id, jaar, catalogus_versie, antwoorden, profiel, nu)

    async def bewaar_organisatie(self, waarden: dict[str, Any]) -> None:
        await bewaar_organisatie(self.conn, waarden)

    async def bewaar_aanbod(self, waarden: dict[str, Any]) -> None:
        await bewaar_aanbod(self.conn, waarden)


class BeleidsplanUoW(SqlUnitOfWork):
    """beleidsplan's unit of work: the chassis' one, with `plannen` on its transaction."""

    plannen: PlanStore

    async def __aenter__(self) -> "BeleidsplanUoW":
        await super().__aenter__()
        self.plannen = PlanStore(self.conn)
        return self


class BeleidsplanConsumentUoW(BorrowedUnitOfWork):
    """The same for a consumer's op: the consumer's inbox transaction, which it commits itself."""

    def __init__(self, conn: AsyncConnection, *, source: str) -> None:
        super().__init__(conn, source=source)
        self.plannen = PlanStore(conn)
