"""The three servers the services need: NATS, PostgreSQL and an SMTP server. Each one is
embedded (started here, data in the data folder) unless its URL is set in the environment."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dinet_chassis.embedded import EmbeddedNats, EmbeddedPostgres, MailSink, free_port, port_is_free
from dinet_chassis.natsauth import ADMIN_USER, PARTNER_ISSUER, NatsAuth


NATS_DEFAULT_PORT = 4222


@dataclass
class Infrastructure:
    data: Path
    nats_url: str = ""
    database_url: str = ""
    smtp_url: str = ""
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None
    mail: MailSink | None = None
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
        postgres: asyncio.Task | None = None
        try:
            if not self.database_url:
                self.postgres = EmbeddedPostgres(self.data / "postgres")
                # initdb runs while NATS starts; pg_ctl detaches the server, so a thread may start it.
                postgres = asyncio.create_task(asyncio.to_thread(self.postgres.start))
            if not self.nats_url:
                port = NATS_DEFAULT_PORT if port_is_free(NATS_DEFAULT_PORT) else free_port()
                # Keys and credentials are made once and kept in the data folder.
                auth = NatsAuth(self.data / "nats-auth")
                self.nats = EmbeddedNats(self.data / "nats", port=port, sync_always=True, auth=auth)
                # Not in a thread: the child's parent-death signal fires when the forking thread ends.
                self.nats.start()
            if postgres is not None:
                await postgres
            if self.nats is not None:
                self.nats_url = self.nats.url
            if self.postgres is not None:
                # One database; every service keeps its tables in a schema of its own name.
                self.database_url = self.postgres.url("postgres")
            if not self.smtp_url:
                self.mail = MailSink(self.data / "mail").start()
                self.smtp_url = self.mail.url
        except BaseException:
            if postgres is not None:  # let it finish starting, or stop() would miss it
                await asyncio.gather(postgres, return_exceptions=True)
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Mail sink, then NATS, then PostgreSQL; safe to call twice or after a failed start."""
        if self._stopped:
            return
        self._stopped = True
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
        postgres_pid = None
        if self.postgres is not None and self.postgres._server is not None:
            try:
                postgres_pid = self.postgres._server.get_pid()  # type: ignore[attr-defined]
            except Exception:
                postgres_pid = None
        return {
            "nats": {
                "url": self.nats_url,
                "embedded": self.nats is not None,
                "pid": self.nats.process.pid if self.nats is not None and self.nats.process else None,
                "monitor_url": f"http://127.0.0.1:{self.nats.http_port}" if self.nats is not None else None,
                # The operator CLI's user (`dinet status`, `dinet dlq`, ...).
                "creds": str(self.nats.creds(ADMIN_USER)) if self.nats is not None and self.nats.auth else None,
            },
            "postgres": {"url": self.database_url, "embedded": self.postgres is not None, "pid": postgres_pid},
            "smtp": {
                "url": self.smtp_url,
                "embedded": self.mail is not None,
                "mail_dir": str(self.mail.mail_dir) if self.mail is not None else None,
            },
        }
