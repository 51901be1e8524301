"""Staff pages: the rules (which mail, when, switched on or off) and the templates, with a preview.

A template is checked by rendering it on sample data before it is saved (use_cases/regels.py): a
template that would fail at sending time is refused with the reason, in Dutch, and the built-in
one stays in use.
"""

from __future__ import annotations

from typing import Any

from dinet_chassis.web.auth import Rol, identiteit, vereist
from dinet_chassis.web.problem import FieldError
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ..bootstrap import MeldingenDiensten
from ..domain.sjablonen import STANDAARD, Sjabloon, SjabloonFout, controleer
from ..store.regels import alle_regels, eigen_sjabloon
from ..use_cases.regels import (
    TIMING,
    BewaarRegel,
    BewaarSjabloon,
    bewaar_regel,
    bewaar_sjabloon,
    herstel_sjabloon,
    sjabloon_fouten,
)
from ..use_cases.weekoverzicht import stuur_overzicht_nu

MEDEWERKER = [vereist(Rol.MEDEWERKER)]
REGELS = "/meldingen/beheer/regels"
SJABLONEN = "/meldingen/beheer/sjablonen"
OVERZICHT_NU = "/meldingen/beheer/weekoverzicht"

SOORT_TITELS = {
    "welkom": "Welkom",
    "nieuwsbrief_bevestiging": "Bevestiging van de nieuwsbrief",
    "inschrijving_bevestigd": "Inschrijving bevestigd",
    "wachtlijst": "Op de wachtlijst",
    "plaats_gekregen": "Plaats gekregen (van de wachtlijst)",
    "inschrijving_geannuleerd": "Inschrijving geannuleerd",
    "activiteit_gewijzigd": "Activiteit gewijzigd",
    "activiteit_geannuleerd": "Activiteit geannuleerd",
    "herinnering": "Herinnering",
    "feedback_vraag": "Vraag om feedback",
    "uitnodiging": "Uitnodiging",
    "weekoverzicht": "Wekelijks overzicht",
    "nieuwsbrief": "Nieuwsbrief",
}
DOEL_TITELS = {"operationeel": "Dienstmail (altijd)", "uitnodigingen": "Uitnodigingen", "nieuwsbrief": "Nieuwsbrief"}


def _veld(form: Any, naam: str) -> str:
    waarde = form.get(naam, "")
    return str(waarde or "")


async def _regels(diensten: MeldingenDiensten) -> list[dict[str, Any]]:
    async with diensten.db.engine.connect() as conn:
        return await alle_regels(conn)


@get(REGELS, guards=MEDEWERKER, include_in_schema=False)
async def regels(
    diensten: NamedDependency[MeldingenDiensten], bewaard: FromQuery[str | None] = None, overzicht: FromQuery[int | None] = None
) -> Template:
    return Template(
        template_name="meldingen/regels.html",
        context={"regels": await _regels(diensten), "titels": SOORT_TITELS, "doelen": DOEL_TITELS,
                 "timing": TIMING, "standaard": STANDAARD, "bewaard": bewaard, "fouten": [],
                 "overzicht": overzicht, "overzicht_pad": OVERZICHT_NU},
    )


@post(OVERZICHT_NU, guards=MEDEWERKER, include_in_schema=False)
async def overzicht_nu(diensten: NamedDependency[MeldingenDiensten]) -> Redirect:
    """Send the weekly digest now, without waiting for Monday: to try a changed template, or after
    a busy week. The delivery worker picks the mails up at its next round."""
    aantal = await stuur_overzicht_nu(diensten.uow())
    return Redirect(f"{REGELS}?overzicht={aantal}", status_code=303)


