"""Entry point of meldingen: its definition for the chassis runtime (consumer, delivery worker,
pages), with the composition root in bootstrap.py."""

from __future__ import annotations

from pathlib import Path

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run

from .bootstrap import MeldingenDiensten, bootstrap
from .handlers import HANDLERS
from .web import create_app

__all__ = ["DEFINITION", "MeldingenDiensten", "main"]


async def start_bezorger(runtime: Runtime) -> None:
    bezorger = runtime.diensten.bezorger
    if bezorger is None:
        return
    # Beside the bus figures the chassis keeps, at /meldingen/metrics and over OTLP.
    runtime.metrics.observe(
        "dinet_meldingen_mails_sent", "counter", "Mails handed to the SMTP server by this instance", "1",
        lambda: [(bezorger.verzonden, {})],
    )
    runtime.metrics.observe(
        "dinet_meldingen_mails_bounced", "counter", "Delivery status notifications (bounces) read by this instance", "1",
        lambda: [(bezorger.gebounced, {})],
    )
    runtime.metrics.observe(
        "dinet_meldingen_queue", "gauge", "Mails waiting to be sent (all instances)", "1",
        lambda: [(bezorger.wachtend, {})],
    )
    runtime.metrics.observe(
        "dinet_meldingen_addresses_held", "gauge", "Addresses held after bounces: no optional mail until staff release them", "1",
        lambda: [(bezorger.geblokkeerd, {})],
    )
    # A committed consumer batch may hold new mail: wake the worker now instead of at its next poll.
    runtime.on_commit(bezorger.wake)
    bezorger.start()


async def stop_bezorger(runtime: Runtime) -> None:
    bezorger = runtime.diensten.bezorger if runtime.diensten is not None else None
    if bezorger is not None:
        await bezorger.stop()


DEFINITION = ServiceDefinition(
    name="meldingen",
    package_dir=Path(__file__).parent,
    create_app=create_app,
    handlers=HANDLERS,
    bootstrap=bootstrap,
    on_start=start_bezorger,
    on_stop=stop_bezorger,
)


def main() -> None:
    run(DEFINITION)
