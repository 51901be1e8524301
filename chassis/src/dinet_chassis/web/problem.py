"""RFC 9457 problem details with per-field errors in Dutch.

Machines read the stable `code`; people read the Dutch `melding`. Both are part of the contract of
every `/api/` endpoint, so the codes below never change meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, get_args

import pydantic
from litestar import Response
from pydantic_core.core_schema import ErrorType

from ..errors import FieldProblem

PROBLEM_MEDIA_TYPE = "application/problem+json"

TYPE_VALIDATIE = "urn:dinet:probleem:validatie"
TYPE_CONFLICT = "urn:dinet:probleem:conflict"
TYPE_NIET_GEVONDEN = "urn:dinet:probleem:niet-gevonden"


# One wrong field, the same object the domain raises in `errors.Invalid(problemen=...)`; the
# name `FieldError` stays for the web layer's existing callers.
FieldError = FieldProblem


def problem_response(
    status: int,
    title: str,
    errors: Iterable[FieldError] = (),
    detail: str | None = None,
    type_: str = "about:blank",
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    code: str | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if code:
        body["code"] = code
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    fouten = [e.as_dict() for e in errors]
    if fouten:
        body["errors"] = fouten
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {}))


def validation_problem(errors: Sequence[FieldError], detail: str | None = None) -> Response[dict[str, Any]]:
    return problem_response(
        422,
        "De gegevens zijn niet geldig",
        errors,
        detail=detail or "Verbeter de velden in `errors` en probeer opnieuw.",
        type_=TYPE_VALIDATIE,
    )


# pydantic error type -> (stable code, Dutch message). `{...}` is filled from the error's ctx.
_TYPE_FOUTEN: dict[str, tuple[str, str]] = {
    "missing": ("verplicht", "Vul dit veld in."),
    "string_too_long": ("te_lang", "Gebruik maximaal {max_length} tekens."),
    "too_long": ("te_lang", "Geef maximaal {max_length} waarden."),
    "string_too_short": ("te_kort", "Gebruik minstens {min_length} tekens."),
    "too_short": ("te_kort", "Geef minstens {min_length} waarden."),
    "string_pattern_mismatch": ("ongeldige_waarde", "Deze waarde heeft niet de juiste vorm."),
    "enum": ("ongeldige_waarde", "Kies een van de toegelaten waarden: {expected}."),
    "literal_error": ("ongeldige_waarde", "Kies een van de toegelaten waarden: {expected}."),
    "uuid_parsing": ("ongeldige_waarde", "Dit is geen geldige id (UUID)."),
    "uuid_type": ("ongeldig_type", "Dit is geen geldige id (UUID)."),
    "uuid_version": ("ongeldige_waarde", "Dit is geen geldige id (UUID)."),
    "date_from_datetime_parsing": ("ongeldige_waarde", "Geef een datum als JJJJ-MM-DD."),
    "date_parsing": ("ongeldige_waarde", "Geef een datum als JJJJ-MM-DD."),
    "date_type": ("ongeldig_type", "Geef een datum als JJJJ-MM-DD."),
    "datetime_parsing": ("ongeldige_waarde", "Geef een tijdstip volgens ISO 8601."),
    "datetime_from_date_parsing": ("ongeldige_waarde", "Geef een tijdstip volgens ISO 8601."),
    "datetime_type": ("ongeldig_type", "Geef een tijdstip volgens ISO 8601."),
    "greater_than": ("te_klein", "Geef een getal groter dan {gt}."),
    "greater_than_equal": ("te_klein", "Geef een getal van minstens {ge}."),
    "less_than": ("te_groot", "Geef een getal kleiner dan {lt}."),
    "less_than_equal": ("te_groot", "Geef een getal van hoogstens {le}."),
    "extra_forbidden": ("onbekend_veld", "Dit veld is niet toegelaten."),
    "json_invalid": ("ongeldige_json", "De inhoud is geen geldige JSON."),
    "model_type": ("ongeldig_type", "Verwacht een JSON-object."),
    "model_attributes_type": ("ongeldig_type", "Verwacht een JSON-object."),
    "dict_type": ("ongeldig_type", "Verwacht een JSON-object."),
    "list_type": ("ongeldig_type", "Verwacht een lijst."),
}

_TYPE_MELDINGEN: dict[str, str] = {
    "string": "Verwacht tekst.",
    "bool": "Verwacht true of false.",
    "int": "Verwacht een geheel getal.",
    "float": "Verwacht een getal.",
    "decimal": "Verwacht een getal.",
}

# Built-in pydantic error types; any other type comes from PydanticCustomError raised by a service
# validator, whose type *is* the stable code and whose message is already Dutch.
_INGEBOUWDE_TYPES: frozenset[str] = frozenset(get_args(ErrorType))


def _veld(loc: Sequence[Any]) -> str:
    delen = [str(p) for p in loc]
    # Litestar prefixes request-body locations with "data"/"body"; the client never sees that name.
    while delen and delen[0] in {"data", "body"}:
        delen = delen[1:]
    return ".".join(delen) or "body"


def _vul_in(sjabloon: str, ctx: Mapping[str, Any] | None) -> str:
    try:
        return sjabloon.format(**(ctx or {}))
    except (KeyError, IndexError, ValueError):
        return sjabloon.split(":")[0].rstrip(".") + "."


def field_error_from_pydantic(error: Mapping[str, Any]) -> FieldError:
    """One pydantic error dict (as from `ValidationError.errors()`) as a Dutch FieldError."""
    soort = str(error.get("type", ""))
    veld = _veld(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    bericht = str(error.get("msg", ""))

    if soort == "string_too_short" and ctx.get("min_length") == 1:
        return FieldError(veld, "verplicht", "Vul dit veld in.")
    if soort == "value_error" and "email" in bericht.lower():
        return FieldError(veld, "ongeldig_email", "Geef een geldig e-mailadres, zoals naam@gemeente.be.")
    if soort in _TYPE_FOUTEN:
        code, sjabloon = _TYPE_FOUTEN[soort]
        return FieldError(veld, code, _vul_in(sjabloon, ctx))
    if soort.endswith("_type") or soort.endswith("_parsing"):
        basis = soort.removesuffix("_type").removesuffix("_parsing")
        code = "ongeldig_type" if soort.endswith("_type") else "ongeldige_waarde"
        return FieldError(veld, code, _TYPE_MELDINGEN.get(basis, "Deze waarde heeft niet het juiste type."))
    if soort and soort not in _INGEBOUWDE_TYPES:
        return FieldError(veld, soort, bericht)
    if soort == "value_error":
        # A plain ValueError from a validator: its text is the message the service chose.
        return FieldError(veld, "ongeldige_waarde", bericht.removeprefix("Value error, "))
    return FieldError(veld, "ongeldige_waarde", "Deze waarde is niet geldig.")


def field_errors_from_validation(
    exc: pydantic.ValidationError | Iterable[Mapping[str, Any]],
) -> list[FieldError]:
    """Map a pydantic ValidationError (or its `.errors()` list) to Dutch FieldErrors, one per field."""
    fouten = exc.errors() if isinstance(exc, pydantic.ValidationError) else exc
    resultaat: list[FieldError] = []
    gezien: set[str] = set()
    for fout in fouten:
        fe = field_error_from_pydantic(fout)
        # One message per field: a person fixes the first problem first.
        if fe.veld not in gezien:
            gezien.add(fe.veld)
            resultaat.append(fe)
    return resultaat


def errors_by_field(errors: Iterable[FieldError]) -> dict[str, FieldError]:
    """For templates: `fouten_per_veld["email"].melding`."""
    return {e.veld: e for e in errors}
