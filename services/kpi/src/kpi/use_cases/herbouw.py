"""Rebuild every projection from the stream: `python -m kpi rebuild` (or `dinet kpi rebuild`).

1. Fresh, empty copies of the projection tables in a schema of their own (`kpi_herbouw`), made
   with `CREATE TABLE .. (LIKE kpi.x INCLUDING ALL)`, so they always match the migrations
   (`bron_event` gets its keys and indexes at the end, from the live table's).
2. An ephemeral consumer of its own, pulled from, reads `DINET_EVENTS` from the first message; the very same
   `handlers.vertaal` fills the copies, thousands of events per transaction. Duplicates (the
   same event id twice in the stream) are skipped as the inbox would skip them.
3. At the end of the stream, in ONE transaction: lock the live tables (the live consumer waits),
   read what arrived meanwhile, then drop the live tables and move the copies into `kpi`.

The live consumer keeps running throughout. Events it handled while the rebuild ran are in the
stream, so the rebuild applied them too; events it handles after the swap but the rebuild also
applied change nothing, because every projection statement is idempotent.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.db import Database, driver_connection
from dinet_chassis.migrations import migrate
from dinet_chassis.settings import Settings
from dinet_contracts import parse
from dinet_contracts.topology import EVENTS, EVENTS_SUBJECTS

from kpi.store import aggregaten
from kpi import handlers
from kpi.use_cases import projectie

SCHEMA = "kpi"
HERBOUW = "kpi_herbouw"
# Every table built from events. Not here: the catalogue's targets (seeded by a migration) and
# the chassis's outbox and inbox.
PROJECTIES: tuple[str, ...] = (
    "lidmaatschap",
    "lid_organisatie",
    "kennisdeling",
    "organisatie",
    "activiteit",
    "aanwezigheid",
    "feedback",
    "nieuwsbrief",
    "nieuwsbrief_bevestiging",
    "beleidsplan",
    "beleidsplan_publicatie",
    "zelfevaluatie",
    "kpi_doel",
    "jaar_afsluiting",
    "bron_event",
    "lid_periode",
    "leden_teller",
    "uren_per_activiteit",
    "uren_per_organisatie",
    "activiteit_teller",
)

# Filled without their indexes, which are built once at the end: one sort instead of a million
# inserts into a B-tree at random places (the largest share of a rebuild's writes).
_INDEXEN_NADIEN: tuple[str, ...] = ("bron_event",)

Voortgang = Callable[[int, int], None]


@dataclass
class Resultaat:
    berichten: int  # stream messages read
    events: int  # events applied (valid, not duplicates)
    ongeldig: int
    dubbel: int
    seconden: float

    @property
    def per_seconde(self) -> float:
        return self.berichten / self.seconden if self.seconden else 0.0


def _zonder_naam(indexdef: str) -> str:
    return re.sub(r"INDEX \S+ ON \S+\.", "INDEX ON ", indexdef)


class Herbouw:
    def __init__(self, settings: Settings, *, batch: int = 2000, voortgang: Voortgang | None = None) -> None:
        self.settings = settings
        self.batch = batch
        self.voortgang = voortgang or (lambda gelezen, totaal: None)
        self.gezien: set[str] = set()
        self.resultaat = Resultaat(0, 0, 0, 0, 0.0)

    async def uitvoeren(self) -> Resultaat:
        begin = time.perf_counter()
        live = Database(self.settings.database_url, SCHEMA, pool_size=1)
        # The copies are found through search_path, so projectie.py's unqualified names hit them.
        kopie = Database(self.settings.database_url, HERBOUW, pool_size=1)
        nc = await connect(self.settings.nats_url, name="dinet-kpi-herbouw", creds=self.settings.nats_creds or None)
        try:
            await migrate(live, Path(__file__).parents[1] / "migrations")
            await self._lege_kopieen(live)
            js = nc.jetstream()
            await ensure_streams(js, (EVENTS,), replicas=self.settings.stream_replicas)
            info = await js.stream_info(EVENTS.name)
            eerste, laatste = info.state.first_seq, info.state.last_seq
            totaal = max(laatste - eerste + 1, 0) if info.state.messages else 0
            post = _Postvak(nc, js, venster=2 * self.batch)
            await post.begin()
            try:
                self.voortgang(0, totaal)
                seq = eerste - 1 if totaal else laatste
                # The next batch is read and validated while PostgreSQL writes the previous one
                # (one write at a time, on the one connection): the two cores work side by side.
                schrijven: asyncio.Task[None] | None = None
                try:
                    while seq < laatste:
                        w, seq = await self._lees_batch(post, laatste)
                        if schrijven is not None:
                            await schrijven
                        schrijven = asyncio.create_task(self._schrijf(kopie, w, seq - eerste + 1, totaal))
                    if schrijven is not None:
                        await schrijven
                    # Set-based, once, from the finished fact tables: the same rows as the live
                    # consumer's recomputing per member and activity, for a fraction of the work.
                    async with kopie.transaction() as conn:
                        await aggregaten.alles_opnieuw(await driver_connection(conn))
                        await self._indexen_erbij(conn)
                finally:
                    if schrijven is not None and not schrijven.done():
                        schrijven.cancel()
                        await asyncio.gather(schrijven, return_exceptions=True)
                async with kopie.transaction() as conn:
                    await self._vergrendel(conn)
                    # What arrived while we read; the live consumer waits on the locks now.
                    nu = (await js.stream_info(EVENTS.name)).state.last_seq
                    w = projectie.Schrijfopdrachten()
                    while seq < nu:
                        for msg in await post.neem(nu - seq, timeout=10):
                            await self._lees(msg, w)
                        seq = msg.metadata.sequence.stream
                    await w.uitvoeren(conn)
                    await self._wissel(conn)
                self.voortgang(max(totaal, seq - eerste + 1), max(totaal, seq - eerste + 1))
            finally:
                await post.stop()
        finally:
            await nc.close()
            await kopie.dispose()
            await live.dispose()
        self.resultaat.seconden = time.perf_counter() - begin
        return self.resultaat

    async def _lege_kopieen(self, live: Database) -> None:
        async with live.transaction() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{HERBOUW}" CASCADE'))
            await conn.execute(text(f'CREATE SCHEMA "{HERBOUW}"'))
            for tabel in PROJECTIES:
                zonder = " EXCLUDING INDEXES" if tabel in _INDEXEN_NADIEN else ""
                await conn.execute(text(f'CREATE TABLE "{HERBOUW}"."{tabel}" (LIKE "{SCHEMA}"."{tabel}" INCLUDING ALL{zonder})'))

    async def _indexen_erbij(self, conn) -> None:
        """The live tables' keys and indexes on the copies that were filled without them."""
        for tabel in _INDEXEN_NADIEN:
            live = f'"{SCHEMA}"."{tabel}"'
            sleutels = await conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) AS definitie, conindid FROM pg_constraint"
                    " WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u')"
                ),
                {"t": live},
            )
            met_sleutel = set()
            for r in sleutels:
                met_sleutel.add(r.conindid)
                await conn.execute(text(f'ALTER TABLE "{HERBOUW}"."{tabel}" ADD CONSTRAINT "{r.conname}" {r.definitie}'))
            indexen = await conn.execute(
                text("SELECT indexrelid, pg_get_indexdef(indexrelid) AS definitie FROM pg_index WHERE indrelid = CAST(:t AS regclass)"),
                {"t": live},
            )
            for r in indexen:
                if r.indexrelid not in met_sleutel:
                    await conn.execute(text(r.definitie.replace(f" ON {SCHEMA}.{tabel} ", f' ON "{HERBOUW}"."{tabel}" ', 1)))

    async def _lees(self, msg, w: projectie.Schrijfopdrachten) -> None:
        self.resultaat.berichten += 1
        try:
            event = parse(msg.data)
        except Exception:
            # The live consumer dead-letters it; a replay puts a corrected copy on the stream.
            self.resultaat.ongeldig += 1
            return
        if event.id in self.gezien:
            self.resultaat.dubbel += 1
            return
        self.gezien.add(event.id)
        self.resultaat.events += 1
        await handlers.vertaal(event, w)

    async def _lees_batch(self, post: _Postvak, laatste: int) -> tuple[projectie.Schrijfopdrachten, int]:
        """Read one batch (about `self.batch` messages, up to `laatste`) into write operations."""
        w = projectie.Schrijfopdrachten(aggregaten_later=True, bron_rechtstreeks=True)
        gelezen, seq = 0, 0
        while gelezen < self.batch and seq < laatste:
            berichten = await post.neem(min(self.batch - gelezen, _PER_KEER), timeout=30)
            for msg in berichten:
                await self._lees(msg, w)
            gelezen += len(berichten)
            # Messages come in stream order: the last one's position is the batch's.
            seq = berichten[-1].metadata.sequence.stream
            # Validating never waits: without this the previous batch's writes, on the same event
            # loop, would stand still until this batch is read.
            await asyncio.sleep(0)
        return w, seq

    async def _schrijf(self, kopie: Database, w: projectie.Schrijfopdrachten, gelezen: int, totaal: int) -> None:
        async with kopie.transaction() as conn:
            await w.uitvoeren(conn)
        self.voortgang(gelezen, totaal)

    async def _vergrendel(self, conn) -> None:
        tabellen = ", ".join(f'"{SCHEMA}"."{t}"' for t in PROJECTIES)
        await conn.execute(text(f"LOCK TABLE {tabellen} IN ACCESS EXCLUSIVE MODE"))

    async def _wissel(self, conn) -> None:
        """Drop the live tables and move the copies in, keeping the index names of the migrations."""
        for tabel in PROJECTIES:
            oud = {
                _zonder_naam(r.indexdef): r.indexname
                for r in await conn.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s AND tablename = :t"),
                    {"s": SCHEMA, "t": tabel},
                )
            }
            nieuw = {
                _zonder_naam(r.indexdef): r.indexname
                for r in await conn.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s AND tablename = :t"),
                    {"s": HERBOUW, "t": tabel},
                )
            }
            await conn.execute(text(f'DROP TABLE "{SCHEMA}"."{tabel}"'))
            await conn.execute(text(f'ALTER TABLE "{HERBOUW}"."{tabel}" SET SCHEMA "{SCHEMA}"'))
            for definitie, naam in nieuw.items():
                gewenst = oud.get(definitie)
                if gewenst and gewenst != naam:
                    await conn.execute(text(f'ALTER INDEX "{SCHEMA}"."{naam}" RENAME TO "{gewenst}"'))
        await conn.execute(text(f'DROP SCHEMA "{HERBOUW}"'))


