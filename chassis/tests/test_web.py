"""The shared web layer: CSRF on forms, problem+json on the API, templates and static files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, EmailStr, Field

from dinet_chassis.testing import WebRuntime, asgi_client
from dinet_chassis.web import FieldError, create_web_app, problem_response


class Aanvraag(BaseModel):
    naam: str = Field(min_length=1, max_length=10)
    email: EmailStr
    aantal: int


@get("/proef/formulier", sync_to_thread=False)
def formulier() -> Template:
    return Template(template_name="formulier.html", context={"fouten": [], "waarden": {}})


@post("/proef/formulier", sync_to_thread=False)
def verstuur(data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Any:
    if not data.get("naam"):
        fouten = [FieldError("naam", "verplicht", "Vul je naam in.")]
        return Template(template_name="formulier.html", context={"fouten": fouten, "waarden": data}, status_code=400)
    return Redirect("/proef/formulier", status_code=303)


@post("/proef/api/v1/aanvragen", sync_to_thread=False)
def api_aanvraag(data: JSONBody[Aanvraag]) -> dict[str, str]:
    return {"naam": data.naam}


@post("/proef/api/v1/conflict", sync_to_thread=False)
def api_conflict() -> Any:
    return problem_response(409, "Bestaat al", [FieldError("email", "email_bestaat_al", "Dit e-mailadres is al lid.")])


@get("/proef/api/v1/runtime", sync_to_thread=False)
def api_runtime(request: Request, runtime: NamedDependency[WebRuntime]) -> dict[str, bool]:
    return {"zelfde": runtime is request.app.state.runtime}


@pytest.fixture
def app_en_runtime(tmp_path: Path) -> tuple[Any, WebRuntime]:
    (tmp_path / "formulier.html").write_text(
        """{% extends "dinet_base.html" %}{% import "dinet_macros.html" as m %}
{% block title %}Proef{% endblock %}
{% block content %}<h1 class="govuk-heading-l">Proef</h1>{{ m.error_summary(fouten) }}
<form method="post" novalidate>{{ csrf_input | safe }}
{{ m.text_input("naam", "Naam", value=waarden.get("naam", ""), error=(fouten[0] if fouten else none)) }}
{{ m.email_input("email", "E-mailadres", value=waarden.get("email", "")) }}
{{ m.checkbox("nieuwsbrief", "Ja, stuur mij de nieuwsbrief.", legend="Nieuwsbrief") }}
{{ m.button("Verstuur") }}</form>{% endblock %}""",
        encoding="utf-8",
    )
    runtime = WebRuntime()
    app = create_web_app(
        runtime, [formulier, verstuur, api_aanvraag, api_conflict, api_runtime], template_dir=tmp_path
    )
    return app, runtime


async def test_health_and_openapi(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        assert (await c.get("/proef/health")).json() == {"status": "ok", "service": "proef"}
        schema = (await c.get("/proef/schema/openapi.json")).json()
        assert "/proef/api/v1/aanvragen" in schema["paths"]


async def test_page_is_dutch_and_accessible_shell(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        r = await c.get("/proef/formulier")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="nl"' in html
    assert 'href="#hoofdinhoud"' in html and 'id="hoofdinhoud"' in html
    assert "02 211 55 00" in html
    # Nobody signed in: the platform's public entries, a way to sign in, the accessibility statement.
    for href in ("/", "/registratie/lid-worden", "/registratie/kalender", "/registratie/inloggen?volgende=/proef/formulier",
                 "/registratie/toegankelijkheid"):
        assert f'href="{href}"' in html, href
    assert "Uitloggen" not in html
    assert '<label class="govuk-label" for="naam">Naam</label>' in html
    assert "<legend" in html and 'for="nieuwsbrief"' in html


async def test_static_css_served(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        r = await c.get("/proef/static/dinet.css")
    assert r.status_code == 200
    assert "text/css" in r.headers["content-type"]
    assert "govuk-error-summary" in r.text and "GDS Transport" not in r.text


async def test_form_post_without_csrf_token_is_refused(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        await c.get("/proef/formulier")  # sets the CSRF cookie, but the token is not sent back
        r = await c.post("/proef/formulier", data={"naam": "An"})
    assert r.status_code == 403
    assert '<html lang="nl"' in r.text and "02 211 55 00" in r.text


async def test_form_post_with_csrf_token(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        pagina = await c.get("/proef/formulier")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
        fout = await c.post("/proef/formulier", data={"_csrf_token": token, "naam": "", "email": "a@b.be"})
        goed = await c.post("/proef/formulier", data={"_csrf_token": token, "naam": "An"})
    assert fout.status_code == 400
    assert "<title>Fout: " in fout.text
    assert 'class="govuk-error-summary"' in fout.text and 'href="#naam"' in fout.text
    assert 'aria-describedby="naam-error"' in fout.text
    assert 'value="a@b.be"' in fout.text  # what the person typed is kept
    assert goed.status_code == 303


async def test_api_is_exempt_from_csrf_and_validation_is_problem_json(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        r = await c.post("/proef/api/v1/aanvragen", json={"naam": "x" * 11, "email": "geen-mail", "aantal": "veel"})
        ok = await c.post("/proef/api/v1/aanvragen", json={"naam": "An", "email": "an@gemeente.be", "aantal": 1})
        leeg = await c.post("/proef/api/v1/aanvragen", json={})
    assert ok.status_code == 201
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and body["title"]
    codes = {e["veld"]: e["code"] for e in body["errors"]}
    assert codes == {"naam": "te_lang", "email": "ongeldig_email", "aantal": "ongeldige_waarde"}
    assert all(e["melding"] for e in body["errors"])
    assert {e["veld"]: e["code"] for e in leeg.json()["errors"]} == {
        "naam": "verplicht",
        "email": "verplicht",
        "aantal": "verplicht",
    }


async def test_problem_response_shape_and_api_404(app_en_runtime: Any) -> None:
    app, _ = app_en_runtime
    async with asgi_client(app) as c:
        conflict = await c.post("/proef/api/v1/conflict")
        onbekend = await c.get("/proef/api/v1/bestaat-niet")
        kapot = await c.post(
            "/proef/api/v1/aanvragen", content=b"{niet-json", headers={"content-type": "application/json"}
        )
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert conflict.json() == {
        "type": "about:blank",
        "title": "Bestaat al",
        "status": 409,
        "errors": [{"veld": "email", "code": "email_bestaat_al", "melding": "Dit e-mailadres is al lid."}],
    }
    assert onbekend.status_code == 404 and onbekend.json()["status"] == 404
    assert kapot.status_code == 400 and kapot.headers["content-type"].startswith("application/problem+json")


async def test_runtime_reachable_in_handlers(app_en_runtime: Any) -> None:
    app, runtime = app_en_runtime
    assert app.state.runtime is runtime
    async with asgi_client(app) as c:
        assert (await c.get("/proef/api/v1/runtime")).json() == {"zelfde": True}


async def test_header_and_menu_come_from_the_page_map_passed_in(tmp_path: Path) -> None:
    """The chassis knows no service: whatever page map a platform passes, the header follows it."""
    from types import SimpleNamespace

    from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

    (tmp_path / "pagina.html").write_text('{% extends "dinet_base.html" %}{% block content %}Hallo{% endblock %}')

    @get("/proef/pagina", sync_to_thread=False)
    def pagina() -> Template:
        return Template(template_name="pagina.html")

    kaart = SimpleNamespace(
        INLOGGEN="/elders/binnen",
        UITLOGGEN="/elders/buiten",
        TOEGANKELIJKHEID="/elders/toegankelijk",
        KALENDER="/elders/agenda",
        LID_WORDEN="/elders/word-lid",
        menu=lambda rollen: [("/elders/taak", "Mijn taak")] if "stuurgroep" in rollen else [("/elders", "Voor iedereen")],
    )
    runtime = WebRuntime()
    app = create_web_app(runtime, [pagina], template_dir=tmp_path, navigatie=kaart)
    async with asgi_client(app) as c:
        anoniem = (await c.get("/proef/pagina")).text
        wie = Identiteit(sub="s", naam="Sofie Stuur", rollen=frozenset({Rol.STUURGROEP}))
        c.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
        ingelogd = (await c.get("/proef/pagina")).text
    assert 'href="/elders/binnen?volgende=/proef/pagina">Inloggen</a>' in anoniem and 'href="/elders">Voor iedereen' in anoniem
    assert 'href="/elders/toegankelijk"' in anoniem and "/registratie/" not in anoniem
    assert "Ingelogd als <strong>Sofie Stuur</strong>" in ingelogd
    assert 'href="/elders/buiten">Uitloggen</a>' in ingelogd and 'href="/elders/taak">Mijn taak' in ingelogd
