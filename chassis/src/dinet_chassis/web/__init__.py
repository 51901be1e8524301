"""The shared web layer: one Litestar app shape for every service.

`create_web_app(runtime, [handlers], template_dir=...)` gives a service, under its own prefix
`/<service>/`:

- Jinja templates from the service's `template_dir`, then the chassis's `web/templates`
  (`dinet_base.html`, `dinet_macros.html`, `dinet_fout.html`); the service's own files win.
- static files at `/<service>/static/`: the service's `static/` folder beside `template_dir` (if
  any), then the chassis CSS (`dinet.css`). Templates get `dinet_css` and `static_url(name)`,
  and the filters `datum`, `datum_tijd` and `iso` (dinet_contracts.tijd): every moment on a page
  in Belgian time.
- CSRF for forms (cookie `csrftoken_<service>` + hidden field `_csrf_token`, write
  `{{ csrf_input | safe }}` in every form); `/<service>/api/` is excluded (machines use tokens).
- a signed cookie session (`request.session`), keyed from `settings.secret_key`.
- who is signed in: `auth.identiteit(request)` reads the cookie shared by every service; protect a
  handler with `guards=[vereist(Rol.MEDEWERKER)]` (pages: 303 to the sign-in page or a Dutch 403
  page; `/api/`: 401/403 problem+json). Templates see `identiteit` (an `Identiteit` or None).
- OpenAPI at `/<service>/schema` (JSON at `/<service>/schema/openapi.json`), completed by
  `openapi.beschrijf_api`: security schemes and 401/403 from the guards, 400/415/422 for a JSON
  body, 404 for path parameters, 503, all as problem+json. A handler adds only what it alone
  answers: `responses=problemen({409: "..."})`; one that checks a plain-dict body itself names
  the model documenting it with `opt={AANVRAAG: Model}`.
- a JSON body sent with another Content-Type is 415, broken JSON 400 (code `ongeldige_json`);
  every 401 carries `WWW-Authenticate`.
- `GET /<service>/health` -> `{"status": "ok", "service": name}`.
- errors: on `/api/` paths every error is `application/problem+json` (validation: 422 with Dutch
  per-field `errors`); on pages a Dutch error page with the VVSG phone number. A form handler should
  take its body as a plain dict (`Body(media_type=RequestEncodingType.URL_ENCODED)`) and validate it
  itself, so it can show the form again with the person's input instead of an error page.

- domain errors: a `dinet_chassis.errors.DomainError` escaping a handler is answered from one
  table (fouten.py: kind or code -> status, Dutch title): problem+json with `code`, `detail` and
  per-field `errors` on `/api/`, the Dutch error page elsewhere. A service adds its own codes with
  `foutcodes=`; a form handler catches the error itself to show the form again.

A handler gets the service's parts typed: declare `diensten: NamedDependency[<its class>]`
(`from litestar.di import NamedDependency`), the object the service's `bootstrap` built (see
runtime.py). `runtime: NamedDependency[Runtime]` still works until every service has moved.

Template context convention: pass field errors as `fouten` (a list of `FieldError`); the base
layout then prefixes the title with "Fout:" as screen-reader users expect.
"""

from __future__ import annotations

import hashlib
import logging
from http import HTTPStatus
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic
from dinet_contracts import tijd
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2.runtime import Context as _JinjaContext
from jinja2.runtime import missing as _jinja_missing
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from ..db import is_outage
from .auth import WWW_AUTHENTICATE, GeenToegang, Identiteit, NietAangemeld, Rol, identiteit, inlog_url, vereist
from .openapi import AANVRAAG, beschrijf_api, problemen
from .allow import opties_voor_gedeelde_paden
from .inhoud import controleer_inhoudstype, ketting
from .problem import (
    PROBLEM_MEDIA_TYPE,
    TYPE_CONFLICT,
    TYPE_NIET_GEVONDEN,
    TYPE_VALIDATIE,
    FieldError,
    _veld,
    errors_by_field,
    field_errors_from_validation,
    problem_response,
    validation_problem,
)
from .idempotentie import IdempotentieMiddleware, documenteer
from ..errors import DomainError, FieldProblem
from .fouten import FOUTSOORTEN, Antwoord, FoutTabel
from . import navigatie as _navigatie
from .storing import DatabankStatus, storing_antwoord

