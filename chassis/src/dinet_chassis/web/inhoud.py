"""A JSON body must say it is JSON: anything else is 415 before anyone tries to parse it.

Litestar parses a `data` body as JSON whatever its Content-Type, so form data or plain text got a
400 "malformed JSON" (or, worse, was accepted). RFC 9110 15.5.16: a content type the handler does
not take is 415. A request without Content-Type is read as JSON, as before: curl-like clients and
existing scripts send that, and the parser still answers 400 to anything that is not JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException

__all__ = ["controleer_inhoudstype", "is_json", "ketting"]

MELDING_415 = "Stuur JSON, met Content-Type: application/json."


def is_json(content_type: str) -> bool:
    soort = content_type.split(";", 1)[0].strip().lower()
    return soort == "application/json" or (soort.startswith("application/") and soort.endswith("+json"))


def controleer_inhoudstype(request: Request[Any, Any, Any]) -> None:
    handler = request.scope.get("route_handler")
    data = handler.parsed_fn_signature.parameters.get("data") if handler is not None else None
    if data is None:
        return None
    if getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON) != RequestEncodingType.JSON:
        return None
    content_type = request.headers.get("content-type")
    if content_type and not is_json(content_type):
        raise HTTPException(status_code=415, detail=MELDING_415)
    return None


Hook = Callable[[Request[Any, Any, Any]], Any]


def ketting(*hooks: Hook | None) -> Callable[[Request[Any, Any, Any]], Awaitable[Any]]:
    """One `before_request` from several: the first that answers (returns non-None) wins."""
    actief = [h for h in hooks if h is not None]

    async def before_request(request: Request[Any, Any, Any]) -> Any:
        for hook in actief:
            antwoord = hook(request)
            if isinstance(antwoord, Awaitable):
                antwoord = await antwoord
            if antwoord is not None:
                return antwoord
        return None

    return before_request
