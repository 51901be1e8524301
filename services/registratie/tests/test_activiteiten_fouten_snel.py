"""The activities' API answers a refusal as it always did, now that the use cases raise domain
errors and the chassis table (with the activities' own codes) writes the problem+json: the same
status, type, title, detail and per-field errors, plus the error's `code`. No database."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from dinet_chassis.errors import DomainError, FieldProblem
from dinet_chassis.web import FoutTabel

from registratie.activiteiten import domain
from registratie.activiteiten.web import FOUTCODES

pytestmark = pytest.mark.unit

NIET_GEVONDEN = "urn:dinet:probleem:niet-gevonden"
CONFLICT = "urn:dinet:probleem:conflict"
VALIDATIE = "urn:dinet:probleem:validatie"


def body(fout: DomainError) -> tuple[int, dict]:
    antwoord = FoutTabel(FOUTCODES).probleem(fout)
    return antwoord.status_code, json.loads(antwoord.render(antwoord.content, antwoord.media_type))


def vroeger(status: int, type_: str, fout: FieldProblem) -> dict:
    """The body the routes built themselves before: the field's message as title and detail."""
    return {"type": type_, "title": fout.melding, "status": status, "detail": fout.melding, "errors": [fout.as_dict()]}


@pytest.mark.parametrize(
    ("fout", "status", "type_"),
    [
        (domain.onbekende_activiteit(), 404, NIET_GEVONDEN),
        (domain.niet_ingeschreven(), 404, NIET_GEVONDEN),
        (domain.al_op_lijst("ingeschreven"), 409, CONFLICT),
        (domain.al_op_lijst("wachtlijst"), 409, CONFLICT),
        (domain.andere_organisatie(), 403, "about:blank"),
        (domain.geen_lid(), 422, VALIDATIE),
        (domain.te_veel_uren([(uuid.uuid4(), True, Decimal("5"))], Decimal("3")), 422, VALIDATIE),
    ],
)
def test_one_refusal_keeps_its_old_body(fout: DomainError, status: int, type_: str) -> None:
    gekregen_status, gekregen = body(fout)
    assert gekregen_status == status
    assert gekregen.pop("code") == fout.code == fout.problemen[0].code
    assert gekregen == vroeger(status, type_, fout.problemen[0])


def test_several_wrong_lines_are_one_validation_problem() -> None:
    fout = domain.onbekende_leden([uuid.uuid4(), uuid.uuid4()])
    assert fout is not None
    status, gekregen = body(fout)
    assert status == 422 and gekregen["code"] == "ongeldige_gegevens"
    assert gekregen["title"] == "De gegevens zijn niet geldig" and gekregen["type"] == VALIDATIE
    assert gekregen["detail"] == "Verbeter de velden in `errors` en probeer opnieuw."
    assert [e["code"] for e in gekregen["errors"]] == ["onbekend_lid", "onbekend_lid"]
