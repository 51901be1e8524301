"""FastStream's NATS broker on the service's own NATS connection.

The broker carries the consumers (its pull loop fetches the batches, restarts the loop after an
unexpected error, waits for the batch in hand on shutdown) and describes them for AsyncAPI. It
uses the connection the runtime already made (`bus.connect`: reconnects for ever, the service's
NATS user, a final close that restarts the process), so a service keeps one connection and the
runtime, not the broker, closes it.
"""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from nats.aio.client import Client


class ChassisBroker(NatsBroker):
    def __init__(self, nc: Client | None = None, **kwargs: Any) -> None:
        # FastStream logs every message at INFO; the chassis logs what matters itself.
        kwargs.setdefault("logger", None)
        kwargs.setdefault("graceful_timeout", 10.0)
        super().__init__(**kwargs)
        self._shared = nc

    async def _connect(self) -> Client:  # type: ignore[override]
        if self._shared is None:
            return await super()._connect()
        self.config.connect(self._shared)
        return self._shared

    def abort(self) -> None:
        """Cancel the batches in hand instead of waiting for them (stop() waits up to the
        graceful timeout): what a killed process would do, nothing acked."""
        for subscriber in self.subscribers:
            for task in getattr(subscriber, "tasks", ()):
                task.cancel()

    async def stop(self, *args: Any, **kwargs: Any) -> None:
        if self._shared is not None:
            self._connection = None  # not ours to drain
        await super().stop(*args, **kwargs)
