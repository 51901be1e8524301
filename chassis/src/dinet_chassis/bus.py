"""NATS connection and JetStream streams, as defined once in `dinet_contracts.topology`."""

from __future__ import annotations

import asyncio
import os
from typing import Awaitable, Callable

from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from dinet_contracts.generate import stream_config as contract_stream_config
from dinet_contracts.topology import STREAMS, StreamDef

from .logging import get_logger

log = get_logger(__name__)


async def connect(
    url: str,
    *,
    name: str = "dinet",
    on_final_close: Callable[[], Awaitable[None]] | None = None,
    connect_timeout: float = 30.0,
    creds: str | os.PathLike[str] | None = None,
) -> Client:
    """Reconnect for ever once connected (a NATS restart must lose nothing); keep trying the first
    connect for `connect_timeout` seconds, since the server may still be starting. `url` may list
    several servers of one cluster, separated by commas: any of them will do.

    `creds` is a NATS credentials file (user JWT and seed): the user the server knows us as."""

    loop = asyncio.get_running_loop()
    connected = False
    refused: asyncio.Future[Exception] = loop.create_future()

    async def closed() -> None:
        if connected and on_final_close is not None:
            await on_final_close()

    async def disconnected() -> None:
        log.warning("nats.verbinding_verbroken", url=url)

    async def reconnected() -> None:
        log.info("nats.opnieuw_verbonden", url=url)

    async def error(exc: Exception) -> None:
        log.debug("nats.fout", error=str(exc))
        # nats-py keeps retrying a refused first connect for ever; wrong or missing credentials
        # do not get better by waiting, so the first connect stops on them at once.
        if not connected and "authorization violation" in str(exc).lower() and not refused.done():
            refused.set_result(exc)

    if creds and not os.path.isfile(creds):
        raise FileNotFoundError(f"NATS-gebruiker niet gevonden: {os.fspath(creds)} (NATS_CREDS)")
    # With unlimited reconnects nats-py also retries the *first* connect for ever, inside
    # connect(): only a deadline around it ends that (a CLI must answer while NATS is down).
    nc = Client()
    attempt = asyncio.ensure_future(
        nc.connect(
            [u.strip() for u in url.split(",") if u.strip()],
            name=name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.25,
            connect_timeout=min(2.0, connect_timeout),
            closed_cb=closed,
            disconnected_cb=disconnected,
            reconnected_cb=reconnected,
            error_cb=error,
            user_credentials=os.fspath(creds) if creds else None,
        )
    )
    try:
        done, _ = await asyncio.wait({attempt, refused}, timeout=connect_timeout, return_when=asyncio.FIRST_COMPLETED)
        if attempt in done:
            attempt.result()
            connected = True
            return nc
        attempt.cancel()
        await asyncio.gather(attempt, return_exceptions=True)
        if refused.done():
            who = f"de gebruiker uit {os.fspath(creds)}" if creds else "een verbinding zonder gebruiker (NATS_CREDS)"
            raise PermissionError(f"NATS op {url} weigert {who}: {refused.result()}")
        cause = getattr(nc, "_err", None)
        raise NatsUnavailable(
            f"NATS op {url} antwoordt niet binnen {connect_timeout:g} s" + (f" ({_why(cause)})" if cause else "")
        )
    except BaseException:
        if not connected:
            attempt.cancel()
            try:
                await asyncio.wait_for(nc.close(), timeout=1)
            except BaseException:
                pass
        raise


class NatsUnavailable(ConnectionError):
    """The first connection to NATS did not succeed within the deadline."""


def _why(cause: BaseException) -> str:
    from nats.errors import AuthorizationError

    if isinstance(cause, ConnectionRefusedError):
        return "verbinding geweigerd"
    if isinstance(cause, AuthorizationError):
        return "niet toegelaten: controleer de NATS-gebruiker (NATS_CREDS)"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return type(cause).__name__


def stream_config(stream: StreamDef, replicas: int = 1) -> StreamConfig:
    """The stream as the contracts define it (the same dict deploy/ is generated from); only the
    number of replicas depends on where it runs (Settings.stream_replicas)."""
    return StreamConfig.from_response(contract_stream_config(stream, replicas))


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
