"""A database outage answered as an outage: 503 with `Retry-After`, logged once per change.

While PostgreSQL is down every request fails the same way; a traceback per request would bury the
one line that matters. The log says "down" at the first failure and "back" at the first connection
the pool hands out again, nothing in between.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from litestar import Request, Response
from litestar.response import Template
from sqlalchemy import event

from .problem import problem_response

TYPE_ONBESCHIKBAAR = "urn:dinet:probleem:tijdelijk-onbeschikbaar"
RETRY_AFTER_SECONDEN = 5

TITEL = "De dienst is tijdelijk niet beschikbaar"
UITLEG_API = "De databank is even niet bereikbaar. Probeer het over enkele seconden opnieuw."
UITLEG_PAGINA = (
    "We kunnen je gegevens nu even niet opslaan of ophalen. Er is niets verloren: probeer het over "
    "enkele minuten opnieuw. Lukt het dan nog niet, bel ons op 02 211 55 00."
)

_log = logging.getLogger("dinet.web")


class DatabankStatus:
    """Up or down, as the requests see it. The pool's checkout event says when it is back."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.onbereikbaar = False
        self._lock = threading.Lock()  # the checkout event may run on a thread of sync_to_thread

    def volg(self, db: Any) -> None:
        engine = getattr(db, "engine", None)
        if engine is not None:
            event.listen(engine.sync_engine, "checkout", self._bij_checkout)

    def _bij_checkout(self, *_: Any) -> None:
        if self.onbereikbaar:
            self.weer_bereikbaar()

    def onbereikbaar_geworden(self, exc: BaseException) -> None:
        with self._lock:
            if self.onbereikbaar:
                return
            self.onbereikbaar = True
        _log.error(
            "database onbereikbaar (%s): %s: %s; requests get 503 until it is back",
            self.service,
            type(exc).__name__,
            exc,
        )

    def weer_bereikbaar(self) -> None:
        with self._lock:
            if not self.onbereikbaar:
                return
            self.onbereikbaar = False
        _log.warning("database weer bereikbaar (%s)", self.service)


def storing_antwoord(request: Request[Any, Any, Any], exc: BaseException, *, api: bool) -> Response[Any]:
    status: DatabankStatus | None = request.app.state.get("databank_status")
    if status is not None:
        status.onbereikbaar_geworden(exc)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDEN)}
    if api:
        return problem_response(503, TITEL, detail=UITLEG_API, type_=TYPE_ONBESCHIKBAAR, headers=headers)
    return Template(
        template_name="dinet_fout.html",
        context={"status": 503, "titel": TITEL, "uitleg": UITLEG_PAGINA},
        status_code=503,
        headers=headers,
    )
