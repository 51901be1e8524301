"""registratie's web app: every route of every part, the pages that belong to none, and the
organisations' API (`/registratie/api/v1/organisaties`)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from dinet_chassis.web import create_web_app
from dinet_contracts import paginas
from dinet_contracts.types import OrganisatieType
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel

from .bootstrap import RegistratieDiensten
from .activiteiten.web import DEPENDENCIES as ACTIVITEITEN_DEPENDENCIES
from .activiteiten.web import FOUTCODES as ACTIVITEITEN_FOUTCODES
from .activiteiten.web import ROUTES as ACTIVITEITEN_ROUTES
from .kernel import organisaties as org_opvragingen
from .leden.web import FOUTCODES as LEDEN_FOUTCODES
from .leden.web import ROUTES as LEDEN_ROUTES
from .toegang.web import ROUTES as TOEGANG_ROUTES

TEMPLATES = Path(__file__).parent / "templates"


@get("/registratie", include_in_schema=False, sync_to_thread=False)
def startpagina() -> Redirect:
    return Redirect(paginas.LID_WORDEN)


@get(paginas.TOEGANKELIJKHEID, include_in_schema=False, sync_to_thread=False)
def toegankelijkheid() -> Template:
    return Template(template_name="toegankelijkheid.html")


@get(paginas.PRIVACY, include_in_schema=False, sync_to_thread=False)
def privacy() -> Template:
    return Template(template_name="privacy.html")


class OrganisatieUit(BaseModel):
    id: uuid.UUID
    naam: str
    type: OrganisatieType
    nis_code: str | None
    provincie: str | None


class OrganisatiesUit(BaseModel):
    organisaties: list[OrganisatieUit]




@get("/registratie/api/v1/organisaties", tags=["organisaties"], summary="Alle organisaties")
async def api_organisaties(
    diensten: NamedDependency[RegistratieDiensten], type: FromQuery[OrganisatieType | None] = None
) -> OrganisatiesUit:
    lijst = await org_opvragingen.organisaties(diensten.db, type)
    return OrganisatiesUit(
        organisaties=[
            OrganisatieUit(id=o.id, naam=o.naam, type=o.type, nis_code=o.nis_code, provincie=o.provincie)
            for o in lijst
        ]
    )




def create_app(runtime: Any) -> Any:
    return create_web_app(
        runtime,
        [startpagina, toegankelijkheid, privacy, api_organisaties,
         *ACTIVITEITEN_ROUTES,
         *LEDEN_ROUTES,
         *TOEGANG_ROUTES],
        template_dir=TEMPLATES,
        title="DINET registratie",
        description="Organisaties en leden van het netwerk digitale inclusie.",
        idempotentie=True,
        foutcodes={**LEDEN_FOUTCODES, **ACTIVITEITEN_FOUTCODES},
        dependencies=ACTIVITEITEN_DEPENDENCIES,
    )
