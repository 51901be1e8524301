"""Projections are disposable: a rebuild from the stream gives exactly the live figures, and two
consumer instances share the work without counting anything twice."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import date

import nats
from sqlalchemy import text

from dinet_chassis.bus import ensure_streams
from dinet_chassis.testing import wait_until
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.topology import EVENTS
from kpi import domain, store
from kpi.use_cases import overzicht
from kpi.catalogus import KPIS, PLANJAREN
from kpi.use_cases.herbouw import PROJECTIES, Voortgangsbalk, herbouw
from kpi.main import DEFINITION
from kpi.voorbeeldhistoriek import Historiek


async def publiceer_historiek(url: str, aantal: int, seed: int = 2025) -> int:
    """Raw pipelined publishing, as fast as JetStream acknowledges; returns the last sequence."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, (EVENTS,))
        wachtend = []
        for envelope in Historiek(seed).events(aantal):
            body = envelope.model_dump_json().encode()
            # A fresh Nats-Msg-Id per message, so the duplicates in the history reach the stream.
            wachtend.append(await js.publish_async(envelope.data.nats_subject(), body, headers={"Content-Type": CONTENT_TYPE}))
        acks = await asyncio.gather(*wachtend)
        return max(a.seq for a in acks)
    finally:
        await nc.close()


async def wacht_op_consument(js, laatste: int, timeout: float = 60) -> None:
    async def klaar() -> bool:
        info = await js.consumer_info(EVENTS.name, "kpi-projectie")
        return info.ack_floor.stream_seq >= laatste and not info.num_ack_pending

    await wait_until(klaar, timeout=timeout, interval=0.1)


async def alle_cijfers(runtime) -> dict:
    """Every figure of every plan year (also the years still to come), the context figures included."""
    uitkomst = {}
    async with runtime.db.engine.connect() as conn:
        for jaar in PLANJAREN:
            p = domain.Periode(jaar, date(jaar, 12, 31))
            o = await overzicht.jaaroverzicht(conn, p)
            ctx, context = await overzicht.contextcijfers(conn, p)
            uitkomst[jaar] = (
                {c.id: (c.waarde, c.doel) for c in o.kpis},
                {c.id: c.waarde for c in context},
                ctx.feedback,
                {k.id: len(await store.records(conn, k, p)) for k in KPIS},
            )
    return uitkomst


async def tabelinhoud(runtime) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every projection table, to see that nothing at all differs."""
    inhoud = {}
    async with runtime.db.engine.connect() as conn:
        for tabel in PROJECTIES:
            rij = (
                await conn.execute(text(f"SELECT count(*), md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {tabel} t"))
            ).one()
            inhoud[tabel] = (rij[0], rij[1])
    return inhoud


async def test_herbouw_geeft_exact_dezelfde_cijfers(start_service, nats_server):
    async with start_service(DEFINITION) as runtime:
        laatste = await publiceer_historiek(nats_server.url, 5_000)
        await wacht_op_consument(runtime.js, laatste)
        live = await alle_cijfers(runtime)
        live_tabellen = await tabelinhoud(runtime)
        assert sum(live[2025][0][k][0] for k in ("od11_leden", "od12_deelnemersuren", "od13_nieuwsbrieven")) > 0

        voortgang = io.StringIO()
        resultaat = await herbouw(runtime.settings, batch=700, voortgang=Voortgangsbalk(voortgang))
        assert resultaat.berichten == laatste
        assert resultaat.dubbel > 0  # the history republishes some events

        assert await alle_cijfers(runtime) == live
        assert await tabelinhoud(runtime) == live_tabellen
        regels = voortgang.getvalue().splitlines()
        assert regels[0].startswith("Herbouwen: 0%") and regels[-1].startswith("Herbouwen: 100%")

        # The service goes on after the swap: a new event lands in the new tables.
        before = runtime.consumers[0].processed
        nieuw = await publiceer_historiek(nats_server.url, 1, seed=99)
        await wacht_op_consument(runtime.js, nieuw)
        assert runtime.consumers[0].processed == before + 1
        async with runtime.db.engine.connect() as conn:
            namen = set((await conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'kpi'"))).scalars())
            assert {"activiteit_jaar_soort", "bron_event_sleutel", "activiteit_pkey"} <= namen
            assert await conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = 'kpi_herbouw'")) == 0


async def test_twee_instanties_delen_het_werk_zonder_dubbel_te_tellen(start_service, nats_server):
    async with start_service(DEFINITION) as een, start_service(DEFINITION, consumer_batch=50) as twee:
        laatste = await publiceer_historiek(nats_server.url, 2_000, seed=7)
        await wacht_op_consument(een.js, laatste)
        verdeeld = (een.consumers[0].processed, twee.consumers[0].processed)
        assert all(n > 0 for n in verdeeld), verdeeld
        async with een.db.engine.connect() as conn:
            verwerkt = await conn.scalar(text("SELECT count(*) FROM inbox WHERE consumer = 'kpi-projectie'"))
        # Every distinct event exactly once, over both instances together.
        assert verwerkt == len({e.id for e in Historiek(7).events(2_000)})
        live = await alle_cijfers(een)
        # The reference: one reader, in stream order.
        await herbouw(een.settings, batch=500)
        assert await alle_cijfers(een) == live


def test_dinet_kpi_rebuild_op_de_opdrachtregel_toont_voortgang(nats_server, database_url, tmp_path):
    env = {**os.environ, "NATS_URL": nats_server.url, "DATABASE_URL": database_url, "DINET_DATA_DIR": str(tmp_path)}
    asyncio.run(publiceer_historiek(nats_server.url, 300))
    # `dinet kpi rebuild` runs `python -m kpi rebuild` with the stack's servers.
    result = subprocess.run(
        [sys.executable, "-m", "dinet_cli", "kpi", "rebuild", "--batch", "100"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Herbouwen: 100%" in result.stderr
    assert "300 berichten gelezen" in result.stderr
