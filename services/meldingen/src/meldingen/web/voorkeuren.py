"""Unsubscribe (RFC 8058 one-click) and the member's preferences page, both without a sign-in.

The link in `List-Unsubscribe` is signed (domain/afmelden.py). A POST to it withdraws that purpose
at once: that is what mail programs send when someone clicks "unsubscribe". A GET only shows a page
with a button, because mail scanners open every link. What a change means is in
use_cases/voorkeuren.py.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ..bootstrap import MeldingenDiensten
from ..domain.afmelden import AFMELDPAD, lees_afmeldtoken
from ..store.voorkeuren import VoorkeurStore
from ..use_cases.voorkeuren import BewaarVoorkeuren, TrekIn, bewaar_voorkeuren, trek_in

VOORKEURENPAD = "/meldingen/voorkeuren"
_PRIVE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

DOEL_NAMEN = {"nieuwsbrief": "de nieuwsbrief", "uitnodigingen": "uitnodigingen voor activiteiten"}
RITMES = (
    ("per_mail", "Een mail voor elke nieuwe activiteit"),
    ("wekelijks", "Eén overzicht per week (op maandag)"),
    ("geen", "Geen uitnodigingen"),
)


def _pagina(naam: str, status: int = 200, **context: Any) -> Template:
    return Template(template_name=f"meldingen/{naam}.html", context=context, status_code=status, headers=_PRIVE)


def _ongeldig() -> Template:
    return _pagina("link_ongeldig", 400)


@get(f"{AFMELDPAD}/{{token:str}}", include_in_schema=False)
async def afmelden_tonen(diensten: NamedDependency[MeldingenDiensten], token: FromPath[str]) -> Template:
    gelezen = lees_afmeldtoken(diensten.secret_key, token)
    if gelezen is None:
        return _ongeldig()
    _, doel = gelezen
    return _pagina("afmelden", doel=DOEL_NAMEN[doel], actie=f"{AFMELDPAD}/{token}",
                   voorkeuren=f"{VOORKEURENPAD}/{token}" if doel == "uitnodigingen" else None)


@post(f"{AFMELDPAD}/{{token:str}}", include_in_schema=False, status_code=200)
async def afmelden(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten], token: FromPath[str]) -> Template:
    """RFC 8058: the mail program POSTs `List-Unsubscribe=One-Click`; the page's button posts the same."""
    gelezen = lees_afmeldtoken(diensten.secret_key, token)
    if gelezen is None:
        return _ongeldig()
    lid_id, doel = gelezen
    await trek_in(TrekIn(lid_id, doel, "afmeldlink"), diensten.uow())
    return _pagina("afgemeld", doel=DOEL_NAMEN[doel])


async def _huidig(diensten: MeldingenDiensten, lid_id: UUID) -> dict[str, Any] | None:
    async with diensten.db.engine.connect() as conn:
        return await VoorkeurStore(conn).huidig(lid_id)


@get(f"{VOORKEURENPAD}/{{token:str}}", include_in_schema=False)
async def voorkeuren_tonen(diensten: NamedDependency[MeldingenDiensten], token: FromPath[str], bewaard: FromQuery[str | None] = None) -> Template:
    gelezen = lees_afmeldtoken(diensten.secret_key, token)
    huidig = await _huidig(diensten, gelezen[0]) if gelezen else None
    if huidig is None:
        return _ongeldig()
    return _pagina("voorkeuren", huidig=huidig, ritmes=RITMES, actie=f"{VOORKEURENPAD}/{token}", bewaard=bool(bewaard))


@post(f"{VOORKEURENPAD}/{{token:str}}", include_in_schema=False)
async def voorkeuren_bewaren(
    request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten], token: FromPath[str]
) -> Template | Redirect:
    gelezen = lees_afmeldtoken(diensten.secret_key, token)
    if gelezen is None:
        return _ongeldig()
    lid_id = gelezen[0]
    form = await request.form()
    ritme = str(form.get("uitnodigingen", ""))
    nieuwsbrief = str(form.get("nieuwsbrief", ""))
    huidig = await _huidig(diensten, lid_id)
    if huidig is None:
        return _ongeldig()
    if ritme not in {r for r, _ in RITMES}:
        return _pagina("voorkeuren", 400, huidig=huidig, ritmes=RITMES, actie=f"{VOORKEURENPAD}/{token}", bewaard=False,
                       fouten=[{"veld": "uitnodigingen-per_mail", "melding": "Kies hoe vaak je uitnodigingen wilt."}])
    stoppen = nieuwsbrief == "nee" and bool(huidig["nieuwsbrief_gewenst"])
    await bewaar_voorkeuren(BewaarVoorkeuren(lid_id, ritme, nieuwsbrief_stoppen=stoppen), diensten.uow())
    return Redirect(f"{VOORKEURENPAD}/{token}?bewaard=ja", status_code=303)


ROUTES = [afmelden_tonen, afmelden, voorkeuren_tonen, voorkeuren_bewaren]
