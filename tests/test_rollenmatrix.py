"""Every page and endpoint of registratie, kpi and beleidsplan, for every role and for nobody: allowed or denied.

The routes come from the apps' own route tables, so a new route is walked without anyone adding
it here. What each route *should* allow is the policy below: public routes are listed one by
one, a few prefixes have a fixed rule (staff pages only for staff, "mijn" pages only for
members, kpi's read pages for staff and the steering committee), and any other route must carry
a `vereist(...)` guard, whose roles are then checked to work. A route that is neither public nor
guarded fails the test.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

ANONIEM = None
TOKEN = "token"  # a partner's bearer token, not a role: every cookie gets 401

PUBLIEK = "publiek"

# (methods, path regex, expectation); the first match wins. Paths are Litestar's templates.
BELEID: list[tuple[str, str, Any]] = [
    # --- public on purpose -------------------------------------------------------------------
    ("GET", r"/(registratie|kpi|beleidsplan)/health", PUBLIEK),
    ("GET|HEAD", r"/(registratie|kpi|beleidsplan)/static/.*", PUBLIEK),
    ("GET", r"/(registratie|kpi|beleidsplan)/schema(/.*)?", PUBLIEK),  # the OpenAPI description
    ("GET", r"/registratie", PUBLIEK),
    ("GET|POST", r"/registratie/lid-worden", PUBLIEK),  # joining the network
    ("GET", r"/registratie/lid-worden/(bedankt|al-lid|organisatie-aangevraagd)", PUBLIEK),
    ("GET|POST", r"/registratie/lid-worden/organisatie-aanvragen", PUBLIEK),  # "my organisation is not in the list"
    ("GET|POST", r"/registratie/aanmelden(/\{rest:path\})?", PUBLIEK),  # old address: redirects
    ("GET", r"/registratie/(toegankelijkheid|privacy)", PUBLIEK),
    ("POST", r"/registratie/api/v1/leden", PUBLIEK),  # joining through the API
    ("GET", r"/registratie/api/v1/organisaties", PUBLIEK),  # the list a sign-up picks from
    ("GET", r"/registratie/kalender(\.ics)?", PUBLIEK),  # the public calendar and its feed
    ("GET", r"/registratie/activiteiten/\{activiteit_id:uuid\}", PUBLIEK),
    ("GET", r"/registratie/api/v1/activiteiten(/\{activiteit_id:uuid\})?", PUBLIEK),
    ("GET|POST", r"/registratie/inloggen(/oidc(/terug)?)?", PUBLIEK),
    ("GET|POST", r"/registratie/(uitloggen|afmelden)", PUBLIEK),
    ("GET|POST", r"/registratie/mijn/inloggen(/verstuurd|/link)?", PUBLIEK),  # the member's e-mail link
    ("GET", r"/registratie/mijn", PUBLIEK),  # sends to sign-in or to "my data"
    ("GET", r"/registratie/mijn/gewist", PUBLIEK),  # shown after erasure, when no one is signed in any more
    ("GET", r"/registratie/partners/handleiding", PUBLIEK),
    ("GET", r"/kpi/api/v1/kpis", PUBLIEK),  # the foundation's published aggregate figures
    ("GET", r"/beleidsplan/?", PUBLIEK),  # explains the tool; lists plans only for who is signed in
    ("GET", r"/beleidsplan/api/v1/catalogus", PUBLIEK),  # the beleidstool's card set is public
    # --- a partner's token, never a cookie -----------------------------------------------------
    ("POST", r"/registratie/api/v1/partner/gebeurtenissen", TOKEN),
    # --- fixed rules ---------------------------------------------------------------------------
    # A partner editor plans, changes and cancels its own organisation's activities with the staff
    # forms (another organisation's is a 404, see test_partner_beheer); the rest stays with VVSG.
    ("GET|POST", r"/registratie/beheer/activiteiten(/nieuw|/\{activiteit_id:uuid\}(/bewerken|/annuleren)?)?", {Rol.MEDEWERKER, Rol.PARTNER}),
    (".*", r"/registratie/beheer/.*", {Rol.MEDEWERKER}),
    (".*", r"/registratie/(leden|organisaties)(/.*)?", {Rol.MEDEWERKER}),
    (".*", r"/registratie/api/v1/leden/.*", {Rol.MEDEWERKER, Rol.LID}),  # staff, or the member (own record only)
    (".*", r"/registratie/mijn/.*", {Rol.LID}),
    ("PUT", r"/registratie/api/v1/activiteiten/.*/aanwezigheden", {Rol.MEDEWERKER}),
    (".*", r"/registratie/activiteiten/.*/feedback", {Rol.LID}),  # only who attended
    ("GET|POST", r"/kpi/(doelen|afsluiten|heropenen)", {Rol.MEDEWERKER}),  # changes the figures
    ("POST|PUT|PATCH|DELETE", r"/kpi/.*", {Rol.MEDEWERKER}),
    ("GET", r"/kpi(/.*)?", {Rol.MEDEWERKER, Rol.STUURGROEP}),  # read-only for the steering committee
    # The beleidstool: a local government works on its own plans (another's is a 404, see
    # test_beleidsplan_alleen_eigen_organisatie); VVSG staff read every plan and its exports.
    ("GET", r"/beleidsplan/plannen/\{beleidsplan_id:uuid\}(/export\.(pdf|odt)|/acties\.(csv|xlsx))?", {Rol.BESTUUR, Rol.MEDEWERKER}),
    ("GET", r"/beleidsplan/api/v1/plannen(/\{beleidsplan_id:uuid\})?", {Rol.BESTUUR, Rol.MEDEWERKER}),
    (".*", r"/beleidsplan/(plannen|zelfevaluatie)(/.*)?", {Rol.BESTUUR}),
    ("POST", r"/beleidsplan/api/v1/.*", {Rol.BESTUUR}),
    ("GET", r"/beleidsplan/overzicht", {Rol.MEDEWERKER}),  # across all plans, anonymised
]

# Routes whose guard is known to be missing or wrong (reported to whoever owns them). The test
# fails as soon as one of them is fixed, so the entry is removed, and for any gap not listed.
BEKENDE_GATEN: dict[tuple[str, str], str] = {
}

MEDIAWIJS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dinet:organisatie:mediawijs")
GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
IDENTITEITEN: dict[Rol | None, Identiteit | None] = {
    ANONIEM: None,
    Rol.MEDEWERKER: Identiteit("matrix:medewerker", "Mia", frozenset({Rol.MEDEWERKER})),
    Rol.PARTNER: Identiteit("matrix:partner", "Pieter", frozenset({Rol.PARTNER}), organisatie_id=MEDIAWIJS),
    Rol.LID: Identiteit("matrix:lid", "Lien", frozenset({Rol.LID}), organisatie_id=GENT, lid_id=uuid.uuid4()),
    Rol.STUURGROEP: Identiteit("matrix:stuurgroep", "Sofie", frozenset({Rol.STUURGROEP})),
    Rol.BESTUUR: Identiteit("matrix:gent", "Geert", frozenset({Rol.BESTUUR}), organisatie_id=GENT),
}


@dataclass(frozen=True)
class Eindpunt:
    dienst: str
    methode: str
    pad: str  # Litestar's template, e.g. /registratie/beheer/activiteiten/{activiteit_id:uuid}
    guard_rollen: frozenset[Rol] | None  # None: no vereist(...) guard

    @property
    def concreet(self) -> str:
        def invullen(m: re.Match[str]) -> str:
            soort = m.group(2)
            return {"uuid": str(uuid.uuid4()), "int": "1", "path": "dinet.css"}.get(soort, "x")

        return re.sub(r"\{(\w+):(\w+)\}", invullen, self.pad)

    @property
    def is_api(self) -> bool:
        return "/api/" in self.pad


def eindpunten(dienst: str, app: Any) -> list[Eindpunt]:
    gevonden = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            rollen: frozenset[Rol] | None = None
            for guard in handler.guards or []:
                if hasattr(guard, "rollen"):
                    rollen = frozenset(guard.rollen) or frozenset(Rol)
            for methode in sorted(getattr(handler, "http_methods", ()) or ()):
                if methode in {"OPTIONS", "HEAD"}:
                    continue
                gevonden.append(Eindpunt(dienst, methode, route.path, rollen))
    return gevonden


def beleid(e: Eindpunt) -> Any:
    for methodes, patroon, verwachting in BELEID:
        if re.fullmatch(methodes, e.methode) and re.fullmatch(patroon, e.pad):
            return verwachting
    return None


def verwachte_rollen(e: Eindpunt) -> Any:
    """PUBLIEK, TOKEN, or the set of roles allowed; the policy first, else the route's own guard."""
    regel = beleid(e)
    if regel is not None:
        return regel
    return e.guard_rollen  # None: neither public nor guarded, reported as a gap


