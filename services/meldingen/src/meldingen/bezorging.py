"""The delivery worker: sends planned mails, one transaction per mail, and announces each one.

A mail's row stays locked while it is handed to the SMTP server, then is marked sent together
with its `MeldingVerzonden` event in the outbox. A crash after the server accepted the mail but
before that commit sends it again on restart, with the same Message-ID, so mail programs fold
the repeat; that is the one duplicate SMTP itself cannot rule out. It is bounded: just before
each SMTP transaction a mark is committed (`smtp_poging`), removed with the 'sent' commit; a
mail that already has two marks left behind is not sent a third time.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from dinet_chassis import outbox
from dinet_chassis.logging import get_logger
from dinet_chassis.tracing import tracer
from dinet_contracts.events.meldingen import MeldingVerzonden

from . import store
from .domain import STANDAARD_WACHTTIJDEN, Soort, volgende_poging_na
from .smtp import RuweMail, SmtpConfig, SmtpFout, SmtpVerbinding
from .use_cases import bouncen, nieuwsbrief
from .use_cases.samenstellen import Later, Overslaan, stel_op
from .use_cases.weekoverzicht import plan_weekoverzicht

if TYPE_CHECKING:
    from dinet_chassis.runtime import Runtime

log = get_logger(__name__)
PLAN_INTERVAL = 300.0
MAX_ONDERBROKEN = 2
ZENDERS = 4
REEKS = 50  # mails per batch: one commit marks them all sent
ONZEKER = "twee keer onderbroken tijdens SMTP: niet nog eens verstuurd"


class Bezorger:
    def __init__(
        self,
        runtime: "Runtime",
        *,
        wachttijden: tuple[float, ...] = STANDAARD_WACHTTIJDEN,
        poll_interval: float = 3.0,
        zenders: int = ZENDERS,
    ) -> None:
        self.runtime = runtime
        self.smtp = SmtpConfig.from_url(runtime.settings.smtp_url)
        self.verbindingen = [SmtpVerbinding(self.smtp) for _ in range(max(1, zenders))]
        self._per_minuut: int | None = None
        self._nieuwsbrief_vrij_vanaf = 0.0  # loop time when the shared limit has room again
        self._herhaal_lock = asyncio.Lock()
        self.wachttijden = wachttijden
        self.poll_interval = poll_interval
        self.verzonden = 0  # by this instance; with several instances each sends a share
        self.gebounced = 0  # delivery reports read by this instance
        # The service's figures, as of this instance's last round (the same for every instance).
        self.wachtend = 0
        self.geblokkeerd = 0
        self._wakker = asyncio.Event()
        self._stoppen = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._volgende_planning = 0.0

    def wake(self) -> None:
        self._wakker.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"{self.runtime.name} bezorger")

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the mail in hand finish (cancelling mid-SMTP would send it twice), then end."""
        if self._task is None:
            return
        self._stoppen.set()
        self._wakker.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._task = None

    async def run(self) -> None:
        while not self._stoppen.is_set():
            self._wakker.clear()  # before the round, so a wake during it causes another round
            wacht = self.poll_interval
            try:
                await self._plan_periodiek()
                await self.bezorg_wachtende()
                await self._nieuwsbrieven_afronden()
                await self._bounces_lezen()
                async with self.runtime.db.engine.connect() as conn:
                    volgende = await store.seconden_tot_volgende(conn)
                    self.wachtend, self.geblokkeerd = await store.wachtrij(conn)
                if volgende is not None:
                    wacht = min(wacht, volgende)
                if self._nieuwsbrief_vrij_over() > 0:
                    wacht = min(wacht, self._nieuwsbrief_vrij_over())
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be briefly away; mail waits in its table, so just try again later.
                log.exception("bezorging.ronde_mislukt")
            for verbinding in self.verbindingen:
                await verbinding.sluit()  # no idle SMTP session between rounds
            try:
                await asyncio.wait_for(self._wakker.wait(), timeout=max(wacht, 0.05))
            except TimeoutError:
                pass

    async def _plan_periodiek(self) -> None:
        """Mail planned by the clock: the weekly digest (every few minutes), newsletter issues
        whose moment has come (every round). The limit is read every round too: another instance
        may have started the issue."""
        async with self.runtime.db.transaction() as conn:
            await nieuwsbrief.start_verzending(conn)
            self._per_minuut = await nieuwsbrief.per_minuut_nu(conn)
        nu = asyncio.get_running_loop().time()
        if nu < self._volgende_planning:
            return
        async with self.runtime.db.transaction() as conn:
            await plan_weekoverzicht(conn)
        self._volgende_planning = nu + PLAN_INTERVAL

    async def _bounces_lezen(self) -> None:
        nieuw = await bouncen.lees_map(self.runtime.db, bouncen.bounce_map(self.runtime.settings), self.runtime.source)
        if nieuw:
            self.gebounced += nieuw
            log.info("bounces.gelezen", aantal=nieuw)

    async def _nieuwsbrieven_afronden(self) -> None:
        async with self.runtime.db.transaction() as conn:
            for nummer_id in await nieuwsbrief.rond_af(conn, self.runtime.source):
                log.info("nieuwsbrief.verzonden", nieuwsbrief_id=str(nummer_id))

    def _nieuwsbrief_vrij_over(self) -> float:
        """Seconds until the shared per-minute limit has room again, as last seen (0: now)."""
        if not self._per_minuut:
            return 0.0
        return max(0.0, self._nieuwsbrief_vrij_vanaf - asyncio.get_running_loop().time())

    async def bezorg_wachtende(self) -> int:
        """Send every mail that is due now; returns how many were handled (sent or given up).

        A few senders work side by side, each with its own SMTP session and database
        connections (SKIP LOCKED keeps them apart): a mail costs two durable commits, and
        concurrent commits share the disk's flushes. At a kill, each sender has at most one
        SMTP transaction under way."""
        aantallen = await asyncio.gather(*(self._zender(v) for v in self.verbindingen))
        return sum(aantallen)

    async def _zender(self, verbinding: SmtpVerbinding) -> int:
        behandeld = 0
        async with self.runtime.db.engine.connect() as verbinding_apart:
            # Autocommit: the mark that an SMTP transaction begins must be durable before it begins.
            verbinding_apart = await verbinding_apart.execution_options(isolation_level="AUTOCOMMIT")
            apart = (await verbinding_apart.get_raw_connection()).driver_connection
            while not self._stoppen.is_set():
                aantal = await self._bezorg_reeks(apart, verbinding)
                if not aantal:
                    break
                behandeld += aantal
        return behandeld

    async def _bezorg_reeks(self, apart: Any, verbinding: SmtpVerbinding) -> int:
        """Lock up to `REEKS` due mails, send them one by one, mark them sent in one commit.

        What makes each mail "once" is the `smtp_poging` journal, written on its own connection:
        one durable statement per mail closes the previous mail's entry (the server said 250)
        and opens this one's, just before its SMTP transaction. After a crash the journal says,
        per mail, "arrived" (closed entry: mark sent, do not send) or "under way" (open entry:
        send once more). One durable write per mail, plus one per batch."""
        async with self.runtime.db.transaction() as conn:
            # The limit is shared by every sender of every instance: book first (in the database),
            # claim at most that many, give back what was not claimed.
            boeking, vrij = await self._reserveer(conn, apart)
            meldingen = await store.neem_reeks(conn, min(REEKS, vrij) if vrij else REEKS, zonder_nieuwsbrief=vrij == 0)
            if boeking is not None:
                genomen = sum(1 for m in meldingen if m.soort is Soort.NIEUWSBRIEF)
                if genomen < vrij:
                    await store.pas_boeking_aan(apart, boeking, genomen)
            if not meldingen:
                return 0
            journaal = await store.smtp_journaal(conn, [m.id for m in meldingen])
            te_sturen: list[tuple[store.TeVerzenden, EmailMessage]] = []
            regels: dict[str, Any] = {}
            verzonden: list[tuple[store.TeVerzenden, str | None]] = []
            for melding in meldingen:
                aangekomen, onderbroken = journaal.get(melding.id, (False, 0))
                if aangekomen:
                    verzonden.append((melding, None))  # the server took it before the crash
                    continue
                if onderbroken >= MAX_ONDERBROKEN:
                    # Twice the service died while handing this mail over: it has very likely
                    # arrived. Sending it a third time would be worse than not.
                    log.warning("bezorging.niet_opnieuw", melding_id=str(melding.id), onderbroken=onderbroken)
                    verzonden.append((melding, ONZEKER))
                    continue
                bericht = await self._stel_op(conn, melding, regels)
                if isinstance(bericht, Overslaan):
                    await store.markeer_overgeslagen(conn, melding.id, bericht.reden)
                    log.info("bezorging.overgeslagen", melding_id=str(melding.id), reden=bericht.reden)
                elif isinstance(bericht, Later):
                    await store.stel_uit(conn, melding.id, bericht.op)
                else:
                    te_sturen.append((melding, bericht))

            open_id: int | None = None
            for melding, bericht in te_sturen:
                if self._stoppen.is_set():
                    break  # what was sent is marked below; the rest waits in its table
                with tracer().start_as_current_span(f"meldingen verzend {melding.soort.value}") as span:
                    span.set_attribute("dinet.melding_id", str(melding.id))
                    try:
                        if journaal.get(melding.id, (False, 0))[1]:
                            # A mail that may already have arrived goes out alone: if the service
                            # dies again now, no other possible repeat is cut off a second time.
                            async with self._herhaal_lock:
                                open_id = await store.volgende_in_journaal(apart, vorige=open_id, melding_id=melding.id)
                                await verbinding.verstuur(bericht)
                        else:
                            open_id = await store.volgende_in_journaal(apart, vorige=open_id, melding_id=melding.id)
                            await verbinding.verstuur(bericht)
                    except SmtpFout as fout:
                        span.set_attribute("dinet.smtp_fout", fout.reden)
                        await store.sluit_journaal(apart, open_id, aangekomen=False)
                        open_id = None
                        await self._na_fout(conn, melding, fout)
                        continue
                verzonden.append((melding, None))

            tijden = await store.markeer_reeks_verzonden(conn, [(m.id, reden) for m, reden in verzonden])
            for melding, _ in verzonden:
                verzonden_op = tijden[melding.id]
                # A newsletter has one event per issue (NieuwsbriefVerzonden), not one per recipient.
                if melding.soort is not Soort.NIEUWSBRIEF:
                    await outbox.add(
                        conn,
                        MeldingVerzonden(
                            melding_id=melding.id, lid_id=melding.lid_id, soort=melding.soort.value,
                            verzonden_op=verzonden_op,
                        ),
                        source=self.runtime.source,
                    )
        self.verzonden += len(verzonden)
        for melding, _ in verzonden:
            if melding.soort is not Soort.NIEUWSBRIEF:
                log.info("bezorging.verzonden", melding_id=str(melding.id), lid_id=str(melding.lid_id),
                         soort=melding.soort.value)
        return len(meldingen)

    async def _reserveer(self, conn: Any, apart: Any) -> tuple[int | None, int]:
        """(booking, how many newsletter mails this batch may take).

        The limit is read per batch: an issue another instance starts sending between two rounds
        has its limit from its first batch on. No issue being sent, no newsletter mail taken."""
        self._per_minuut = await nieuwsbrief.per_minuut_nu(conn)
        if not self._per_minuut:
            return None, 0
        boeking, vrij, vrij_over = await store.reserveer_nieuwsbrief(apart, self._per_minuut, REEKS)
        if not vrij:
            self._nieuwsbrief_vrij_vanaf = asyncio.get_running_loop().time() + vrij_over
        return boeking, vrij

    async def _na_fout(self, conn: Any, melding: store.TeVerzenden, fout: SmtpFout) -> None:
        pogingen = melding.pogingen + 1
        wacht = None if fout.blijvend else volgende_poging_na(pogingen, self.wachttijden)
        if wacht is None:
            await store.markeer_mislukt(conn, melding.id, fout.reden)
            log.error(
                "bezorging.mislukt", melding_id=str(melding.id), pogingen=pogingen, reden=fout.reden
            )
        else:
            await store.markeer_poging_mislukt(conn, melding.id, fout.reden, wacht)
            log.warning(
                "bezorging.poging_mislukt",
                melding_id=str(melding.id),
                pogingen=pogingen,
                opnieuw_over_s=wacht.total_seconds(),
                reden=fout.reden,
            )

    async def _stel_op(
        self, conn: Any, melding: store.TeVerzenden, regels: dict[str, Any] | None = None
    ) -> EmailMessage | RuweMail | Overslaan | Later:
        """The mail to send, or the reason why there is none to send any more."""
        settings = self.runtime.settings
        return await stel_op(conn, melding, public_url=settings.public_url, secret=settings.secret_key, regels=regels)
