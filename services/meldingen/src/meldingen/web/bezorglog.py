"""The delivery log for staff: which mail, to which member, status, attempts, last error; no
content and no address. And the addresses held after bounces, which staff can release."""

from __future__ import annotations

from uuid import UUID

from dinet_chassis.web.auth import Rol, vereist
from dinet_contracts.tijd import datum_tijd
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ..bootstrap import MeldingenDiensten
from ..store.regels import bezorglog
from ..use_cases.bouncen import geef_adres_vrij
from .beheer import SOORT_TITELS

PAD = "/meldingen/beheer/bezorging"
STATUSSEN = {"wachtend": "Wacht", "verzonden": "Verstuurd", "mislukt": "Mislukt", "overgeslagen": "Overgeslagen"}


@get(PAD, guards=[vereist(Rol.MEDEWERKER)], include_in_schema=False)
async def bezorging(diensten: NamedDependency[MeldingenDiensten], status: FromQuery[str | None] = None,
                    vrijgegeven: FromQuery[str | None] = None) -> Template:
    filter_ = status if status in STATUSSEN else None
    async with diensten.db.engine.connect() as conn:
        log = await bezorglog(conn, filter_)
    return Template(
        template_name="meldingen/bezorging.html",
        context={**log, "statussen": STATUSSEN, "filter": filter_, "titels": SOORT_TITELS,
                 "vrijgegeven": vrijgegeven, "datum": datum_tijd},
        headers={"Cache-Control": "no-store"},
    )


@post(f"{PAD}/vrijgeven/{{lid_id:uuid}}", guards=[vereist(Rol.MEDEWERKER)], include_in_schema=False)
async def vrijgeven(diensten: NamedDependency[MeldingenDiensten], lid_id: FromPath[UUID]) -> Redirect:
    await geef_adres_vrij(lid_id, diensten.uow())
    return Redirect(f"{PAD}?vrijgegeven={lid_id}", status_code=303)


ROUTES = [bezorging, vrijgeven]
