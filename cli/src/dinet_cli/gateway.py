"""The one URL of the embedded mode: a reverse proxy that sends `/<service>/...` to that
service's own port (the services serve their paths with the prefix, so nothing is rewritten),
plus the start page and the mailbox of the local SMTP sink."""

from __future__ import annotations

import http.cookiejar

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dinet_chassis.embedded import read_mails
from dinet_chassis.web import CHASSIS_STATIC_DIR, CHASSIS_TEMPLATE_DIR
from dinet_chassis.web import navigatie
from dinet_chassis.web.auth import COOKIE, lees_cookie
from dinet_contracts.tijd import lokaal

TEMPLATE_DIR = Path(__file__).parent / "templates"
CSS_URL = "/static/dinet.css"
ONTWIKKELAARS = "/ontwikkelaars"  # the operators' index: services, API documentation, status
ARCHIEF = "/meldingen/archief"  # the newsletter archive, linked once meldingen answers there

# Headers that describe one connection, not the message: never forwarded (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
    }
)

# The gateway's own server sets these on every answer; the service's copies would make them double.
OWN_HEADERS = frozenset({b"date", b"server"})

DIENSTEN = {
    "registratie": "Registratie: organisaties, leden en activiteiten",
    "kpi": "Kerncijfers (KPI's)",
    "meldingen": "Meldingen en nieuwsbrief",
    "beleidsplan": "Beleidstool voor lokale besturen",
}


def _templates() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATE_DIR), FileSystemLoader(CHASSIS_TEMPLATE_DIR)]),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["link_urls"] = link_urls
    env.filters["datum"] = mail_date
    env.globals.update(navigatie.template_globals())
    return env


_URL = re.compile(r"https?://[^\s<>\"']+")


