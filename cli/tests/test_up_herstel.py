"""`dinet up` starts its embedded NATS and PostgreSQL again when they die (kill -9), and the
services recover by themselves: every sign-up that was accepted arrives in the KPIs and gets its
welcome mail, exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import httpx

from dinet_chassis.embedded import read_mails
from dinet_chassis.testing import wait_until
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


async def test_killed_nats_and_postgres_come_back_and_every_sign_up_arrives_once(dinet_up):
    # No demo members, so the KPI counts only ours; a short ack wait, so acks lost with the
    # server are redelivered (and absorbed by the inbox) within seconds.
    dinet_up.env.update({"DINET_DEMO": "0", "DINET_ACK_WAIT": "2"})
    run = uuid.uuid4().hex[:8]
    sent: list[tuple[str, int, str]] = []  # (email, status, phase)
    async with dinet_up() as stack:
        client, data = stack.client, stack.data
        organisaties = (await client.get("/registratie/api/v1/organisaties")).json()["organisaties"]
        gent = next(o for o in organisaties if o["naam"] == "Gent")["id"]
        state = _state(data)
        nats_pid, pg_pid = state["nats"]["pid"], state["postgres"]["pid"]

        # 1. A steady stream of sign-ups; nats-server is killed with SIGKILL in the middle of it.
        began = time.monotonic()
        for n in range(60):
            if n == 20:
                os.kill(nats_pid, signal.SIGKILL)
                killed_at = time.monotonic()
            email, status = await _sign_up(client, gent, run, n)
            sent.append((email, status, "nats" if n >= 20 else "voor"))
            await asyncio.sleep(0.02)
        await wait_until(lambda: _state(data)["nats"]["pid"] not in (None, nats_pid), timeout=30)
        nats_back = time.monotonic() - killed_at
        assert _state(data)["nats"]["restarts"] == 1
        assert not pid_alive(nats_pid)
        for n in range(60, 80):
            email, status = await _sign_up(client, gent, run, n)
            sent.append((email, status, "na"))

        # 2. PostgreSQL killed too: sign-ups are refused while it is away, accepted once it is back.
        os.kill(pg_pid, signal.SIGKILL)
        await wait_until(lambda: _state(data)["postgres"]["pid"] not in (None, pg_pid), timeout=60)
        assert not pid_alive(pg_pid)
        for n in range(80, 90):
            deadline = time.monotonic() + 30
            while True:
                email, status = await _sign_up(client, gent, run, n)
                if status == 201 or time.monotonic() > deadline:
                    break
                sent.append((email, status, "postgres-geweigerd"))
                await asyncio.sleep(0.2)
            sent.append((email, status, "postgres"))

        accepted = {email for email, status, _ in sent if status == 201}

        async def all_arrived() -> bool:
            mails = Counter(m["to"] for m in read_mails(data / "mail"))
            return await _leden(client) == len(accepted) and all(mails[e] >= 1 for e in accepted)

        try:
            await wait_until(all_arrived, timeout=60, interval=0.5)
        finally:
            arrived = time.monotonic() - began
            mails = Counter(m["to"] for m in read_mails(data / "mail"))
            counted = await _leden(client)
            figures = {
                "aanmeldingen verstuurd": len({email for email, _, _ in sent}),
                "aanvaard": len(accepted),
                "aanvaard tijdens NATS-uitval": len({e for e, s, p in sent if s == 201 and p == "nats"}),
                "geweigerd tijdens PostgreSQL-uitval": sum(1 for _, _, p in sent if p == "postgres-geweigerd"),
                "geteld in KPI": counted,
                "welkomstmails": sum(mails[e] for e in accepted),
                "dubbel": sum(mails[e] - 1 for e in accepted if mails[e] > 1),
                "verloren": sum(1 for e in accepted if mails[e] == 0),
                "NATS terug na (s)": round(nats_back, 1),
                "alles aangekomen na (s)": round(arrived, 1),
            }
            print("herstelcijfers:", json.dumps(figures, ensure_ascii=False))
        assert figures["dubbel"] == 0 and figures["verloren"] == 0, figures
        assert counted == len(accepted), figures
        # The outage of NATS costs nobody their sign-up: the outbox keeps them until it is back.
        assert all(status == 201 for _, status, phase in sent if phase in ("voor", "nats", "na")), sent
        assert len(accepted) == 90, figures
        out = stack.console.read_text()
        assert "NATS is gestopt (signaal SIGKILL); opnieuw starten." in out
        assert "PostgreSQL is gestopt (signaal SIGKILL); opnieuw starten." in out
        assert await stack.healthy("/registratie/health")
    assert stack.exit_code == 0, stack.console.read_text()
