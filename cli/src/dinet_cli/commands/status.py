"""`dinet status`: is each part running, how many messages wait per consumer, how many dead letters."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from dinet_contracts.topology import CONSUMERS, DEADLETTERS

from .. import paths
from ..connections import hide_password, jetstream, resolve
from ..parsing import add_command
from ..table import table

TIMEOUT = 2.0


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "status",
        help="toon welke onderdelen werken, wachtende berichten en dead letters",
        description=(
            "Toont of NATS, PostgreSQL, de mailserver, elke dienst en de toegangspoort werken,\n"
            "hoeveel berichten elke consument nog moet verwerken, en hoeveel berichten in de\n"
            "dead letters staan. Leest de toestand van `dinet up`, of NATS_URL en DATABASE_URL.\n"
            "Afsluitcode 0 als alles werkt, anders 1."
        ),
    )
    parser.add_argument("--json", action="store_true", help="uitvoer als JSON")
    parser.add_argument("--datamap", help="datamap van `dinet up` (standaard DINET_DATA_DIR of .dinet)")
    parser.set_defaults(func=run)


@dataclass
class Part:
    naam: str
    werkt: bool
    adres: str = ""
    pid: int | None = None
    detail: str = ""
    consumenten: list[dict[str, Any]] = field(default_factory=list)
    relay: dict[str, Any] = field(default_factory=dict)
    mails: dict[str, float] = field(default_factory=dict)


def consumer_problems(consumers: list[dict[str, Any]]) -> list[str]:
    """What an operator must know about a service's consumers, in one line each."""
    problems = []
    for c in consumers:
        if not isinstance(c, dict):
            continue
        name = c.get("consument", "?")
        if c.get("gepauzeerd"):
            problems.append(f"consument {name} gepauzeerd: {c.get('pauzereden') or 'storing'}")
        waiting = c.get("wacht_op_dead_letter_aantal") or 0
        if waiting:
            first = (c.get("wacht_op_dead_letter") or [{}])[0]
            problems.append(
                f"consument {name}: {waiting} bericht(en) konden niet naar de dead letters"
                f" ({c.get('dead_letter_mislukt', 0)} mislukte pogingen; laatste fout: {first.get('fout', '?')})"
            )
    return problems


def run(args) -> int:
    report = asyncio.run(collect(paths.data_dir(args.datamap)))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render(report))
    return 0 if report["alles_werkt"] else 1


async def collect(data) -> dict[str, Any]:
    state = paths.read_state(data)
    supervisor_pid = (state or {}).get("pid")
    if state and not paths.is_dinet(supervisor_pid):
        state = None  # left behind by a `dinet up` that was killed: its addresses mean nothing now
    nats_url = resolve("NATS_URL", "nats", state)
    database_url = resolve("DATABASE_URL", "postgres", state)
    smtp_url = resolve("SMTP_URL", "smtp", state)
    gateway_url = (state or {}).get("gateway", {}).get("url") or f"http://127.0.0.1:{os.environ.get('DINET_PORT', '8000')}/"

    parts: list[Part] = []
    async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=False) as client:
        checks = [
            check_nats(nats_url, (state or {}).get("nats", {}).get("pid")),
            check_postgres(database_url, (state or {}).get("postgres", {}).get("pid")),
        ]
        if smtp_url:
            checks.append(check_smtp(smtp_url))
        for name in paths.SERVICES:
            service = ((state or {}).get("services") or {}).get(name) or {}
            health = service.get("health_url") or gateway_url.rstrip("/") + f"/{name}/health"
            checks.append(check_service(client, name, health, service))
        checks.append(check_http(client, "Toegangspoort", gateway_url, (state or {}).get("gateway", {}).get("pid")))
        parts = list(await asyncio.gather(*checks))
        for part in parts:
            if part.naam == "meldingen" and part.werkt:
                part.mails = await mail_figures(client, part.adres)

    consumers: list[dict[str, Any]] = []
    dead_letters: int | None = None
    if nats_url and parts[0].werkt:
        consumers, dead_letters = await bus_figures(nats_url)
    return {
        "datamap": str(data),
        "dinet_up": {"pid": supervisor_pid, "sinds": state.get("started_at")} if state else None,
        "onderdelen": [asdict(p) for p in parts],
        "consumenten": consumers,
        "dead_letters": dead_letters,
        "alles_werkt": all(p.werkt for p in parts) and not any(consumer_problems(p.consumenten) for p in parts),
    }


