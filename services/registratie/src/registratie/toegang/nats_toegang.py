"""Partner NATS access on the server itself. Issuing needs no server (the user is signed with
the PARTNER account's signing key); revoking does: the PARTNER account, with every revoked key
in its revocation list, is pushed to the server's account resolver, which from then on refuses
those users and closes their open connections.

The push always carries the whole list from the database, under an advisory lock, so pushes
leave in the order their lists were read: a slower instance can never overwrite a newer list
with an older one. One that fails (NATS down) is retried after 2, 4, 8 ... seconds (at most a
minute) until it succeeds; the service pushes at start and every minute as well, so the server
always ends up with the register's list, even one restored from an old backup.
"""

from __future__ import annotations

import asyncio

from dinet_chassis.db import Database
from dinet_chassis.logging import get_logger
from dinet_chassis.natsauth import PartnerIssuer
from dinet_chassis.settings import Settings
from sqlalchemy import text

from . import store as opslag

log = get_logger(__name__)

OPNIEUW_NA_SECONDEN = 2.0
ELKE_SECONDEN = 60.0  # pushed this often anyway, so the server never keeps an older list for long
_SLOT = 0x6E617473  # advisory lock: one push at a time, across instances


class PartnerNatsToegang:
    def __init__(self, db: Database, settings: Settings) -> None:
        pad = settings.nats_partner_issuer
        self.uitgever: PartnerIssuer | None = PartnerIssuer.load(pad) if pad else None
        self._db = db
        self._nats_url = settings.nats_url
        self._opnieuw = asyncio.Event()
        self._taak: asyncio.Task[None] | None = None
        self._pauze = OPNIEUW_NA_SECONDEN  # doubles while NATS stays unreachable, up to a minute

    @property
    def beschikbaar(self) -> bool:
        """Whether this instance may issue and revoke NATS users (it holds the keys)."""
        return self.uitgever is not None

    async def doorvoeren(self) -> bool:
        """Push the register's revocation list now; on failure, keep retrying in the background."""
        if self.uitgever is None:
            return False
        try:
            async with self._db.transaction() as conn:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:slot)"), {"slot": _SLOT})
                ingetrokken = await opslag.ingetrokken_nats_sleutels(conn)
                await self.uitgever.push(self._nats_url, ingetrokken)
        except Exception as exc:
            log.warning(
                "partner.nats_intrekking_niet_doorgevoerd", fout=str(exc) or type(exc).__name__, opnieuw_na=self._pauze
            )
            self._opnieuw.set()
            return False
        self._pauze = OPNIEUW_NA_SECONDEN
        log.info("partner.nats_intrekkingen_doorgevoerd", aantal=len(ingetrokken))
        return True

    async def _blijf_proberen(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._opnieuw.wait(), timeout=ELKE_SECONDEN)
                self._opnieuw.clear()
                await asyncio.sleep(self._pauze)
                self._pauze = min(self._pauze * 2, ELKE_SECONDEN)
            except TimeoutError:
                pass  # the periodic push: e.g. a NATS server restored from an old backup
            await self.doorvoeren()

    async def start(self) -> None:
        if self.uitgever is None:
            return
        self._taak = asyncio.create_task(self._blijf_proberen(), name="partner-nats-intrekkingen")
        await self.doorvoeren()

    async def stop(self) -> None:
        if self._taak is not None:
            self._taak.cancel()
            await asyncio.gather(self._taak, return_exceptions=True)
            self._taak = None
