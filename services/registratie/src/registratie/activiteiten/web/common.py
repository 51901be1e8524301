"""Small helpers the activity pages and the API share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dinet_chassis.web import TYPE_CONFLICT, TYPE_NIET_GEVONDEN, TYPE_VALIDATIE, FieldError, problem_response
from dinet_contracts import beleidstool
from dinet_contracts.types import ACTIVITEIT_SOORT_LABELS, ActiviteitStatus
from litestar import Request, Response

from ..domain import Fout
from .domein import BRUSSEL, STATUS_LABELS, TREKKER_LABELS, VORM_LABELS, format_uren, jaar_van

MELDING = "activiteiten_melding"  # one-time message in the service session, shown after a redirect

_MAANDEN = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
_DAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def veldfouten(fouten: list[Fout]) -> list[FieldError]:
    return [FieldError(f.veld, f.code, f.melding) for f in fouten]


def enkel(data: dict[str, Any], veld: str) -> str:
    """A form field's value; a repeated field counts with its last value."""
    waarde = data.get(veld, "")
    if isinstance(waarde, list):
        waarde = waarde[-1] if waarde else ""
    return str(waarde)


def alle(data: dict[str, Any], veld: str) -> list[str]:
    waarde = data.get(veld, [])
    return [str(w) for w in (waarde if isinstance(waarde, list) else [waarde])]


def als_uuid(tekst: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(tekst))
    except (TypeError, ValueError):
        return None


def zet_melding(request: Request[Any, Any, Any], tekst: str) -> None:
    request.session[MELDING] = tekst


def neem_melding(request: Request[Any, Any, Any]) -> str | None:
    return request.session.pop(MELDING, None) if request.session else None


def datum_lang(moment: datetime) -> str:
    """"dinsdag 3 maart 2026" in Belgian time."""
    lokaal = moment.astimezone(BRUSSEL)
    return f"{_DAGEN[lokaal.weekday()]} {lokaal.day} {_MAANDEN[lokaal.month - 1]} {lokaal.year}"


def uur(moment: datetime) -> str:
    return moment.astimezone(BRUSSEL).strftime("%H.%M uur")


def periode(start: datetime, einde: datetime) -> str:
    """How people read a date and time span: one day with hours, or from one day to another."""
    if start.astimezone(BRUSSEL).date() == einde.astimezone(BRUSSEL).date():
        if start == einde:
            return datum_lang(start)
        return f"{datum_lang(start)}, van {uur(start).removesuffix(' uur')} tot {uur(einde)}"
    return f"van {datum_lang(start)} tot {datum_lang(einde)}"


def iso_lokaal(moment: datetime) -> str:
    return moment.astimezone(BRUSSEL).isoformat(timespec="minutes")


def beleidskeuzes() -> dict[str, Any]:
    """The beleidstool's pillars and elements (current catalogue) as form choices, per pillar."""
    c = beleidstool.huidige()
    return {
        "pijler_keuzes": [(p.code, p.naam) for p in c.pijlers],
        "element_keuzes": [
            (p.code, p.naam, [(e.id, f"{e.id}: {e.tekst}") for e in c.elementen_van(p.code)]) for p in c.pijlers
        ],
    }


LABELS: dict[str, Any] = {
    "catalogus": beleidstool.huidige(),
    "soort_labels": {s.value: label for s, label in ACTIVITEIT_SOORT_LABELS.items()},
    "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
    "trekker_labels": {t.value: label for t, label in TREKKER_LABELS.items()},
    "vorm_labels": {v.value: label for v, label in VORM_LABELS.items()},
    "periode": periode,
    "datum_lang": datum_lang,
    "iso_lokaal": iso_lokaal,
    "format_uren": format_uren,
    "jaar_van": jaar_van,
}

INSCHRIJVING_LABELS = {"ingeschreven": "Ingeschreven", "wachtlijst": "Wachtlijst", "geannuleerd": "Uitgeschreven"}


def status_tag(status: ActiviteitStatus) -> str:
    return {
        ActiviteitStatus.GEPLAND: "govuk-tag--blue",
        ActiviteitStatus.VERPLAATST: "govuk-tag--yellow",
        ActiviteitStatus.AFGELOPEN: "govuk-tag--grey",
        ActiviteitStatus.GEANNULEERD: "govuk-tag--red",
    }[status]


def probleem(status: int, fout: Fout, titel: str | None = None) -> Response[Any]:
    soort = {404: TYPE_NIET_GEVONDEN, 409: TYPE_CONFLICT, 422: TYPE_VALIDATIE}.get(status, "about:blank")
    return problem_response(status, titel or fout.melding, veldfouten([fout]), detail=fout.melding, type_=soort)
