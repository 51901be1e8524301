"""Unsubscribe (RFC 8058 one-click) and the member's preferences page, both without a sign-in.

The link in `List-Unsubscribe` is signed (afmelden.py). A POST to it withdraws that purpose at
once: that is what mail programs send when someone clicks "unsubscribe". A GET only shows a page
with a button, because mail scanners open every link. Consent stays registratie's record: every
change made here goes to registratie as `ToestemmingGewijzigd`, with the exact wording.
Operational mail (registration confirmations, sign-in links) is never stopped by this.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from dinet_chassis import outbox
from dinet_contracts.events.meldingen import ToestemmingGewijzigd
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..bootstrap import MeldingenDiensten
from ..use_cases.activiteiten import zet_voorkeur
from ..domain.afmelden import AFMELDPAD, lees_afmeldtoken

VOORKEURENPAD = "/meldingen/voorkeuren"
_PRIVE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

# registratie names the purpose of invitations "netwerkmail".
REGISTRATIE_DOEL = {"nieuwsbrief": "nieuwsbrief", "uitnodigingen": "netwerkmail"}
TEKSTEN = {
    ("nieuwsbrief", False): "Ik wil de nieuwsbrief van het netwerk digitale inclusie niet meer ontvangen.",
    ("uitnodigingen", False): "Ik wil geen uitnodigingen voor activiteiten van het netwerk meer ontvangen.",
    ("uitnodigingen", "per_mail"): "Ik wil een mail voor elke nieuwe activiteit van het netwerk.",
    ("uitnodigingen", "wekelijks"): "Ik wil één keer per week een overzicht van de nieuwe activiteiten van het netwerk.",
}
DOEL_NAMEN = {"nieuwsbrief": "de nieuwsbrief", "uitnodigingen": "uitnodigingen voor activiteiten"}
RITMES = (
    ("per_mail", "Een mail voor elke nieuwe activiteit"),
    ("wekelijks", "Eén overzicht per week (op maandag)"),
    ("geen", "Geen uitnodigingen"),
)


async def _meld(conn: AsyncConnection, diensten: MeldingenDiensten, lid_id: UUID, doel: str, gegeven: bool, tekst: str, hoe: str) -> None:
    await outbox.add(
        conn,
        ToestemmingGewijzigd(
            lid_id=lid_id, doel=REGISTRATIE_DOEL[doel], gegeven=gegeven, tekst=tekst, hoe=hoe,  # type: ignore[arg-type]
            wanneer=datetime.now(UTC),
        ),
        source=diensten.source,
    )


async def trek_in(conn: AsyncConnection, diensten: MeldingenDiensten, lid_id: UUID, doel: str, hoe: str) -> bool:
    """Withdraw a purpose; False if there was nothing to withdraw (a second click)."""
    if doel == "nieuwsbrief":
        row = (
            await conn.execute(
                text(
                    "UPDATE contact SET nieuwsbrief_gewenst = false, nieuwsbrief_bevestigd_op = NULL, bijgewerkt_op = now()"
                    " WHERE lid_id = :l AND nieuwsbrief_gewenst RETURNING lid_id"
                ),
                {"l": lid_id},
            )
        ).first()
        veranderd = row is not None
    else:
        veranderd = (await zet_voorkeur(conn, lid_id, "geen")) not in (None, "geen")
    if veranderd:
        await _meld(conn, diensten, lid_id, doel, False, TEKSTEN[(doel, False)], hoe)
    return veranderd


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
    async with diensten.db.transaction() as conn:
        await trek_in(conn, diensten, lid_id, doel, "afmeldlink")
    return _pagina("afgemeld", doel=DOEL_NAMEN[doel])


async def _huidig(diensten: MeldingenDiensten, lid_id: UUID) -> dict[str, Any] | None:
    async with diensten.db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT c.nieuwsbrief_gewenst, COALESCE(v.uitnodigingen, 'geen') AS uitnodigingen"
                    " FROM contact c LEFT JOIN voorkeur v ON v.lid_id = c.lid_id WHERE c.lid_id = :l"
                ),
                {"l": lid_id},
            )
        ).mappings().first()
    return dict(row) if row else None


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
    async with diensten.db.transaction() as conn:
        vorige = await zet_voorkeur(conn, lid_id, ritme)
        if (vorige or "geen") != ritme:
            gegeven = ritme != "geen"
            await _meld(conn, diensten, lid_id, "uitnodigingen", gegeven, TEKSTEN[("uitnodigingen", ritme if gegeven else False)],
                        "voorkeurenpagina")
        if nieuwsbrief == "nee" and huidig["nieuwsbrief_gewenst"]:
            await trek_in(conn, diensten, lid_id, "nieuwsbrief", "voorkeurenpagina")
    return Redirect(f"{VOORKEURENPAD}/{token}?bewaard=ja", status_code=303)


ROUTES = [afmelden_tonen, afmelden, voorkeuren_tonen, voorkeuren_bewaren]