async def check_nats(url: str | None, pid: int | None) -> Part:
    if not url:
        return Part("NATS", False, detail="geen adres: start `dinet up` of zet NATS_URL")
    try:
        async with jetstream(url) as js:
            await js.account_info()
    except Exception as exc:
        return Part("NATS", False, url, pid, _short(exc))
    return Part("NATS", True, url, pid)


async def check_postgres(url: str | None, pid: int | None) -> Part:
    if not url:
        return Part("PostgreSQL", False, detail="geen adres: start `dinet up` of zet DATABASE_URL")
    import asyncpg
    from dinet_chassis.db import asyncpg_connect_kwargs

    try:
        conn = await asyncpg.connect(**asyncpg_connect_kwargs(url), timeout=TIMEOUT)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()
    except Exception as exc:
        return Part("PostgreSQL", False, hide_password(url), pid, _short(exc))
    return Part("PostgreSQL", True, hide_password(url), pid)


async def check_smtp(url: str) -> Part:
    target = urlsplit(url)
    host, port = target.hostname or "127.0.0.1", target.port or 25

    def connect() -> None:
        with socket.create_connection((host, port), timeout=TIMEOUT) as s:
            s.recv(512)  # the server's greeting

    try:
        await asyncio.to_thread(connect)
    except OSError as exc:
        return Part("Mailserver", False, url, detail=_short(exc))
    return Part("Mailserver", True, url)


async def check_service(client: httpx.AsyncClient, name: str, health_url: str, known: dict[str, Any]) -> Part:
    """Asks the service's readiness: it answers 503 with what is down (database, NATS), and
    with its consumers' state either way."""
    ready_url = known.get("ready_url") or health_url.rstrip("/") + "/ready"
    try:
        # The service bounds each of its own checks by 2 s: give it time to say which one failed.
        answer = await client.get(ready_url, timeout=TIMEOUT + 1.5)
    except httpx.HTTPError as exc:
        part = Part(name, False, ready_url, known.get("pid"), _short(exc))
    else:
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        part = Part(name, answer.status_code == 200, ready_url, known.get("pid"))
        down = [
            f"{what} werkt niet ({check.get('fout', '?')})"
            for what, check in (body.get("controles") or {}).items()
            if isinstance(check, dict) and not check.get("werkt")
        ]
        if answer.status_code != 200 and not down:
            down = [f"antwoordt {answer.status_code}"]
        part.detail = "; ".join(down + consumer_problems(body.get("consumenten") or []))
        part.consumenten = body.get("consumenten") or []
        part.relay = body.get("relay") if isinstance(body.get("relay"), dict) else {}
    restarts = known.get("restarts")
    if restarts:
        part.detail = (part.detail + "; " if part.detail else "") + f"{restarts} keer herstart"
    part.adres = known.get("url") or health_url.removesuffix("health")
    return part


async def check_http(client: httpx.AsyncClient, name: str, url: str, pid: int | None) -> Part:
    try:
        answer = await client.get(url)
    except httpx.HTTPError as exc:
        return Part(name, False, url, pid, _short(exc))
    if answer.status_code != 200:
        return Part(name, False, url, pid, f"antwoordt {answer.status_code}")
    return Part(name, True, url, pid)


# meldingen's figures in its Prometheus text: sent and bounced count since the instance started,
# the queue and the held addresses are the service's (its database's) figures.
MAILCIJFERS = {
    "dinet_meldingen_mails_sent_total": "verzonden",
    "dinet_meldingen_mails_bounced_total": "gebounced",
    "dinet_meldingen_addresses_held": "geblokkeerd",
    "dinet_meldingen_queue": "wachtrij",
}


async def mail_figures(client: httpx.AsyncClient, service_url: str) -> dict[str, float]:
    """meldingen's mail figures from `/meldingen/metrics`; {} when it does not answer."""
    try:
        answer = await client.get(service_url.rstrip("/") + "/metrics")
    except httpx.HTTPError:
        return {}
    if answer.status_code != 200:
        return {}
    figures: dict[str, float] = {}
    for line in answer.text.splitlines():
        name, _, value = line.partition(" ")
        key = MAILCIJFERS.get(name.split("{", 1)[0])
        if key is None:
            continue
        try:
            figures[key] = figures.get(key, 0.0) + float(value)
        except ValueError:
            continue
    return figures