def uitkomst(e: Eindpunt, r: httpx.Response) -> str:
    """What happened: "aanmelden" (sent to sign in / 401), "geweigerd" (the guard's 403) or "toegelaten"."""
    if r.status_code == 303 and r.headers.get("location", "").startswith("/registratie/inloggen?volgende="):
        return "aanmelden"
    if r.status_code == 401:
        return "aanmelden"
    # The guard's 403 names the roles; a handler's own 403 (e.g. another member's data) is not a denial here.
    if r.status_code == 403 and "rollen nodig" in r.text:
        return "geweigerd"
    return "toegelaten"


def verwacht(e: Eindpunt, rol: Rol | None, regel: Any) -> str:
    if regel == PUBLIEK:
        return "toegelaten"
    if regel == TOKEN:
        return "aanmelden"
    if rol is None:
        return "aanmelden"
    return "toegelaten" if rol in regel else "geweigerd"


async def _client(runtime: Any, rol: Rol | None, http: Any) -> httpx.AsyncClient:
    client = http(runtime, follow_redirects=False)
    wie = IDENTITEITEN[rol]
    if wie is not None:
        client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    # A POST needs the CSRF cookie and header, or the CSRF check (403) would hide the guard.
    await client.get(f"/{runtime.name}/health")
    await client.get(f"/{runtime.name}/schema/openapi.json")
    token = next((v for k, v in client.cookies.items() if k.startswith("csrftoken_")), None)
    if token:
        client.headers["x-csrftoken"] = token
    return client


