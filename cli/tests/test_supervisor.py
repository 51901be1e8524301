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