# Messages validated between two turns of the event loop.
_PER_KEER = 32


class _Postvak:
    """The stream's messages in order, taken out as many at a time as there are.

    The profile of a rebuild showed nats-py's `next_msg` costing as much as reading the message:
    a task and a timer per message. A callback subscription gets its messages without either,
    and a consumer of our own that we pull from gives the flow control: never more than
    `venster` messages are asked for and not yet taken out, so memory stays bounded however
    slowly PostgreSQL writes. (A callback on a push consumer has no such bound: nats-py then
    drops messages once its pending limits are reached.)
    """

    def __init__(self, nc: Any, js: Any, *, venster: int) -> None:
        self.nc, self.js = nc, js
        self.venster = venster
        self.rij: deque[Any] = deque()
        self.er_is = asyncio.Event()
        self.gevraagd = 0  # asked for and not yet taken out (in flight or waiting in `rij`)
        self.sub: Any = None
        self.consumer: str | None = None

    async def begin(self) -> None:
        inbox = self.nc.new_inbox()
        self.sub = await self.nc.subscribe(inbox, cb=self._ontvang)
        self.inbox = inbox
        info = await self.js.add_consumer(
            EVENTS.name,
            ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.NONE,
                filter_subject=EVENTS_SUBJECTS,
                inactive_threshold=120.0,
                mem_storage=True,
            ),
        )
        self.consumer = info.name
        await self._vraag(self.venster)

    async def stop(self) -> None:
        if self.sub is not None:
            await self.sub.unsubscribe()
        if self.consumer is not None:
            try:
                await self.js.delete_consumer(EVENTS.name, self.consumer)
            except Exception:  # noqa: BLE001 - an ephemeral consumer also goes by itself when idle
                pass

    async def _vraag(self, aantal: int) -> None:
        self.gevraagd += aantal
        await self.nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS.name}.{self.consumer}", json.dumps({"batch": aantal}).encode(), reply=self.inbox
        )

    async def _ontvang(self, msg: Any) -> None:
        if not msg.reply:  # a status message (a request that ended), not a stream message
            return
        self.rij.append(msg)
        self.er_is.set()

    async def neem(self, hoogstens: int, *, timeout: float) -> list[Any]:
        while not self.rij:
            self.er_is.clear()
            try:
                await asyncio.wait_for(self.er_is.wait(), timeout)
            except TimeoutError:
                raise TimeoutError(f"geen bericht binnen {timeout:.0f} s van de stroom") from None
        berichten = [self.rij.popleft() for _ in range(min(hoogstens, len(self.rij)))]
        self.gevraagd -= len(berichten)
        # Ask for more as soon as half the window is taken out: the next messages are on their way
        # while these are validated.
        if self.gevraagd <= self.venster // 2:
            await self._vraag(self.venster - self.gevraagd)
        return berichten


