"""Small helpers the benchmarks share."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import date

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
