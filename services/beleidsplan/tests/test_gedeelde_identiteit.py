"""The platform's shared sign-in counts in the beleidstool too: a local government signed in at
registratie works on its own plans here, without beleidsplan's own sign-in."""

from __future__ import annotations

import re
import uuid

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie

from beleidsplan.main import DEFINITION

GENT = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
LEUVEN = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/24062")


def csrf(html: str) -> str:
    gevonden = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert gevonden, "form without CSRF token"
    return gevonden.group(1)


def met_identiteit(client, runtime, wie: Identiteit, secret_key: str | None = None):
    client.cookies.set(COOKIE, maak_cookie(wie, secret_key or runtime.settings.secret_key))
    return client


async def plan_starten(client, titel: str):
    start = await client.get("/beleidsplan/")
    return await client.post("/beleidsplan/plannen", data={"titel": titel, "_csrf_token": csrf(start.text)})


async def test_a_local_government_signed_in_on_the_platform_starts_a_plan(start_service, http):
    async with start_service(DEFINITION, demo=True) as runtime:
        gent = met_identiteit(
            http(runtime), runtime, Identiteit("demo:gent", "Geert Goossens (Stad Gent)", frozenset({Rol.BESTUUR}), GENT)
        )
        start = await gent.get("/beleidsplan/")
        assert "Je bent aangemeld voor <strong>Gent</strong>" in start.text

        r = await plan_starten(gent, "Digitaal mee in Gent")
        assert r.status_code == 303
        locatie = r.headers["location"]
        pagina = await gent.get(locatie)
        assert pagina.status_code == 200 and "Digitaal mee in Gent" in pagina.text

        # Leuven, signed in the same way, neither sees nor opens Gent's plan.
        leuven = met_identiteit(
            http(runtime), runtime, Identiteit("demo:leuven", "Lies", frozenset({Rol.BESTUUR}), LEUVEN)
        )
        assert "Digitaal mee in Gent" not in (await leuven.get("/beleidsplan/")).text
        assert (await leuven.get(locatie)).status_code == 404

        # Signing out here ends the shared session as well; otherwise it would sign straight back in.
        start = await gent.get("/beleidsplan/")
        r = await gent.post("/beleidsplan/afmelden", data={"_csrf_token": csrf(start.text)})
        assert r.status_code == 303
        wissen = [c for c in r.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")]
        assert len(wissen) == 1 and "Max-Age=0" in wissen[0] and "Path=/" in wissen[0], wissen
        gent.cookies.clear()  # what a browser does with that header; the test client keys cookies by domain
        assert (await gent.get(locatie)).headers["location"] == "/beleidsplan/aanmelden"


async def test_outside_demo_mode_the_shared_identity_is_the_only_way_in(start_service, http):
    async with start_service(DEFINITION) as runtime:
        gent = met_identiteit(http(runtime), runtime, Identiteit("oidc:1", "Geert", frozenset({Rol.BESTUUR}), GENT))
        assert "Je bent aangemeld voor <strong>je lokaal bestuur</strong>" in (await gent.get("/beleidsplan/")).text
        assert (await plan_starten(gent, "Een plan")).status_code == 303


async def test_other_roles_forged_or_organisationless_cookies_are_not_signed_in(start_service, http):
    async with start_service(DEFINITION, demo=True) as runtime:
        plan = f"/beleidsplan/plannen/{uuid.uuid4()}"
        for wie, sleutel in [
            (Identiteit("demo:medewerker", "Mia", frozenset({Rol.MEDEWERKER})), None),
            (Identiteit("demo:lid", "Lien", frozenset({Rol.LID}), GENT, uuid.uuid4()), None),
            (Identiteit("x", "Zonder organisatie", frozenset({Rol.BESTUUR})), None),
            (Identiteit("x", "Vervalst", frozenset({Rol.BESTUUR}), GENT), "een-andere-sleutel"),
        ]:
            client = met_identiteit(http(runtime), runtime, wie, sleutel)
            r = await client.get(plan)
            assert r.status_code == 303 and r.headers["location"] == "/beleidsplan/aanmelden", wie
            assert "Je bent aangemeld" not in (await client.get("/beleidsplan/")).text
