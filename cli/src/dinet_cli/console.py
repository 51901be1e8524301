"""Console messages for the operator: short, Dutch, with the time of day."""

from __future__ import annotations

import sys
import time


def say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {message}", file=sys.stdout, flush=True)


def seconds(value: float) -> str:
    """Dutch style: `2,5 s`, `1 s`."""
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} s"