def _rol_naam(rol: Rol | None) -> str:
    return rol.name if rol is not None else "ANONIEM"


@pytest.fixture
async def diensten(start_service: Any) -> Any:
    from beleidsplan.main import DEFINITION as BELEIDSPLAN
    from kpi.main import DEFINITION as KPI
    from registratie.main import DEFINITION as REGISTRATIE

    async with (
        start_service(REGISTRATIE, demo=True) as registratie,
        start_service(KPI) as kpi,
        start_service(BELEIDSPLAN) as beleidsplan,
    ):
        yield {"registratie": registratie, "kpi": kpi, "beleidsplan": beleidsplan}


async def test_every_route_checks_the_role(diensten: dict[str, Any], http: Any) -> None:
    alle: list[Eindpunt] = []
    for naam, runtime in diensten.items():
        alle += eindpunten(naam, runtime.web)
    assert len(alle) > 40 and {e.dienst for e in alle} == set(diensten)

    fouten: dict[tuple[str, str], list[str]] = {}
    for e in alle:
        if verwachte_rollen(e) is None:
            fouten.setdefault((e.methode, e.pad), []).append("geen vereist(...) en niet publiek")
    for rol in IDENTITEITEN:
        clients = {naam: await _client(rt, rol, http) for naam, rt in diensten.items()}
        for e in alle:
            regel = verwachte_rollen(e)
            if regel is None:
                continue
            sleutel = (e.methode, e.pad)
            # A guard that disagrees with the policy is a bug even when the request happens to pass.
            if rol is ANONIEM and isinstance(regel, set) and e.guard_rollen is not None and e.guard_rollen != regel:
                fouten.setdefault(sleutel, []).append(
                    f"guard {sorted(r.name for r in e.guard_rollen)} ≠ beleid {sorted(r.name for r in regel)}"
                )
            r = await clients[e.dienst].request(e.methode, e.concreet)
            gekregen, gewenst = uitkomst(e, r), verwacht(e, rol, regel)
            if gekregen != gewenst:
                fouten.setdefault(sleutel, []).append(
                    f"{_rol_naam(rol)}: {gekregen} ({r.status_code}), verwacht {gewenst}"
                )

    nieuw = {k: v for k, v in fouten.items() if k not in BEKENDE_GATEN}
    assert not nieuw, "\n".join(f"{m} {p}: {'; '.join(v)}" for (m, p), v in sorted(nieuw.items()))
    opgelost = set(BEKENDE_GATEN) - set(fouten)
    assert not opgelost, f"niet meer open, haal uit BEKENDE_GATEN: {sorted(opgelost)}"


