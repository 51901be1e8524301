"""Entry point of the kpi service: projections from events, the dashboard and the KPI API."""

from __future__ import annotations

from pathlib import Path

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run
from dinet_chassis.web import create_web_app

from .projectie import handle_event
from .web import ROUTES

PACKAGE_DIR = Path(__file__).parent


def create_app(runtime: Runtime):
    return create_web_app(
        runtime,
        ROUTES,
        template_dir=PACKAGE_DIR / "templates",
        title="DINET kerncijfers",
        description="Kerncijfers (KPI's) van het netwerk digitale inclusie, per kalenderjaar.",
    )


DEFINITION = ServiceDefinition(
    name="kpi",
    package_dir=PACKAGE_DIR,
    create_app=create_app,
    handlers={"kpi-projectie": handle_event},
)


def main() -> None:
    run(DEFINITION)
