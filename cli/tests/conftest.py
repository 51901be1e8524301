"""A real `dinet up` for the CLI tests: started in its own process group, as from a terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import httpx
import pytest
from dinet_contracts.topology import SERVICES

from dinet_chassis.embedded import free_port
from dinet_chassis.testing import wait_until


async def healthy(client: httpx.AsyncClient, path: str) -> bool:
    try:
        return (await client.get(path)).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class RunningStack:
    process: subprocess.Popen
    client: httpx.AsyncClient
    env: dict[str, str]
    data: Path
    console: Path
    port: int
    exit_code: int | None = field(default=None)

    async def healthy(self, path: str) -> bool:
        return await healthy(self.client, path)

    def dinet(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dinet_cli", *args], env=self.env, capture_output=True, text=True, timeout=timeout)


def stack_env(tmp_path: Path) -> tuple[dict[str, str], Path, int]:
    data, port = tmp_path / "data", free_port()
    env = {**os.environ, "DINET_DATA_DIR": str(data), "DINET_PORT": str(port)}
    for external in ("NATS_URL", "NATS_CREDS", "DATABASE_URL", "SMTP_URL", "DINET_DEMO"):
        env.pop(external, None)  # embedded servers, whatever the test run itself uses
    return env, data, port


@pytest.fixture
def dinet_up(tmp_path: Path):
    """`async with dinet_up() as stack:` waits until every service answers through the gateway;
    on exit sends SIGINT (Ctrl-C) and keeps the exit code in `stack.exit_code`."""

    env, data, port = stack_env(tmp_path)

    @asynccontextmanager
    async def _start() -> AsyncIterator[RunningStack]:
        console = tmp_path / "console.txt"
        with open(console, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "dinet_cli", "up"], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack = None
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                stack = RunningStack(process, client, env, data, console, port)
                for service in SERVICES:
                    await wait_until(lambda s=service: healthy(client, f"/{s}/health"), timeout=60)
                await wait_until(lambda: "Klaar: open" in console.read_text(), timeout=10)
                yield stack
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
            try:
                code = process.wait(timeout=30)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
            if stack is not None:
                stack.exit_code = code

    _start.env = env  # for a command run before the stack is up
    return _start
