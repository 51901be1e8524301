"""`python -m kpi` runs the service; `python -m kpi rebuild` rebuilds every figure from the stream."""

from __future__ import annotations

import argparse
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kpi", description="De kpi-dienst van het netwerk digitale inclusie.")
    opdrachten = parser.add_subparsers(dest="opdracht", metavar="<opdracht>")
    opdrachten.add_parser("serve", help="start de dienst (standaard)")
    herbouw = opdrachten.add_parser(
        "rebuild",
        help="herbouw alle cijfers uit de gebeurtenissen",
        description=(
            "Leest DINET_EVENTS van het begin, vult verse kopieën van de projecties en wisselt ze in één"
            " transactie om. De dienst mag blijven draaien. Voortgang op stderr. Gebruikt NATS_URL en DATABASE_URL."
        ),
    )
    herbouw.add_argument("--batch", type=int, default=2000, help="gebeurtenissen per transactie (2000)")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.opdracht == "rebuild":
        from kpi.use_cases.herbouw import main as herbouw

        return herbouw(args.batch)
    from kpi.main import main

    main()
    return 0


sys.exit(run())
