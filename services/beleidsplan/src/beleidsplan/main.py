"""Entry point of the beleidsplan service (the beleidstool for local governments): its definition
for the chassis runtime, with the composition root in bootstrap.py."""

from __future__ import annotations

from pathlib import Path

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run
from dinet_chassis.web import create_web_app

from .bootstrap import bootstrap
from .handlers import HANDLERS
from .web import ROUTES

PACKAGE_DIR = Path(__file__).parent


def create_app(runtime: Runtime):
    return create_web_app(
        runtime,
        ROUTES,
        template_dir=PACKAGE_DIR / "templates",
        title="DINET beleidsplan",
        description=(
            "De beleidstool digitale inclusie voor lokale besturen: de catalogus van beleidselementen, "
            "de beleidsplannen van je eigen lokaal bestuur en de zelfevaluatie."
        ),
        # A client that got no answer to "create this plan" may send it again with the same key.
        idempotentie=True,
    )


DEFINITION = ServiceDefinition(
    name="beleidsplan",
    package_dir=PACKAGE_DIR,
    create_app=create_app,
    handlers=HANDLERS,
    bootstrap=bootstrap,
)


def main() -> None:
    run(DEFINITION)
