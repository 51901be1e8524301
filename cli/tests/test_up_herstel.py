"""`dinet up` starts its embedded NATS and PostgreSQL again when they die (kill -9), and the
services recover by themselves: every sign-up that was accepted arrives in the KPIs and gets its
welcome mail, exactly once. NATS comes back as secured as it was: same config, same keys, the
services reconnect with their own credentials and an anonymous client is refused."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections import Counter
from datetime import date
from email.utils import parseaddr
from pathlib import Path

import httpx
import nats
import pytest
from dinet_contracts.topology import SERVICES

from dinet_chassis.embedded import free_port, read_mails
from dinet_chassis.testing import mail_tally, wait_until
from dinet_cli.paths import pid_alive


def _state(data: Path) -> dict:
    try:
        return json.loads((data / "run" / "state.json").read_text())
    except (OSError, ValueError):
        return {}


async def _sign_up(client: httpx.AsyncClient, organisatie_id: str, run: str, n: int) -> tuple[str, int]:
    email = f"lid{n}.{run}@herstel.example"
    body = {
        "naam": f"Lid {n}",
        "email": email,
        "organisatie_id": organisatie_id,
        "functie": "Medewerker",
        "nieuwsbrief": False,
    }
    try:
        answer = await client.post("/registratie/api/v1/leden", json=body)
    except httpx.HTTPError:
        return email, 0
    return email, answer.status_code


async def _leden(client: httpx.AsyncClient) -> int:
    try:
        answer = await client.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})
        return next(k["waarde"] for k in answer.json()["kpis"] if k["id"] == "od11_leden")
    except (httpx.HTTPError, ValueError, KeyError):
        return -1


def _mails_per_person(data: Path) -> tuple[Counter, dict[str, set[str]]]:
    """Mails per address, and the distinct Message-IDs per address."""
    count: Counter = Counter()
    ids: dict[str, set[str]] = {}
    for mail in read_mails(data / "mail"):
        address = parseaddr(mail["to"])[1]
        count[address] += 1
        ids.setdefault(address, set()).add(str(mail["message"]["Message-ID"]))
    return count, ids


async def _stream(client, gent: str, run: str, numbers: range, kill_at: int, kill_pid: int) -> list[tuple[str, int]]:
    """Sign-ups one after the other, as people do; the server is killed before number `kill_at`.
    A sign-up that fails (the database is away) is tried again, as the page asks people to;
    409 on a retry means an earlier try did arrive. Status 201 when the first try was accepted,
    minus the number of tries when a later one was."""
    results = []
    for n in numbers:
        if n == kill_at:
            os.kill(kill_pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        tries = 0
        while True:
            email, status = await _sign_up(client, gent, run, n)
            tries += 1
            if status in (201, 409) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        results.append((email, 201 if tries == 1 and status == 201 else -tries if status in (201, 409) else status))
        await asyncio.sleep(0.02)
    return results


async def _missing(client, data: Path, run: str) -> dict:
    count, _ = _mails_per_person(data)
    return {"KPI": await _leden(client), "mails": sum(count.values())}


async def _arrived(client, data: Path, accepted: set[str]) -> bool:
    count, _ = _mails_per_person(data)
    return await _leden(client) == len(accepted) and all(count[e] >= 1 for e in accepted)


async def test_killed_nats_and_postgres_come_back_and_every_sign_up_arrives_once(dinet_up):
    # No demo members, so the KPI counts only ours; a short ack wait, so acks lost with the
    # server are redelivered (and absorbed by the inbox) within seconds.
    # Its own NATS port: no other stack on this machine may take 4222 over while ours is down.
    dinet_up.env.update({"DINET_DEMO": "0", "DINET_ACK_WAIT": "2", "DINET_NATS_PORT": str(free_port())})
    run = uuid.uuid4().hex[:8]
    async with dinet_up() as stack:
        try:
            await _scenario(stack, run)
        except BaseException:
            # What dinet up and the services said, for whoever reads the failure.
            print(stack.console.read_text())
            for log in sorted((stack.data / "logs").glob("*.log")):
                print(f"--- {log.name}", *[line for line in log.read_text().splitlines() if '"info"' not in line][-40:], sep="\n")
            print("--- ontbrekend:", await _missing(stack.client, stack.data, run))
            raise
    assert stack.exit_code == 0, stack.console.read_text()


async def _still_secured(nats_state: dict) -> None:
    """The restarted NATS has the same config and keys: nobody gets in without a user, and every
    client it has is one of ours (the services came back with their own credentials)."""
    url = nats_state["url"]
    with pytest.raises(Exception, match="(?i)authorization"):
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=2)
    nc = await nats.connect(url, user_credentials=nats_state["creds"], allow_reconnect=False, connect_timeout=2)
    await nc.close()

    async def services_back_as_themselves() -> bool:
        async with httpx.AsyncClient() as monitor:
            connz = (await monitor.get(f"{nats_state['monitor_url']}/connz", params={"auth": "true"})).json()
        users = [c.get("authorized_user") for c in connz.get("connections", [])]
        return len(users) >= len(SERVICES) and all(users)

    await wait_until(services_back_as_themselves, timeout=30, interval=0.25)


async def _scenario(stack, run: str) -> None:
    client, data = stack.client, stack.data
    organisaties = (await client.get("/registratie/api/v1/organisaties")).json()["organisaties"]
    gent = next(o for o in organisaties if o["naam"] == "Gent")["id"]
    state = _state(data)
    nats_pid, pg_pid = state["nats"]["pid"], state["postgres"]["pid"]

    # 1. A steady stream of sign-ups; nats-server is killed with SIGKILL in the middle of it.
    began = time.monotonic()
    nats_phase = await _stream(client, gent, run, range(0, 60), kill_at=20, kill_pid=nats_pid)
    await wait_until(lambda: _state(data)["nats"]["pid"] not in (None, nats_pid), timeout=30)
    assert _state(data)["nats"]["restarts"] == 1 and not pid_alive(nats_pid)
    await _still_secured(_state(data)["nats"])
    nats_phase += await _stream(client, gent, run, range(60, 80), kill_at=-1, kill_pid=0)
    accepted = {email for email, status in nats_phase if status == 201}
    await wait_until(lambda: _arrived(client, data, accepted), timeout=60, interval=0.25)
    nats_took = time.monotonic() - began
    count, _ = _mails_per_person(data)
    nats_figures = {
        "verstuurd": len(nats_phase),
        "aanvaard": len(accepted),
        "geteld in KPI": await _leden(client),
        **mail_tally(count, accepted),
        "alles aangekomen na (s)": round(nats_took, 1),
    }
    print("NATS kill -9:", json.dumps(nats_figures, ensure_ascii=False))
    # Nobody's sign-up is refused while NATS is away: the outbox keeps it until it is back.
    assert nats_figures == {**nats_figures, "verstuurd": 80, "aanvaard": 80, "geteld in KPI": 80,
                            "mails": 80, "dubbel": 0, "verloren": 0}, nats_figures

    # 2. PostgreSQL killed in a stream of sign-ups: refused while it is away, accepted after.
    began = time.monotonic()
    pg_phase = await _stream(client, gent, run, range(80, 110), kill_at=85, kill_pid=pg_pid)
    await wait_until(lambda: _state(data)["postgres"]["pid"] not in (None, pg_pid), timeout=60)
    assert _state(data)["postgres"]["restarts"] == 1 and not pid_alive(pg_pid)
    assert all(status == 201 or status < 0 for _, status in pg_phase), pg_phase
    accepted |= {email for email, _ in pg_phase}
    await wait_until(lambda: _arrived(client, data, accepted), timeout=60, interval=0.25)
    count, ids = _mails_per_person(data)
    pg_figures = {
        "verstuurd": len(pg_phase),
        "eerst geweigerd, later aanvaard": sum(1 for _, status in pg_phase if status < 0),
        "geteld in KPI": await _leden(client) - len(nats_phase),
        "welkomstmails": sum(count[e] for e, _ in pg_phase),
        "zelfde mail opnieuw (zelfde Message-ID)": sum(count[e] - len(ids[e]) for e in accepted),
        "dubbel (verschillende mails)": sum(len(ids[e]) - 1 for e in accepted if len(ids[e]) > 1),
        "verloren": sum(1 for e in accepted if count[e] == 0),
        "alles aangekomen na (s)": round(time.monotonic() - began, 1),
    }
    print("PostgreSQL kill -9:", json.dumps(pg_figures, ensure_ascii=False))
    assert pg_figures["geteld in KPI"] == 30 and pg_figures["verloren"] == 0, pg_figures
    # A mail handed to SMTP just before the database died is sent again after the restart,
    # under the same Message-ID (see meldingen/bezorging.py); a second, different mail never.
    assert pg_figures["dubbel (verschillende mails)"] == 0, pg_figures
    out = stack.console.read_text()
    assert "NATS is gestopt (signaal SIGKILL); opnieuw starten." in out
    assert "PostgreSQL is gestopt (signaal SIGKILL); opnieuw starten." in out
    assert await stack.healthy("/registratie/health")
