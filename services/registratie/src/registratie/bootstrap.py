"""registratie's composition root: every long-lived part, built once when the service starts and
handed to the web layer typed (`diensten: NamedDependency[RegistratieDiensten]`).

Nothing else builds these: a route, a use case or a hook receives what it needs from here.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from dinet_chassis.db import Database
from dinet_chassis.settings import Settings
from dinet_chassis.uow import Clock

from .activiteiten.web.common import ActiviteitenDiensten
from .leden.store import LedenUoW
from .leden.use_cases.wissen import purgeer_stromen
from .toegang.nats_toegang import PartnerNatsToegang
from .toegang.store import ToegangUoW
from .toegang.oidc import OidcInstellingen, OidcKlant


@dataclass(frozen=True)
class RegistratieDiensten:
    db: Database  # read-only queries of the pages; writes go through a unit of work
    settings: Settings
    source: str  # CloudEvents source of what registratie publishes
    js: Any  # the service's JetStream context (erasure purges a member's messages)
    klok: Clock  # aware UTC; tests may pass their own
    partner_nats: PartnerNatsToegang  # issues and revokes partners' NATS users
    oidc: OidcKlant | None  # the OpenID Connect relying party; None when not configured
    activiteiten: ActiviteitenDiensten  # what the activities' routes are given
    # Background writes of the member import: kept here, as a task nobody references may be
    # garbage-collected mid-run.
    importtaken: set[asyncio.Task[None]] = field(default_factory=set)

    def leden_uow(self) -> LedenUoW:
        """A new unit of work on registratie's database, with the members' repository."""
        return LedenUoW(self.db, source=self.source, clock=self.klok)

    def toegang_uow(self) -> ToegangUoW:
        """A new unit of work with the partner credentials' repository."""
        return ToegangUoW(self.db, source=self.source, clock=self.klok)

    async def purgeer(self, lid_id: uuid.UUID) -> None:
        await purgeer_stromen(self.js, lid_id)


def bootstrap(runtime: Any) -> RegistratieDiensten:
    oidc = OidcInstellingen()
    return RegistratieDiensten(
        db=runtime.db,
        settings=runtime.settings,
        source=runtime.source,
        js=runtime.js,
        klok=runtime.clock,
        partner_nats=PartnerNatsToegang(runtime.db, runtime.settings),
        oidc=OidcKlant(oidc, runtime.settings.public_url) if oidc.ingesteld else None,
        activiteiten=ActiviteitenDiensten(
            db=runtime.db, source=runtime.source, publieke_url=str(runtime.settings.public_url), clock=runtime.clock
        ),
    )
