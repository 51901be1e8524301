"""The activities' pages and JSON API: every route in one list, and what the app must be given
for them (the `activiteiten` dependency and the answers per error code)."""

from __future__ import annotations

from litestar.di import Provide

from .api import ROUTES as _API
from .beheer import ROUTES as _BEHEER
from .common import FOUTCODES, ActiviteitenDiensten, uit_diensten
from .publiek import ROUTES as _PUBLIEK

ROUTES = [*_PUBLIEK, *_BEHEER, *_API]

# Every route declares `activiteiten: NamedDependency[ActiviteitenDiensten]`.
DEPENDENCIES = {"activiteiten": Provide(uit_diensten, sync_to_thread=False)}

__all__ = ["DEPENDENCIES", "FOUTCODES", "ROUTES", "ActiviteitenDiensten"]
