"""`dinet up`: NATS, PostgreSQL and a mail sink (unless their URLs are set), the four services as
child processes under a supervisor, and the gateway on one port; Ctrl-C stops all of it. A service,
NATS or PostgreSQL that dies is started again."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

import httpx

from dinet_chassis.embedded import free_port, port_is_free

from .. import paths
from ..console import say, seconds
from ..parsing import add_command
from ..supervisor import ServiceSpec, Supervisor, python_module

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
HEALTH_TIMEOUT_SECONDS = 90.0


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "up",
        help="start het hele platform op deze computer",
        description=(
            "Start NATS, PostgreSQL en een mailserver op deze computer (tenzij NATS_URL, DATABASE_URL\n"
            "of SMTP_URL gezet zijn), de vier diensten en de toegangspoort op één adres.\n"
            "Stoppen: Ctrl-C."
        ),
    )
    parser.add_argument("--poort", type=int, help="poort van de toegangspoort (standaard DINET_PORT of 8000)")
    parser.add_argument("--datamap", help="map voor alle gegevens (standaard DINET_DATA_DIR of .dinet)")
    parser.add_argument(
        "--werkers",
        type=int,
        help="processen per dienst op één poort (standaard DINET_WORKERS of 1; meer helpt alleen een dienst die de processor vol gebruikt)",
    )
    parser.set_defaults(func=run)


def run(args) -> int:
    port = args.poort or int(os.environ.get("DINET_PORT") or DEFAULT_PORT)
    if args.werkers is not None and args.werkers < 1:
        say("--werkers moet 1 of meer zijn.")
        return 2
    return asyncio.run(Stack(paths.data_dir(args.datamap), port, workers=args.werkers).run())


class Stack:
    def __init__(self, data: Path, port: int, *, workers: int | None = None) -> None:
        self.data = data
        self.port = port
        self.workers = workers  # None: DINET_WORKERS from the environment, else 1
        self.public_url = (os.environ.get("DINET_PUBLIC_URL") or f"http://{HOST}:{port}").rstrip("/")
        self.started_at = dt.datetime.now(dt.UTC)
        self.stop_requested = asyncio.Event()
        self.infra = None
        self.supervisor: Supervisor | None = None
        self.ports: dict[str, int] = {}

    async def run(self) -> int:
        began = time.monotonic()
        existing = paths.read_state(self.data)
        if existing and existing.get("pid") != os.getpid() and paths.is_dinet(existing.get("pid")):
            say(f"dinet draait al voor {self.data} (proces {existing['pid']}): {existing['gateway']['url']}")
            return 1
        if not port_is_free(self.port, HOST):
            say(f"Poort {self.port} is al in gebruik. Kies een andere, bv. DINET_PORT={self.port + 1} make up")
            return 1
        self.data.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._request_stop)

        from ..infra import Infrastructure  # imports the embedded servers' wheels: only here

        say(f"Opstarten; gegevens in {self.data}")
        self.infra = Infrastructure(self.data)
        try:
            await self.infra.start()
        except Exception as exc:
            say(f"Opstarten mislukt: {exc}")
            return 1
        server = gateway_task = None
        try:
            if self.stop_requested.is_set():
                return 0
            say(f"NATS, PostgreSQL en mailserver draaien ({seconds(time.monotonic() - began)})"
                if self.infra.embedded else "Externe servers: " + self._external_summary())
            self.ports = {name: free_port() for name in paths.SERVICES}
            self.supervisor = Supervisor(self._specs(), on_change=self.write_state)
            from ..gateway import Gateway, serve

            gateway = Gateway(
                {name: f"http://{HOST}:{port}" for name, port in self.ports.items()},
                mail_dir=self.infra.mail_dir,
                secret_key=paths.secret_key(self.data),
            )
            try:
                server, gateway_task = await serve(gateway.app, HOST, self.port)
            except RuntimeError as exc:
                say(f"De toegangspoort kon niet starten: {exc}")
                return 1
            self.supervisor.start()
            self.infra.watch(on_change=self.write_state)
            self.write_state()
            await self._announce_when_ready(began)
            stopped = asyncio.create_task(self.stop_requested.wait())
            await asyncio.wait({stopped, gateway_task}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not self.stop_requested.is_set():
                say("De toegangspoort is onverwacht gestopt; alles wordt gestopt.")
                return 1
            return 0
        finally:
            await self._shutdown(server, gateway_task)

    def _request_stop(self) -> None:
        if not self.stop_requested.is_set():
            say("Stoppen ...")
        self.stop_requested.set()

    def _external_summary(self) -> str:
        names = {"NATS_URL": "NATS", "DATABASE_URL": "PostgreSQL", "SMTP_URL": "SMTP"}
        external = [label for var, label in names.items() if os.environ.get(var)]
        return ", ".join(external) + " via de omgevingsvariabelen; de rest op deze computer"

    def _specs(self) -> list[ServiceSpec]:
        assert self.infra is not None
        base = dict(os.environ)  # passes PATH, HOME and the OTEL_* settings through
        base.update(
            {
                "NATS_URL": self.infra.nats_url,
                "DATABASE_URL": self.infra.database_url,
                "SMTP_URL": self.infra.smtp_url,
                "DINET_DATA_DIR": str(self.data),
                "DINET_HTTP_HOST": HOST,
                "DINET_PUBLIC_URL": self.public_url,
                "DINET_SECRET_KEY": paths.secret_key(self.data),
                "PYTHONUNBUFFERED": "1",  # the log file shows a crash's last words
            }
        )
        if self.workers is not None:
            base["DINET_WORKERS"] = str(self.workers)
        if self.infra.embedded:
            base.setdefault("DINET_DEMO", "1")
        return [
            ServiceSpec(
                name=name,
                argv=python_module(name),
                env={**base, **self.infra.nats_env(name), "DINET_HTTP_PORT": str(port)},
                log_file=self.data / "logs" / f"{name}.log",
                port=port,
            )
            for name, port in self.ports.items()
        ]

    def write_state(self) -> None:
        if self.infra is None or self.supervisor is None:
            return
        pids = self.supervisor.pids()
        state = {
            "pid": os.getpid(),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "data_dir": str(self.data),
            "python": sys.executable,
            "gateway": {"url": f"{self.public_url}/", "port": self.port, "pid": os.getpid()},
            **self.infra.describe(),
            "services": {
                name: {
                    "pid": pids.get(name),
                    "port": port,
                    "url": f"http://{HOST}:{port}/{name}/",
                    "health_url": f"http://{HOST}:{port}/{name}/health",
                    "log": str(self.data / "logs" / f"{name}.log"),
                    "restarts": self.supervisor.services[name].restarts,
                }
                for name, port in self.ports.items()
            },
        }
        paths.write_state(self.data, state)

    async def _announce_when_ready(self, began: float) -> None:
        from ..gateway import ONTWIKKELAARS

        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            waiting = set(self.ports)
            deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
            while waiting and time.monotonic() < deadline and not self.stop_requested.is_set():
                results = await asyncio.gather(*(self._healthy(client, name) for name in sorted(waiting)))
                waiting -= {name for name, ok in zip(sorted(waiting), results) if ok}
                if waiting:
                    await asyncio.sleep(0.2)
            if self.stop_requested.is_set():
                return
            took = seconds(time.monotonic() - began)
            if waiting:
                say(f"Gestart na {took}, maar {', '.join(sorted(waiting))} antwoordt nog niet: "
                    f"zie {self.data / 'logs'}")
            else:
                say(f"Alle diensten werken ({took}).")
        print(f"\nKlaar: open {self.public_url}/\n", flush=True)
        print(f"Voor ontwikkelaars (diensten, API-documentatie, toestand): {self.public_url}{ONTWIKKELAARS}\n", flush=True)
        print(
            "Demo-accounts (inloggen op /registratie/inloggen, wachtwoord demo):\n"
            "  medewerker (VVSG), mediawijs (partner), stuurgroep (alleen lezen), gent (lokaal bestuur)\n",
            flush=True,
        )
        print("Stoppen: Ctrl-C.  Toestand: dinet status", flush=True)

    async def _healthy(self, client: httpx.AsyncClient, name: str) -> bool:
        try:
            answer = await client.get(f"http://{HOST}:{self.ports[name]}/{name}/health")
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    async def _shutdown(self, server, gateway_task) -> None:
        # Order: no new requests, then the services (they finish what they do, against live
        # servers), then the servers themselves.
        if server is not None:
            server.should_exit = True
            try:
                await asyncio.wait_for(asyncio.shield(gateway_task), 6)
            except BaseException:
                server.force_exit = True
        if self.supervisor is not None:
            await self.supervisor.stop(timeout=10.0)
        if self.infra is not None:
            self.infra.stop()
        paths.remove_state(self.data)
        say("Gestopt.")
