"""Entry point of the kpi service: projections from events, the dashboard and the KPI API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run
from dinet_chassis.web import FieldError, create_web_app, is_api_path, validation_problem

from kpi.web import api, paginas as web
from kpi import domain
from kpi.handlers import HANDLERS

PACKAGE_DIR = Path(__file__).parent


def _ongeldig_jaar(request: Request[Any, Any, Any], fout: domain.OngeldigJaar) -> Response[Any]:
    if is_api_path(request.url.path):
        return validation_problem([FieldError("jaar", "ongeldig_jaar", str(fout))])
    return web.ongeldig_jaar_pagina(request, fout)


def create_app(runtime: Runtime):
    return create_web_app(
        runtime,
        [*api.ROUTES, *web.PAGINAS],
        template_dir=PACKAGE_DIR / "templates",
        title="DINET kerncijfers",
        description=(
            "Kerncijfers (KPI's) van het meerjarenplan digitale inclusie, per kalenderjaar, berekend uit"
            " gebeurtenissen: waarde, doel en status, de records erachter, opsplitsingen en de gebeurtenissen"
            " die elk cijfer maakten."
        ),
        exception_handlers={domain.OngeldigJaar: _ongeldig_jaar},
    )


DEFINITION = ServiceDefinition(
    name="kpi",
    package_dir=PACKAGE_DIR,
    create_app=create_app,
    handlers=HANDLERS,
)


def main() -> None:
    run(DEFINITION)
