"""Finding the running stack's servers: an explicit option, else the environment, else the state
file `dinet up` wrote."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from typing import Any

from . import paths


CONNECT_TIMEOUT = 4.0


class NotRunning(Exception):
    """Nothing to connect to; the message says what to do, in Dutch."""


def resolve(variable: str, state_key: str, state: dict[str, Any] | None, explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get(variable):
        return os.environ[variable]
    if state:
        return (state.get(state_key) or {}).get("url") or None
    return None


def nats_url(explicit: str | None = None) -> str:
    url = resolve("NATS_URL", "nats", paths.read_state(paths.data_dir()), explicit)
    if not url:
        raise NotRunning("Geen NATS gevonden: start het platform met `dinet up`, of zet NATS_URL.")
    return url


def nats_creds(state: dict[str, Any] | None = None) -> str | None:
    """The operator CLI's NATS credentials: NATS_CREDS, else (for the server `dinet up` started,
    not for one named in NATS_URL) the file in the state file."""
    if os.environ.get("NATS_CREDS"):
        return os.environ["NATS_CREDS"]
    if os.environ.get("NATS_URL"):
        return None
    state = state if state is not None else paths.read_state(paths.data_dir())
    return ((state or {}).get("nats") or {}).get("creds") or None


@contextlib.asynccontextmanager
async def jetstream(url: str, creds: str | None = None) -> AsyncIterator[Any]:
    from dinet_chassis.bus import NatsUnavailable, connect

    _quiet_logs()
    try:
        # Seconds, not more: an operator asking what is down must get an answer while NATS is.
        nc = await connect(url, name="dinet-cli", connect_timeout=CONNECT_TIMEOUT, creds=creds or nats_creds())
    except Exception as exc:
        why = str(exc) if isinstance(exc, (NatsUnavailable, PermissionError, FileNotFoundError)) else f"NATS op {url} antwoordt niet ({type(exc).__name__})"
        raise NotRunning(f"{why}. Draait `dinet up`?") from exc
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


def hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@/]+@", r"\1***@", url)


def _quiet_logs() -> None:
    """The chassis logs every NATS disconnect, which a CLI does on purpose when it finishes."""
    import logging

    import structlog

    if not structlog.is_configured():
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
