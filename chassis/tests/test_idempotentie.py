"""Idempotency-Key on a real PostgreSQL: a retried creating request gets the first answer and its
effect happens once; the key is refused for another request; nothing is kept for a 5xx."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import Response
from sqlalchemy import text

from dinet_chassis.db import Database
from dinet_chassis.migrations import migrate
from dinet_chassis.testing import WebRuntime, asgi_client
from dinet_chassis.web import create_web_app


@post("/proef/api/v1/dingen")
async def maak_ding(runtime: NamedDependency[Any], data: JSONBody[dict[str, Any]]) -> Response[Any]:
    if data.get("traag"):
        await asyncio.sleep(0.5)
    ding_id = uuid.uuid4()
    try:
        async with runtime.db.transaction() as conn:
            await conn.execute(text("INSERT INTO dingen (id, naam) VALUES (:id, :naam)"), {"id": ding_id, "naam": data["naam"]})
            if data.get("kapot"):
                raise RuntimeError("na de insert, voor het antwoord")
    except ValueError:
        pass
    return Response({"id": str(ding_id)}, status_code=201, headers={"Location": f"/proef/api/v1/dingen/{ding_id}"})


@post("/proef/api/v1/dubbel")
async def dubbel(runtime: NamedDependency[Any], data: JSONBody[dict[str, Any]]) -> Response[Any]:
    # The handler's own savepoint rolls back; the answer (a 409) is still what the retry gets.
    try:
        async with runtime.db.transaction() as conn:
            await conn.execute(text("INSERT INTO dingen (id, naam) VALUES (:id, 'x')"), {"id": uuid.uuid4()})
            raise LookupError("bestaat al")
    except LookupError:
        return Response({"fout": "bestaat al"}, status_code=409)


@post("/proef/api/v1/zonder", opt={"idempotentie": False})
async def zonder(runtime: NamedDependency[Any]) -> dict[str, str]:
    async with runtime.db.transaction() as conn:
        await conn.execute(text("INSERT INTO dingen (id, naam) VALUES (:id, 'zonder')"), {"id": uuid.uuid4()})
    return {"ok": "ja"}


@get("/proef/api/v1/dingen")
async def lijst(runtime: NamedDependency[Any]) -> dict[str, int]:
    async with runtime.db.transaction() as conn:
        return {"aantal": await conn.scalar(text("SELECT count(*) FROM dingen"))}


@pytest.fixture
async def app(database_url, tmp_path):
    db = Database(database_url, "proef", pool_size=4)
    await migrate(db, None)
    async with db.transaction() as conn:
        await conn.execute(text("CREATE TABLE dingen (id uuid PRIMARY KEY, naam text NOT NULL)"))
    runtime = WebRuntime(db=db)
    app = create_web_app(runtime, [maak_ding, dubbel, zonder, lijst], template_dir=tmp_path, idempotentie=True)
    app.state.test_runtime = runtime
    yield app
    await db.dispose()


@pytest.fixture
async def client(app):
    async with asgi_client(app) as c:
        yield c


async def _aantal(client: httpx.AsyncClient) -> int:
    return (await client.get("/proef/api/v1/dingen")).json()["aantal"]


DINGEN = "/proef/api/v1/dingen"


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing(client):
    sleutel = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    eerste = await client.post(DINGEN, json={"naam": "a"}, headers=sleutel)
    tweede = await client.post(DINGEN, json={"naam": "a"}, headers=sleutel)
    assert eerste.status_code == tweede.status_code == 201
    assert tweede.json() == eerste.json()
    assert tweede.headers["location"] == eerste.headers["location"]
    assert "idempotent-replayed" not in eerste.headers
    assert tweede.headers["idempotent-replayed"] == "true"
    assert await _aantal(client) == 1

    # Without a key every request is a new one, as before.
    await client.post(DINGEN, json={"naam": "a"})
    await client.post(DINGEN, json={"naam": "a"})
    assert await _aantal(client) == 3


async def test_the_same_key_for_another_request_is_refused(client):
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    assert (await client.post(DINGEN, json={"naam": "a"}, headers=sleutel)).status_code == 201
    ander = await client.post(DINGEN, json={"naam": "b"}, headers=sleutel)
    assert ander.status_code == 422
    assert ander.headers["content-type"] == "application/problem+json"
    assert ander.json()["errors"][0]["code"] == "idempotency_key_hergebruikt"
    assert await _aantal(client) == 1


async def test_an_unusable_key_is_a_400(client):
    for waarde in ("", '""', "x" * 256, "héhé"):
        answer = await client.post(DINGEN, json={"naam": "a"}, headers={"Idempotency-Key": waarde.encode("utf-8")})
        assert answer.status_code == 400, waarde
        assert answer.json()["errors"][0]["code"] == "idempotency_key_ongeldig"
    assert await _aantal(client) == 0


async def test_a_server_error_is_not_kept_and_its_effect_is_undone(client):
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    kapot = await client.post(DINGEN, json={"naam": "a", "kapot": True}, headers=sleutel)
    assert kapot.status_code == 500
    assert await _aantal(client) == 0
    assert (await client.post(DINGEN, json={"naam": "a", "kapot": True}, headers=sleutel)).status_code == 500


async def test_a_refusal_inside_a_savepoint_is_kept_as_the_answer(client):
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    eerste = await client.post("/proef/api/v1/dubbel", json={}, headers=sleutel)
    tweede = await client.post("/proef/api/v1/dubbel", json={}, headers=sleutel)
    assert (eerste.status_code, tweede.status_code) == (409, 409)
    assert tweede.headers["idempotent-replayed"] == "true"
    assert await _aantal(client) == 0


async def test_two_requests_with_one_key_at_once_run_once(client):
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    a, b = await asyncio.gather(
        client.post(DINGEN, json={"naam": "a", "traag": True}, headers=sleutel),
        client.post(DINGEN, json={"naam": "a", "traag": True}, headers=sleutel),
    )
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert sorted(r.headers.get("idempotent-replayed", "nee") for r in (a, b)) == ["nee", "true"]
    assert await _aantal(client) == 1


async def test_keys_are_per_client_and_expire_after_24_hours(client, app):
    sleutel = str(uuid.uuid4())
    een = await client.post(DINGEN, json={"naam": "a"}, headers={"Idempotency-Key": sleutel, "Authorization": "Bearer een"})
    twee = await client.post(DINGEN, json={"naam": "a"}, headers={"Idempotency-Key": sleutel, "Authorization": "Bearer twee"})
    assert een.json() != twee.json() and "idempotent-replayed" not in twee.headers
    assert await _aantal(client) == 2

    async with app.state.test_runtime.db.transaction() as conn:
        await conn.execute(text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"))
    later = await client.post(DINGEN, json={"naam": "ander"}, headers={"Idempotency-Key": sleutel, "Authorization": "Bearer een"})
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    assert await _aantal(client) == 3


async def test_a_handler_can_stay_out_and_openapi_names_the_header(client):
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    await client.post("/proef/api/v1/zonder", headers=sleutel)
    await client.post("/proef/api/v1/zonder", headers=sleutel)
    assert await _aantal(client) == 2

    paden = (await client.get("/proef/schema/openapi.json")).json()["paths"]

    def heeft_header(pad: str, methode: str) -> bool:
        return any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in paden[pad][methode].get("parameters", []))

    assert heeft_header(DINGEN, "post") and heeft_header("/proef/api/v1/dubbel", "post")
    assert not heeft_header(DINGEN, "get") and not heeft_header("/proef/api/v1/zonder", "post")
    assert {"201", "409", "422"} <= set(paden[DINGEN]["post"]["responses"])