def link_urls(text: str) -> Markup:
    """Escape a plain-text mail body and make its web addresses clickable."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]")
        end = match.start() + len(url)
        parts.append(str(escape(text[last : match.start()])))
        parts.append(f'<a class="govuk-link" href="{escape(url)}">{escape(url)}</a>')
        last = end
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def mail_date(value: str) -> str:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return value
    if moment is None:
        return value
    # The server's own zone is UTC in a container; the reader's is Belgian.
    return lokaal(moment).strftime("%d-%m-%Y %H:%M")


class _NoCookieJar(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: the gateway is shared by every visitor."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None

    def extract_cookies(self, response: object, request: object) -> None:
        return None


class Gateway:
    """`routes` maps a service name to its base URL (`http://127.0.0.1:<port>`)."""

    def __init__(self, routes: Mapping[str, str], *, mail_dir: Path | None = None,
                 client: httpx.AsyncClient | None = None, secret_key: str | None = None) -> None:
        self.routes = dict(routes)
        self.mail_dir = mail_dir
        # With the services' key the gateway's own pages show who is signed in, like every page.
        self.secret_key = secret_key
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(60.0, connect=2.0),
            follow_redirects=False,
            # The browser's cookies and headers go through as they are, not httpx's own: a client
            # that kept a Set-Cookie would hand one visitor's sign-in to every later visitor.
            cookies=_NoCookieJar(),
            trust_env=False,
        )
        self.templates = _templates()
        self.app = Starlette(
            routes=[
                Route("/", self.home, methods=["GET", "HEAD"]),
                Route(ONTWIKKELAARS, self.developers, methods=["GET", "HEAD"]),
                Route("/mail", lambda r: RedirectResponse("/mail/", status_code=308)),
                Route("/mail/", self.mailbox, methods=["GET", "HEAD"]),
                Route("/mail/{file}", self.mail_message, methods=["GET", "HEAD"]),
                Mount("/static", StaticFiles(directory=CHASSIS_STATIC_DIR), name="static"),
                Route("/{path:path}", self.proxy, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            ],
            lifespan=self._lifespan,
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette):
        yield
        await self.client.aclose()

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        wie = lees_cookie(request.cookies.get(COOKIE), self.secret_key) if self.secret_key else None
        html = self.templates.get_template(template).render(
            request=request, dinet_css=CSS_URL, identiteit=wie, **context
        )
        return HTMLResponse(html, status_code=status_code)

    # --- proxy -----------------------------------------------------------------------------

    async def proxy(self, request: Request) -> Response:
        service = request.url.path.lstrip("/").split("/", 1)[0]
        base = self.routes.get(service)
        if base is None:
            return self.not_found(request)
        scope = request.scope
        url = base + scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        client_host = request.client.host if request.client else ""
        forwarded_for = request.headers.get("x-forwarded-for")
        headers += [
            (b"x-forwarded-for", f"{forwarded_for}, {client_host}".encode() if forwarded_for else client_host.encode()),
            (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
            (b"x-forwarded-host", request.headers.get("host", "").encode()),
        ]
        try:
            request_body = await request.body()
        except ClientDisconnect:
            # The visitor hung up halfway through an upload: nobody is left to answer, and the
            # service must not get half a request. Status 499 only names this in an access log.
            return Response(status_code=499)
        upstream = self.client.build_request(request.method, url, headers=headers, content=request_body)
        try:
            answer = await self.client.send(upstream, stream=True)
            try:
                # Raw bytes: a compressed body stays compressed, its headers stay true.
                body = b"".join([chunk async for chunk in answer.aiter_raw()])
            finally:
                await answer.aclose()
        except httpx.TimeoutException:
            return self.unavailable(request, service, 504)
        except httpx.TransportError:
            return self.unavailable(request, service, 502)
        response = Response(content=body, status_code=answer.status_code)
        raw = [(k, v) for k, v in answer.headers.raw if k.lower() not in HOP_BY_HOP and k.lower() not in OWN_HEADERS]
        if request.method == "HEAD" and "content-length" in answer.headers:
            raw.append((b"content-length", answer.headers["content-length"].encode()))
        elif answer.status_code >= 200 and answer.status_code not in (204, 304):
            raw.append((b"content-length", str(len(body)).encode()))
        response.raw_headers = raw  # keeps every Set-Cookie, which a dict would merge
        return response

    def unavailable(self, request: Request, service: str, status: int) -> Response:
        titel = (
            f"De dienst {service} is niet bereikbaar"
            if status == 502
            else f"De dienst {service} antwoordt niet op tijd"
        )
        uitleg = "Ze start misschien nog of is even gestopt. Probeer het over enkele seconden opnieuw."
        headers = {"Retry-After": "5"}
        if "/api/" in request.url.path:
            return JSONResponse(
                {"type": "about:blank", "title": titel, "status": status, "detail": uitleg},
                status_code=status,
                media_type="application/problem+json",
                headers=headers,
            )
        response = self.render(request, "onbereikbaar.html", status, titel=titel, uitleg=uitleg, dienst=service)
        response.headers.update(headers)
        return response

    def not_found(self, request: Request) -> Response:
        if "/api/" in request.url.path:
            return JSONResponse(
                {"type": "about:blank", "title": "Niet gevonden", "status": 404},
                status_code=404,
                media_type="application/problem+json",
            )
        return self.render(
            request,
            "dinet_fout.html",
            404,
            status=404,
            titel="Deze pagina bestaat niet",
            uitleg="Controleer het adres, of ga naar de startpagina.",
        )

    # --- the front door and the operators' index ---------------------------------------------

    async def home(self, request: Request) -> Response:
        return self.render(request, "start.html", archief=ARCHIEF if await self._answers(ARCHIEF) else None)

    async def developers(self, request: Request) -> Response:
        return self.render(
            request,
            "ontwikkelaars.html",
            diensten=DIENSTEN,
            health=await self._health(),
            jaar=dt.date.today().year,
            mailbox=self.mail_dir is not None,
        )

    async def _answers(self, path: str) -> bool:
        service = path.lstrip("/").split("/", 1)[0]
        base = self.routes.get(service)
        if base is None:
            return False
        try:
            answer = await self.client.get(f"{base}{path}", timeout=1.5)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    async def _health(self) -> dict[str, bool]:
        async def one(name: str, base: str) -> bool:
            try:
                answer = await self.client.get(f"{base}/{name}/health", timeout=1.5)
            except httpx.HTTPError:
                return False
            return answer.status_code == 200

        names = list(self.routes)
        results = await asyncio.gather(*(one(n, self.routes[n]) for n in names))
        return dict(zip(names, results))

    # --- mailbox ---------------------------------------------------------------------------

    async def mailbox(self, request: Request) -> Response:
        if self.mail_dir is None:
            return self.not_found(request)
        mails = await asyncio.to_thread(read_mails, self.mail_dir)
        return self.render(request, "mailbox.html", mails=mails)

    async def mail_message(self, request: Request) -> Response:
        if self.mail_dir is None:
            return self.not_found(request)
        name = request.path_params["file"]
        mails = await asyncio.to_thread(read_mails, self.mail_dir)
        mail = next((m for m in mails if m["file"] == name), None)
        if mail is None:
            return self.not_found(request)
        headers = [(k, str(v)) for k, v in mail["message"].items()]
        return self.render(request, "mail.html", mail=mail, headers=headers)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):
        # The supervisor owns SIGINT and SIGTERM: it stops the gateway first, then the rest.
        yield


async def serve(app: Any, host: str, port: int) -> tuple[uvicorn.Server, asyncio.Task]:
    """Serve an ASGI app in this event loop; returns once it listens."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(), name=f"http {host}:{port}")
    while not server.started:
        if task.done():
            try:
                task.result()
            except (SystemExit, OSError):  # uvicorn exits when it cannot bind
                pass
            raise RuntimeError(f"kon niet luisteren op {host}:{port}")
        await asyncio.sleep(0.02)
    return server, task
