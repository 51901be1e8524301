"""The shared auth API (`dinet_chassis.web.auth`) on a tiny app built with the chassis web layer."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from dinet_chassis.settings import Settings
from dinet_chassis.web import create_web_app
from dinet_chassis.web.auth import (
    COOKIE,
    Identiteit,
    Rol,
    identiteit,
    lees_cookie,
    maak_cookie,
    meld_aan,
    meld_af,
    vereist,
    veilige_volgende,
)
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

ORG = uuid.uuid4()
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))
PARTNER = Identiteit(
    sub="demo:mediawijs", naam="Pim Partner", rollen=frozenset({Rol.PARTNER}), organisatie_id=ORG
)


def _app(tmp_path: Path, public_url: str = "http://testserver") -> Any:
    settings = Settings(service="proef", secret_key="geheim", public_url=public_url)
    (tmp_path / "wie.html").write_text("{% if identiteit %}Aangemeld: {{ identiteit.naam }}{% else %}Anoniem{% endif %}")

    @get("/proef/wie", sync_to_thread=False)
    def wie() -> Template:
        return Template(template_name="wie.html")

    @get("/proef/beheer", guards=[vereist(Rol.MEDEWERKER)], sync_to_thread=False)
    def beheer(request: Request[Any, Any, Any]) -> str:
        wie = identiteit(request)
        assert wie is not None
        return f"hallo {wie.naam}"

    @get("/proef/api/v1/beheer", guards=[vereist(Rol.MEDEWERKER, Rol.STUURGROEP)], sync_to_thread=False)
    def api_beheer() -> dict[str, str]:
        return {"ok": "ja"}

    @get("/proef/aangemeld", guards=[vereist()], sync_to_thread=False)
    def aangemeld() -> str:
        return "ok"

    @post("/proef/api/v1/aanmelden/{sub:str}", sync_to_thread=False)
    def aanmelden(sub: FromPath[str]) -> Response[Any]:
        wie = {"medewerker": MEDEWERKER, "partner": PARTNER}[sub]
        return meld_aan(Response(content={"sub": wie.sub}), wie, settings)

    @post("/proef/api/v1/afmelden", sync_to_thread=False)
    def afmelden() -> Response[Any]:
        return meld_af(Response(content={}))

    runtime = SimpleNamespace(settings=settings)
    return create_web_app(runtime, [wie, beheer, api_beheer, aangemeld, aanmelden, afmelden], template_dir=tmp_path)


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def test_cookie_round_trip_and_tamper() -> None:
    wie = Identiteit(
        sub="x", naam="Één Naam", rollen=frozenset({Rol.PARTNER, Rol.LID}), organisatie_id=ORG, lid_id=uuid.uuid4()
    )
    waarde = maak_cookie(wie, "k")
    assert lees_cookie(waarde, "k") == wie
    assert lees_cookie(waarde, "andere sleutel") is None
    inhoud, handtekening = waarde.split(".")
    assert lees_cookie(f"{inhoud}x.{handtekening}", "k") is None
    assert lees_cookie("", "k") is None and lees_cookie("zonder-punt", "k") is None
    assert lees_cookie(maak_cookie(wie, "k", max_age=10, nu=1000), "k", nu=1011) is None
    assert lees_cookie(maak_cookie(wie, "k", max_age=10, nu=1000), "k", nu=1009) == wie


def test_heeft() -> None:
    assert PARTNER.heeft(Rol.PARTNER) and PARTNER.heeft(Rol.MEDEWERKER, Rol.PARTNER) and PARTNER.heeft()
    assert not PARTNER.heeft(Rol.MEDEWERKER)
    assert not Identiteit(sub="x", naam="x").heeft()


@pytest.mark.parametrize(
    ("volgende", "verwacht"),
    [("/kpi/", "/kpi/"), ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\\evil", "/"), (None, "/")],
)
def test_veilige_volgende(volgende: str | None, verwacht: str) -> None:
    assert veilige_volgende(volgende) == verwacht


async def test_guard_on_pages_and_api(tmp_path: Path) -> None:
    async with _client(_app(tmp_path)) as client:
        anoniem = await client.get("/proef/beheer?x=1")
        assert anoniem.status_code == 303
        assert anoniem.headers["location"] == "/registratie/inloggen?volgende=%2Fproef%2Fbeheer%3Fx%3D1"
        api = await client.get("/proef/api/v1/beheer")
        assert api.status_code == 401 and api.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/proef/wie")).text == "Anoniem"

        r = await client.post("/proef/api/v1/aanmelden/partner")
        cookie = r.headers["set-cookie"]
        assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
        assert "Secure" not in cookie
        pagina = await client.get("/proef/beheer")
        assert pagina.status_code == 403 and "text/html" in pagina.headers["content-type"]
        assert "Pim Partner" in pagina.text and "VVSG-medewerker" in pagina.text
        api = await client.get("/proef/api/v1/beheer")
        assert api.status_code == 403 and api.json()["status"] == 403
        assert (await client.get("/proef/aangemeld")).status_code == 200
        assert (await client.get("/proef/wie")).text == "Aangemeld: Pim Partner"

        await client.post("/proef/api/v1/aanmelden/medewerker")
        assert (await client.get("/proef/beheer")).text == "hallo Mia Medewerker"
        assert (await client.get("/proef/api/v1/beheer")).json() == {"ok": "ja"}

        uit = await client.post("/proef/api/v1/afmelden")
        assert f"{COOKIE}=" in uit.headers["set-cookie"]
        assert (await client.get("/proef/beheer")).status_code == 303


async def test_forged_cookie_is_anonymous(tmp_path: Path) -> None:
    vals = maak_cookie(MEDEWERKER, "niet-de-sleutel")
    async with _client(_app(tmp_path)) as client:
        client.cookies.set(COOKIE, vals)
        assert (await client.get("/proef/beheer")).status_code == 303


async def test_secure_cookie_on_https(tmp_path: Path) -> None:
    async with _client(_app(tmp_path, public_url="https://dinet.example")) as client:
        r = await client.post("/proef/api/v1/aanmelden/partner")
        assert "Secure" in r.headers["set-cookie"]
