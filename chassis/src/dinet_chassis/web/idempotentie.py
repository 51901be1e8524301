"""`Idempotency-Key` on creating API requests (IETF httpapi draft "The Idempotency-Key HTTP Header
Field"): a client that got no answer (a timeout, a 502 from the gateway) sends the same request
again with the same key and gets the first answer, instead of the effect happening twice.

Switch it on for a service with `create_web_app(..., idempotentie=True)`: every POST and PATCH under
`/<service>/api/` then honours the header (`opt={"idempotentie": False}` on a handler leaves it out;
`opt={"idempotentie": True}` switches one handler on in a service that did not). Without the header
a request is handled as before.

The answer is stored in the same database transaction as the request's effect: the whole request
runs in one transaction that every `db.transaction()` of the handler joins (as a savepoint), and
the answer is written and committed before it is sent. So if the process dies after the commit,
the retry finds the answer; if it dies before, the retry finds nothing and simply runs again.
A handler that writes through `db.engine` directly instead of `db.transaction()` is outside this.

- same key, same request: the first answer, same status and body, with `Idempotent-Replayed: true`;
- same key, another request: 422 (code `idempotency_key_hergebruikt`);
- same key while the first is still being handled: 409 with `Retry-After` (`idempotency_key_bezig`);
- an unusable key (empty, too long, not printable): 400 (`idempotency_key_ongeldig`).

Keys are per client (the signed-in person, or the API token, or anonymous), per method and path,
and expire after 24 hours. Answers of 500 and above are not kept: they may be retried. The answer
is held back until it is stored, so a handler's background task runs before it is sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy.exc
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Parameter, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import text

from .auth import COOKIE, lees_cookie
from .problem import PROBLEM_MEDIA_TYPE

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
GELDIGHEID_UREN = 24
MAX_LENGTE = 255
METHODEN = frozenset({"POST", "PATCH"})
OPT = "idempotentie"
# Fault injection for the crash tests: SIGKILL between the commit of the answer and sending it.
FOUT_KILL_VOOR_ANTWOORD = "kill-before-answer"

TYPE_IDEMPOTENTIE = "urn:dinet:probleem:idempotency-key"
_WACHT_OP_SLOT = "5s"  # how long a retry waits for the first request before answering 409
_OPRUIMEN_ELKE = 600.0  # seconds between two clean-ups of expired keys, per process
_NIET_BEWAARD = frozenset({"set-cookie", "date", "server"})

BESCHRIJVING = (
    "Optioneel. Een unieke waarde per aanvraag (bv. een UUID). Stuur je dezelfde aanvraag opnieuw met "
    "dezelfde sleutel (na een time-out of een 502), dan krijg je het eerste antwoord terug met "
    f"`{REPLAY_HEADER}: true`, en gebeurt niets twee keer. Dezelfde sleutel met een andere inhoud: 422. "
    "Terwijl de eerste aanvraag nog loopt: 409. Een sleutel geldt 24 uur."
)


def geldt_voor(handler: Any, method: str, path: str, standaard: bool) -> bool:
    if method not in METHODEN or "/api/" not in path:
        return False
    return bool((getattr(handler, "opt", None) or {}).get(OPT, standaard))


def lees_sleutel(waarde: str) -> str | None:
    """The key, or None when it is unusable. The draft makes it a structured-field string (quoted);
    a bare token is accepted too, as most clients send one."""
    waarde = waarde.strip()
    if len(waarde) >= 2 and waarde[0] == waarde[-1] == '"':
        waarde = waarde[1:-1]
    if not waarde or len(waarde) > MAX_LENGTE or not all(0x20 <= ord(c) < 0x7F for c in waarde):
        return None
    return waarde


def _probleem(
    status: int, titel: str, code: str, melding: str, extra: Sequence[tuple[bytes, bytes]] = ()
) -> list[Message]:
    body = json.dumps(
        {
            "type": TYPE_IDEMPOTENTIE,
            "title": titel,
            "status": status,
            "detail": melding,
            "errors": [{"veld": HEADER, "code": code, "melding": melding}],
        },
        ensure_ascii=False,
    ).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()), *extra]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body, "more_body": False},
    ]


def _header(scope: Scope, naam: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope["headers"] if k.lower() == naam]


def _wie(scope: Scope, runtime: Any) -> str:
    """Who sent the request, so one client's key never returns another client's answer."""
    for cookie_header in _header(scope, b"cookie"):
        for deel in cookie_header.split(";"):
            naam, _, waarde = deel.strip().partition("=")
            if naam == COOKIE:
                wie = lees_cookie(waarde, str(runtime.settings.secret_key))
                if wie is not None:
                    return f"sub:{wie.sub}"
    autorisatie = _header(scope, b"authorization")
    if autorisatie:
        return "token:" + hashlib.sha256(autorisatie[0].encode()).hexdigest()
    return "anoniem"


def _is_slot_bezet(exc: sqlalchemy.exc.DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "55P03"  # lock_not_available


class IdempotentieMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, standaard: bool) -> None:
        self.standaard = standaard
        self._opgeruimd = 0.0

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope.get("route_handler")
        waarden = _header(scope, HEADER.lower().encode())
        if not waarden or not geldt_voor(handler, scope["method"], scope["path"], self.standaard):
            await next_app(scope, receive, send)
            return
        sleutel = lees_sleutel(waarden[0]) if len(waarden) == 1 else None
        if sleutel is None:
            for bericht in _probleem(
                400,
                "De Idempotency-Key is niet bruikbaar",
                "idempotency_key_ongeldig",
                f"Stuur één {HEADER} van 1 tot {MAX_LENGTE} leesbare tekens, bijvoorbeeld een UUID.",
            ):
                await send(bericht)
            return

        delen: list[bytes] = []
        while True:
            bericht = await receive()
            if bericht["type"] == "http.disconnect":
                return  # the client is gone before it finished asking: nothing happened
            delen.append(bericht.get("body", b""))
            if not bericht.get("more_body", False):
                break
        body = b"".join(delen)
        afgeleverd = False

        async def opnieuw_ontvangen() -> Message:
            nonlocal afgeleverd
            if not afgeleverd:
                afgeleverd = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        runtime = scope["app"].state.runtime
        db = runtime.db
        bereik = f"{scope['method']} {scope['path']} {_wie(scope, runtime)}"
        vingerafdruk = hashlib.sha256(
            b"\n".join(
                [
                    scope.get("query_string", b""),
                    ",".join(_header(scope, b"content-type")).encode("latin-1"),
                    body,
                ]
            )
        ).hexdigest()
        await self._ruim_op(db)

        antwoord: list[Message] = []

        async def bewaar(bericht: Message) -> None:
            antwoord.append(bericht)

        async with db.request_transaction() as conn:
            try:
                await conn.execute(text(f"SET LOCAL lock_timeout = '{_WACHT_OP_SLOT}'"))
                nieuw = (
                    await conn.execute(
                        text(
                            "INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES (:s, :k, :f)"
                            " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,"
                            " status = NULL, headers = NULL, body = NULL, created_at = now()"
                            f" WHERE idempotency_keys.created_at < now() - interval '{GELDIGHEID_UREN} hours'"
                            " RETURNING 1"
                        ),
                        {"s": bereik, "k": sleutel, "f": vingerafdruk},
                    )
                ).scalar_one_or_none()
                await conn.execute(text("SET LOCAL lock_timeout = DEFAULT"))
            except sqlalchemy.exc.DBAPIError as exc:
                if not _is_slot_bezet(exc):
                    raise
                antwoord = _probleem(
                    409,
                    "Deze aanvraag loopt nog",
                    "idempotency_key_bezig",
                    "Een aanvraag met dezelfde Idempotency-Key is nog bezig. Probeer het over een seconde opnieuw.",
                    [(b"retry-after", b"1")],
                )
                nieuw = False

            if nieuw is None:
                rij = (
                    await conn.execute(
                        text("SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE scope = :s AND key = :k"),
                        {"s": bereik, "k": sleutel},
                    )
                ).one()
                if rij.fingerprint != vingerafdruk:
                    antwoord = _probleem(
                        422,
                        "Deze Idempotency-Key hoort bij een andere aanvraag",
                        "idempotency_key_hergebruikt",
                        "Je gebruikte deze Idempotency-Key al voor een aanvraag met een andere inhoud. "
                        "Gebruik een nieuwe sleutel voor een nieuwe aanvraag.",
                    )
                else:
                    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in rij.headers]
                    antwoord = [
                        {
                            "type": "http.response.start",
                            "status": rij.status,
                            "headers": [*headers, (REPLAY_HEADER.lower().encode(), b"true")],
                        },
                        {"type": "http.response.body", "body": bytes(rij.body), "more_body": False},
                    ]
            elif nieuw:
                await next_app(scope, opnieuw_ontvangen, bewaar)
                start = next((b for b in antwoord if b["type"] == "http.response.start"), None)
                if start is not None and start["status"] < 500:
                    headers = [
                        [k.decode("latin-1"), v.decode("latin-1")]
                        for k, v in start.get("headers", [])
                        if k.decode("latin-1").lower() not in _NIET_BEWAARD
                    ]
                    inhoud = b"".join(b.get("body", b"") for b in antwoord if b["type"] == "http.response.body")
                    await conn.execute(
                        text(
                            "UPDATE idempotency_keys SET status = :status, headers = CAST(:headers AS jsonb), body = :body"
                            " WHERE scope = :s AND key = :k"
                        ),
                        {"status": start["status"], "headers": json.dumps(headers), "body": inhoud, "s": bereik, "k": sleutel},
                    )
                    await conn.commit()
                    if getattr(runtime.settings, "fault", "") == FOUT_KILL_VOOR_ANTWOORD:
                        os.kill(os.getpid(), signal.SIGKILL)
                # else: leaving the block rolls back the effect and the key alike

        for bericht in antwoord:
            await send(bericht)

    async def _ruim_op(self, db: Any) -> None:
        nu = time.monotonic()
        if nu - self._opgeruimd < _OPRUIMEN_ELKE:
            return
        self._opgeruimd = nu
        async with db.transaction() as conn:
            await conn.execute(
                text(f"DELETE FROM idempotency_keys WHERE created_at < now() - interval '{GELDIGHEID_UREN} hours'")
            )


_ANTWOORDEN = (
    ("400", "De Idempotency-Key is niet bruikbaar (`idempotency_key_ongeldig`)."),
    ("409", "Een aanvraag met dezelfde Idempotency-Key is nog bezig (`idempotency_key_bezig`)."),
    ("422", "De Idempotency-Key hoort bij een aanvraag met een andere inhoud (`idempotency_key_hergebruikt`)."),
)


def _met_header_parameter(basis: type[Operation]) -> type[Operation]:
    if getattr(basis, "_idempotency_key", False):
        return basis

    class MetIdempotencyKey(basis):  # type: ignore[misc,valid-type]
        _idempotency_key = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            parameter = Parameter(
                name=HEADER,
                param_in="header",
                required=False,
                description=BESCHRIJVING,
                schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_LENGTE),
            )
            self.parameters = [*(self.parameters or []), parameter]
            # The answers the header itself can cause; a handler's own description of a code wins.
            probleem = {PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT))}
            self.responses = dict(self.responses or {})
            for code, tekst in _ANTWOORDEN:
                self.responses.setdefault(code, OpenAPIResponse(description=tekst, content=probleem))

    return MetIdempotencyKey


def documenteer(app: Any, standaard: bool) -> None:
    """Name the header in the OpenAPI document of every operation that honours it."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if any(geldt_voor(handler, m, route.path, standaard) for m in handler.http_methods):
                handler.operation_class = _met_header_parameter(handler.operation_class)