class Voortgangsbalk:
    """A progress bar on stderr: the share of the stream's messages read."""

    def __init__(self, stroom=None, breedte: int = 30) -> None:
        self.stroom = stroom or sys.stderr
        self.breedte = breedte
        self.tty = self.stroom.isatty()
        self.vorige = -1.0
        self.laatst_getekend = 0.0

    def __call__(self, gelezen: int, totaal: int) -> None:
        deel = 1.0 if totaal == 0 else min(gelezen / totaal, 1.0)
        nu = time.monotonic()
        klaar = deel >= 1.0
        if self.tty:
            if not klaar and nu - self.laatst_getekend < 0.1:
                return
            vol = int(deel * self.breedte)
            balk = "#" * vol + "-" * (self.breedte - vol)
            self.stroom.write(f"\rHerbouwen [{balk}] {deel * 100:5.1f}%  {gelezen:,}/{totaal:,} berichten".replace(",", "."))
            if klaar:
                self.stroom.write("\n")
        else:
            # In a log: one line per tenth, so the file stays readable.
            if int(deel * 10) == int(self.vorige * 10) and not (klaar and self.vorige < 1.0):
                return
            self.stroom.write(f"Herbouwen: {deel * 100:.0f}% ({gelezen}/{totaal} berichten)\n")
        self.stroom.flush()
        self.vorige = deel
        self.laatst_getekend = nu


async def herbouw(settings: Settings, *, batch: int = 2000, voortgang: Voortgang | None = None) -> Resultaat:
    return await Herbouw(settings, batch=batch, voortgang=voortgang).uitvoeren()


def main(argv_batch: int = 2000) -> int:
    from dinet_chassis.logging import configure_logging

    configure_logging("kpi-herbouw")
    settings = Settings(service="kpi")
    resultaat = asyncio.run(herbouw(settings, batch=argv_batch, voortgang=Voortgangsbalk()))
    print(
        f"Herbouwd: {resultaat.berichten} berichten gelezen, {resultaat.events} gebeurtenissen verwerkt"
        f" ({resultaat.dubbel} dubbel, {resultaat.ongeldig} ongeldig) in {resultaat.seconden:.1f} s"
        f" ({resultaat.per_seconde:.0f} per seconde).",
        file=sys.stderr,
    )
    return 0
