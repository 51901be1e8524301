"""`dinet up` for real: embedded servers, the four services, the gateway; a killed service comes
back; Ctrl-C stops everything and leaves no process behind."""

from __future__ import annotations

from dinet_contracts.topology import CONSUMERS

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from dinet_chassis.embedded import free_port
from dinet_chassis.testing import wait_until
from dinet_cli.paths import pid_alive

SERVICES = ("registratie", "kpi", "meldingen", "beleidsplan")


def _state(data: Path) -> dict:
    try:
        return json.loads((data / "run" / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def _processes_mentioning(text: str) -> list[int]:
    """Processes whose command line or environment names our data folder (nats-server, postgres,
    the services through DINET_DATA_DIR)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            blob = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        if text.encode() in blob and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


async def _healthy(client: httpx.AsyncClient, path: str) -> bool:
    try:
        return (await client.get(path)).status_code == 200
    except httpx.HTTPError:
        return False


async def test_dinet_up_runs_everything_restarts_a_killed_service_and_stops_cleanly(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    env = {**os.environ, "DINET_DATA_DIR": str(data), "DINET_PORT": str(port)}
    for external in ("NATS_URL", "DATABASE_URL", "SMTP_URL", "DINET_DEMO"):
        env.pop(external, None)
    out = tmp_path / "console.txt"
    with open(out, "wb") as console:
        # Its own process group, so that the SIGINT below is what Ctrl-C in a terminal sends.
        up = subprocess.Popen(
            [sys.executable, "-m", "dinet_cli", "up"], env=env, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    seen: set[int] = set()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for service in SERVICES:
                await wait_until(lambda s=service: _healthy(client, f"/{s}/health"), timeout=60)
            await wait_until(lambda: "Klaar: open" in out.read_text(), timeout=10)
            assert f"Klaar: open http://127.0.0.1:{port}/" in out.read_text()

            state = _state(data)
            assert state["pid"] == up.pid
            assert state["nats"]["embedded"] and state["postgres"]["embedded"] and state["smtp"]["embedded"]
            seen |= {state["nats"]["pid"], state["postgres"]["pid"]}
            seen |= {state["services"][s]["pid"] for s in SERVICES}

            home = await client.get("/")
            assert home.status_code == 200 and 'href="/registratie/aanmelden"' in home.text
            assert (await client.get("/mail/")).status_code == 200

            status = subprocess.run(
                [sys.executable, "-m", "dinet_cli", "status", "--json"], env=env, capture_output=True, text=True,
                timeout=30,
            )
            report = json.loads(status.stdout)
            assert status.returncode == 0, report
            assert all(part["werkt"] for part in report["onderdelen"])
            assert report["dead_letters"] == 0
            assert {c["consument"] for c in report["consumenten"]} == {c.durable for c in CONSUMERS}

            killed = state["services"]["registratie"]["pid"]
            os.kill(killed, signal.SIGKILL)
            await wait_until(
                lambda: _state(data)["services"]["registratie"]["pid"] not in (None, killed), timeout=10
            )
            seen.add(_state(data)["services"]["registratie"]["pid"])
            await wait_until(lambda: _healthy(client, "/registratie/health"), timeout=30)
            assert "registratie is gestopt (signaal SIGKILL)" in out.read_text()
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)
        try:
            code = up.wait(timeout=30)
        finally:
            if up.poll() is None:
                os.killpg(up.pid, signal.SIGKILL)

    console_text = out.read_text()
    assert code == 0, console_text
    assert "Gestopt." in console_text
    assert not [pid for pid in seen if pid_alive(pid)], console_text
    assert _processes_mentioning(str(data)) == []
    assert not (data / "run" / "state.json").exists()
