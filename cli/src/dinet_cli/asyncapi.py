"""`contracts/asyncapi.yaml`: the bus of all four services in one AsyncAPI 3.0 document.

    dinet asyncapi            # write contracts/asyncapi.yaml
    dinet asyncapi --check    # exit 1 when the checked-in file differs from what the services say
    python -m dinet_cli.asyncapi [--check]

Each service's own document is what it serves at `/<service>/asyncapi.json`: FastStream's
specification of its real subscribers and publishers, enriched from the contracts. This module
only gathers them (it sits above the services, which the contracts and the chassis may not know)
and `dinet_chassis.asyncapi.bus_asyncapi` joins them. Run it again after adding a consumer, a
handler or an event type; the drift test fails until the result is checked in.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
from pathlib import Path
from typing import Any

REGENERATE = "dinet asyncapi"
PATH = Path("contracts") / "asyncapi.yaml"


def service_document(service: str) -> dict[str, Any]:
    """What `service` serves at /<service>/asyncapi.json, without starting it: no server is reached."""
    from dinet_chassis.runtime import Runtime
    from dinet_chassis.settings import Settings

    # By name, from the topology's list: the CLI keeps no import of a particular service.
    definition = importlib.import_module(f"{service}.main").DEFINITION
    settings = Settings(
        service=definition.name,
        database_url="postgresql+asyncpg://niemand@127.0.0.1/geen",
        secret_key="asyncapi-" * 5,
    )
    return Runtime(definition, settings).asyncapi()


def document() -> dict[str, Any]:
    from dinet_chassis.asyncapi import bus_asyncapi
    from dinet_contracts.topology import SERVICES

    return bus_asyncapi({service: service_document(service) for service in SERVICES}, REGENERATE)


def render(doc: dict[str, Any]) -> str:
    import yaml  # a dev-time dependency only: services never generate

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


@functools.cache
def rendered() -> str:
    """The document as checked in; the services' brokers do not change within one process."""
    return render(document())


def repo_root() -> Path:
    from dinet_contracts.generate import repo_root as root

    return root()


def run(check: bool, root: Path | None = None) -> int:
    target = (root or repo_root()) / PATH
    text = rendered()
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if check:
        if current != text:
            print(f"verouderd: {PATH}", file=sys.stderr)
            print(f"Genereer opnieuw met: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"geschreven: {PATH}")
    return 0


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="niets schrijven; exit 1 bij afwijking")
    parser.add_argument("--root", type=Path, default=None, help="de werkruimte (standaard: afgeleid)")


def register(subparsers) -> None:
    from .parsing import add_command

    parser = add_command(
        subparsers,
        "asyncapi",
        help="schrijf contracts/asyncapi.yaml uit de echte subscribers en publishers van de diensten",
        description=(
            "Voegt de AsyncAPI-documenten van de vier diensten (FastStream, aangevuld uit de contracten)\n"
            "samen tot contracts/asyncapi.yaml. Met --check wordt niets geschreven: exit 1 als het\n"
            "ingecheckte bestand afwijkt."
        ),
    )
    _add_arguments(parser)
    parser.set_defaults(func=lambda args: run(args.check, args.root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dinet_cli.asyncapi", description=__doc__.split("\n\n")[0])
    _add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args.check, args.root)


if __name__ == "__main__":
    sys.exit(main())
