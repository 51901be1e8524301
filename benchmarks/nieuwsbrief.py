"""Benchmark: a 10 000-recipient newsletter issue through meldingen, against raw aiosmtplib.

Both send to the same local mail sink (the embedded one `dinet up` starts), run in its own
process so neither side shares the interpreter with it.

- meldingen: the service as it runs in production, in its own process (`python -m meldingen`):
  the issue is due now; the worker fixes the recipients (one mail row each), then four senders,
  each with its own SMTP session, lock batches of mail rows, write one durable journal entry per
  mail just before its SMTP transaction, and mark each batch sent in one commit. Measured from the moment the issue is due
  until it is marked sent; peak memory is the service process's high-water mark (VmHWM).
- baseline: what one would write by hand: the same 10 000 messages, composed beforehand as bytes
  (not timed), sent over one aiosmtplib connection in a loop. No database, no bookkeeping.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib
import asyncpg
from dinet_chassis.db import asyncpg_connect_kwargs
from dinet_chassis.embedded import free_port, wait_for_port

from .common import log
from .report import Report, Row
from .servers import Servers, fresh_database, reset_streams

_SINK = (
    "import signal, sys; from pathlib import Path; from dinet_chassis.embedded import MailSink;"
    " MailSink(Path(sys.argv[1]), port=int(sys.argv[2])).start(); signal.pause()"
)


def _start_sink(mail_dir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proces = subprocess.Popen([sys.executable, "-c", _SINK, str(mail_dir), str(port)])
    wait_for_port(port, "127.0.0.1", 30)
    return proces, port


def _peak_mb(pid: int) -> float:
    for regel in Path(f"/proc/{pid}/status").read_text().splitlines():
        if regel.startswith("VmHWM:"):
            return int(regel.split()[1]) / 1024
    return float("nan")


async def _service(servers: Servers, url: str, smtp_url: str, count: int) -> tuple[float, float]:
    port = free_port()
    env = {**os.environ, "NATS_URL": servers.shipped_nats_url, "DATABASE_URL": url, "SMTP_URL": smtp_url,
           "DINET_HTTP_PORT": str(port), "DINET_DATA_DIR": str(servers.work_dir / "data-meldingen"),
           "DINET_LOG_LEVEL": "WARNING"}
    proces = subprocess.Popen([sys.executable, *(["-m", "cProfile", "-o", os.environ["BENCH_PROFIEL"]] if os.environ.get("BENCH_PROFIEL") else []), "-m", "meldingen"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(servers.work_dir / "meldingen-bench.log", "wb"))
    try:
        await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 60)
        conn = await asyncpg.connect(**asyncpg_connect_kwargs(url), server_settings={"search_path": "meldingen"})
        try:
            await conn.execute(
                "INSERT INTO contact (lid_id, naam, email, nieuwsbrief_gewenst, nieuwsbrief_bevestigd_op, gegevens_van)"
                " SELECT gen_random_uuid(), 'Lid ' || i, 'lid' || i || '@bench.dinet.be', true, now(), now()"
                " FROM generate_series(1, $1) i",
                count,
            )
            nummer_id = uuid.uuid4()
            await conn.execute(
                "INSERT INTO nieuwsbrief (id, titel, per_minuut, status, gepland_op, inhoud_html, inhoud_tekst)"
                " VALUES ($1, 'Nieuwsbrief bench', 100000, 'gepland', now(), $2, $3)",
                nummer_id, _HTML, _TEKST,
            )
            begin = time.perf_counter()
            while True:
                status = await conn.fetchval("SELECT status FROM nieuwsbrief WHERE id = $1", nummer_id)
                if status == "verzonden":
                    break
                if proces.poll() is not None:
                    raise RuntimeError("meldingen stopte tijdens de benchmark")
                await asyncio.sleep(0.05)
            seconden = time.perf_counter() - begin
            verzonden = await conn.fetchval("SELECT aantal_ontvangers FROM nieuwsbrief WHERE id = $1", nummer_id)
            if verzonden != count:
                raise RuntimeError(f"{verzonden} van {count} mails verstuurd")
        finally:
            await conn.close()
        return count / seconden, _peak_mb(proces.pid)
    finally:
        proces.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proces.wait, 30)


async def _raw(smtp_port: int, count: int) -> float:
    from meldingen.use_cases.samenstellen import ruw_nieuwsbriefbericht

    nu = datetime.now(UTC)
    berichten = [
        ruw_nieuwsbriefbericht(
            message_id_=f"<melding.{uuid.uuid4()}@meldingen.dinet>", naam=f"Lid {i}", email=f"lid{i}@bench.dinet.be",
            titel="Nieuwsbrief bench", inhoud_html=_HTML, inhoud_tekst=_TEKST, public_url="http://bench",
            nummer_id=uuid.uuid4(), afmelden=f"http://bench/meldingen/afmelden/{i}", voorkeuren=None, nu=nu,
        )
        for i in range(count)
    ]
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port)
    await client.connect()
    begin = time.perf_counter()
    for bericht in berichten:
        await client.sendmail(bericht.afzender, list(bericht.ontvangers), bericht.data)
    seconden = time.perf_counter() - begin
    await client.quit()
    return count / seconden


_TEKST = "Welkom bij de nieuwsbrief.\n\n" + "Een alinea met nieuws over digitale inclusie. " * 20
_HTML = "<h2>Welkom</h2>\n" + "<p>Een alinea met nieuws over digitale inclusie.</p>\n" * 20


async def bench_nieuwsbrief(servers: Servers, report: Report, count: int) -> None:
    log(f"nieuwsbrief: {count} ontvangers via meldingen en via ruwe aiosmtplib")
    sink, smtp_port = _start_sink(servers.work_dir / "mail-nieuwsbrief")
    try:
        await reset_streams(servers.shipped_nats_url)
        async with fresh_database(servers.admin_database_url) as url:
            per_s, piek = await _service(servers, url, f"smtp://127.0.0.1:{smtp_port}", count)
        basis = await _raw(smtp_port, count)
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)
    report.add(Row(f"nieuwsbrief {count} ontvangers", per_s, "mails/s", basis, "mails/s", ">= 0.5x",
                   detail="meldingen in een eigen proces (4 zenders, een duurzame journaalregel per mail vóór SMTP, "
                   "een commit per reeks) tegen één aiosmtplib-verbinding met vooraf opgestelde berichten; "
                   "dezelfde lokale mailsink"))
    report.add(Row("nieuwsbrief piekgeheugen", piek, "MB", target="<= 300 MB",
                   detail="VmHWM van het meldingen-proces tijdens het versturen"))
