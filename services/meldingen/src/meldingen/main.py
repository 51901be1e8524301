"""Entry point: wires meldingen's consumer, delivery worker and pages into the chassis runtime."""

from __future__ import annotations

from pathlib import Path

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.runtime import main as run

from .bezorging import Bezorger
from .handlers import HANDLERS
from .web import create_app

BEZORGER = "bezorger"


async def start_bezorger(runtime: Runtime) -> None:
    if runtime.relay is None:
        return  # started without workers (e.g. pages only): another instance sends the mail
    bezorger = Bezorger(runtime)
    runtime.state[BEZORGER] = bezorger
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
    # Wake the worker as soon as a consumer batch commits, instead of at the next poll.
    for consumer in runtime.consumers:
        vorige = consumer.after_commit

        def na_commit(vorige=vorige) -> None:
            if vorige is not None:
                vorige()
            bezorger.wake()

        consumer.after_commit = na_commit
    bezorger.start()


async def stop_bezorger(runtime: Runtime) -> None:
    bezorger = runtime.state.pop(BEZORGER, None)
    if bezorger is not None:
        await bezorger.stop()


DEFINITION = ServiceDefinition(
    name="meldingen",
    package_dir=Path(__file__).parent,
    create_app=create_app,
    handlers=HANDLERS,
    on_start=start_bezorger,
    on_stop=stop_bezorger,
)


def main() -> None:
    run(DEFINITION)
