"""The one table from domain errors to HTTP: problem+json on the API, the error page on pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dataclasses import dataclass
from litestar import get
from litestar.di import NamedDependency

from dinet_chassis.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from dinet_chassis.testing import WebRuntime, asgi_client
from dinet_chassis.web import TYPE_CONFLICT, Antwoord, create_web_app

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class ProefDiensten:
    groet: str


@get("/proef/api/v1/ongeldig", sync_to_thread=False)
def ongeldig() -> None:
    raise Invalid(problemen=[FieldProblem("email", "verplicht", "Vul je e-mailadres in."),
                             FieldProblem("naam", "te_lang", "Gebruik maximaal 10 tekens.")])


@get("/proef/api/v1/dubbel", sync_to_thread=False)
def dubbel() -> None:
    raise Conflict.veld("email", "email_bestaat_al", "Er is al een lid met dit e-mailadres.")


@get("/proef/api/v1/weg", sync_to_thread=False)
def weg() -> None:
    raise NotFound("plan_onbekend", "Dit plan bestaat niet.")


@get("/proef/api/v1/verboden", sync_to_thread=False)
def verboden() -> None:
    raise Forbidden()


@get("/proef/pagina", sync_to_thread=False)
def pagina() -> None:
    raise NotFound("plan_onbekend", "Dit plan bestaat niet.")


@get("/proef/api/v1/diensten", sync_to_thread=False)
def met_diensten(diensten: NamedDependency[ProefDiensten]) -> dict[str, str]:
    return {"groet": diensten.groet}


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_web_app(
        WebRuntime(),
        [ongeldig, dubbel, weg, verboden, pagina, met_diensten],
        template_dir=tmp_path,
        foutcodes={"email_bestaat_al": Antwoord(409, "Dit e-mailadres is al lid", TYPE_CONFLICT)},
        diensten=ProefDiensten(groet="dag"),
    )


async def test_domain_errors_answer_problem_json_from_the_table(app: Any) -> None:
    async with asgi_client(app) as c:
        r = await c.get("/proef/api/v1/ongeldig")
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert r.json() == {
            "type": "urn:dinet:probleem:validatie",
            "title": "De gegevens zijn niet geldig",
            "status": 422,
            "code": "ongeldige_gegevens",
            "detail": "Verbeter de velden in `errors` en probeer opnieuw.",
            "errors": [
                {"veld": "email", "code": "verplicht", "melding": "Vul je e-mailadres in."},
                {"veld": "naam", "code": "te_lang", "melding": "Gebruik maximaal 10 tekens."},
            ],
        }
        r = await c.get("/proef/api/v1/dubbel")  # a service's own code wins over the kind
        assert r.status_code == 409
        assert r.json()["title"] == "Dit e-mailadres is al lid"
        assert r.json()["detail"] == "Er is al een lid met dit e-mailadres."
        assert r.json()["type"] == "urn:dinet:probleem:conflict" and r.json()["code"] == "email_bestaat_al"
        r = await c.get("/proef/api/v1/weg")
        assert (r.status_code, r.json()["code"], r.json()["detail"]) == (404, "plan_onbekend", "Dit plan bestaat niet.")
        assert "errors" not in r.json()
        r = await c.get("/proef/api/v1/verboden")
        assert (r.status_code, r.json()["code"]) == (403, "geen_toegang")


async def test_a_page_shows_the_dutch_error_page(app: Any) -> None:
    async with asgi_client(app) as c:
        r = await c.get("/proef/pagina")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Dit plan bestaat niet." in r.text and "02 211 55 00" in r.text


async def test_handlers_receive_the_typed_service_object(app: Any) -> None:
    async with asgi_client(app) as c:
        assert (await c.get("/proef/api/v1/diensten")).json() == {"groet": "dag"}
