"""The published OpenAPI documents tell the truth about the four services, on the real stack.

- each document is valid OpenAPI (openapi-spec-validator) and declares its security schemes;
- every example request in a document is accepted by the service;
- every 401 says how to authenticate (`WWW-Authenticate`, RFC 9110);
- a body with several wrong fields gets all of them in one answer; not-JSON gets 415, broken JSON 400;
- a property-based fuzzer (schemathesis) finds no 5xx and no answer that breaks its own document.
"""

from __future__ import annotations

import asyncio
import os
import sys
import re
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from openapi_spec_validator import validate

DIENSTEN = ("registratie", "kpi", "meldingen", "beleidsplan")
METHODEN = ("get", "put", "post", "delete", "patch")
ST = Path(sys.executable).with_name("st")


def medewerker(runtime: Any) -> str:
    wie = Identiteit(sub="api-test", naam="API-test", rollen=frozenset({Rol.MEDEWERKER, Rol.STUURGROEP}))
    return maak_cookie(wie, runtime.settings.secret_key)


async def documenten(stack: Any) -> dict[str, dict[str, Any]]:
    docs = {}
    for naam in DIENSTEN:
        r = await stack.client(naam).get(f"/{naam}/schema/openapi.json")
        assert r.status_code == 200, naam
        docs[naam] = r.json()
    return docs


def operaties(doc: dict[str, Any]):
    for pad, item in doc["paths"].items():
        for methode in METHODEN:
            if methode in item:
                yield pad, methode, item[methode]


