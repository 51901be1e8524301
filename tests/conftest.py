"""Cross-service fixtures: the four services in-process on one real NATS and one real PostgreSQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from dinet_contracts.events.registratie import LidGeregistreerd


@dataclass
class Stack:
    registratie: Any
    kpi: Any
    meldingen: Any
    beleidsplan: Any
    clients: dict[str, httpx.AsyncClient]
    mail_dir: Any

    def client(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]


@pytest.fixture
async def stack(start_service, http, mail_sink):
    from beleidsplan.main import DEFINITION as BELEIDSPLAN
    from kpi.main import DEFINITION as KPI
    from meldingen.main import DEFINITION as MELDINGEN
    from registratie.main import DEFINITION as REGISTRATIE

    async with AsyncExitStack() as stack:
        runtimes = {}
        for definition in (REGISTRATIE, KPI, MELDINGEN, BELEIDSPLAN):
            runtimes[definition.name] = await stack.enter_async_context(
                start_service(definition, smtp_url=mail_sink.url, demo=True)
            )
        yield Stack(
            **runtimes,
            clients={name: http(rt, follow_redirects=False) for name, rt in runtimes.items()},
            mail_dir=mail_sink.mail_dir,
        )


def csrf_token(html: str) -> str:
    match = re.search(r'name="_csrf_token"\s+value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"\s+name="_csrf_token"', html
    )
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.fixture
def csrf():
    return csrf_token


def lid_geregistreerd(**overrides: Any) -> LidGeregistreerd:
    """A new member of this year, as registratie announces one."""
    values: dict[str, Any] = {
        "lid_id": uuid.uuid4(),
        "organisatie_id": uuid.uuid4(),
        "organisatie_type": "lokaal_bestuur",
        "lid_sinds": date.today(),
        "nieuwsbrief": False,
    }
    return LidGeregistreerd(**(values | overrides))


async def kpi_leden(client: httpx.AsyncClient) -> int:
    """This year's member count as the KPI API reports it."""
    answer = await client.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})
    return next(k["waarde"] for k in answer.json()["kpis"] if k["id"] == "od11_leden")


async def gelijk(waarde: Awaitable[Any], verwacht: Any) -> bool:
    """For `wait_until`: an awaited value equal to what is expected."""
    return (await waarde) == verwacht


class Hulp:
    """The helpers above, handed to tests as a fixture (test modules cannot import conftest)."""

    lid = staticmethod(lid_geregistreerd)
    leden = staticmethod(kpi_leden)
    gelijk = staticmethod(gelijk)


@pytest.fixture
def hulp() -> type[Hulp]:
    return Hulp
