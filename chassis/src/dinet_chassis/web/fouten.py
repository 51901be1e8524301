"""The one table from domain errors to HTTP answers, and the exception handler every app gets.

A use case raises `dinet_chassis.errors.DomainError` (a kind and a stable code, no status); here
the kind, or a specific code where a service needs another answer, becomes a status, a Dutch
title and a problem type. On `/api/` the answer is problem+json:

    {"type": ..., "title": ..., "status": ..., "code": <error code>, "detail": <melding>,
     "errors": [{"veld", "code", "melding"}, ...]}

A service adds codes with `create_web_app(..., foutcodes={"email_bestaat_al": Antwoord(409,
"Dit e-mailadres is al lid", TYPE_CONFLICT)})`; a code's entry wins over its kind's. A title of
None means the error's own `melding` is the title. On pages an uncaught domain error becomes the
Dutch error page with that status; a form handler catches the error itself to show the form
again with the person's input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.response import Template

from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from .problem import TYPE_CONFLICT, TYPE_NIET_GEVONDEN, TYPE_VALIDATIE, problem_response

__all__ = ["Antwoord", "FOUTSOORTEN", "FoutTabel"]


@dataclass(frozen=True, slots=True)
class Antwoord:
    status: int
    titel: str | None = None  # None: the error's own melding
    type_: str = "about:blank"


# Per kind of error; the most specific class in an error's MRO wins.
FOUTSOORTEN: Mapping[type[DomainError], Antwoord] = {
    Invalid: Antwoord(422, "De gegevens zijn niet geldig", TYPE_VALIDATIE),
    NotFound: Antwoord(404, "Dit bestaat niet", TYPE_NIET_GEVONDEN),
    Conflict: Antwoord(409, None, TYPE_CONFLICT),
    Forbidden: Antwoord(403, "Dit mag niet"),
    DomainError: Antwoord(422, None),
}


class FoutTabel:
    def __init__(self, codes: Mapping[str, Antwoord] | None = None) -> None:
        self.codes: dict[str, Antwoord] = dict(codes or {})

    def antwoord(self, fout: DomainError) -> Antwoord:
        if fout.code in self.codes:
            return self.codes[fout.code]
        for cls in type(fout).__mro__:
            if cls in FOUTSOORTEN:
                return FOUTSOORTEN[cls]  # type: ignore[index]
        return FOUTSOORTEN[DomainError]

    def probleem(self, fout: DomainError, *, headers: Mapping[str, str] | None = None) -> Response[dict[str, Any]]:
        """The problem+json answer for `fout` (also for a handler that catches the error itself)."""
        a = self.antwoord(fout)
        return problem_response(
            a.status,
            a.titel or fout.melding,
            fout.problemen,
            detail=fout.melding,
            type_=a.type_,
            code=fout.code,
            headers=headers,
        )

    def handler(self, is_api_path: Any) -> Any:
        def bij_domeinfout(request: Request[Any, Any, Any], fout: DomainError) -> Response[Any]:
            if is_api_path(request.url.path):
                return self.probleem(fout)
            a = self.antwoord(fout)
            return Template(
                template_name="dinet_fout.html",
                context={"status": a.status, "titel": a.titel or fout.melding, "uitleg": fout.melding},
                status_code=a.status,
            )

        return bij_domeinfout
