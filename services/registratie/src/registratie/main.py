"""Entry point: wires the registratie service into the chassis."""

from __future__ import annotations

from pathlib import Path

from dinet_chassis.logging import get_logger
from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run

from .handlers import HANDLERS
from .kernel.referentiedata import laad_referentiedata
from .toegang.nats_toegang import PartnerNatsToegang
from .web import create_app

log = get_logger(__name__)


async def laad_organisaties(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        geladen = await laad_referentiedata(conn)
    if geladen:
        log.info("referentiedata.geladen", bestanden=geladen)


async def starten(runtime: Runtime) -> None:
    await laad_organisaties(runtime)
    toegang = runtime.state["partner_nats"] = PartnerNatsToegang(runtime)
    await toegang.start()


async def stoppen(runtime: Runtime) -> None:
    toegang = runtime.state.get("partner_nats")
    if toegang is not None:
        await toegang.stop()


DEFINITION = ServiceDefinition(
    name="registratie",
    package_dir=Path(__file__).parent,
    create_app=create_app,
    handlers=HANDLERS,
    on_start=starten,
    on_stop=stoppen,
)


def main() -> None:
    run(DEFINITION)
