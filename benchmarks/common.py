"""Small helpers the benchmarks share."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date

import httpx
from dinet_contracts.events.registratie import LidGeregistreerd

SOURCE = "/dinet/bench"


def lid_event() -> LidGeregistreerd:
    return LidGeregistreerd(
        lid_id=uuid.uuid4(),
        organisatie_id=uuid.uuid4(),
        organisatie_type="lokaal_bestuur",
        lid_sinds=date(2026, 3, 1),
        nieuwsbrief=False,
    )


async def wait_for(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.002) -> float:
    """Seconds until `predicate()` holds; fails loudly rather than report a figure for unfinished work."""
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"niet klaar binnen {timeout} s")
        await asyncio.sleep(interval)
    return time.perf_counter() - start


def log(message: str) -> None:
    print(f"  .. {message}", flush=True)


async def timed_get(client: httpx.AsyncClient, path: str, rounds: int) -> tuple[float, float, int]:
    """Median and slowest (ms) of `rounds` GETs after a first one that warms caches, and the size
    (bytes) of the answer."""
    first = await client.get(path)
    first.raise_for_status()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = await client.get(path)
        times.append(time.perf_counter() - start)
        response.raise_for_status()
    return statistics.median(times) * 1000, max(times) * 1000, len(first.content)


def p95(times: list[float]) -> float:
    """The 95th percentile (nearest rank) of `times`."""
    ordered = sorted(times)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


async def timed_gets(client: httpx.AsyncClient, path: str, rounds: int) -> tuple[list[float], int]:
    """Milliseconds of `rounds` GETs after a first one that warms caches, and the answer's size."""
    first = await client.get(path)
    first.raise_for_status()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = await client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return times, len(first.content)
