"""The three servers the services need: NATS, PostgreSQL and an SMTP server. Each one is
embedded (started here, data in the data folder) unless its URL is set in the environment.
An embedded NATS or PostgreSQL that dies is started again (`watch`)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dinet_chassis.embedded import EmbeddedNats, MailSink, PostgresProcess, free_port, port_is_free
from dinet_chassis.natsauth import ADMIN_USER, PARTNER_ISSUER, NatsAuth

from .supervisor import ServerWatch


NATS_DEFAULT_PORT = 4222


@dataclass
class Infrastructure:
    data: Path
    nats_url: str = ""
    database_url: str = ""
    smtp_url: str = ""
    nats: EmbeddedNats | None = None
    postgres: PostgresProcess | None = None
    mail: MailSink | None = None
    watches: list[ServerWatch] = field(default_factory=list, init=False)
    _stopped: bool = field(default=False, init=False)

    @property
    def embedded(self) -> bool:
        """Everything local: the services may fill themselves with demo data."""
        return self.nats is not None and self.postgres is not None and self.mail is not None

    @property
    def mail_dir(self) -> Path | None:
        return self.mail.mail_dir if self.mail is not None else None

    async def start(self) -> "Infrastructure":
        self.nats_url = os.environ.get("NATS_URL", "")
        self.database_url = os.environ.get("DATABASE_URL", "")
        self.smtp_url = os.environ.get("SMTP_URL", "")
        preparing: asyncio.Task | None = None
        try:
            if not self.database_url:
                self.postgres = PostgresProcess(self.data / "postgres")
                # initdb runs in a thread while NATS starts.
                preparing = asyncio.create_task(asyncio.to_thread(self.postgres.prepare))
            if not self.nats_url:
                # After a crash NATS comes back on this same port, so the services find it again.
                wanted = int(os.environ.get("DINET_NATS_PORT") or NATS_DEFAULT_PORT)
                port = wanted if port_is_free(wanted) else free_port()
                # Keys and credentials are made once and kept in the data folder.
                auth = NatsAuth(self.data / "nats-auth")
                self.nats = EmbeddedNats(self.data / "nats", port=port, sync_always=True, auth=auth)
                # Not in a thread: the child's parent-death signal fires when the forking thread ends.
                self.nats.launch()
            if preparing is not None:
                await preparing
                preparing = None
                self.postgres.launch()  # type: ignore[union-attr]
            await asyncio.gather(
                *(asyncio.to_thread(server.wait_ready, 60.0) for server in (self.nats, self.postgres) if server is not None)
            )
            if self.nats is not None:
                self.nats_url = self.nats.url
            if self.postgres is not None:
                # One database; every service keeps its tables in a schema of its own name.
                self.database_url = self.postgres.url("postgres")
            if not self.smtp_url:
                self.mail = MailSink(self.data / "mail").start()
                self.smtp_url = self.mail.url
        except BaseException:
            if preparing is not None:  # let it finish, or stop() would miss what it started
                await asyncio.gather(preparing, return_exceptions=True)
            self.stop()
            raise
        return self

    def watch(self, on_change: Callable[[], None] | None = None) -> None:
        """Start the embedded NATS or PostgreSQL again whenever it dies (say, kill -9)."""
        for label, server in (("NATS", self.nats), ("PostgreSQL", self.postgres)):
            if server is not None:
                watch = ServerWatch(label, server, on_change=on_change)
                watch.start()
                self.watches.append(watch)

    def stop(self) -> None:
        """Mail sink, then NATS, then PostgreSQL; safe to call twice or after a failed start."""
        if self._stopped:
            return
        self._stopped = True
        for watch in self.watches:
            watch.stop()
        for what in (self.mail, self.nats, self.postgres):
            if what is None:
                continue
            try:
                what.stop()
            except Exception as exc:  # one that fails to stop must not keep the others running
                print(f"Stoppen van {type(what).__name__} mislukte: {exc}", flush=True)

    def nats_env(self, service: str) -> dict[str, str]:
        """A service's own NATS credentials on the embedded server (none for an external one:
        NATS_CREDS and NATS_PARTNER_ISSUER then come from the environment)."""
        if self.nats is None or self.nats.auth is None:
            return {}
        env = {"NATS_CREDS": str(self.nats.creds(service))}
        if service == PARTNER_ISSUER:
            env["NATS_PARTNER_ISSUER"] = str(self.nats.auth.partner_issuer_path)
        return env

    def describe(self) -> dict[str, Any]:
        """For the state file."""
        restarts = {w.label: w.restarts for w in self.watches}
        return {
            "nats": {
                "url": self.nats_url,
                "embedded": self.nats is not None,
                "pid": self.nats.pid if self.nats is not None else None,
                "restarts": restarts.get("NATS", 0),
                "monitor_url": f"http://127.0.0.1:{self.nats.http_port}" if self.nats is not None else None,
                # The operator CLI's user (`dinet status`, `dinet dlq`, ...).
                "creds": str(self.nats.creds(ADMIN_USER)) if self.nats is not None and self.nats.auth else None,
            },
            "postgres": {
                "url": self.database_url,
                "embedded": self.postgres is not None,
                "pid": self.postgres.pid if self.postgres is not None else None,
                "restarts": restarts.get("PostgreSQL", 0),
            },
            "smtp": {
                "url": self.smtp_url,
                "embedded": self.mail is not None,
                "mail_dir": str(self.mail.mail_dir) if self.mail is not None else None,
            },
        }