def mail_line(parts: list[dict[str, Any]]) -> str | None:
    for p in parts:
        if p.get("naam") == "meldingen" and p.get("mails"):
            n = {k: int(p["mails"].get(k, 0)) for k in MAILCIJFERS.values()}
            return (
                f"Mails (meldingen): {n['verzonden']} verzonden en {n['gebounced']} bounces gelezen sinds de start;"
                f" {n['wachtrij']} in de wachtrij, {n['geblokkeerd']} adres(sen) geblokkeerd na bounces."
            )
    return None


async def bus_figures(nats_url: str) -> tuple[list[dict[str, Any]], int | None]:
    from nats.js.errors import NotFoundError

    consumers = []
    async with jetstream(nats_url) as js:
        for c in CONSUMERS:
            entry: dict[str, Any] = {"consument": c.durable, "dienst": c.service, "stroom": c.stream}
            try:
                info = await js.consumer_info(c.stream, c.durable)
            except NotFoundError:
                entry.update(bestaat=False, wachtend=None)
            else:
                entry.update(
                    bestaat=True,
                    wachtend=info.num_pending + info.num_ack_pending,
                    num_pending=info.num_pending,
                    num_ack_pending=info.num_ack_pending,
                    num_redelivered=info.num_redelivered,
                )
            consumers.append(entry)
        try:
            dead_letters = (await js.stream_info(DEADLETTERS.name)).state.messages
        except NotFoundError:
            dead_letters = 0
    return consumers, dead_letters


def _short(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "antwoordt niet op tijd"
    if isinstance(exc, httpx.ConnectError):
        return "geen verbinding"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def service_figures(parts: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Per service the figures its readiness reports: what each consumer did, and the outbox."""

    def show(value: Any) -> str:
        return "-" if value is None else str(value)

    rows = []
    for p in parts:
        relay = p.get("relay") or {}
        backlog = show(relay.get("achterstand")) if relay else "-"
        for c in p.get("consumenten") or []:
            if isinstance(c, dict):
                rows.append((p["naam"], str(c.get("consument", "?")), show(c.get("verwerkt")), show(c.get("mislukt")),
                             show(c.get("dead_letters")), show(c.get("verwerkingstijd_ms")), backlog))
        if relay and not p.get("consumenten"):
            rows.append((p["naam"], "-", "-", "-", "-", "-", backlog))
    return rows


def render(report: dict[str, Any]) -> str:
    lines = []
    up = report["dinet_up"]
    if up:
        lines.append(f"dinet up draait (proces {up['pid']}, sinds {up['sinds']}); gegevens in {report['datamap']}")
    else:
        lines.append("Geen `dinet up` gevonden in " + report["datamap"] + "; adressen uit de omgeving of de standaard.")
    lines.append("")
    rows = []
    for p in report["onderdelen"]:
        extra = " ".join(x for x in (f"proces {p['pid']}" if p["pid"] else "", p["detail"]) if x)
        rows.append((p["naam"], "werkt" if p["werkt"] else "WERKT NIET", p["adres"], extra))
    lines.append(table(("Onderdeel", "Toestand", "Adres", "Details"), rows))
    if report["consumenten"]:
        lines.append("")
        rows = [
            (c["consument"], c["dienst"], c["stroom"], "nog niet aangemaakt" if not c["bestaat"] else str(c["wachtend"]))
            for c in report["consumenten"]
        ]
        lines.append(table(("Consument", "Dienst", "Stroom", "Wachtend"), rows))
    figures = service_figures(report["onderdelen"])
    if figures:
        lines.append("")
        lines.append("Sinds de start van elke dienst (ook te lezen als Prometheus-tekst op /<dienst>/metrics):")
        lines.append(table(("Dienst", "Consument", "Verwerkt", "Mislukt", "Dead letters", "ms per batch", "Outbox wachtend"), figures))
    mails = mail_line(report["onderdelen"])
    if mails:
        lines.append("")
        lines.append(mails)
    if report["dead_letters"] is not None:
        lines.append("")
        hint = "  (bekijk ze met: dinet dlq list)" if report["dead_letters"] else ""
        lines.append(f"Dead letters (berichten die niet verwerkt konden worden): {report['dead_letters']}{hint}")
    return "\n".join(lines)
