"""The chassis completes every service's OpenAPI document from what its handlers declare.

Fast, in-process tests of the web layer alone; tests/test_api_contract.py checks the four real
services on real NATS and PostgreSQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import delete, get, post
from litestar.params import FromPath, JSONBody
from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict

from dinet_chassis.testing import WebRuntime, asgi_client
from dinet_chassis.web import AANVRAAG, create_web_app, problemen
from dinet_chassis.web.auth import Rol, vereist


class Streng(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aantal: int


class Los(BaseModel):
    naam: str


@dataclass
class Cijfer:
    waarde: int | float


@get("/proef/api/v1/cijfer", sync_to_thread=False)
def cijfer() -> Cijfer:
    return Cijfer(3)


@post("/proef/api/v1/streng", sync_to_thread=False, guards=[vereist(Rol.MEDEWERKER)])
def streng(data: JSONBody[Streng]) -> dict[str, int]:
    return {"aantal": data.aantal}


@post(
    "/proef/api/v1/los",
    sync_to_thread=False,
    opt={AANVRAAG: Los},
    responses=problemen({409: "Bestaat al."}),
)
def los(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


@get("/proef/api/v1/ding/{id:uuid}", sync_to_thread=False)
def ding(id: FromPath[uuid.UUID]) -> dict[str, str]:
    return {"id": str(id)}


@delete("/proef/api/v1/ding/{id:uuid}", sync_to_thread=False, status_code=200)
def weg(id: FromPath[uuid.UUID]) -> dict[str, str]:
    return {"id": str(id)}


def app() -> Any:
    return create_web_app(WebRuntime(), [cijfer, streng, los, ding, weg], template_dir=Path(__file__).parent)


def test_document_is_valid_and_names_what_the_chassis_answers() -> None:
    doc = app().openapi_schema.to_schema()
    validate(doc)
    paden = doc["paths"]

    beveiligd = paden["/proef/api/v1/streng"]["post"]
    assert beveiligd["security"] == [{"sessie": []}]
    assert sorted(beveiligd["responses"]) == ["201", "400", "401", "403", "415", "422", "503"]
    assert "WWW-Authenticate" in beveiligd["responses"]["401"]["headers"]
    assert doc["components"]["securitySchemes"]["sessie"]["in"] == "cookie"
    assert doc["components"]["schemas"]["Streng"]["additionalProperties"] is False

    eigen = paden["/proef/api/v1/los"]["post"]
    assert eigen["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Los"}
    assert doc["components"]["schemas"]["Los"]["required"] == ["naam"]
    assert eigen["responses"]["409"]["description"] == "Bestaat al."
    assert "security" not in eigen and "401" not in eigen["responses"]

    # Litestar's own 400 shape is gone: every error is problem+json, and a GET has no body to break.
    assert sorted(paden["/proef/api/v1/ding/{id}"]["get"]["responses"]) == ["200", "404", "503"]
    for pad in paden.values():
        for op in pad.values():
            for status, antwoord in op["responses"].items():
                if int(status) >= 400:
                    assert antwoord["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Probleem"}}
                    }

    # int | float: "any of"; as "one of" the integer 3 would match both and fail.
    waarde = doc["components"]["schemas"]["Cijfer"]["properties"]["waarde"]
    assert "oneOf" not in waarde and {"type": "integer"} in waarde["anyOf"]


async def test_401_415_400_and_options() -> None:
    async with asgi_client(app()) as client:
        r = await client.post("/proef/api/v1/streng", json={"aantal": 1})
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith('Cookie realm="dinet"')

        r = await client.post("/proef/api/v1/los", content="naam=An", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415 and r.headers["content-type"].startswith("application/problem+json")
        r = await client.post("/proef/api/v1/los", content='{"naam": ', headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["errors"][0]["code"] == "ongeldige_json"
        r = await client.post("/proef/api/v1/los", content='{"naam": "An"}', headers={"Content-Type": "application/json; charset=utf-8"})
        assert r.status_code == 201

        r = await client.options(f"/proef/api/v1/ding/{uuid.uuid4()}")
        assert r.status_code == 204 and r.headers["allow"] == "DELETE, GET, OPTIONS"
