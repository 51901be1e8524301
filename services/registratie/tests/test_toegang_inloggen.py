"""Signing in: demo accounts in embedded mode, OpenID Connect against a real (local) provider."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from dinet_chassis.web.auth import COOKIE, Rol, lees_cookie
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

CLIENT_ID = "dinet-registratie"
CLIENT_SECRET = "geheim-van-de-klant"


def _csrf(pagina: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina).group(1)


def _identiteit(client: Any, runtime: Any):  # type: ignore[no-untyped-def]
    return lees_cookie(client.cookies.get(COOKIE), runtime.settings.secret_key)


async def _demo_aanmelden(client: Any, gebruiker: str, wachtwoord: str = "demo", volgende: str = "") -> httpx.Response:
    pagina = await client.get("/registratie/inloggen")
    return await client.post(
        "/registratie/inloggen",
        data={"_csrf_token": _csrf(pagina.text), "gebruikersnaam": gebruiker, "wachtwoord": wachtwoord, "volgende": volgende},
    )


# --------------------------------------------------------------------------- demo accounts


async def test_demo_accounts_sign_in_with_their_roles_and_organisation(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        verwacht = {
            "medewerker": ({Rol.MEDEWERKER}, organisatie_id_voor_sleutel("vvsg")),
            "mediawijs": ({Rol.PARTNER}, organisatie_id_voor_sleutel("mediawijs")),
            "stuurgroep": ({Rol.STUURGROEP}, None),
            "gent": ({Rol.BESTUUR}, organisatie_id_voor_nis("44021")),
        }
        for gebruiker, (rollen, organisatie_id) in verwacht.items():
            client = http(runtime)
            r = await _demo_aanmelden(client, gebruiker, volgende="/registratie/partners/handleiding")
            assert r.status_code == 303 and r.headers["location"] == "/registratie/partners/handleiding"
            cookie = r.headers["set-cookie"]
            assert "HttpOnly" in cookie and "Path=/" in cookie and "samesite=lax" in cookie.lower()
            wie = _identiteit(client, runtime)
            assert wie.rollen == rollen and wie.organisatie_id == organisatie_id, gebruiker
            pagina = await client.get("/registratie/inloggen")
            assert f"Je bent ingelogd als <strong>{wie.naam}</strong>" in pagina.text


async def test_wrong_password_shows_the_form_again(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        client = http(runtime)
        r = await _demo_aanmelden(client, "medewerker", "fout")
        assert r.status_code == 400
        assert "Fout: Inloggen" in r.text and "klopt niet" in r.text and 'href="#gebruikersnaam"' in r.text
        assert 'value="medewerker"' in r.text and COOKIE not in r.headers.get("set-cookie", "")
        r = await _demo_aanmelden(client, "", "")
        assert r.status_code == 400 and 'href="#wachtwoord"' in r.text
        r = await _demo_aanmelden(client, "niemand", "demo")
        assert r.status_code == 400 and _identiteit(client, runtime) is None


async def test_only_local_paths_are_followed_after_signing_in(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        for kwaad in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            r = await _demo_aanmelden(http(runtime), "medewerker", volgende=kwaad)
            assert r.headers["location"] == "/registratie/leden", kwaad  # the role's home, never elsewhere


async def test_a_guarded_page_sends_to_sign_in_and_back(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        client = http(runtime)
        r = await client.get("/registratie/beheer/partners")
        assert r.status_code == 303
        assert r.headers["location"] == "/registratie/inloggen?volgende=%2Fregistratie%2Fbeheer%2Fpartners"
        pagina = await client.get(r.headers["location"])
        assert 'name="volgende" value="/registratie/beheer/partners"' in pagina.text
        r = await _demo_aanmelden(client, "medewerker", volgende="/registratie/beheer/partners")
        assert r.headers["location"] == "/registratie/beheer/partners"
        assert (await client.get("/registratie/beheer/partners")).status_code == 200


async def test_sign_out(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        client = http(runtime)
        await _demo_aanmelden(client, "medewerker")
        pagina = await client.get("/registratie/uitloggen")
        assert "Mia Medewerker" in pagina.text
        r = await client.post("/registratie/uitloggen", data={"_csrf_token": _csrf(pagina.text)})
        assert r.status_code == 303 and r.headers["location"] == "/registratie/inloggen?uitgelogd=1"
        assert _identiteit(client, runtime) is None
        assert "Je bent uitgelogd." in (await client.get(r.headers["location"])).text
        assert (await client.get("/registratie/beheer/partners")).status_code == 303


async def test_without_demo_there_are_no_passwords(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=False) as runtime:
        client = http(runtime)
        pagina = await client.get("/registratie/inloggen")
        assert pagina.status_code == 200 and 'name="wachtwoord"' not in pagina.text
        assert "nog niet ingesteld" in pagina.text
        r = await client.post(
            "/registratie/inloggen",
            # no form here to take the CSRF token from: the sign-up page has one
            data={
                "_csrf_token": _csrf((await client.get("/registratie/lid-worden")).text),
                "gebruikersnaam": "medewerker",
                "wachtwoord": "demo",
            },
        )
        assert r.status_code == 404 and _identiteit(client, runtime) is None
        assert (await client.get("/registratie/inloggen/oidc")).status_code == 404


# --------------------------------------------------------------------------- OpenID Connect


@dataclass
class FakeProvider:
    """A tiny OpenID provider on loopback: discovery, authorize, token (with PKCE), JWKS."""

    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    wrong_nonce: bool = False

    def id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": "gebruiker-42",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "iets-anders" if self.wrong_nonce else grant["nonce"],
            "name": "Olga Oidc",
            **self.claims,
        }
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)


def _handler(op: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            delen = urlsplit(self.path)
            if delen.path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": op.url,
                        "authorization_endpoint": f"{op.url}/authorize",
                        "token_endpoint": f"{op.url}/token",
                        "jwks_uri": f"{op.url}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                    },
                )
            elif delen.path == "/jwks":
                self._json(200, KeySet([op.key]).as_dict(private=False))
            elif delen.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(delen.query).items()}
                op.authorize_requests.append(q)
                code = secrets.token_urlsafe(16)
                op.codes[code] = q
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                self.end_headers()
            else:
                self._json(404, {})

        def do_POST(self) -> None:  # noqa: N802
            lengte = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(lengte).decode()).items()}
            op.token_requests.append(form)
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {basic}":
                return self._json(401, {"error": "invalid_client"})
            grant = op.codes.pop(form.get("code", ""), None)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return self._json(400, {"error": "invalid_grant"})
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant.get("code_challenge_method") != "S256" or challenge != grant.get("code_challenge"):
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
            self._json(
                200,
                {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": op.id_token(grant)},
            )

    return Handler


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    op = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(op))
    op.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OIDC_ISSUER", op.url)
    monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("OIDC_ROLLEN_CLAIM", "groups")
    monkeypatch.setenv("OIDC_ROLLEN", "dinet-staff=vvsg_medewerker,dinet-partner=partner_redacteur")
    try:
        yield op
    finally:
        server.shutdown()
        server.server_close()


async def _via_provider(client: Any, volgende: str) -> httpx.Response:
    """The browser's trip: our start URL -> the provider (real HTTP) -> our callback."""
    start = await client.get("/registratie/inloggen/oidc", params={"volgende": volgende})
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as browser:
        bij_provider = await browser.get(start.headers["location"])
    assert bij_provider.status_code == 302
    terug = urlsplit(bij_provider.headers["location"])
    return await client.get(f"{terug.path}?{terug.query}")