__all__ = [
    "AANVRAAG",
    "Antwoord",
    "DomainError",
    "FOUTSOORTEN",
    "FieldProblem",
    "FoutTabel",
    "CHASSIS_STATIC_DIR",
    "CHASSIS_TEMPLATE_DIR",
    "PROBLEM_MEDIA_TYPE",
    "TYPE_CONFLICT",
    "TYPE_NIET_GEVONDEN",
    "TYPE_VALIDATIE",
    "FieldError",
    "GeenToegang",
    "Identiteit",
    "NietAangemeld",
    "Rol",
    "identiteit",
    "problemen",
    "vereist",
    "create_web_app",
    "errors_by_field",
    "field_errors_from_validation",
    "is_api_path",
    "problem_response",
    "validation_problem",
]

CHASSIS_TEMPLATE_DIR = Path(__file__).parent / "templates"
CHASSIS_STATIC_DIR = Path(__file__).parent / "static"

_log = logging.getLogger("dinet.web")

_STATUS_TITELS: dict[int, str] = {
    400: "De aanvraag is niet geldig",
    401: "Je moet ingelogd zijn",
    403: "Dit mag niet",
    404: "Deze pagina bestaat niet",
    405: "Deze methode is niet toegelaten",
    409: "Dit bestaat al",
    413: "De aanvraag is te groot",
    415: "Dit formaat wordt niet ondersteund",
    422: "De gegevens zijn niet geldig",
    429: "Te veel aanvragen",
    500: "Er ging iets mis aan onze kant",
    503: "De dienst is tijdelijk niet beschikbaar",
}

_PAGINA_UITLEG: dict[int, str] = {
    403: "Het formulier is verlopen of je hebt geen toegang. Ga terug, laad de pagina opnieuw en probeer het nog eens.",
    404: "Controleer het adres, of ga naar de startpagina.",
    500: "Probeer het over enkele minuten opnieuw.",
}


def is_api_path(path: str) -> bool:
    return "/api/" in path


def _titel(status: int) -> str:
    return _STATUS_TITELS.get(status, "Er ging iets mis")


def _fout_pagina(status: int, uitleg: str | None = None) -> Response[Any]:
    return Template(
        template_name="dinet_fout.html",
        context={"status": status, "titel": _titel(status), "uitleg": uitleg or _PAGINA_UITLEG.get(status, "")},
        status_code=status,
    )


def _pydantic_fouten_achter(exc: BaseException) -> list[FieldError] | None:
    """Litestar wraps a pydantic ValidationError of a `data: Model` body; dig out the original errors."""
    oorzaak: BaseException | None = exc
    while oorzaak is not None:
        if isinstance(oorzaak, pydantic.ValidationError):
            return field_errors_from_validation(oorzaak)
        fouten = getattr(oorzaak, "errors", None)
        if isinstance(fouten, list) and fouten and isinstance(fouten[0], dict) and "type" in fouten[0]:
            return field_errors_from_validation(fouten)
        oorzaak = oorzaak.__cause__
    return None


