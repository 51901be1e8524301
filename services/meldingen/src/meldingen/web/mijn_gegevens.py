"""What meldingen holds about the signed-in member, for "download my data" (GDPR art. 15/20).

registratie's download fetches this and adds it under `meldingen`; a member can also open it
directly. Only the member's own data: the id comes from the signed cookie, never from the URL.
"""

from __future__ import annotations

from typing import Any

from dinet_chassis.web.auth import Rol, identiteit, vereist
from dinet_chassis.web.problem import problem_response
from litestar import Request, Response, get
from litestar.di import NamedDependency
from ..bootstrap import MeldingenDiensten
from ..use_cases.wissen import gegevens_van

PAD = "/meldingen/api/v1/mijn-gegevens"


@get(PAD, tags=["leden"], summary="Wat meldingen over mij bewaart (het aangemelde lid)", guards=[vereist(Rol.LID)])
async def mijn_gegevens(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten]) -> Response[Any]:
    wie = identiteit(request)
    if wie is None or wie.lid_id is None:
        return problem_response(403, "Alleen een lid kan zijn eigen gegevens opvragen")
    async with diensten.db.engine.connect() as conn:
        gegevens = await gegevens_van(conn, wie.lid_id)
    return Response(gegevens, headers={"Cache-Control": "no-store"})


ROUTES = [mijn_gegevens]
