"""The delivery log for staff: which mail, to which member, status, attempts, last error; no
content and no address. And the addresses held after bounces, which staff can release."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from dinet_chassis.web.auth import Rol, vereist
from dinet_contracts.tijd import datum_tijd
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import text

from ..bootstrap import MeldingenDiensten
from .beheer import SOORT_TITELS
from ..use_cases.bouncen import geef_vrij

PAD = "/meldingen/beheer/bezorging"
STATUSSEN = {"wachtend": "Wacht", "verzonden": "Verstuurd", "mislukt": "Mislukt", "overgeslagen": "Overgeslagen"}


@get(PAD, guards=[vereist(Rol.MEDEWERKER)], include_in_schema=False)
async def bezorging(diensten: NamedDependency[MeldingenDiensten], status: FromQuery[str | None] = None,
                    vrijgegeven: FromQuery[str | None] = None) -> Template:
    filter_ = status if status in STATUSSEN else None
    async with diensten.db.engine.connect() as conn:
        rijen = (
            await conn.execute(
                text(
                    "SELECT m.id, m.soort, m.lid_id, m.status, m.pogingen, m.reden, m.aangemaakt_op, m.verzonden_op,"
                    " (SELECT b.soort || ' ' || b.status FROM bounce b WHERE b.melding_id = m.id"
                    "  ORDER BY b.ontvangen_op DESC LIMIT 1) AS bounce"
                    " FROM melding m WHERE (CAST(:status AS text) IS NULL OR m.status = :status)"
                    " ORDER BY m.aangemaakt_op DESC LIMIT 200"
                ),
                {"status": filter_},
            )
        ).mappings().all()
        telling = dict((await conn.execute(text("SELECT status, count(*) FROM melding GROUP BY status"))).all())
        geblokkeerd = (
            await conn.execute(
                text("SELECT lid_id, geblokkeerd_op, blokkeer_reden FROM contact WHERE geblokkeerd_op IS NOT NULL"
                     " ORDER BY geblokkeerd_op DESC")
            )
        ).mappings().all()
    return Template(
        template_name="meldingen/bezorging.html",
        context={"rijen": rijen, "telling": telling, "statussen": STATUSSEN, "filter": filter_, "titels": SOORT_TITELS,
                 "geblokkeerd": geblokkeerd, "vrijgegeven": vrijgegeven, "datum": datum_tijd},
        headers={"Cache-Control": "no-store"},
    )


@post(f"{PAD}/vrijgeven/{{lid_id:uuid}}", guards=[vereist(Rol.MEDEWERKER)], include_in_schema=False)
async def vrijgeven(diensten: NamedDependency[MeldingenDiensten], lid_id: FromPath[UUID]) -> Redirect:
    async with diensten.db.transaction() as conn:
        await geef_vrij(conn, lid_id)
    return Redirect(f"{PAD}?vrijgegeven={lid_id}", status_code=303)


ROUTES = [bezorging, vrijgeven]
