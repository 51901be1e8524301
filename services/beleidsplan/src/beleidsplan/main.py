"""Entry point of the beleidsplan service: the beleidstool for local governments."""

from __future__ import annotations

from pathlib import Path

from litestar.di import Provide

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run
from dinet_chassis.web import create_web_app

from . import accounts, catalogus
from .web import ROUTES

PACKAGE_DIR = Path(__file__).parent


def create_app(runtime: Runtime):
    # Demo accounts exist only in demo mode; elsewhere nobody can sign in until a real
    # identity provider is connected.
    bekende_accounts = accounts.laad_demo() if runtime.settings.demo else accounts.geen()
    huidige_catalogus = catalogus.laad()
    return create_web_app(
        runtime,
        ROUTES,
        template_dir=PACKAGE_DIR / "templates",
        title="DINET beleidsplan",
        description="De beleidstool digitale inclusie voor lokale besturen.",
        dependencies={
            "accounts": Provide(lambda: bekende_accounts, sync_to_thread=False, use_cache=True),
            "catalogus": Provide(lambda: huidige_catalogus, sync_to_thread=False, use_cache=True),
        },
        signature_namespace={"Accounts": accounts.Accounts, "Catalogus": catalogus.Catalogus},
    )


DEFINITION = ServiceDefinition(
    name="beleidsplan",
    package_dir=PACKAGE_DIR,
    create_app=create_app,
)


def main() -> None:
    run(DEFINITION)
