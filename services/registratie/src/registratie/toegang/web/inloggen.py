"""Sign-in and sign-out pages: demo accounts (embedded mode) and OpenID Connect (production).

Members sign in with an e-mail link instead (registratie.leden), which ends in the same
`meld_aan` cookie with role LID.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from dinet_chassis.logging import get_logger
from dinet_chassis.web import FieldError, errors_by_field
from dinet_chassis.web.auth import INLOGPAD, Identiteit, identiteit, meld_aan, meld_af, veilige_volgende
from dinet_contracts import paginas
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from ...kernel.web import veld
from ...bootstrap import RegistratieDiensten
from .. import accounts, oidc

log = get_logger(__name__)

STANDAARD_VOLGENDE = ""  # none asked for: the role's home (paginas.thuis)
LID_INLOGGEN = paginas.LID_INLOGGEN  # the member's e-mail-link sign-in (registratie.leden)
UITLOGPAD = paginas.UITLOGGEN
OUD_UITLOGPAD = "/registratie/afmelden"  # the word before docs/woordenlijst.md; bookmarks keep working
OIDC_SESSIE = "oidc_aanmelding"
OIDC_GELDIG = 600  # seconds between leaving for the provider and coming back


def _pagina(
    request: Request[Any, Any, Any],
    diensten: RegistratieDiensten,
    *,
    volgende: str,
    waarden: dict[str, str] | None = None,
    fouten: list[FieldError] | None = None,
    melding: str | None = None,
    status: int = 200,
) -> Template:
    fouten = fouten or []
    demo = bool(diensten.settings.demo)
    return Template(
        template_name="toegang/inloggen.html",
        context={
            "volgende": volgende,
            "waarden": waarden or {},
            "fouten": fouten,
            "fouten_per_veld": errors_by_field(fouten),
            "melding": melding,
            "oidc": diensten.oidc is not None,
            "demo_accounts": list(accounts.demo_accounts().values()) if demo else [],
            "lid_inloggen": LID_INLOGGEN,
        },
        status_code=status,
    )


def _aangemeld(request: Request[Any, Any, Any], diensten: RegistratieDiensten, wie: Identiteit, volgende: str) -> Response[Any]:
    log.info("aangemeld", sub=wie.sub, rollen=sorted(r.value for r in wie.rollen))
    doel = volgende or paginas.thuis(r.value for r in wie.rollen)
    return meld_aan(Redirect(doel, status_code=303), wie, diensten.settings)


@get(INLOGPAD, include_in_schema=False)
async def inlogpagina(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], volgende: FromQuery[str | None] = None
) -> Template:
    melding = None
    if request.query_params.get("uitgelogd") or request.query_params.get("afgemeld"):
        melding = "Je bent uitgelogd."
    return _pagina(request, diensten, volgende=veilige_volgende(volgende, STANDAARD_VOLGENDE), melding=melding)


@post(INLOGPAD, include_in_schema=False)
async def inloggen(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    if not diensten.settings.demo:
        raise NotFoundException()  # production has no passwords here: OpenID Connect only
    volgende = veilige_volgende(veld(data, "volgende"), STANDAARD_VOLGENDE)
    naam, wachtwoord = veld(data, "gebruikersnaam").strip(), veld(data, "wachtwoord")
    fouten: list[FieldError] = []
    if not naam:
        fouten.append(FieldError("gebruikersnaam", "verplicht", "Vul je gebruikersnaam in."))
    if not wachtwoord:
        fouten.append(FieldError("wachtwoord", "verplicht", "Vul je wachtwoord in."))
    wie = accounts.controleer(naam, wachtwoord) if not fouten else None
    if wie is None and not fouten:
        # One message for both: which of the two was wrong is not told.
        fouten.append(
            FieldError("gebruikersnaam", "onbekend", "De gebruikersnaam of het wachtwoord klopt niet. Probeer opnieuw.")
        )
    if fouten:
        return _pagina(request, diensten, volgende=volgende, waarden={"gebruikersnaam": naam}, fouten=fouten, status=400)
    assert wie is not None
    return _aangemeld(request, diensten, wie, volgende)


@get(f"{INLOGPAD}/oidc", include_in_schema=False)
async def oidc_start(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], volgende: FromQuery[str | None] = None
) -> Response[Any]:
    klant = diensten.oidc
    if klant is None:
        raise NotFoundException()
    volgende = veilige_volgende(volgende, STANDAARD_VOLGENDE)
    try:
        start = await klant.start()
    except oidc.OidcFout as fout:
        log.warning("oidc.start_mislukt", reden=fout.reden)
        return _oidc_fout(fout.melding, volgende, 502)
    # In the service's own encrypted session cookie (SameSite=Lax, so it comes back with the
    # provider's top-level redirect): what the callback must find again.
    request.session[OIDC_SESSIE] = {
        "state": start.state,
        "nonce": start.nonce,
        "verifier": start.code_verifier,
        "volgende": volgende,
        "t": time.time(),
    }
    return Redirect(start.url, status_code=303)


def _oidc_fout(melding: str, volgende: str, status: int) -> Template:
    return Template(
        template_name="toegang/oidc-fout.html", context={"melding": melding, "volgende": volgende}, status_code=status
    )


@get(f"{INLOGPAD}/oidc/terug", include_in_schema=False)
async def oidc_terug(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
) -> Response[Any]:
    # `state` is a reserved parameter name in Litestar, so the query is read directly.
    code = request.query_params.get("code")
    state = request.query_params.get("state")
    error = request.query_params.get("error")
    klant = diensten.oidc
    if klant is None:
        raise NotFoundException()
    bewaard = request.session.pop(OIDC_SESSIE, None) if request.session else None
    volgende = veilige_volgende((bewaard or {}).get("volgende"), STANDAARD_VOLGENDE)
    if error:
        log.info("oidc.geweigerd", error=error[:100])
        return _oidc_fout("Je organisatie heeft het inloggen niet toegestaan.", volgende, 400)
    if (
        not bewaard
        or not state
        or not code
        or state != bewaard.get("state")
        or time.time() - float(bewaard.get("t", 0)) > OIDC_GELDIG
    ):
        # Unknown, reused, expired or forged: start over rather than trust the parameters.
        return _oidc_fout("Het inloggen is verlopen of ongeldig. Begin opnieuw.", volgende, 400)
    try:
        wie = await klant.terug(code=code, nonce=bewaard["nonce"], code_verifier=bewaard["verifier"])
    except oidc.OidcFout as fout:
        log.warning("oidc.terug_mislukt", reden=fout.reden)
        return _oidc_fout(fout.melding, volgende, 400)
    if not wie.rollen:
        return _oidc_fout(
            f"Je bent gekend als {wie.naam}, maar je account heeft (nog) geen rol op dit platform. "
            "Vraag VVSG om je toegang te geven.",
            volgende,
            403,
        )
    return _aangemeld(request, diensten, wie, volgende)


# Signing out is a POST (a link or an image elsewhere must not sign anyone out); every page's
# header links here, and this page holds the button, because a form on another service's page
# cannot carry this service's CSRF token.
@get(UITLOGPAD, include_in_schema=False, sync_to_thread=False)
def uitlogpagina() -> Template:
    return Template(template_name="toegang/uitloggen.html")


@post(UITLOGPAD, include_in_schema=False, sync_to_thread=False)
def uitloggen(request: Request[Any, Any, Any]) -> Response[Any]:
    wie = identiteit(request)
    if wie is not None:
        log.info("uitgelogd", sub=wie.sub)
    return meld_af(Redirect(f"{INLOGPAD}?uitgelogd=1", status_code=303))


@get(OUD_UITLOGPAD, include_in_schema=False, sync_to_thread=False)
def oude_uitlogpagina() -> Redirect:
    return Redirect(UITLOGPAD, status_code=301)


@post(OUD_UITLOGPAD, include_in_schema=False, sync_to_thread=False)
def oud_uitloggen() -> Redirect:
    # 308 keeps the method and the body (with its CSRF token) for the new address.
    return Redirect(UITLOGPAD, status_code=308)


ROUTES = [inlogpagina, inloggen, oidc_start, oidc_terug, uitlogpagina, uitloggen, oude_uitlogpagina, oud_uitloggen]
