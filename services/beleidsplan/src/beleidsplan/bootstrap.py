"""The composition root: beleidsplan's long-lived parts, built once when the service starts and
handed to the web layer typed (handlers declare `diensten: NamedDependency[BeleidsplanDiensten]`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dinet_chassis.db import Database
from dinet_chassis.runtime import Runtime

from .store import BeleidsplanUoW


@dataclass(frozen=True)
class BeleidsplanDiensten:
    db: Database  # for the pages' reads, on a connection of their own
    uow: Callable[[], BeleidsplanUoW]  # a fresh unit of work per use case


def bootstrap(runtime: Runtime) -> BeleidsplanDiensten:
    return BeleidsplanDiensten(
        db=runtime.db,
        uow=lambda: runtime.unit_of_work(BeleidsplanUoW),
    )
