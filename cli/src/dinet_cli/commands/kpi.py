"""`dinet kpi rebuild`: rebuild every KPI figure from the event stream.

Runs `python -m kpi rebuild` in its own process (the CLI never imports a service), with the
servers of the running stack (NATS_URL and DATABASE_URL, else those `dinet up` wrote in its state
file, as `dinet status` finds them), and passes its progress bar through.
"""

from __future__ import annotations

import os
import subprocess
import sys

from .. import paths
from ..connections import hide_password, nats_creds, resolve
from ..parsing import add_command


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "kpi",
        help="beheer de kerncijfers (herbouwen uit de gebeurtenissen)",
        description="Beheer van de kpi-dienst.",
    )
    acties = parser.add_subparsers(dest="actie", metavar="<actie>", required=True, title="acties")
    herbouw = add_command(
        acties,
        "rebuild",
        help="herbouw alle kerncijfers uit de gebeurtenissen",
        description=(
            "Leest alle gebeurtenissen van het begin van de stroom DINET_EVENTS, bouwt de projecties van\n"
            "de kpi-dienst opnieuw op in verse tabellen en wisselt ze in één transactie om. De dienst mag\n"
            "blijven draaien. Geeft exact dezelfde cijfers. Toont de voortgang (deel van de berichten gelezen).\n"
            "Gebruikt NATS_URL en DATABASE_URL, of de servers van `dinet up`."
        ),
    )
    herbouw.add_argument("--batch", type=int, default=2000, help="gebeurtenissen per transactie (2000)")
    herbouw.add_argument("--datamap", help="datamap van `dinet up` (standaard DINET_DATA_DIR of .dinet)")
    herbouw.set_defaults(func=rebuild)


def rebuild(args) -> int:
    state = paths.read_state(paths.data_dir(args.datamap))
    if state and not paths.is_dinet(state.get("pid")):
        state = None  # left behind by a `dinet up` that was killed
    nats_url = resolve("NATS_URL", "nats", state)
    database_url = resolve("DATABASE_URL", "postgres", state)
    if not nats_url or not database_url:
        print("Geen NATS of PostgreSQL gevonden: start het platform met `dinet up`, of zet NATS_URL en DATABASE_URL.", file=sys.stderr)
        return 1
    print(f"Herbouw van de kerncijfers uit {nats_url} naar {hide_password(database_url)}", file=sys.stderr, flush=True)
    env = {**os.environ, "NATS_URL": nats_url, "DATABASE_URL": database_url}
    creds = nats_creds(state)
    if creds:
        env["NATS_CREDS"] = creds
    env.setdefault("DINET_LOG_LEVEL", "WARNING")
    # stdout and stderr are inherited: the progress bar reaches the terminal as it is drawn.
    result = subprocess.run([sys.executable, "-m", "kpi", "rebuild", "--batch", str(args.batch)], env=env)
    return result.returncode
