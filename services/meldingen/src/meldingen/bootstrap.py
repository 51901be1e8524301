"""The composition root: meldingen's long-lived parts, built once when the service starts and
handed to the web layer typed (routes declare `diensten: NamedDependency[MeldingenDiensten]`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dinet_chassis.db import Database
from dinet_chassis.runtime import Runtime

from .bezorging import Bezorger
from .smtp import SmtpConfig
from .store import MeldingenUoW


@dataclass(frozen=True)
class MeldingenDiensten:
    db: Database  # for the pages' reads, on a connection of their own
    uow: Callable[[], MeldingenUoW]  # a fresh unit of work per use case; its commit wakes the worker
    source: str  # the CloudEvents source of what meldingen publishes
    public_url: str  # links in mails and pages
    secret_key: str  # signs the unsubscribe links
    smtp: SmtpConfig  # where test mails go
    # None when this instance runs without workers (pages only): another instance sends the mail.
    bezorger: Bezorger | None


def bootstrap(runtime: Runtime) -> MeldingenDiensten:
    return MeldingenDiensten(
        db=runtime.db,
        uow=lambda: runtime.unit_of_work(MeldingenUoW),
        source=runtime.source,
        public_url=runtime.settings.public_url,
        secret_key=runtime.settings.secret_key,
        smtp=SmtpConfig.from_url(runtime.settings.smtp_url),
        bezorger=Bezorger(runtime) if runtime.run_workers else None,
    )