@post(f"{REGELS}/{{soort:str}}", guards=MEDEWERKER, include_in_schema=False)
async def regel_bewaren(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten], soort: FromPath[str]) -> Any:
    if soort not in SOORT_TITELS:
        raise NotFoundException("Deze regel bestaat niet.")
    form = await request.form()
    actief = _veld(form, "actief") == "ja"
    uren: int | None = None
    if soort in TIMING:
        tekst = _veld(form, "uren").strip()
        if not tekst.isdigit() or not 0 <= int(tekst) <= 24 * 60:
            fout = FieldError(f"uren-{soort}", "ongeldig_aantal", "Geef een aantal uren als geheel getal, van 0 tot 1440.")
            return Template(
                template_name="meldingen/regels.html", status_code=400,
                context={"regels": await _regels(diensten), "titels": SOORT_TITELS, "doelen": DOEL_TITELS,
                         "timing": TIMING, "standaard": STANDAARD, "bewaard": None, "fouten": [fout],
                         "overzicht": None, "overzicht_pad": OVERZICHT_NU},
            )
        uren = int(tekst)
    await bewaar_regel(BewaarRegel(soort, actief, uren), diensten.uow())
    return Redirect(f"{REGELS}?bewaard={soort}", status_code=303)


async def _sjabloon(diensten: MeldingenDiensten, soort: str) -> tuple[Sjabloon, bool]:
    async with diensten.db.engine.connect() as conn:
        eigen = await eigen_sjabloon(conn, soort)
    return (eigen, True) if eigen is not None else (STANDAARD[soort], False)


def _sjabloonpagina(soort: str, sjabloon: Sjabloon, *, eigen: bool, fouten: list[FieldError], status: int = 200,
                    bewaard: bool = False) -> Template:
    voorbeeld = None
    if not fouten:
        try:
            voorbeeld = controleer(sjabloon)
        except SjabloonFout as fout:
            fouten = [FieldError("tekst", "sjabloon_fout", f"Dit sjabloon werkt niet: {fout}")]
            status = 400
    return Template(
        template_name="meldingen/sjabloon.html", status_code=status,
        context={"soort": soort, "titel": SOORT_TITELS[soort], "sjabloon": sjabloon, "eigen": eigen,
                 "voorbeeld": voorbeeld, "fouten": fouten, "bewaard": bewaard},
        headers={"Cache-Control": "no-store"},
    )


@get(f"{SJABLONEN}/{{soort:str}}", guards=MEDEWERKER, include_in_schema=False)
async def sjabloon(diensten: NamedDependency[MeldingenDiensten], soort: FromPath[str], bewaard: FromQuery[str | None] = None) -> Template:
    if soort not in STANDAARD:
        raise NotFoundException("Voor deze mail is er geen sjabloon om aan te passen.")
    huidig, eigen = await _sjabloon(diensten, soort)
    return _sjabloonpagina(soort, huidig, eigen=eigen, fouten=[], bewaard=bool(bewaard))


@post(f"{SJABLONEN}/{{soort:str}}", guards=MEDEWERKER, include_in_schema=False)
async def sjabloon_bewaren(request: Request[Any, Any, Any], diensten: NamedDependency[MeldingenDiensten], soort: FromPath[str]) -> Any:
    if soort not in STANDAARD:
        raise NotFoundException("Voor deze mail is er geen sjabloon om aan te passen.")
    form = await request.form()
    actie = _veld(form, "actie")
    if actie == "herstellen":
        await herstel_sjabloon(soort, diensten.uow())
        return Redirect(f"{SJABLONEN}/{soort}?bewaard=ja", status_code=303)
    nieuw = Sjabloon(_veld(form, "onderwerp").strip(), _veld(form, "tekst"), _veld(form, "html"))
    fouten = sjabloon_fouten(nieuw)
    if fouten:
        return _sjabloonpagina(soort, nieuw, eigen=True, fouten=fouten, status=400)
    if actie != "opslaan":  # "voorbeeld": show the preview of what was typed, save nothing
        return _sjabloonpagina(soort, nieuw, eigen=True, fouten=[])
    wie = identiteit(request)
    await bewaar_sjabloon(BewaarSjabloon(soort, nieuw, wie.sub if wie else "?"), diensten.uow())
    return Redirect(f"{SJABLONEN}/{soort}?bewaard=ja", status_code=303)


ROUTES = [regels, regel_bewaren, overzicht_nu, sjabloon, sjabloon_bewaren]
