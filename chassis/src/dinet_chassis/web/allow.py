"""`OPTIONS` names every method of a path, also when several handlers share that path.

Litestar 2 makes the automatic OPTIONS handler when the first handler of a path is registered and
keeps listing only that handler's methods (litestar#4169, fixed in 3.0), so `OPTIONS` on
`…/inschrijvingen/{lid_id}` answered `Allow: GET, OPTIONS` while DELETE works too. For such
paths the chassis registers the OPTIONS handler itself, before the others, with the full list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from litestar import Response
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_204_NO_CONTENT

__all__ = ["opties_voor_gedeelde_paden"]


def _opties(pad: str, methoden: set[str]) -> HTTPRouteHandler:
    allow = ", ".join(sorted(methoden | {"OPTIONS"}))

    def options_handler() -> Response[None]:
        return Response(content=None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow})

    return HTTPRouteHandler(
        path=pad, http_method=["OPTIONS"], include_in_schema=False, sync_to_thread=False, name=f"opties:{pad}"
    )(options_handler)


def opties_voor_gedeelde_paden(route_handlers: Sequence[Any]) -> list[HTTPRouteHandler]:
    per_pad: dict[str, list[HTTPRouteHandler]] = defaultdict(list)
    for handler in route_handlers:
        if isinstance(handler, HTTPRouteHandler):
            for pad in handler.paths:
                per_pad[pad].append(handler)
    return [
        _opties(pad, {m for h in handlers for m in h.http_methods})
        for pad, handlers in per_pad.items()
        if len(handlers) > 1 and not any("OPTIONS" in h.http_methods for h in handlers)
    ]
