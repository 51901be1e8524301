"""Small helpers shared by registratie's pages: form fields, errors, templates, one-time messages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from dinet_chassis.errors import FieldProblem
from dinet_chassis.web import errors_by_field
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from .datum import lees_datum

Formulier = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def veld(data: dict[str, Any], naam: str) -> str:
    waarde = data.get(naam, "")
    if isinstance(waarde, list):  # a repeated field: a person's form sends each once
        waarde = waarde[-1] if waarde else ""
    return str(waarde or "")


def datumveld(data: dict[str, Any], naam: str, label: str) -> date | FieldProblem:
    tekst = veld(data, naam).strip()
    if not tekst:
        return FieldProblem(naam, "verplicht", f"Vul {label} in.")
    datum = lees_datum(tekst)
    if datum is None:
        return FieldProblem(naam, "ongeldige_datum", f"Geef bij {label} een geldige datum, zoals 31/01/2025.")
    return datum


def pagina(naam: str, status: int = 200, *, headers: dict[str, str] | None = None, **context: Any) -> Template:
    """The page `<naam>.html` (e.g. "leden/lid"), with what every form page expects: `fouten`,
    `fouten_per_veld` and `waarden`."""
    lijst = context.setdefault("fouten", [])
    context.setdefault("fouten_per_veld", errors_by_field(lijst))
    context.setdefault("waarden", {})
    return Template(template_name=f"{naam}.html", context=context, status_code=status, headers=headers)


def zet_melding(request: Request[Any, Any, Any], tekst: str) -> None:
    request.session["melding"] = tekst


def neem_melding(request: Request[Any, Any, Any]) -> str | None:
    return request.session.pop("melding", None) if request.session else None
