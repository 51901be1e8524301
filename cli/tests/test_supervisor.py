"""The supervisor restarts a child that stops, with growing pauses, and stops stubborn children."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from dinet_chassis.testing import wait_until
from dinet_cli.paths import pid_alive
from dinet_cli.supervisor import ServiceSpec, Supervisor

SLEEPER = "import time; time.sleep(60)"
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('klaar', flush=True); time.sleep(60)"


def spec(tmp_path, name: str, code: str) -> ServiceSpec:
    return ServiceSpec(name=name, argv=[sys.executable, "-c", code], env=dict(os.environ), log_file=tmp_path / f"{name}.log")


async def test_a_killed_child_is_started_again(tmp_path, capsys):
    supervisor = Supervisor([spec(tmp_path, "slaper", SLEEPER)], backoff_start=0.1)
    supervisor.start()
    try:
        await wait_until(lambda: supervisor.pids()["slaper"] is not None, timeout=10)
        first = supervisor.pids()["slaper"]
        os.kill(first, signal.SIGKILL)
        await wait_until(lambda: supervisor.pids()["slaper"] not in (None, first), timeout=10)
        assert pid_alive(supervisor.pids()["slaper"])
        assert "slaper is gestopt (signaal SIGKILL)" in capsys.readouterr().out
    finally:
        await supervisor.stop()
    assert not pid_alive(first)


async def test_a_crashing_child_is_restarted_with_growing_pauses(tmp_path, capsys):
    supervisor = Supervisor(
        [spec(tmp_path, "crasher", "import sys; print('kapot', flush=True); sys.exit(3)")],
        backoff_start=0.1,
        backoff_max=0.4,
    )
    supervisor.start()
    try:
        await wait_until(lambda: supervisor.services["crasher"].restarts >= 4, timeout=20)
    finally:
        await supervisor.stop()
    out = capsys.readouterr().out
    assert "crasher is gestopt (afsluitcode 3); opnieuw starten over 0,1 s" in out
    assert "opnieuw starten over 0,2 s" in out
    assert "opnieuw starten over 0,4 s" in out
    assert "kapot" in out  # the log's last words are shown with the crash
    assert "opnieuw starten over 0,8 s" not in out  # capped


async def test_stop_kills_a_child_that_ignores_sigterm(tmp_path, capsys):
    supervisor = Supervisor([spec(tmp_path, "koppig", STUBBORN), spec(tmp_path, "slaper", SLEEPER)])
    supervisor.start()
    await wait_until(lambda: "klaar" in (tmp_path / "koppig.log").read_text() if (tmp_path / "koppig.log").exists() else False, timeout=10)
    pids = supervisor.pids()
    began = time.monotonic()
    await supervisor.stop(timeout=1.0)
    assert time.monotonic() - began < 5
    assert not any(pid_alive(pid) for pid in pids.values())
    assert "koppig stopte niet binnen 1 s: geforceerd gestopt." in capsys.readouterr().out
    await asyncio.sleep(0.3)
    assert supervisor.pids() == {"koppig": None, "slaper": None}  # and none was started again


async def test_a_killed_nats_server_comes_back_on_its_port_with_its_messages(tmp_path, capsys):
    import nats

    from dinet_chassis.embedded import EmbeddedNats
    from dinet_cli.supervisor import ServerWatch

    server = EmbeddedNats(tmp_path / "nats").start()
    watch = ServerWatch("NATS", server, interval=0.05)
    watch.start()
    nc = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    try:
        js = nc.jetstream()
        await js.add_stream(name="BEWAARD", subjects=["bewaard.>"])
        ack = await js.publish("bewaard.een", b"voor de crash")
        first = server.pid
        os.kill(first, signal.SIGKILL)
        await wait_until(lambda: watch.restarts == 1 and server.pid not in (None, first), timeout=10)
        # Acknowledged before the crash (fsync on every write): still there, on the same address.
        msg = await js.get_msg("BEWAARD", ack.seq)
        assert msg.data == b"voor de crash"
        out = capsys.readouterr().out
        assert "NATS is gestopt (signaal SIGKILL); opnieuw starten." in out and "NATS draait weer" in out
    finally:
        await nc.close()
        watch.stop()
        server.stop()
    assert not pid_alive(first)


async def test_a_killed_postgres_comes_back_with_what_it_committed(tmp_path):
    import asyncpg

    from dinet_chassis.db import asyncpg_connect_kwargs
    from dinet_chassis.embedded import PostgresProcess
    from dinet_cli.supervisor import ServerWatch

    server = PostgresProcess(tmp_path / "postgres")
    await asyncio.to_thread(server.prepare)
    server.launch()
    await asyncio.to_thread(server.wait_ready)
    url = server.url()
    watch = ServerWatch("PostgreSQL", server, interval=0.05)
    watch.start()
    try:
        conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
        await conn.execute("CREATE TABLE t (x int); INSERT INTO t VALUES (42)")
        await conn.close()
        first = server.pid
        os.kill(first, signal.SIGKILL)
        await wait_until(lambda: watch.restarts == 1, timeout=30)
        assert server.url() == url  # the same socket: the services' DATABASE_URL still holds
        conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
        assert await conn.fetchval("SELECT x FROM t") == 42
        await conn.close()
    finally:
        watch.stop()
        server.stop()
    assert not pid_alive(first)


async def test_a_server_that_will_not_start_is_tried_again_with_growing_pauses(capsys):
    from dinet_cli.supervisor import ServerWatch

    class Stubborn:
        """Dies at once, then fails to start twice."""

        def __init__(self) -> None:
            self.launches = 0
            self.kills = 0
            self.running = False

        def exit_code(self):
            return None if self.running else -signal.SIGKILL

        def launch(self) -> None:
            self.launches += 1
            if self.launches <= 2:
                raise OSError("poort bezet")
            self.running = True

        def wait_ready(self, timeout: float) -> None:
            pass

        def kill(self) -> None:
            self.kills += 1

    server = Stubborn()
    watch = ServerWatch("Proef", server, backoff_start=0.1, interval=0.01)
    watch.start()
    try:
        await wait_until(lambda: watch.restarts == 1, timeout=5)
    finally:
        watch.stop()
    out = capsys.readouterr().out
    assert server.launches == 3 and server.kills == 2
    assert "Proef start nog niet (poort bezet); nieuwe poging over 0,1 s." in out
    assert "nieuwe poging over 0,2 s." in out
    assert "Proef draait weer" in out
