"""`dinet up` for real: embedded servers, the four services, the gateway; a killed service comes
back; Ctrl-C stops everything and leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nats
import pytest
from dinet_contracts.topology import CONSUMERS, SERVICES

from dinet_chassis.testing import wait_until
from dinet_cli.paths import pid_alive



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


async def test_dinet_up_runs_everything_restarts_a_killed_service_and_stops_cleanly(dinet_up):
    seen: set[int] = set()
    async with dinet_up() as stack:
        client, data, out, port = stack.client, stack.data, stack.console, stack.port
        assert f"Klaar: open http://127.0.0.1:{port}/" in out.read_text()

        state = _state(data)
        assert state["pid"] == stack.process.pid
        assert state["nats"]["embedded"] and state["postgres"]["embedded"] and state["smtp"]["embedded"]
        seen |= {state["nats"]["pid"], state["postgres"]["pid"]}
        seen |= {state["services"][s]["pid"] for s in SERVICES}

        home = await client.get("/")
        assert home.status_code == 200 and 'href="/registratie/lid-worden"' in home.text
        assert f"{stack.client.base_url}ontwikkelaars".rstrip("/") in out.read_text() or "/ontwikkelaars" in out.read_text()
        assert (await client.get("/mail/")).status_code == 200

        status = stack.dinet("status", "--json", timeout=30)
        report = json.loads(status.stdout)
        assert status.returncode == 0, report
        assert all(part["werkt"] for part in report["onderdelen"])
        assert report["dead_letters"] == 0
        assert {c["consument"] for c in report["consumenten"]} == {c.durable for c in CONSUMERS}
        # The services and `dinet status` got in with their own users; nobody gets in without one.
        with pytest.raises(Exception, match="(?i)authorization violation"):
            await nats.connect(state["nats"]["url"], allow_reconnect=False, max_reconnect_attempts=1)

        killed = state["services"]["registratie"]["pid"]
        os.kill(killed, signal.SIGKILL)
        await wait_until(
            lambda: _state(data)["services"]["registratie"]["pid"] not in (None, killed), timeout=10
        )
        seen.add(_state(data)["services"]["registratie"]["pid"])
        await wait_until(lambda: stack.healthy("/registratie/health"), timeout=30)
        assert "registratie is gestopt (signaal SIGKILL)" in out.read_text()
    console_text = out.read_text()
    assert stack.exit_code == 0, console_text
    assert "Gestopt." in console_text
    assert not [pid for pid in seen if pid_alive(pid)], console_text
    assert _processes_mentioning(str(data)) == []
    assert not (data / "run" / "state.json").exists()
