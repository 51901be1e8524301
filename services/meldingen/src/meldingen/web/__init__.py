"""meldingen's web layer: every route of the service (the staff pages, preferences, the newsletter
and its API, "my data" are in the modules beside this one), the start page and the newsletter's
double opt-in, and the answers to the newsletter API's refusals.

Opening the link only shows a button: mail scanners follow links, so a GET must not subscribe
anyone. The POST (with CSRF) confirms, and announces it through the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dinet_chassis.runtime import Runtime
from dinet_chassis.web import create_web_app
from dinet_chassis.web.fouten import Antwoord
from dinet_chassis.web.problem import TYPE_CONFLICT, TYPE_NIET_GEVONDEN
from litestar import Litestar, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from .. import store
from ..bootstrap import MeldingenDiensten
from ..domain import TOKEN_GELDIGHEID, TokenStatus, beoordeel_token, token_hash
from ..domain.afmelden import AFMELDPAD
from ..domain.mails import BEVESTIGINGSPAD
from ..use_cases.contactgegevens import BevestigNieuwsbrief, bevestig_nieuwsbrief
from . import beheer, bezorglog, mijn_gegevens, nieuwsbrief, voorkeuren

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
BEVESTIGD_PAD = "/meldingen/nieuwsbrief/bevestigd"
MAX_TOKEN_LENGTE = 200

# The token is in the URL: keep it out of Referer headers, caches and search engines.
_PRIVE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


@dataclass(frozen=True)
class Uitleg:
    status: int
    titel: str
    alineas: tuple[str, ...]


_DAGEN = TOKEN_GELDIGHEID.days
_OPNIEUW = (
    "Wil je de nieuwsbrief toch? Vraag hem opnieuw aan bij je gegevens als lid van het netwerk. "
    "Je krijgt dan een nieuwe mail met een nieuwe link."
)
_LINK_PROBLEMEN: dict[TokenStatus, Uitleg] = {
    TokenStatus.ONBEKEND: Uitleg(
        400,
        "Deze link werkt niet",
        (
            "De link is niet volledig of klopt niet.",
            "Open de link opnieuw vanuit de mail. Werkt dat niet? Kopieer dan het volledige adres uit de mail "
            "en plak het in je browser.",
        ),
    ),
    TokenStatus.VERLOPEN: Uitleg(
        410,
        "Deze link is verlopen",
        (f"Een bevestigingslink werkt {_DAGEN} dagen. Deze link is ouder en werkt niet meer.", _OPNIEUW),
    ),
    TokenStatus.GEBRUIKT: Uitleg(
        410,
        "Deze link is al gebruikt",
        (
            "Met deze link werd de inschrijving voor de nieuwsbrief al bevestigd. Een link werkt maar één keer.",
            "Heb je zelf al bevestigd? Dan hoef je niets meer te doen.",
        ),
    ),
    TokenStatus.INGETROKKEN: Uitleg(
        410,
        "Deze link geldt niet meer",
        ("Na deze mail gaf je aan dat je de nieuwsbrief niet wilt. Daarom schrijven we je niet in.", _OPNIEUW),
    ),
}


def _link_probleem(status: TokenStatus) -> Template:
    uitleg = _LINK_PROBLEMEN[status]
    return Template(
        template_name="meldingen/link_probleem.html",
        context={"uitleg": uitleg},
        status_code=uitleg.status,
        headers=_PRIVE_HEADERS,
    )


def _geldige_vorm(token: str | None) -> str | None:
    token = (token or "").strip()
    return token if 0 < len(token) <= MAX_TOKEN_LENGTE else None


@get("/meldingen/", sync_to_thread=False, include_in_schema=False)
def startpagina() -> Template:
    return Template(template_name="meldingen/start.html", context={"geldigheid_dagen": _DAGEN})


@get(BEVESTIGINGSPAD, include_in_schema=False)
async def bevestigen_tonen(diensten: NamedDependency[MeldingenDiensten], token: FromQuery[str | None] = None) -> Template:
    geldig = _geldige_vorm(token)
    if geldig is None:
        return _link_probleem(TokenStatus.ONBEKEND)
    async with diensten.db.engine.connect() as conn:
        gevonden = await store.lees_token(conn, token_hash(geldig))
    status = beoordeel_token(gevonden, datetime.now(UTC))
    if status is not TokenStatus.GELDIG:
        return _link_probleem(status)
    return Template(
        template_name="meldingen/bevestigen.html",
        context={"token": geldig, "actie": BEVESTIGINGSPAD},
        headers=_PRIVE_HEADERS,
    )


@post(BEVESTIGINGSPAD, include_in_schema=False)
async def bevestigen(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten]) -> Template | Redirect:
    form = await request.form()
    geldig = _geldige_vorm(form.get("token"))
    if geldig is None:
        return _link_probleem(TokenStatus.ONBEKEND)
    status = await bevestig_nieuwsbrief(BevestigNieuwsbrief(geldig), diensten.uow())
    if status is not TokenStatus.GELDIG:
        return _link_probleem(status)
    # Post/redirect/get: reloading the thank-you page must not post the used token again.
    return Redirect(path=BEVESTIGD_PAD, status_code=303)


@get(BEVESTIGD_PAD, sync_to_thread=False, include_in_schema=False)
def bevestigd() -> Template:
    return Template(template_name="meldingen/bevestigd.html", headers={"Cache-Control": "no-store"})


# The newsletter API's answers, as they were before its refusals became domain errors.
FOUTCODES = {
    "onbekende_nieuwsbrief": Antwoord(404, "Deze nieuwsbrief bestaat niet", TYPE_NIET_GEVONDEN),
    "al_verstuurd": Antwoord(409, "Deze nieuwsbrief is al (aan het) versturen en kan niet meer veranderen", TYPE_CONFLICT),
    "testmail_geweigerd": Antwoord(502, "De testmail kon niet weg"),
}


def create_app(runtime: Runtime) -> Litestar:
    return create_web_app(
        runtime,
        [startpagina, bevestigen_tonen, bevestigen, bevestigd, *beheer.ROUTES, *voorkeuren.ROUTES, *nieuwsbrief.ROUTES, *mijn_gegevens.ROUTES, *bezorglog.ROUTES],
        template_dir=TEMPLATE_DIR,
        # RFC 8058: a mail program posts the one-click unsubscribe without any cookie or form
        # token; the signed link itself is the proof.
        csrf_exclude=[f"^{AFMELDPAD}/"],
        foutcodes=FOUTCODES,
        title="DINET meldingen",
        description="Mails aan leden van het netwerk digitale inclusie: welkom en bevestiging van de nieuwsbrief.",
    )