async def test_denials_look_right_for_pages_and_api(diensten: dict[str, Any], http: Any) -> None:
    registratie = diensten["registratie"]
    anoniem = await _client(registratie, ANONIEM, http)
    pagina = await anoniem.get("/registratie/beheer/partners?x=1")
    assert pagina.status_code == 303
    assert pagina.headers["location"] == "/registratie/inloggen?volgende=%2Fregistratie%2Fbeheer%2Fpartners%3Fx%3D1"

    partner = await _client(registratie, Rol.PARTNER, http)
    pagina = await partner.get("/registratie/beheer/partners")
    assert pagina.status_code == 403 and pagina.headers["content-type"].startswith("text/html")
    assert 'lang="nl"' in pagina.text and "Je bent ingelogd als Pieter" in pagina.text

    api = await partner.put(f"/registratie/api/v1/activiteiten/{uuid.uuid4()}/aanwezigheden", json={})
    assert api.status_code == 403 and api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 403
    api = await anoniem.put(f"/registratie/api/v1/activiteiten/{uuid.uuid4()}/aanwezigheden", json={})
    assert api.status_code == 401 and api.headers["content-type"].startswith("application/problem+json")

    # One cookie for every service: signed in at registratie, known at kpi.
    stuurgroep = await _client(diensten["kpi"], Rol.STUURGROEP, http)
    assert (await stuurgroep.get("/kpi")).status_code == 200
    assert (await stuurgroep.get("/kpi/doelen")).status_code == 403


async def test_beleidsplan_alleen_eigen_organisatie(diensten: dict[str, Any], http: Any) -> None:
    """Within the role: a local government reads and changes only its own organisation's plans,
    VVSG staff read every plan but change none."""
    beleidsplan = diensten["beleidsplan"]
    gent = await _client(beleidsplan, Rol.BESTUUR, http)
    r = await gent.post("/beleidsplan/api/v1/plannen", json={"titel": "Plan van Gent", "elementen": [{"element_id": "REG-01"}]})
    assert r.status_code == 201, r.text
    plan = r.json()["pagina"]
    leuven = http(beleidsplan, follow_redirects=False)
    leuven.cookies.set(COOKIE, maak_cookie(
        Identiteit("matrix:leuven", "Lies", frozenset({Rol.BESTUUR}), organisatie_id=uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/24062")),
        beleidsplan.settings.secret_key,
    ))
    medewerker = await _client(beleidsplan, Rol.MEDEWERKER, http)
    for pad in (plan, f"{plan}/export.pdf", f"{plan}/acties.csv", f"/beleidsplan/api/v1/plannen/{plan.rsplit('/', 1)[1]}"):
        assert (await gent.get(pad)).status_code == 200, pad
        assert (await medewerker.get(pad)).status_code == 200, pad
        assert (await leuven.get(pad)).status_code == 404, pad
    for pad in (f"{plan}/kiezen", f"{plan}/acties/nieuw"):
        assert (await gent.get(pad)).status_code == 200, pad
        assert (await leuven.get(pad)).status_code == 404, pad
        assert (await medewerker.get(pad)).status_code == 403, pad


def test_the_policy_has_no_dead_rules() -> None:
    """Every rule in BELEID is a regular expression that compiles and names known methods."""
    for methodes, patroon, verwachting in BELEID:
        re.compile(patroon)
        assert set(methodes.replace(".*", "GET").split("|")) <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
        assert verwachting in (PUBLIEK, TOKEN) or (isinstance(verwachting, set) and verwachting <= set(Rol))
