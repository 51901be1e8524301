"""Requests for tailored support from local governments' policy plans, and turning one into a
tailored-support activity (the kind that counts for od33_op_maat).

beleidsplan publishes `ondersteuningsnood.gesignaleerd`; the op below keeps each request
once (the inbox drops a redelivery, the primary key a republish). Staff see the list at
`/registratie/beheer/ondersteuningsvragen`; "Maak er een traject van" opens the activity form
filled in from the request, and saving it links the request to the new activity in the same
transaction as the activity itself (`levenscyclus.plan`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dinet_chassis.consumer import HandlerContext
from dinet_chassis.web.auth import Rol, vereist
from dinet_contracts.events.beleidsplan import OndersteuningsnoodGesignaleerd
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .web_gemeen import LABELS, neem_melding

PAD = "/registratie/beheer/ondersteuningsvragen"


@dataclass(frozen=True)
class Vraag:
    vraag_id: uuid.UUID
    organisatie_id: uuid.UUID
    organisatie: str
    element_id: str
    element_tekst: str
    vraag: str
    gesignaleerd_op: datetime
    activiteit_id: uuid.UUID | None
    omgezet_op: datetime | None


async def op_ondersteuningsnood_gesignaleerd(
    e: OndersteuningsnoodGesignaleerd, conn: AsyncConnection, ctx: HandlerContext
) -> None:
    await conn.execute(
        text(
            "INSERT INTO ondersteuningsvragen (vraag_id, organisatie_id, beleidsplan_id, element_id, element_tekst,"
            " vraag, gesignaleerd_op) VALUES (:vraag_id, :organisatie_id, :beleidsplan_id, :element_id, :element_tekst,"
            " :vraag, :gesignaleerd_op) ON CONFLICT (vraag_id) DO NOTHING"
        ),
        e.model_dump(include={"vraag_id", "organisatie_id", "beleidsplan_id", "element_id", "element_tekst", "vraag", "gesignaleerd_op"}),
    )


_SELECT = (
    "SELECT v.vraag_id, v.organisatie_id, COALESCE(o.naam, 'Onbekend lokaal bestuur') AS organisatie, v.element_id,"
    " v.element_tekst, v.vraag, v.gesignaleerd_op, v.activiteit_id, v.omgezet_op"
    " FROM ondersteuningsvragen v LEFT JOIN organisaties o ON o.id = v.organisatie_id"
)


async def lijst(conn: AsyncConnection) -> list[Vraag]:
    rijen = await conn.execute(text(_SELECT + " ORDER BY v.activiteit_id IS NOT NULL, v.gesignaleerd_op DESC LIMIT 500"))
    return [Vraag(**r) for r in rijen.mappings()]


async def lees(conn: AsyncConnection, vraag_id: uuid.UUID) -> Vraag | None:
    rij = (await conn.execute(text(_SELECT + " WHERE v.vraag_id = :id"), {"id": vraag_id})).mappings().one_or_none()
    return Vraag(**rij) if rij else None


async def koppel(conn: AsyncConnection, vraag_id: uuid.UUID, activiteit_id: uuid.UUID, door: str) -> bool:
    """Link an open request to the activity made from it; False when it was linked already."""
    r = await conn.execute(
        text(
            "UPDATE ondersteuningsvragen SET activiteit_id = :a, omgezet_op = now(), omgezet_door = :door"
            " WHERE vraag_id = :id AND activiteit_id IS NULL"
        ),
        {"id": vraag_id, "a": activiteit_id, "door": door},
    )
    return r.rowcount == 1


def formulier_uit_vraag(v: Vraag) -> dict[str, Any]:
    """The activity form, filled in from a request: a tailored-support trajectory for that government."""
    return {
        "soort": "ondersteuning_op_maat",
        "titel": f"Ondersteuning op maat {v.organisatie}: {v.element_id}",
        "omschrijving": v.element_tekst,
        "trekker": "vvsg",
        "vorm": "fysiek",
        "lokaal_bestuur_id": str(v.organisatie_id),
        "ondersteuning": v.vraag,
        "pijlers": [v.element_id[:3]],
        "elementen": [v.element_id],
        "vraag_id": str(v.vraag_id),
    }


@get(PAD, guards=[vereist(Rol.MEDEWERKER)], include_in_schema=False)
async def vragen(request: Request[Any, Any, Any], runtime: NamedDependency[Any]) -> Template:
    async with runtime.db.engine.connect() as conn:
        alle = await lijst(conn)
    return Template(
        template_name="activiteiten/ondersteuningsvragen.html",
        context={
            **LABELS,
            "open": [v for v in alle if v.activiteit_id is None],
            "omgezet": [v for v in alle if v.activiteit_id is not None],
            "melding": neem_melding(request),
        },
    )


ROUTES = [vragen]
