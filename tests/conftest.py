"""Cross-service fixtures: the four services in-process on one real NATS and one real PostgreSQL."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest


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
