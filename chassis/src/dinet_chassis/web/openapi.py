"""OpenAPI documents that describe what the services really answer.

Litestar documents a handler's success answer and one generic 400 in its own error shape. Every
`/api/` answer of ours that is not a success is problem+json (problem.py), and most of them come
from the chassis, not from the handler: 401/403 from the `vereist` guard, 400/415/422 from body
and parameter validation, 404 from the router when a path parameter does not match its type, 503
while a dependency is down. `beschrijf_api` completes the generated document with exactly those,
derived from what each handler declares (guards, body, parameters), so a new handler is documented
correctly without anyone remembering to. What only the handler knows (a 404 for an unknown id, a
409 for a duplicate) it declares itself: `responses=problemen({404: "Dit lid bestaat niet."})`.

It also writes every `oneOf` Litestar makes of a Python union as `anyOf`: a union means "any of
these", and as `oneOf` the value 3 of an `int | float` matches both and so fails the schema.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, get_args

import pydantic

from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

from .auth import COOKIE, INLOGPAD
from .problem import PROBLEM_MEDIA_TYPE

__all__ = ["AANVRAAG", "PARTNER_TOKEN", "SESSIE", "beschrijf_api", "problemen"]

SESSIE = "sessie"
PARTNER_TOKEN = "partnerToken"
# `opt={AANVRAAG: Model}`: a handler that takes its JSON body as a plain dict, or reads the raw
# body, and checks it itself (to name every wrong field at once with the domain's own messages)
# names the type that documents the body; `{media_type: type}` when it takes several media types.
# The document shows that type's JSON Schema (pydantic's own) as the request body.
AANVRAAG = "dinet_aanvraag"

_PROBLEEM_REF = Reference(ref="#/components/schemas/Probleem")

_PROBLEEM = Schema(
    type=OpenAPIType.OBJECT,
    title="Probleem",
    description="RFC 9457 problem details. Machines lezen `code` per veld, mensen `melding`.",
    required=["type", "title", "status"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="`about:blank` of een `urn:dinet:probleem:…`."),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["veld", "code", "melding"],
                properties={
                    "veld": Schema(type=OpenAPIType.STRING, description="Pad van het veld, bv. `aanwezigheden.0.uren`."),
                    "code": Schema(type=OpenAPIType.STRING, description="Stabiele code, bv. `verplicht`."),
                    "melding": Schema(type=OpenAPIType.STRING, description="Uitleg in het Nederlands."),
                    "index": Schema(type=OpenAPIType.INTEGER, description="In een batch: welke gebeurtenis."),
                },
            ),
        ),
    },
)

_SCHEMES: dict[str, SecurityScheme] = {
    SESSIE: SecurityScheme(
        type="apiKey",
        security_scheme_in="cookie",
        name=COOKIE,
        description=f"Het cookie dat alle diensten delen; inloggen via {INLOGPAD}.",
    ),
    PARTNER_TOKEN: SecurityScheme(
        type="http",
        scheme="bearer",
        description="Het token van je partnerorganisatie (`Authorization: Bearer <token>`).",
    ),
}

# What the chassis itself answers, per cause; a handler's own description for a status wins.
_ALGEMEEN: dict[int, str] = {
    400: "De inhoud is geen geldige JSON.",
    401: "Niet aangemeld; `WWW-Authenticate` zegt hoe.",
    403: "Aangemeld, maar zonder de nodige rol.",
    404: "Dit bestaat niet (ook: een padparameter van de verkeerde vorm).",
    415: "De inhoud is geen JSON: gebruik `Content-Type: application/json`.",
    422: "De gegevens zijn niet geldig: één fout per veld in `errors`, alle velden tegelijk.",
    503: "Een onderdeel is tijdelijk niet beschikbaar; probeer opnieuw na `Retry-After` seconden.",
}


def problemen(statussen: Mapping[int, str]) -> dict[int, ResponseSpec]:
    """`responses=` for a handler: the problem+json answers only it knows about, with why."""
    return {
        status: ResponseSpec(
            data_container=dict[str, Any], media_type=PROBLEM_MEDIA_TYPE, description=uitleg, generate_examples=False
        )
        for status, uitleg in statussen.items()
    }


def _antwoord(status: int, beschrijving: str) -> OpenAPIResponse:
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), required=True)}
    elif status == 503:
        headers = {"Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING))}
    return OpenAPIResponse(
        description=beschrijving,
        headers=headers,
        content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=_PROBLEEM_REF)},
    )


def _json_body(handler: Any) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    soort = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return soort == RequestEncodingType.JSON


def _vereiste_rollen(handler: Any) -> bool:
    # `vereist(...)` marks its guard with `rollen`; no other guard says who must be signed in.
    # (resolve_guards() wraps them, so read each layer's own list).
    return any(hasattr(g, "rollen") for laag in handler.ownership_layers for g in (laag.guards or []))


def _json_schema(soort: Any, schemas: dict[str, Any]) -> Any:
    schema = pydantic.TypeAdapter(soort).json_schema(ref_template="#/components/schemas/{model}")
    for naam, deel in schema.pop("$defs", {}).items():
        schemas.setdefault(naam, deel)
    if isinstance(soort, type) and issubclass(soort, pydantic.BaseModel):
        schemas[soort.__name__] = schema
        return Reference(ref=f"#/components/schemas/{soort.__name__}")
    return schema


def _aanvraag(operation: Operation, aanvraag: Any, schemas: dict[str, Any]) -> None:
    per_soort = aanvraag if isinstance(aanvraag, Mapping) else {"application/json": aanvraag}
    operation.request_body = RequestBody(
        required=True,
        content={media: OpenAPIMediaType(schema=_json_schema(soort, schemas)) for media, soort in per_soort.items()},
    )


def _modellen(annotatie: Any, gezien: set[type]) -> None:
    if isinstance(annotatie, type) and issubclass(annotatie, pydantic.BaseModel):
        if annotatie in gezien:
            return
        gezien.add(annotatie)
        for veld in annotatie.model_fields.values():
            _modellen(veld.annotation, gezien)
    for arg in get_args(annotatie):
        _modellen(arg, gezien)


def _geen_extra_velden(handler: Any, schemas: dict[str, Any]) -> None:
    # Litestar drops `extra="forbid"`; without `additionalProperties: false` the document says an
    # unknown field is fine while the service answers 422 `onbekend_veld`.
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return
    modellen: set[type] = set()
    _modellen(data.annotation, modellen)
    for model in modellen:
        schema = schemas.get(model.__name__)
        if model.model_config.get("extra") == "forbid" and isinstance(schema, Schema):
            schema.additional_properties = False


def _vul_aan(operation: Operation, handler: Any, schemas: dict[str, Any]) -> set[str]:
    """Complete one operation; returns the security schemes it uses."""
    _geen_extra_velden(handler, schemas)
    if (model := (handler.opt or {}).get(AANVRAAG)) is not None:
        _aanvraag(operation, model, schemas)
    antwoorden: dict[str, Any] = {}
    for status, antwoord in (operation.responses or {}).items():
        code = int(status)
        if code >= 400:
            # Litestar's generic 400 has its own error shape; ours are all problem+json.
            eigen = handler.responses and code in handler.responses
            antwoord = _antwoord(code, antwoord.description if eigen else _ALGEMEEN.get(code, antwoord.description))
        antwoorden[status] = antwoord
    if not _json_body(handler) and "400" in antwoorden and not (handler.responses and 400 in handler.responses):
        del antwoorden["400"]

    nodig: set[int] = {503}
    parameters = operation.parameters or []
    if _json_body(handler):
        nodig |= {400, 415, 422}
    if any(getattr(p, "param_in", None) == "query" for p in parameters):
        nodig.add(422)
    if any(getattr(p, "param_in", None) == "path" for p in parameters):
        nodig.add(404)

    schemes: set[str] = set()
    if _vereiste_rollen(handler):
        operation.security = [{SESSIE: []}]
    for requirement in operation.security or []:
        schemes |= set(requirement)
    if schemes:
        nodig.add(401)
    if SESSIE in schemes:
        nodig.add(403)

    for code in sorted(nodig):
        antwoorden.setdefault(str(code), _antwoord(code, _ALGEMEEN[code]))
    operation.responses = dict(sorted(antwoorden.items()))
    return schemes


def _any_of(obj: Any, gezien: set[int]) -> None:
    if id(obj) in gezien:
        return
    gezien.add(id(obj))
    if isinstance(obj, Schema) and obj.one_of is not None:
        obj.any_of, obj.one_of = [*(obj.any_of or []), *obj.one_of], None
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for veld in dataclasses.fields(obj):
            _any_of(getattr(obj, veld.name), gezien)
    elif isinstance(obj, dict):
        for waarde in obj.values():
            _any_of(waarde, gezien)
    elif isinstance(obj, (list, tuple)):
        for waarde in obj:
            _any_of(waarde, gezien)


def beschrijf_api(app: Litestar, is_api_path: Any) -> None:
    """Complete the app's OpenAPI document in place (it is built once, here, and then served)."""
    openapi = app.openapi_schema
    openapi.components = openapi.components or Components()
    schemas = openapi.components.schemas = {**(openapi.components.schemas or {}), "Probleem": _PROBLEEM}
    gebruikt: set[str] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not is_api_path(route.path):
            continue
        pad = openapi.paths.get(route.path_format or "/") if openapi.paths else None
        if pad is None:
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for methode in handler.http_methods:
                operation = getattr(pad, methode.lower(), None)
                if isinstance(operation, Operation):
                    gebruikt |= _vul_aan(operation, handler, schemas)
    if gebruikt:
        openapi.components.security_schemes = {naam: _SCHEMES[naam] for naam in sorted(gebruikt)}
    _any_of(openapi, set())

