"""Entry point: the registratie service for the chassis (its parts are built in bootstrap.py)."""

from __future__ import annotations

from pathlib import Path

from dinet_chassis.logging import get_logger
from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run

from .bootstrap import bootstrap
from .handlers import HANDLERS
from .kernel.referentiedata import laad_referentiedata
from .web import create_app

log = get_logger(__name__)


async def laad_organisaties(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        geladen = await laad_referentiedata(conn)
    if geladen:
        log.info("referentiedata.geladen", bestanden=geladen)


async def starten(runtime: Runtime) -> None:
    await laad_organisaties(runtime)
    await runtime.diensten.partner_nats.start()


async def stoppen(runtime: Runtime) -> None:
    if runtime.diensten is not None:
        await runtime.diensten.partner_nats.stop()


DEFINITION = ServiceDefinition(
    name="registratie",
    package_dir=Path(__file__).parent,
    bootstrap=bootstrap,
    create_app=create_app,
    handlers=HANDLERS,
    on_start=starten,
    on_stop=stoppen,
)


def main() -> None:
    run(DEFINITION)
