"""Entry point of the `dinet` command."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .commands import COMMANDS
from .parsing import DinetParser


def build_parser() -> DinetParser:
    parser = DinetParser(
        prog="dinet",
        description="Beheer van het platform van het netwerk digitale inclusie.",
        epilog="Meer uitleg bij een opdracht: dinet <opdracht> --help",
    )
    subparsers = parser.add_subparsers(dest="opdracht", metavar="<opdracht>", required=True, title="opdrachten")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
