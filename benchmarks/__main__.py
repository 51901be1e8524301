"""Run every benchmark in one process and print the figures with their baselines.

    python -m benchmarks [--events N] [--serial-events N] [--rate R --seconds S] [--only ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from pathlib import Path

BENCHMARKS = ("relay", "consumer", "latency", "partners", "inschrijvingen", "nieuwsbrief")
# Opt-in (minutes each, or not about the bus): `--only kpi-rebuild kpi-dashboard beleidsplan ledenimport`, see README.md.
OPT_IN = ("kpi-rebuild", "kpi-dashboard", "beleidsplan", "ledenimport")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events for the relay and the batched consumer (20000)")
    parser.add_argument(
        "--serial-events",
        type=int,
        default=3_000,
        help="events for the one-transaction-per-event consumers: chassis batch 1 and the raw loop (3000)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="relay: alternating rounds of relay and baseline per server (2)"
    )
    parser.add_argument("--rate", type=float, default=20.0, help="sign-ups per second in the latency benchmark (20)")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of the latency benchmark (15)")
    parser.add_argument("--registrations", type=int, default=1_000, help="registrations per shape through the API and raw (1000)")
    parser.add_argument("--partner-events", type=int, default=5_000, help="partner events posted over HTTP (5000)")
    parser.add_argument("--recipients", type=int, default=10_000, help="newsletter recipients (10000)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS + OPT_IN, default=list(BENCHMARKS), help="run only these")
    parser.add_argument("--kpi-events", type=int, default=1_000_000, help="kpi-rebuild: events in the generated history (1000000)")
    parser.add_argument("--kpi-leden", type=int, default=100_000, help="kpi-dashboard: members (100000)")
    parser.add_argument("--kpi-aanwezigheden", type=int, default=1_000_000, help="kpi-dashboard: attendances (1000000)")
    parser.add_argument("--beleidsplan-acties", type=int, default=30, help="beleidsplan: actions in the exported plan (30)")
    parser.add_argument("--import-rijen", type=int, default=50_000, help="ledenimport: rows in the member sheet (50000)")
    parser.add_argument(
        "--import-formaat", choices=("xlsx", "csv"), default="xlsx", help="ledenimport: the sheet's format (xlsx)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    from .report import Report, format_table
    from .servers import postgres_settings, start_servers

    report = Report()
    started = time.perf_counter()
    with start_servers() as servers:
        pg = await postgres_settings(servers.admin_database_url)
        report.environment = {
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
            "nats": ", ".join(f"{label}: {url}" for label, url in servers.nats.items()),
            "postgres": f"{pg.get('server_version')} fsync={pg.get('fsync')} synchronous_commit={pg.get('synchronous_commit')}",
            "embedded": not servers.external,
        }
        print("DINET benchmarks", flush=True)
        for key, value in report.environment.items():
            print(f"  {key}: {value}")
        if "relay" in args.only:
            from .relay import bench_relay

            await bench_relay(servers, report, args.events, args.rounds)
        if "consumer" in args.only:
            from .consumer import bench_consumer

            await bench_consumer(servers, report, args.events, args.serial_events)
        if "latency" in args.only:
            from .latency import bench_latency

            await bench_latency(servers, report, args.rate, args.seconds)
        if "kpi-rebuild" in args.only:
            from .kpi_rebuild import bench_kpi_rebuild

            await bench_kpi_rebuild(servers, report, args.kpi_events)
        if "kpi-dashboard" in args.only:
            from .kpi_dashboard import bench_kpi_dashboard

            await bench_kpi_dashboard(servers, report, args.kpi_leden, args.kpi_aanwezigheden)
        if "beleidsplan" in args.only:
            from .beleidsplan_export import bench_beleidsplan_export

            await bench_beleidsplan_export(servers, report, args.beleidsplan_acties)
        if "ledenimport" in args.only:
            from .ledenimport import bench_ledenimport

            await bench_ledenimport(servers, report, args.import_rijen, args.import_formaat)
        if "partners" in args.only:
            from .partners import bench_partners

            await bench_partners(servers, report, args.partner_events, args.rounds)
        if "inschrijvingen" in args.only:
            from .inschrijvingen import bench_inschrijvingen

            await bench_inschrijvingen(servers, report, args.registrations)
        if "nieuwsbrief" in args.only:
            from .nieuwsbrief import bench_nieuwsbrief

            await bench_nieuwsbrief(servers, report, args.recipients)
    print()
    print(format_table(report.rows))
    print()
    for row in report.rows:
        if row.detail:
            print(f"  {row.benchmark}: {row.detail}")
    for note in report.notes:
        print(f"  {note}")
    print(f"\n  totale duur: {time.perf_counter() - started:.0f} s")
    if args.json:
        report.write_json(args.json)
        print(f"  JSON: {args.json}")
    return 1 if any(r.met() is False for r in report.rows) and os.environ.get("DINET_BENCH_STRICT") else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The chassis logs JSON; a benchmark's output is its table (and a failure raises anyway).
    # Closing connections at the end of each benchmark would otherwise log warnings and errors.
    os.environ.setdefault("DINET_LOG_LEVEL", "CRITICAL")
    from dinet_chassis.logging import configure_logging
    from dinet_chassis.tracing import setup_tracing

    configure_logging("bench")
    setup_tracing("bench")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