def _bij_validatiefout(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    if not is_api_path(request.url.path):
        return _fout_pagina(400, "Controleer wat je invulde en probeer opnieuw.")
    fouten = _pydantic_fouten_achter(exc)
    if fouten is None:
        extra = exc.extra if isinstance(exc.extra, list) else []
        fouten = [
            FieldError(_veld([e.get("key") or "body"]), "ongeldige_waarde", "Deze waarde is niet geldig.")
            for e in extra
            if isinstance(e, dict)
        ]
    if not fouten:
        return _onleesbare_json()
    return validation_problem(fouten)


def _onleesbare_json() -> Response[Any]:
    # No field to blame: the body itself is unreadable. The parser's own text is English and names
    # bytes; the client gets a Dutch message and a stable code.
    onleesbaar = FieldError("body", "ongeldige_json", "De inhoud is geen geldige JSON.")
    return problem_response(400, _titel(400), [onleesbaar], detail=onleesbaar.melding)


def _bij_pydantic_fout(request: Request[Any, Any, Any], exc: pydantic.ValidationError) -> Response[Any]:
    # A handler that validates with `Model.model_validate(...)` itself may simply let this escape.
    if is_api_path(request.url.path):
        return validation_problem(field_errors_from_validation(exc))
    _log.exception("pydantic validation error escaped a page handler", exc_info=exc)
    return _fout_pagina(500)


def _bij_http_fout(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if is_api_path(request.url.path) and isinstance(exc.__cause__, SerializationException):
        return _onleesbare_json()
    if is_api_path(request.url.path):
        detail = exc.detail if exc.detail and exc.detail != _default_detail(status) else None
        headers = dict(exc.headers or {})
        if status == 401:
            # RFC 9110 15.5.2: every 401 says how to authenticate.
            headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
        return problem_response(status, _titel(status), detail=detail, headers=headers)
    return _fout_pagina(status)


def _bij_onverwachte_fout(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_outage(exc):
        return storing_antwoord(request, exc, api=is_api_path(request.url.path))
    _log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api_path(request.url.path):
        return problem_response(500, _titel(500))
    return _fout_pagina(500)


def _default_detail(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _bij_niet_aangemeld(request: Request[Any, Any, Any], exc: NietAangemeld) -> Response[Any]:
    if is_api_path(request.url.path):
        return problem_response(401, _titel(401), detail=exc.detail, headers=exc.headers)
    # 303: after a POST the browser must GET the sign-in page, never re-post to it.
    return Response(content=None, status_code=303, headers={"Location": inlog_url(request)})


def _bij_geen_toegang(request: Request[Any, Any, Any], exc: GeenToegang) -> Response[Any]:
    if is_api_path(request.url.path):
        return problem_response(403, _titel(403), detail=exc.detail)
    wie = identiteit(request)
    delen = [
        f"Je bent ingelogd als {wie.naam}, maar je hebt geen toegang tot deze pagina."
        if wie is not None
        else "Je hebt geen toegang tot deze pagina.",
        exc.detail or "",
        "Heb je een ander account? Log dan uit en log opnieuw in.",
    ]
    return _fout_pagina(403, " ".join(d for d in delen if d))


class _IdentiteitContext(_JinjaContext):
    """Every template can use `identiteit` (who is signed in, or None) without the handler passing it."""

    def resolve_or_missing(self, key: str) -> Any:
        waarde = super().resolve_or_missing(key)
        if key == "identiteit" and waarde is _jinja_missing:
            request = super().resolve_or_missing("request")
            return identiteit(request) if isinstance(request, Request) else None
        return waarde


def _sleutel(secret_key: str, doel: str) -> bytes:
    # Separate keys per purpose so a leaked CSRF secret cannot forge a session and vice versa.
    return hashlib.sha256(f"{doel}:{secret_key}".encode()).digest()


def create_web_app(
    runtime: Any,
    route_handlers: Sequence[ControllerRouterHandler],
    *,
    template_dir: Path,
    csrf_exclude: Sequence[str] = (),
    extra_static: Mapping[str, Path | Sequence[Path]] | None = None,
    title: str | None = None,
    description: str | None = None,
    idempotentie: bool = False,
    navigatie: Any = None,
    foutcodes: Mapping[str, Antwoord] | None = None,
    diensten: Any = None,
    **litestar_kwargs: Any,
) -> Litestar:
    """Build the service's ASGI app.

    `extra_static` maps further URL prefixes to directories, e.g. `{"/<service>/grafieken": dir}`.
    `idempotentie=True` honours `Idempotency-Key` on every POST and PATCH under `/api/` (see
    idempotentie.py). `navigatie` is the platform's page map behind every page's header (who is
    signed in, sign-out, the menu of their role; see navigatie.py). `foutcodes` adds the service's
    own answers per domain-error code to the chassis table (see fouten.py). `diensten` is the
    service's typed object of long-lived parts, built in its composition root (`bootstrap`); when
    left out, `runtime.diensten` is used. Handlers receive it by declaring a parameter
    `diensten: NamedDependency[<its class>]`. Remaining keyword arguments go to `Litestar(...)` (e.g. `on_startup`,
    `dependencies`).
    """
    settings = runtime.settings
    service: str = settings.service
    public_url = str(getattr(settings, "public_url", "") or "")
    secure = public_url.startswith("https://")

    @get(f"/{service}/health", include_in_schema=False, sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    eigen_static = Path(template_dir).parent / "static"
    static_dirs = [d for d in (eigen_static, CHASSIS_STATIC_DIR) if d.is_dir()]
    static_routers = [create_static_files_router(path=f"/{service}/static", directories=static_dirs, name="static")]
    for i, (prefix, mappen) in enumerate((extra_static or {}).items()):
        dirs = [mappen] if isinstance(mappen, (str, Path)) else list(mappen)
        static_routers.append(create_static_files_router(path=prefix, directories=dirs, name=f"static_extra_{i}"))

    omgeving = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(template_dir)), FileSystemLoader(str(CHASSIS_TEMPLATE_DIR))]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    omgeving.context_class = _IdentiteitContext
    omgeving.globals.update(
        dienst=service,
        dinet_css=f"/{service}/static/dinet.css",
        static_url=lambda naam: f"/{service}/static/{naam}",
        demo=bool(getattr(settings, "demo", False)),
        **_navigatie.template_globals(navigatie),
    )
    # Moments come from the database in UTC; a page shows them on a Belgian clock.
    omgeving.filters.update(datum=tijd.datum, datum_tijd=tijd.datum_tijd, iso=tijd.iso)

    if diensten is None:
        diensten = getattr(runtime, "diensten", None)
    dependencies = {"runtime": Provide(lambda: runtime, sync_to_thread=False, use_cache=True)}
    signature_namespace = {type(runtime).__name__: type(runtime)}
    if diensten is not None:
        dependencies["diensten"] = Provide(lambda: diensten, sync_to_thread=False, use_cache=True)
        signature_namespace[type(diensten).__name__] = type(diensten)
    dependencies.update(litestar_kwargs.pop("dependencies", {}) or {})

    signature_namespace.update(litestar_kwargs.pop("signature_namespace", {}) or {})

    databank_status = DatabankStatus(service)
    databank_status.volg(getattr(runtime, "db", None))

    fouten = FoutTabel(foutcodes)
    exception_handlers: dict[Any, Any] = {
        DomainError: fouten.handler(is_api_path),
        NietAangemeld: _bij_niet_aangemeld,
        GeenToegang: _bij_geen_toegang,
        ValidationException: _bij_validatiefout,
        pydantic.ValidationError: _bij_pydantic_fout,
        HTTPException: _bij_http_fout,
        Exception: _bij_onverwachte_fout,
    }
    exception_handlers.update(litestar_kwargs.pop("exception_handlers", {}) or {})

    before_request = ketting(controleer_inhoudstype, litestar_kwargs.pop("before_request", None))

    app = Litestar(
        route_handlers=[*opties_voor_gedeelde_paden(route_handlers), health, *static_routers, *route_handlers],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(omgeving)),
        csrf_config=CSRFConfig(
            secret=_sleutel(settings.secret_key, "csrf").hex(),
            cookie_name=f"csrftoken_{service}",
            cookie_path=f"/{service}",
            cookie_secure=secure,
            cookie_samesite="lax",
            exclude=[f"^/{service}/api/", f"^/{service}/static/", *csrf_exclude],
        ),
        middleware=[
            CookieBackendConfig(
                secret=_sleutel(settings.secret_key, "sessie"),
                key=f"sessie_{service}",
                path=f"/{service}",
                httponly=True,
                secure=secure,
                samesite="lax",
            ).middleware,
            *litestar_kwargs.pop("middleware", []),
            IdempotentieMiddleware(idempotentie),
        ],
        openapi_config=OpenAPIConfig(
            title=title or f"DINET {service}",
            version="1.0.0",
            description=description,
            path=f"/{service}/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        exception_handlers=exception_handlers,
        dependencies=dependencies,
        signature_namespace=signature_namespace,
        state=State({"runtime": runtime, "databank_status": databank_status, "fouten": fouten}),
        logging_config=None,
        before_request=before_request,
        **litestar_kwargs,
    )
    # The idempotency header changes how operations are built, so before the document is built.
    documenteer(app, idempotentie)
    beschrijf_api(app, is_api_path)
    return app

