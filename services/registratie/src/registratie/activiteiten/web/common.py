"""What the activity pages and the API share: the parts they are given (`ActiviteitenDiensten`),
how domain errors are answered, form and date helpers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from dinet_chassis.db import Database
from dinet_chassis.errors import DomainError, FieldProblem
from dinet_chassis.uow import Clock, utc_now
from dinet_chassis.web import TYPE_NIET_GEVONDEN, TYPE_VALIDATIE, Antwoord, FoutTabel, errors_by_field
from dinet_chassis.web.auth import Identiteit, Rol
from dinet_contracts import beleidstool
from dinet_contracts.tijd import iso, lokaal, lokale_datum
from dinet_contracts.types import ACTIVITEIT_SOORT_LABELS, ActiviteitStatus
from litestar import Request
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from ..domain import STATUS_LABELS, TREKKER_LABELS, VORM_LABELS, Wie, format_uren, jaar_van
from ..store import ActiviteitenUoW
from ..store.lijsten import Overzicht


@dataclass(frozen=True)
class ActiviteitenDiensten:
    """What the activity routes need, typed: the database for reading, a unit of work per
    change, the clock, and the public address for the calendar feed."""

    db: Database
    source: str
    publieke_url: str
    clock: Clock = utc_now

    def uow(self) -> ActiviteitenUoW:
        return ActiviteitenUoW(self.db, source=self.source, clock=self.clock)

    def nu(self) -> datetime:
        return self.clock()


# Nearly every page handler takes the same request, services, activity and form: one name each
# keeps their signatures to a single line.
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
Verzoek = Request[Any, Any, Any]
Diensten = NamedDependency[ActiviteitenDiensten]
ActiviteitId = FromPath[uuid.UUID]
Formulier = Annotated[dict[str, Any], FORM]


def uit_diensten(diensten: NamedDependency[Any]) -> ActiviteitenDiensten:
    """The activities' part of registratie's composition root (bootstrap.py builds it)."""
    return diensten.activiteiten


# The API's answers that differ from the chassis' default per kind: these have always carried
# the error's own message as their title (and the validation type for a single wrong field).
FOUTCODES: dict[str, Antwoord] = {
    "onbekende_activiteit": Antwoord(404, None, TYPE_NIET_GEVONDEN),
    "niet_ingeschreven": Antwoord(404, None, TYPE_NIET_GEVONDEN),
    "andere_organisatie": Antwoord(403, None),
    "onbekend_lid": Antwoord(422, None, TYPE_VALIDATIE),
    "meer_dan_duur": Antwoord(422, None, TYPE_VALIDATIE),
    "lid_id_ontbreekt": Antwoord(422, None, TYPE_VALIDATIE),
}
FOUTEN = FoutTabel(FOUTCODES)


def pagina_status(fout: DomainError) -> int:
    """The status a page answers a refusal with: as the API, but 400 for wrong input (a form
    shown again)."""
    status = FOUTEN.antwoord(fout).status
    return 400 if status == 422 else status


def eerste(fout: DomainError) -> FieldProblem:
    """The field a refusal is about (a confirmation page or a summary shows one)."""
    return fout.problemen[0] if fout.problemen else FieldProblem("activiteit_id", fout.code, fout.melding)


def als_wie(identiteit: Identiteit) -> Wie:
    return Wie(
        medewerker=identiteit.heeft(Rol.MEDEWERKER), lid_id=identiteit.lid_id, organisatie_id=identiteit.organisatie_id
    )


MELDING = "activiteiten_melding"  # one-time message in the service session, shown after a redirect

_MAANDEN = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
_DAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


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
    dag = lokaal(moment)
    return f"{_DAGEN[dag.weekday()]} {dag.day} {_MAANDEN[dag.month - 1]} {dag.year}"


def uur(moment: datetime) -> str:
    return lokaal(moment).strftime("%H.%M uur")


def periode(start: datetime, einde: datetime) -> str:
    """How people read a date and time span: one day with hours, or from one day to another."""
    if lokale_datum(start) == lokale_datum(einde):
        if start == einde:
            return datum_lang(start)
        return f"{datum_lang(start)}, van {uur(start).removesuffix(' uur')} tot {uur(einde)}"
    return f"van {datum_lang(start)} tot {datum_lang(einde)}"


def iso_lokaal(moment: datetime) -> str:
    return iso(moment, "minutes")


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


def over_activiteit(overzicht: Overzicht, fouten: list[FieldProblem] | None = None) -> dict[str, Any]:
    """What every page about one activity starts from: the labels, the activity and its data,
    and the errors (also per field, for the form macros)."""
    fouten = fouten or []
    return {
        **LABELS,
        "o": overzicht,
        "a": overzicht.activiteit,
        "g": overzicht.activiteit.gegevens,
        "fouten": fouten,
        "fouten_per_veld": errors_by_field(fouten),
    }
