"""Who is signed in, and what they may do: one signed cookie shared by every service.

One service signs people in (at the platform's sign-in page, `dinet_contracts.paginas.INLOGGEN`)
and writes the cookie with `meld_aan`; every service reads it with `identiteit(request)` and
protects its handlers with `guards=[vereist(Rol.MEDEWERKER)]`. The roles are the platform's
(`dinet_contracts.rollen`), not the chassis's. The cookie is signed, not encrypted: it
holds no secret, only who someone is and their roles, and the HMAC key (derived from
`settings.secret_key`, the same in every service) stops anyone from forging or editing it.

Because the cookie cannot be revoked server-side, it is short-lived (`STANDAARD_DUUR`) and its
expiry is inside the signed payload, so a stolen copy stops working even if a browser ignores
`Max-Age`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dinet_contracts import paginas
from dinet_contracts.rollen import ROL_LABELS, Rol
from litestar import Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

__all__ = [
    "COOKIE",
    "INLOGPAD",
    "STANDAARD_DUUR",
    "WWW_AUTHENTICATE",
    "GeenToegang",
    "Identiteit",
    "NietAangemeld",
    "ROL_LABELS",
    "Rol",
    "identiteit",
    "lees_cookie",
    "maak_cookie",
    "meld_aan",
    "meld_af",
    "vereist",
    "veilige_volgende",
]

COOKIE = "dinet_sessie"
# Where people sign in is the platform's choice (its page map), not the chassis's.
INLOGPAD = paginas.INLOGGEN
STANDAARD_DUUR = 8 * 3600  # a working day; then sign in again
_SCOPE_SLEUTEL = "dinet.identiteit"

# RFC 9110 11.6.1: a 401 names how to authenticate. The session cookie has no registered scheme;
# this is the "Cookie" scheme of draft-broyer-http-cookie-auth: where to sign in, which cookie.
WWW_AUTHENTICATE = f'Cookie realm="dinet", form-action="{INLOGPAD}", cookie-name="{COOKIE}"'


@dataclass(frozen=True)
class Identiteit:
    sub: str
    naam: str
    rollen: frozenset[Rol] = field(default_factory=frozenset)
    organisatie_id: uuid.UUID | None = None
    lid_id: uuid.UUID | None = None

    def heeft(self, *rollen: Rol) -> bool:
        """True when this person has at least one of `rollen` (any role at all when none given)."""
        if not rollen:
            return bool(self.rollen)
        return not self.rollen.isdisjoint(rollen)

    @property
    def rol_labels(self) -> list[str]:
        return [ROL_LABELS[r] for r in Rol if r in self.rollen]


# --- the cookie format ------------------------------------------------------------------------
# base64url(compact JSON) "." base64url(HMAC-SHA256). No library: the format is ten lines and
# stays readable by any service without a shared dependency beyond the stdlib.


def _sleutel(secret_key: str) -> bytes:
    # A key of its own, so the CSRF or per-service session secrets can never sign an identity.
    return hashlib.sha256(f"identiteit:{secret_key}".encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(tekst: str) -> bytes:
    return base64.urlsafe_b64decode(tekst + "=" * (-len(tekst) % 4))


def maak_cookie(wie: Identiteit, secret_key: str, *, max_age: int = STANDAARD_DUUR, nu: float | None = None) -> str:
    payload: dict[str, Any] = {
        "sub": wie.sub,
        "naam": wie.naam,
        "rol": sorted(r.value for r in wie.rollen),
        "exp": int((time.time() if nu is None else nu) + max_age),
    }
    if wie.organisatie_id is not None:
        payload["org"] = str(wie.organisatie_id)
    if wie.lid_id is not None:
        payload["lid"] = str(wie.lid_id)
    inhoud = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    handtekening = _b64(hmac.new(_sleutel(secret_key), inhoud.encode("ascii"), hashlib.sha256).digest())
    return f"{inhoud}.{handtekening}"


def lees_cookie(waarde: str | None, secret_key: str, *, nu: float | None = None) -> Identiteit | None:
    """The identity in a cookie value, or None when it is missing, forged, damaged or expired."""
    if not waarde or "." not in waarde or len(waarde) > 4096:
        return None
    inhoud, _, handtekening = waarde.partition(".")
    verwacht = _b64(hmac.new(_sleutel(secret_key), inhoud.encode("ascii", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(verwacht, handtekening):
        return None
    try:
        payload = json.loads(_unb64(inhoud))
        if int(payload["exp"]) <= (time.time() if nu is None else nu):
            return None
        # A role a newer version no longer knows is dropped, not fatal: the rest still counts.
        rollen = frozenset(Rol(r) for r in payload.get("rol", []) if r in Rol._value2member_map_)
        org = payload.get("org")
        lid = payload.get("lid")
        return Identiteit(
            sub=str(payload["sub"]),
            naam=str(payload.get("naam", "")),
            rollen=rollen,
            organisatie_id=uuid.UUID(org) if org else None,
            lid_id=uuid.UUID(lid) if lid else None,
        )
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


# --- reading and writing it on requests and responses -----------------------------------------


def _secret_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    runtime = connection.app.state.get("runtime")
    return str(runtime.settings.secret_key)


def identiteit(request: ASGIConnection[Any, Any, Any, Any]) -> Identiteit | None:
    """Who sent this request (None: nobody signed in). Cached on the request."""
    scope = request.scope
    if _SCOPE_SLEUTEL not in scope:
        scope[_SCOPE_SLEUTEL] = lees_cookie(request.cookies.get(COOKIE), _secret_key(request))  # type: ignore[literal-required]
    return scope[_SCOPE_SLEUTEL]  # type: ignore[literal-required,no-any-return]


def meld_aan(response: Response[Any], wie: Identiteit, settings: Any, max_age: int = STANDAARD_DUUR) -> Response[Any]:
    """Put `wie` in the shared cookie on `response` (typically a 303 redirect)."""
    response.set_cookie(
        key=COOKIE,
        value=maak_cookie(wie, settings.secret_key, max_age=max_age),
        max_age=max_age,
        path="/",  # every service reads it
        httponly=True,
        secure=str(getattr(settings, "public_url", "") or "").startswith("https://"),
        samesite="lax",
    )
    return response


def meld_af(response: Response[Any]) -> Response[Any]:
    response.delete_cookie(key=COOKIE, path="/")
    return response


def veilige_volgende(volgende: str | None, standaard: str = "/") -> str:
    """Only a local path may be a redirect target after signing in (no open redirect)."""
    if not volgende or not volgende.startswith("/") or volgende.startswith("//") or "\\" in volgende:
        return standaard
    if any(ord(c) < 0x20 for c in volgende):
        return standaard
    return volgende


# --- the guard --------------------------------------------------------------------------------


class NietAangemeld(NotAuthorizedException):
    """Nobody signed in. Pages redirect to the sign-in page; `/api/` paths answer 401."""

    def __init__(self, volgende: str) -> None:
        super().__init__(detail="Log in om verder te gaan.", headers={"WWW-Authenticate": WWW_AUTHENTICATE})
        self.volgende = volgende


class GeenToegang(PermissionDeniedException):
    """Signed in, but without a role this handler needs: 403."""

    def __init__(self, rollen: Iterable[Rol]) -> None:
        self.rollen = tuple(rollen)
        namen = ", ".join(ROL_LABELS[r] for r in self.rollen)
        super().__init__(detail=f"Hiervoor heb je een van deze rollen nodig: {namen}." if namen else None)


def inlog_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    pad = connection.url.path
    if connection.url.query:
        pad = f"{pad}?{connection.url.query}"
    return f"{INLOGPAD}?volgende={quote(pad, safe='')}"


def vereist(*rollen: Rol) -> Callable[[ASGIConnection[Any, Any, Any, Any], Any], None]:
    """A Litestar guard: signed in with at least one of `rollen` (with none: just signed in).

    `@get(..., guards=[vereist(Rol.MEDEWERKER)])`. On pages a missing sign-in becomes a 303 to the
    sign-in page with `volgende`; a missing role a Dutch 403 page. On `/api/` both are
    problem+json (401 / 403). The responses come from the handlers `create_web_app` registers.
    """
    nodig = tuple(Rol(r) for r in rollen)

    # Async on purpose: Litestar runs a plain function guard in a worker thread, a thread hop on
    # every guarded request for a check that only reads the (cached) cookie.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
        wie = identiteit(connection)
        if wie is None:
            raise NietAangemeld(connection.url.path)
        if nodig and not wie.heeft(*nodig):
            raise GeenToegang(nodig)
        if not nodig and not wie.rollen:
            raise GeenToegang(())

    guard.__name__ = f"vereist_{'_'.join(r.name.lower() for r in nodig) or 'aangemeld'}"
    guard.rollen = nodig  # type: ignore[attr-defined]  # read by the role-matrix test
    return guard
