"""Runs each service as a child process, restarts one that stops with backoff, and stops them
all in order. A child dies with the supervisor, even when the supervisor is SIGKILLed.
The embedded servers (NATS, PostgreSQL) are watched the same way by a ServerWatch."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from dinet_chassis.embedded import _die_with_parent

from .console import say, seconds

# A child that stayed up this long is considered healthy again: its next crash waits 1 s, not 30 s.
STABLE_AFTER_SECONDS = 30.0


@dataclass
class ServiceSpec:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    log_file: Path
    port: int | None = None


@dataclass
class ServiceProcess:
    spec: ServiceSpec
    backoff_start: float = 1.0
    backoff_max: float = 30.0
    on_change: Callable[[], None] | None = None
    process: asyncio.subprocess.Process | None = field(default=None, init=False)
    restarts: int = field(default=0, init=False)
    _stopping: bool = field(default=False, init=False)
    _task: asyncio.Task | None = field(default=None, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        if self.process is None or self.process.returncode is not None:
            return None
        return self.process.pid

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"dienst {self.name}")

    async def _spawn(self) -> asyncio.subprocess.Process:
        self.spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.spec.log_file, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} gestart door dinet ---\n".encode())
            log.flush()
            return await asyncio.create_subprocess_exec(
                *self.spec.argv,
                env=self.spec.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    async def _run(self) -> None:
        delay = self.backoff_start
        while not self._stopping:
            started = time.monotonic()
            try:
                self.process = await self._spawn()
            except OSError as exc:
                say(f"{self.name} kon niet starten: {exc}")
                code: int | None = None
            else:
                if self._stopping:  # stop() came while the child was being spawned
                    signal_process(self.process.pid, signal.SIGTERM)
                self._changed()
                code = await self.process.wait()
                self._changed()
            if self._stopping:
                return
            if time.monotonic() - started >= STABLE_AFTER_SECONDS:
                delay = self.backoff_start
            say(f"{self.name} is gestopt ({describe_exit(code)}); opnieuw starten over {seconds(delay)}. "
                f"Logboek: {self.spec.log_file}")
            for line in last_lines(self.spec.log_file, 3):
                say(f"    {line}")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, self.backoff_max)
            self.restarts += 1

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    async def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, wait up to `timeout`, then SIGKILL what is left."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        process = self.process
        if process is not None and process.returncode is None:
            signal_process(process.pid, signal.SIGTERM)
        try:
            # The task ends once the child has exited.
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            say(f"{self.name} stopte niet binnen {seconds(timeout)}: geforceerd gestopt.")
            if self.process is not None and self.process.returncode is None:
                signal_process(self.process.pid, signal.SIGKILL)
            await asyncio.gather(self._task, return_exceptions=True)


class Supervisor:
    def __init__(self, specs: Sequence[ServiceSpec], *, backoff_start: float = 1.0, backoff_max: float = 30.0,
                 on_change: Callable[[], None] | None = None) -> None:
        self.services = {
            s.name: ServiceProcess(s, backoff_start=backoff_start, backoff_max=backoff_max, on_change=on_change)
            for s in specs
        }

    def start(self) -> None:
        for service in self.services.values():
            service.start()

    async def stop(self, timeout: float = 10.0) -> None:
        # All at once: the 10 s grace period is for the slowest, not for the sum.
        await asyncio.gather(*(s.stop(timeout) for s in self.services.values()))

    def pids(self) -> dict[str, int | None]:
        return {name: s.pid for name, s in self.services.items()}


class Server(Protocol):
    """An embedded server that a ServerWatch can restart (EmbeddedNats, PostgresProcess)."""

    def exit_code(self) -> int | None: ...
    def launch(self) -> None: ...
    def wait_ready(self, timeout: float) -> None: ...
    def kill(self) -> None: ...


@dataclass
class ServerWatch:
    """Starts an embedded server again when it dies, on the same port or socket, so the services
    (which reconnect for ever) find it where they left it. Data survives: NATS fsyncs every write
    before acknowledging it and PostgreSQL recovers from its write-ahead log."""

    label: str
    server: Server
    backoff_start: float = 0.5
    backoff_max: float = 10.0
    ready_timeout: float = 60.0
    interval: float = 0.1
    on_change: Callable[[], None] | None = None
    restarts: int = field(default=0, init=False)
    _stopping: bool = field(default=False, init=False)
    _task: asyncio.Task | None = field(default=None, init=False)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"bewaking {self.label}")

    async def _run(self) -> None:
        while not self._stopping:
            code = self.server.exit_code()
            if code is None:
                await asyncio.sleep(self.interval)
                continue
            say(f"{self.label} is gestopt ({describe_exit(code)}); opnieuw starten.")
            await self._restart()

    async def _restart(self) -> None:
        delay = self.backoff_start
        began = time.monotonic()
        while not self._stopping:
            try:
                # In this thread: the server's parent-death signal is tied to the forking thread.
                self.server.launch()
                await asyncio.to_thread(self.server.wait_ready, self.ready_timeout)
            except Exception as exc:
                self.server.kill()  # one that hangs while starting must not run beside the next
                if self._stopping:
                    return
                say(f"{self.label} start nog niet ({exc}); nieuwe poging over {seconds(delay)}.")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            self.restarts += 1
            say(f"{self.label} draait weer ({seconds(time.monotonic() - began)}).")
            if self.on_change is not None:
                self.on_change()
            return

    def stop(self) -> None:
        """Before the server itself is stopped, or the watch would start it again."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()


def signal_process(pid: int, sig: int) -> None:
    """Signal the child's whole process group (it leads its own session), so that whatever
    it started goes too."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def describe_exit(code: int | None) -> str:
    if code is None:
        return "niet gestart"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"signaal {name}"
    return f"afsluitcode {code}"


def last_lines(path: Path, count: int) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            tail = f.read().decode(errors="replace")
    except OSError:
        return []
    lines = [line.rstrip() for line in tail.splitlines() if line.strip() and not line.startswith("--- ")]
    return lines[-count:]


def python_module(name: str) -> list[str]:
    return [sys.executable, "-m", name]
