"""NATS connection and JetStream streams, as defined once in `dinet_contracts.topology`."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from dinet_contracts.topology import STREAMS, StreamDef

from .logging import get_logger

log = get_logger(__name__)


async def connect(
    url: str,
    *,
    name: str = "dinet",
    on_final_close: Callable[[], Awaitable[None]] | None = None,
    connect_timeout: float = 30.0,
) -> Client:
    """Reconnect for ever once connected (a NATS restart must lose nothing); keep trying the first
    connect for `connect_timeout` seconds, since the server may still be starting. `url` may list
    several servers of one cluster, separated by commas: any of them will do."""

    async def closed() -> None:
        if on_final_close is not None:
            await on_final_close()

    async def disconnected() -> None:
        log.warning("nats.verbinding_verbroken", url=url)

    async def reconnected() -> None:
        log.info("nats.opnieuw_verbonden", url=url)

    async def error(exc: Exception) -> None:
        log.debug("nats.fout", error=str(exc))

    deadline = asyncio.get_running_loop().time() + connect_timeout
    delay = 0.1
    while True:
        try:
            return await nats.connect(
                [u.strip() for u in url.split(",") if u.strip()],
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.25,
                connect_timeout=2,
                closed_cb=closed,
                disconnected_cb=disconnected,
                reconnected_cb=reconnected,
                error_cb=error,
            )
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def stream_config(stream: StreamDef, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=stream.name,
        description=stream.description,
        subjects=list(stream.subjects),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=stream.max_age_seconds or None,
        duplicate_window=stream.duplicate_window_seconds,
        num_replicas=replicas,
        allow_direct=True,
    )


async def ensure_streams(js: JetStreamContext, streams: tuple[StreamDef, ...] = STREAMS, *, replicas: int = 1) -> None:
    """Create the streams, or bring an existing one's settings in line with the contracts;
    `replicas` is Settings.stream_replicas (JetStream moves an existing stream to more copies)."""
    for stream in streams:
        config = stream_config(stream, replicas)
        try:
            info = await js.stream_info(stream.name)
        except NotFoundError:
            try:
                await js.add_stream(config)
                continue
            except BadRequestError:
                info = await js.stream_info(stream.name)  # another instance created it meanwhile
        # Never fewer copies than the stream has: one instance (or a tool) started without the
        # setting must not strip a cluster's streams down to a single copy.
        config.num_replicas = max(replicas, info.config.num_replicas or 1)
        await js.update_stream(config)