def los_op(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def invullen(pad: str) -> str:
    # A syntactically valid value for every path parameter; which record it names does not matter here.
    pad = pad.replace("{kpi_id}", "od11_leden")
    return re.sub(r"\{[a-z_]+_id\}", lambda _: str(uuid.uuid4()), pad)


async def test_documents_are_valid_openapi_and_declare_their_security(stack) -> None:
    docs = await documenten(stack)
    for naam, doc in docs.items():
        validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
    assert set(docs["registratie"]["components"]["securitySchemes"]) == {"sessie", "partnerToken"}
    assert docs["kpi"]["components"]["securitySchemes"]["sessie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "Het cookie dat alle diensten delen; inloggen via /registratie/inloggen.",
    }
    beveiligd = 0
    for naam, doc in docs.items():
        for pad, methode, op in operaties(doc):
            if op.get("security"):
                beveiligd += 1
                assert "WWW-Authenticate" in op["responses"]["401"]["headers"], (pad, methode)
            for status, antwoord in op["responses"].items():
                if int(status) >= 400:
                    assert list(antwoord["content"]) == ["application/problem+json"], (pad, methode, status)
    # registratie: 5 for members or staff and 1 for partners; kpi: 3; beleidsplan: 4 (plans, self-assessments);
    # meldingen: 9
    assert beveiligd == 22
    # A union of int and float is "any of", never "one of" (an integer would match both).
    assert '"oneOf"' not in str(docs["kpi"]).replace("'", '"')


async def test_every_example_request_is_accepted(stack) -> None:
    docs = await documenten(stack)
    gestuurd = []
    for naam, doc in docs.items():
        client = stack.client(naam)
        for pad, methode, op in operaties(doc):
            inhoud = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            if inhoud is None:
                continue
            voorbeelden = [v["value"] for v in (inhoud.get("examples") or {}).values()]
            voorbeelden += los_op(doc, inhoud["schema"]).get("examples", [])
            for voorbeeld in voorbeelden:
                r = await client.request(
                    methode.upper(), invullen(pad), json=voorbeeld, headers={"Cookie": f"{COOKIE}={medewerker(getattr(stack, naam))}"}
                )
                assert r.status_code < 300 or r.status_code == 409, (pad, voorbeeld, r.status_code, r.text)
                gestuurd.append((pad, r.status_code))
    assert ("/registratie/api/v1/leden", 201) in gestuurd


async def test_every_401_says_how_to_authenticate(stack) -> None:
    docs = await documenten(stack)
    gezien = 0
    for naam, doc in docs.items():
        client = stack.client(naam)
        for pad, methode, op in operaties(doc):
            if not op.get("security"):
                continue
            r = await client.request(methode.upper(), invullen(pad), json={})
            assert r.status_code == 401, (pad, methode, r.status_code)
            uitdaging = r.headers.get("www-authenticate", "")
            schema = next(iter(op["security"][0]))
            verwacht = "Bearer " if schema == "partnerToken" else 'Cookie realm="dinet"'
            assert uitdaging.startswith(verwacht), (pad, methode, uitdaging)
            assert r.headers["content-type"].startswith("application/problem+json")
            gezien += 1
    assert gezien == 22


async def test_all_wrong_fields_in_one_answer(stack) -> None:
    client = stack.client("registratie")
    r = await client.post("/registratie/api/v1/leden", json={"naam": 5, "nieuwsbrief": "ja", "functie": ["x"]})
    assert r.status_code == 422
    fouten = {f["veld"]: f["code"] for f in r.json()["errors"]}
    assert fouten == {
        "naam": "ongeldig_type",
        "email": "verplicht",
        "organisatie_id": "verplicht",
        "functie": "ongeldig_type",
        "nieuwsbrief": "ongeldig_type",
    }

    cookie = {"Cookie": f"{COOKIE}={medewerker(stack.registratie)}"}
    r = await client.put(
        f"/registratie/api/v1/activiteiten/{uuid.uuid4()}/aanwezigheden",
        json={"aanwezigheden": [{"lid_id": "x", "uren": -1}, {"aanwezig": "misschien"}], "extra": 1},
        headers=cookie,
    )
    assert r.status_code == 422
    assert {(f["veld"], f["code"]) for f in r.json()["errors"]} == {
        ("aanwezigheden.0.lid_id", "ongeldige_waarde"),
        ("aanwezigheden.0.aanwezig", "verplicht"),
        ("aanwezigheden.0.uren", "te_klein"),
        ("aanwezigheden.1.lid_id", "verplicht"),
        ("aanwezigheden.1.aanwezig", "ongeldige_waarde"),
        ("extra", "onbekend_veld"),
    }


async def test_not_json_is_415_and_broken_json_is_400(stack) -> None:
    client = stack.client("registratie")
    pad = "/registratie/api/v1/leden"
    for soort, inhoud in (("text/plain", '{"naam": "An"}'), ("application/x-www-form-urlencoded", "naam=An")):
        r = await client.post(pad, content=inhoud, headers={"Content-Type": soort})
        assert r.status_code == 415, (soort, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    for kapot in ('{"naam": ', "\x00", "{'naam': 'An'}"):
        r = await client.post(pad, content=kapot, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (kapot, r.text)
        assert r.json()["errors"] == [
            {"veld": "body", "code": "ongeldige_json", "melding": "De inhoud is geen geldige JSON."}
        ]
    # `application/…+json` is JSON too: it reaches validation (422), not 415.
    r = await client.post(pad, content="{}", headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 422


async def test_options_lists_every_method_of_a_shared_path(stack) -> None:
    pad = f"/registratie/api/v1/activiteiten/{uuid.uuid4()}/inschrijvingen/{uuid.uuid4()}"
    r = await stack.client("registratie").options(pad)
    assert r.status_code == 204 and r.headers["allow"] == "DELETE, GET, OPTIONS"


# --- the fuzzer -----------------------------------------------------------------------------------

# The body names a record that must exist (an organisation, a member, a partner's own activity):
# a schema cannot say "an id that exists", so random valid-looking ids rightly get 422 there.
BESTAANDE_IDS = (
    r"^/registratie/api/v1/leden$",
    r"^/registratie/api/v1/activiteiten/\{activiteit_id\}/inschrijvingen$",
    r"^/registratie/api/v1/activiteiten/\{activiteit_id\}/aanwezigheden$",
    r"^/registratie/api/v1/partner/gebeurtenissen$",
)
# Seconds of fuzzing per service, about a minute in all; meldingen publishes no API operations.
BUDGET = {"registratie": 20, "kpi": 12, "meldingen": 12, "beleidsplan": 4}


@pytest.fixture
async def live(start_service, mail_sink):
    """The four services each serving HTTP on a port: the fuzzer runs as a separate process."""
    from beleidsplan.main import DEFINITION as BELEIDSPLAN
    from kpi.main import DEFINITION as KPI
    from meldingen.main import DEFINITION as MELDINGEN
    from registratie.main import DEFINITION as REGISTRATIE

    async with AsyncExitStack() as stack:
        runtimes = {}
        for definition in (REGISTRATIE, KPI, MELDINGEN, BELEIDSPLAN):
            runtimes[definition.name] = await stack.enter_async_context(
                start_service(definition, smtp_url=mail_sink.url, demo=True, serve_http=True)
            )
        yield runtimes


async def activiteit_en_lid(runtime: Any) -> None:
    """Something for the fuzzer to find: an open activity (the public list links to it) and a member."""
    from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
    from registratie.activiteiten.domain import ActiviteitGegevens
    from registratie.activiteiten.store import ActiviteitenUoW
    from registratie.activiteiten.use_cases import levenscyclus
    from registratie.leden.use_cases.aanmelden import LidWorden, lid_worden
    from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
    from registratie.leden.domain.aanmelding import Kanaal

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    gegevens = ActiviteitGegevens(
        soort=ActiviteitSoort.INFOSESSIE,
        titel="Infosessie digitale drempels",
        organisator_id=organisatie_id_voor_sleutel("vvsg"),
        trekker=Trekker.VVSG,
        vorm=Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=3),
        duur_uren=Decimal("3.00"),
        capaciteit=2,
    )
    await levenscyclus.plan(levenscyclus.Plan(gegevens), ActiviteitenUoW(runtime.db, source=runtime.source))
    lid = {"naam": "Fien Fuzz", "email": "fien@gent.be", "organisatie_id": str(organisatie_id_voor_nis("44021"))}
    await lid_worden(LidWorden(lid, Kanaal.API), runtime.diensten.leden_uow())


# The fuzzer draws header values from a small space, so it would reuse one Idempotency-Key for two
# different bodies, which the API rightly refuses (422). A client gives each new request a new key.
ST_HOOKS = """
import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    # Every phase (coverage, fuzzing, stateful) passes here, just before the request is sent.
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
"""


def st_config(cookie: str, token: str) -> str:
    regels = [
        "[auth.openapi.sessie]",
        f'api_key = "{cookie}"',
        "[auth.openapi.partnerToken]",
        f'bearer = "{token}"',
    ]
    for pad in BESTAANDE_IDS:
        regels += ["[[operations]]", f"include-path-regex = '{pad}'", "checks.positive_data_acceptance.enabled = false"]
    return "\n".join(regels) + "\n"


async def test_fuzz_every_service_against_its_document(live: dict[str, Any], tmp_path: Path) -> None:
    from registratie.kernel.organisaties import organisatie_id_voor_sleutel
    from registratie.toegang import store as opslag

    _, partner = await opslag.maak_sleutel(
        live["registratie"].db, organisatie_id_voor_sleutel("mediawijs"), "fuzz", "api-contract"
    )
    await activiteit_en_lid(live["registratie"])
    fouten = []
    hooks = tmp_path / "st_hooks.py"
    hooks.write_text(ST_HOOKS)
    for naam, seconden in BUDGET.items():
        runtime = live[naam]
        config = tmp_path / f"{naam}.toml"
        config.write_text(st_config(medewerker(runtime), partner.token))
        proc = await asyncio.create_subprocess_exec(
            str(ST), "--config-file", str(config), "run",
            f"http://127.0.0.1:{runtime.settings.http_port}/{naam}/schema/openapi.json",
            "--max-examples", "20",
            "--max-time", str(seconden),
            "--seed", "20261130",
            "--workers", "1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={
                **os.environ,
                "NO_COLOR": "1",
                "COLUMNS": "160",
                "SCHEMATHESIS_TELEMETRY": "false",
                "SCHEMATHESIS_HOOKS": str(hooks),
            },
            cwd=tmp_path,
        )
        uitvoer, _ = await proc.communicate()
        tekst = uitvoer.decode(errors="replace")
        assert "Operations:" in tekst, tekst[-4000:]
        (tmp_path / f"{naam}.txt").write_text(tekst)
        print(naam, [r.strip() for r in tekst.splitlines() if "generated" in r or "⚠️" in r])  # with -s
        if proc.returncode != 0:
            fouten.append(f"--- {naam} ---\n{tekst[-12000:]}")
    assert not fouten, "\n".join(fouten)


async def test_control_characters_are_a_field_error_not_a_500(stack) -> None:
    # Found by the fuzzer: PostgreSQL cannot store NUL, so this sign-up used to answer 500.
    from registratie.kernel.organisaties import organisatie_id_voor_nis

    gent = str(organisatie_id_voor_nis("44021"))
    r = await stack.client("registratie").post(
        "/registratie/api/v1/leden",
        json={"naam": "An\x00", "email": "an@gent.be", "organisatie_id": gent, "functie": "a\x07b"},
    )
    assert r.status_code == 422, r.text
    assert {(f["veld"], f["code"]) for f in r.json()["errors"]} == {
        ("naam", "ongeldige_tekens"),
        ("functie", "ongeldige_tekens"),
    }
