"""`dinet seed` against a real `dinet up`: the demo data go in through the HTTP APIs and forms and
reach the KPI figures through the bus."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

import httpx

from dinet_chassis.embedded import free_port
from dinet_chassis.testing import wait_until

SERVICES = ("registratie", "kpi", "meldingen", "beleidsplan")
ACTIVITEIT_KPIS = ("od11_bijeenkomsten", "od12_infosessies", "od12_deelnemersuren", "od22_thematisch", "od32_adviesgesprekken")


async def _healthy(client: httpx.AsyncClient, path: str) -> bool:
    try:
        return (await client.get(path)).status_code == 200
    except httpx.HTTPError:
        return False


async def test_dinet_seed_fills_a_running_stack_so_the_kpis_are_not_zero(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    env = {**os.environ, "DINET_DATA_DIR": str(data), "DINET_PORT": str(port)}
    for external in ("NATS_URL", "DATABASE_URL", "SMTP_URL", "DINET_DEMO"):
        env.pop(external, None)

    idle = subprocess.run([sys.executable, "-m", "dinet_cli", "seed"], env=env, capture_output=True, text=True, timeout=30)
    assert idle.returncode == 1 and "Er draait geen `dinet up`" in idle.stderr

    out = tmp_path / "console.txt"
    with open(out, "wb") as console:
        up = subprocess.Popen(
            [sys.executable, "-m", "dinet_cli", "up"], env=env, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for service in SERVICES:
                await wait_until(lambda s=service: _healthy(client, f"/{s}/health"), timeout=60)
            await wait_until(lambda: "Klaar: open" in out.read_text(), timeout=10)

            seed = subprocess.run(
                [sys.executable, "-m", "dinet_cli", "seed"], env=env, capture_output=True, text=True, timeout=60
            )
            assert seed.returncode == 0, seed.stdout + seed.stderr
            assert "Leden: 40 nieuw" in seed.stdout

            async def figures() -> dict[str, float]:
                answer = await client.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})
                return {k["id"]: k["waarde"] or 0 for k in answer.json()["kpis"]}

            async def counted() -> bool:
                f = await figures()
                return f["od11_leden"] >= 40 and any(f[k] > 0 for k in ACTIVITEIT_KPIS)

            await wait_until(counted, timeout=20)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)
        try:
            code = up.wait(timeout=30)
        finally:
            if up.poll() is None:
                os.killpg(up.pid, signal.SIGKILL)
    assert code == 0, out.read_text()