async def test_oidc_signs_in_with_the_mapped_role(start_service: Any, http: Any, provider: FakeProvider) -> None:
    provider.claims = {"groups": ["dinet-staff", "iets-anders"]}
    async with start_service(DEFINITION, demo=False) as runtime:
        client = http(runtime)
        pagina = await client.get("/registratie/inloggen")
        assert "Inloggen met je organisatie-account" in pagina.text
        r = await _via_provider(client, "/registratie/beheer/partners")
        assert r.status_code == 303 and r.headers["location"] == "/registratie/beheer/partners"
        wie = _identiteit(client, runtime)
        assert wie.sub == "oidc:gebruiker-42" and wie.naam == "Olga Oidc" and wie.rollen == {Rol.MEDEWERKER}
        assert (await client.get("/registratie/beheer/partners")).status_code == 200

    vraag = provider.authorize_requests[0]
    assert vraag["response_type"] == "code" and vraag["client_id"] == CLIENT_ID
    assert vraag["code_challenge_method"] == "S256" and len(vraag["nonce"]) >= 32 and len(vraag["state"]) >= 32
    assert vraag["redirect_uri"] == f"{runtime.settings.public_url.rstrip('/')}/registratie/inloggen/oidc/terug"
    assert "openid" in vraag["scope"].split()


async def test_oidc_partner_needs_an_organisation(start_service: Any, http: Any, provider: FakeProvider) -> None:
    mediawijs = organisatie_id_voor_sleutel("mediawijs")
    async with start_service(DEFINITION) as runtime:
        provider.claims = {"groups": "dinet-partner", "dinet_organisatie_id": str(mediawijs)}
        client = http(runtime)
        r = await _via_provider(client, "/registratie/partners/handleiding")
        assert r.status_code == 303
        wie = _identiteit(client, runtime)
        assert wie.rollen == {Rol.PARTNER} and wie.organisatie_id == mediawijs
        handleiding = await client.get("/registratie/partners/handleiding")
        assert f"Het id van jouw organisatie is <code>{mediawijs}</code>" in handleiding.text

        provider.claims = {"groups": ["dinet-partner"]}  # no organisation: the role is not given
        client = http(runtime)
        r = await _via_provider(client, "/")
        assert r.status_code == 403 and "geen rol" in r.text and _identiteit(client, runtime) is None


