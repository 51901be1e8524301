"""Entry point and composition root: builds meldingen's parts and wires its consumer, delivery
worker and pages into the chassis runtime."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run

from .bezorging import Bezorger
from .handlers import HANDLERS
from .web import create_app

BEZORGER = "bezorger"


@dataclass(frozen=True)
class MeldingenDiensten:
    """meldingen's long-lived parts, built once; handlers get it as `diensten`."""

    # None when this instance runs without workers (pages only): another instance sends the mail.
    bezorger: Bezorger | None


def bootstrap(runtime: Runtime) -> MeldingenDiensten:
    bezorger = Bezorger(runtime) if runtime.run_workers else None
    if bezorger is not None:
        # Pages and tests that still read the untyped bag; goes with `runtime.state`.
        runtime.state[BEZORGER] = bezorger
    return MeldingenDiensten(bezorger=bezorger)


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
    # A committed consumer batch may hold new mail: wake the worker now instead of at its next poll.
    runtime.on_commit(bezorger.wake)
    bezorger.start()


async def stop_bezorger(runtime: Runtime) -> None:
    bezorger = runtime.diensten.bezorger if runtime.diensten is not None else None
    runtime.state.pop(BEZORGER, None)
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
