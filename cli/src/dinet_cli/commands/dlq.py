"""`dinet dlq list|show|replay`: the dead letters, over `dinet_chassis.deadletter`."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import connections
from ..connections import NotRunning
from ..parsing import add_command
from ..table import table


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "dlq",
        help="bekijk en verstuur dead letters opnieuw",
        description=(
            "Dead letters zijn berichten die een consument niet kon verwerken. Ze blijven bewaard met\n"
            "de reden, het originele bericht en zijn headers. Los de oorzaak op en verstuur ze opnieuw."
        ),
    )
    actions = parser.add_subparsers(dest="actie", metavar="<actie>", required=True, title="acties")

    lijst = add_command(actions, "list", help="toon alle dead letters")
    lijst.add_argument("--json", action="store_true", help="uitvoer als JSON")
    _nats_option(lijst)
    lijst.set_defaults(func=lambda args: _run(list_letters(args)))

    toon = add_command(actions, "show", help="toon één dead letter volledig")
    toon.add_argument("seq", type=int, metavar="NR", help="het volgnummer uit `dinet dlq list`")
    toon.add_argument("--json", action="store_true", help="uitvoer als JSON")
    _nats_option(toon)
    toon.set_defaults(func=lambda args: _run(show_letter(args)))

    opnieuw = add_command(
        actions,
        "replay",
        help="verstuur een dead letter opnieuw",
        description=(
            "Verstuurt het bericht opnieuw op zijn oorspronkelijke onderwerp en haalt het uit de dead\n"
            "letters. Met --data vervang je eerst de `data` van de gebeurtenis (of, met een volledige\n"
            "CloudEvent, het hele bericht). Diensten die het al verwerkten, slaan het over."
        ),
    )
    opnieuw.add_argument("seq", type=int, metavar="NR", help="het volgnummer uit `dinet dlq list`")
    opnieuw.add_argument("--data", metavar="BESTAND", help="JSON-bestand met de verbeterde data (- voor standaardinvoer)")
    _nats_option(opnieuw)
    opnieuw.set_defaults(func=lambda args: _run(replay_letter(args)))


def _nats_option(parser) -> None:
    parser.add_argument("--nats-url", help="NATS-adres (standaard NATS_URL of dat van `dinet up`)")


def _run(coro) -> int:
    try:
        return asyncio.run(coro)
    except NotRunning as exc:
        print(exc, file=sys.stderr)
        return 1


async def list_letters(args) -> int:
    from dinet_chassis.deadletter import list_dead_letters
    from nats.js.errors import NotFoundError

    async with connections.jetstream(connections.nats_url(args.nats_url)) as js:
        try:
            letters = await list_dead_letters(js)
        except NotFoundError:
            letters = []  # the stream appears when the first service starts
    if args.json:
        print(json.dumps([_as_json(letter) for letter in letters], indent=2, ensure_ascii=False))
        return 0
    if not letters:
        print("Er zijn geen dead letters.")
        return 0
    rows = [
        (l.seq, l.time[:19].replace("T", " "), l.consumer, l.event_type or "?", l.deliveries, _one_line(l.reason, 60))
        for l in letters
    ]
    print(table(("Nr", "Tijd (UTC)", "Consument", "Type", "Pogingen", "Reden"), rows))
    print(f"\n{len(letters)} dead letter(s). Details: dinet dlq show NR")
    return 0


async def show_letter(args) -> int:
    from dinet_chassis.deadletter import get_dead_letter
    from nats.js.errors import NotFoundError

    async with connections.jetstream(connections.nats_url(args.nats_url)) as js:
        try:
            letter = await get_dead_letter(js, args.seq)
        except NotFoundError:
            print(f"Dead letter {args.seq} bestaat niet (meer).", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(_as_json(letter), indent=2, ensure_ascii=False))
        return 0
    rows = [
        ("Nr", letter.seq),
        ("Tijd", letter.time),
        ("Consument", letter.consumer),
        ("Onderwerp", letter.subject),
        ("Plaats in de stroom", letter.stream_seq),
        ("Pogingen", letter.deliveries),
        ("Gebeurtenis", letter.event_id or "?"),
        ("Type", letter.event_type or "?"),
        ("Reden", letter.reason),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    print("\nHeaders:")
    for key, value in sorted(letter.headers.items()):
        print(f"  {key}: {value}")
    print("\nBericht:")
    print(_body_text(letter.body))
    print(f"\nOpnieuw versturen: dinet dlq replay {letter.seq} [--data BESTAND]")
    return 0


async def replay_letter(args) -> int:
    from dinet_chassis.deadletter import get_dead_letter, replay
    from nats.js.errors import NotFoundError

    data = None
    if args.data:
        try:
            text = sys.stdin.read() if args.data == "-" else Path(args.data).read_text()
            data = json.loads(text)
        except OSError as exc:
            print(f"Kan {args.data} niet lezen: {exc.strerror or exc}", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(f"{args.data} bevat geen geldige JSON: {exc}", file=sys.stderr)
            return 1
    async with connections.jetstream(connections.nats_url(args.nats_url)) as js:
        try:
            letter = await get_dead_letter(js, args.seq)
            event_id = await replay(js, args.seq, data)
        except NotFoundError:
            print(f"Dead letter {args.seq} bestaat niet (meer).", file=sys.stderr)
            return 1
    print(f"Dead letter {args.seq} opnieuw verstuurd op {letter.subject} (gebeurtenis {event_id or '?'}).")
    return 0


def _as_json(letter) -> dict[str, Any]:
    result = asdict(letter)
    result["body"] = _body_value(letter.body)
    return result


def _body_value(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def _body_text(body: bytes) -> str:
    value = _body_value(body)
    return json.dumps(value, indent=2, ensure_ascii=False) if not isinstance(value, str) else value


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