async def test_oidc_refuses_a_forged_state_or_wrong_nonce(start_service: Any, http: Any, provider: FakeProvider) -> None:
    provider.claims = {"groups": ["dinet-staff"]}
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        # A callback nobody started (login CSRF): refused without asking the provider.
        r = await client.get("/registratie/inloggen/oidc/terug", params={"code": "x", "state": "y"})
        assert r.status_code == 400 and _identiteit(client, runtime) is None
        assert provider.token_requests == []

        start = await client.get("/registratie/inloggen/oidc")
        async with httpx.AsyncClient() as browser:
            terug = urlsplit((await browser.get(start.headers["location"])).headers["location"])
        vervalst = parse_qs(terug.query)
        r = await client.get(terug.path, params={"code": vervalst["code"][0], "state": "vervalst"})
        assert r.status_code == 400 and _identiteit(client, runtime) is None

        provider.wrong_nonce = True
        r = await _via_provider(client, "/")
        assert r.status_code == 400 and "niet worden gecontroleerd" in r.text
        assert _identiteit(client, runtime) is None

        provider.wrong_nonce = False
        r = await client.get("/registratie/inloggen/oidc/terug", params={"error": "access_denied", "state": "z"})
        assert r.status_code == 400 and "niet toegestaan" in r.text


def test_oidc_claims_mapping_without_a_mapping_uses_our_role_names() -> None:
    from registratie.toegang.oidc import OidcInstellingen, identiteit_uit_claims

    inst = OidcInstellingen(issuer="x", client_id="y", rollen_claim="realm_access.roles")
    org = uuid.uuid4()
    wie = identiteit_uit_claims(
        {"sub": "s", "email": "a@b.be", "realm_access": {"roles": ["stuurgroep", "lokaal_bestuur", "onbekend"]},
         "dinet_organisatie_id": str(org)},
        inst,
    )
    assert wie.rollen == {Rol.STUURGROEP, Rol.BESTUUR} and wie.organisatie_id == org and wie.naam == "a@b.be"


async def test_the_old_sign_out_and_join_addresses_redirect_to_the_new_words(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        client = http(runtime)
        r = await client.get("/registratie/afmelden")
        assert r.status_code == 301 and r.headers["location"] == "/registratie/uitloggen"
        r = await client.get("/registratie/aanmelden?x=1")
        assert r.status_code == 301 and r.headers["location"] == "/registratie/lid-worden?x=1"
        r = await client.get("/registratie/aanmelden/bedankt")
        assert r.status_code == 301 and r.headers["location"] == "/registratie/lid-worden/bedankt"
        # A form opened before the rename still posts: 308 keeps method and body.
        token = _csrf((await client.get("/registratie/lid-worden")).text)
        r = await client.post("/registratie/afmelden", data={"_csrf_token": token})
        assert r.status_code == 308 and r.headers["location"] == "/registratie/uitloggen"
        r = await client.post("/registratie/aanmelden", data={"_csrf_token": token})
        assert r.status_code == 308 and r.headers["location"] == "/registratie/lid-worden"


async def test_each_role_lands_on_its_home_and_a_bad_next_is_ignored(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        thuis = {
            "medewerker": "/registratie/leden",
            "stuurgroep": "/kpi/",
            "gent": "/beleidsplan/",
            "mediawijs": "/registratie/beheer/activiteiten",
        }
        for naam, verwacht in thuis.items():
            client = http(runtime)
            r = await _demo_aanmelden(client, naam)
            assert r.status_code == 303 and r.headers["location"] == verwacht, naam
        for kwaad in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
            client = http(runtime)
            r = await _demo_aanmelden(client, "stuurgroep", volgende=kwaad)
            assert r.headers["location"] == "/kpi/", kwaad


async def test_every_page_header_names_who_is_signed_in_with_a_sign_out_link(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        client = http(runtime)
        anoniem = await client.get("/registratie/kalender")
        # Signing in from the header brings one back to this page.
        assert 'href="/registratie/inloggen?volgende=/registratie/kalender">Inloggen</a>' in anoniem.text
        assert "Uitloggen" not in anoniem.text
        await _demo_aanmelden(client, "medewerker")
        for pad in ("/registratie/kalender", "/registratie/leden", "/registratie/beheer/activiteiten"):
            pagina = await client.get(pad)
            assert pagina.status_code == 200, pad
            assert "Ingelogd als <strong>Mia Medewerker" in pagina.text, pad
            assert 'href="/registratie/uitloggen">Uitloggen</a>' in pagina.text, pad
            for taak in ("Leden", "Activiteiten", "Importeren", "Partners", "Kerncijfers", "Mails"):
                assert f">{taak}<" in pagina.text, (pad, taak)
