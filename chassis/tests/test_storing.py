"""A database outage is answered as an outage: 503 with Retry-After, logged once when it goes down
and once when it is back, never a traceback per request. On a real PostgreSQL, cut off and
reconnected through a relay."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from litestar import get, post
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import text

from dinet_chassis.db import Database, is_outage
from dinet_chassis.testing import WebRuntime, asgi_client
from dinet_chassis.web import create_web_app


@get("/proef/api/v1/getal")
async def api_getal(runtime: NamedDependency[Any]) -> dict[str, int]:
    async with runtime.db.transaction() as conn:
        return {"getal": await conn.scalar(text("SELECT 41 + 1"))}


@get("/proef/pagina")
async def pagina(runtime: NamedDependency[Any]) -> Template:
    async with runtime.db.transaction() as conn:
        getal = await conn.scalar(text("SELECT 42"))
    return Template(template_str="<p>{{ getal }}</p>", context={"getal": getal})


@post("/proef/api/v1/getallen")
async def api_nieuw_getal(runtime: NamedDependency[Any]) -> dict[str, int]:
    async with runtime.db.transaction() as conn:
        return {"getal": await conn.scalar(text("SELECT 43"))}


@get("/proef/api/v1/bestand", sync_to_thread=False)
def api_bestand() -> dict[str, str]:
    return {"inhoud": Path("/bestaat/niet").read_text()}


@pytest.fixture
async def app(database_switch, tmp_path):
    db = Database(database_switch.url, "proef", pool_size=2)
    yield create_web_app(
        WebRuntime(db=db), [api_getal, api_nieuw_getal, pagina, api_bestand], template_dir=tmp_path, idempotentie=True
    )
    await db.dispose()


def _outage_logs(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dinet.web"]


async def test_outage_answers_503_and_logs_once_per_change(app, database_switch, caplog):
    caplog.set_level(logging.INFO)
    async with asgi_client(app) as client:
        assert (await client.get("/proef/api/v1/getal")).json() == {"getal": 42}

        await database_switch.off()
        for _ in range(20):
            api = await client.get("/proef/api/v1/getal")
            assert api.status_code == 503
            assert api.headers["retry-after"] == "5"
            assert api.headers["content-type"] == "application/problem+json"
            probleem = api.json()
            assert probleem["type"] == "urn:dinet:probleem:tijdelijk-onbeschikbaar"
            assert probleem["status"] == 503 and "opnieuw" in probleem["detail"]
        # With an Idempotency-Key the key's own bookkeeping meets the outage first: the same answer.
        met_sleutel = await client.post("/proef/api/v1/getallen", headers={"Idempotency-Key": "k-1"})
        assert met_sleutel.status_code == 503 and met_sleutel.headers["retry-after"] == "5"
        page = await client.get("/proef/pagina")
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert '<html lang="nl"' in page.text and "tijdelijk niet beschikbaar" in page.text
        assert "02 211 55 00" in page.text

        logs = _outage_logs(caplog)
        assert [r.levelno for r in logs] == [logging.ERROR]  # one line for 22 failed requests
        assert "database onbereikbaar" in logs[0].getMessage() and logs[0].exc_info is None

        await database_switch.on()
        assert (await client.get("/proef/api/v1/getal")).json() == {"getal": 42}
        assert (await client.get("/proef/pagina")).status_code == 200
        logs = _outage_logs(caplog)
        assert [r.levelno for r in logs] == [logging.ERROR, logging.WARNING]
        assert "database weer bereikbaar" in logs[1].getMessage()

        await database_switch.off()  # a second outage is reported again
        assert (await client.get("/proef/api/v1/getal")).status_code == 503
        assert len(_outage_logs(caplog)) == 3


async def test_a_file_error_of_a_handler_is_still_a_500_with_its_traceback(app, caplog):
    async with asgi_client(app) as client:
        answer = await client.get("/proef/api/v1/bestand")
    assert answer.status_code == 500
    assert not is_outage(FileNotFoundError("/bestaat/niet"))
    assert [r.exc_info is not None for r in _outage_logs(caplog)] == [True]
