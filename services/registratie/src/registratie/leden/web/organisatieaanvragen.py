"""Pages for 'mijn organisatie staat niet in de lijst': the newcomer's request and the staff's decision."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from dinet_chassis.web import FieldError
from dinet_chassis.web.auth import Rol, vereist
from dinet_contracts import paginas
from dinet_contracts.tijd import datum
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ...bootstrap import RegistratieDiensten
from ...kernel.web import Formulier, neem_melding, pagina, veld, zet_melding
from .. import store as organisaties
from ..domain.aanmelding import NIEUWSBRIEF_TEKST
from ..use_cases import organisatieaanvragen as aanvragen

MEDEWERKER = [vereist(Rol.MEDEWERKER)]
AANVRAGEN = f"{paginas.LID_WORDEN}/organisatie-aanvragen"
AANGEVRAAGD = f"{paginas.LID_WORDEN}/organisatie-aangevraagd"
BEHEER = "/registratie/beheer/organisatieaanvragen"
VELDEN = ("organisatie_naam", "organisatie_soort", "gemeente", "naam", "email", "functie")


def _formulier(waarden: dict[str, Any], fouten: list[FieldError], status: int) -> Template:
    return pagina(
        "leden/organisatie_aanvragen",
        status,
        waarden=waarden,
        fouten=fouten,
        soorten=list(aanvragen.SOORTEN.items()),
        nieuwsbrief_tekst=NIEUWSBRIEF_TEKST,
        bewaartermijn_dagen=aanvragen.BEWAARTERMIJN.days,
    )


@get(AANVRAGEN, include_in_schema=False, sync_to_thread=False)
def aanvraagformulier() -> Template:
    return _formulier({"nieuwsbrief": False}, [], 200)


@post(AANVRAGEN, include_in_schema=False)
async def aanvraag_versturen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], data: Formulier
) -> Response[Any]:
    waarden: dict[str, Any] = {k: veld(data, k) for k in VELDEN}
    waarden["nieuwsbrief"] = "nieuwsbrief" in data
    try:
        await aanvragen.vraag_aan(diensten.leden_uow(), waarden)
    except aanvragen.Ongeldig as fout:
        return _formulier(waarden, list(fout.fouten), 400)
    request.session["organisatie_aangevraagd"] = {
        "email": waarden["email"].strip().lower(),
        "organisatie": " ".join(waarden["organisatie_naam"].split()),
    }
    return Redirect(AANGEVRAAGD, status_code=303)


@get(AANGEVRAAGD, include_in_schema=False, sync_to_thread=False)
def aangevraagd(request: Request[Any, Any, Any]) -> Template:
    gegevens = (request.session.pop("organisatie_aangevraagd", None) if request.session else None) or {}
    return pagina(
        "leden/organisatie_aangevraagd",
        email=gegevens.get("email"),
        organisatie=gegevens.get("organisatie"),
        bewaartermijn_dagen=aanvragen.BEWAARTERMIJN.days,
    )


# --- staff ----------------------------------------------------------------------------------------


def _mail_aan_aanvrager(geweigerd: dict[str, str]) -> str:
    onderwerp = f"Je aanvraag voor {geweigerd['organisatie']}"
    tekst = (
        f"Beste {geweigerd['naam']},\n\n"
        f"Je vroeg om {geweigerd['organisatie']} toe te voegen aan de lijst van het netwerk digitale inclusie. "
        f"We voegen de organisatie niet toe: {geweigerd['reden']}\n\n"
        "Heb je een vraag? Bel VVSG op 02 211 55 00.\n\nMet vriendelijke groet,\nHet team van het netwerk digitale inclusie"
    )
    return f"mailto:{quote(geweigerd['email'], safe='@')}?subject={quote(onderwerp)}&body={quote(tekst)}"


@get(BEHEER, guards=MEDEWERKER, include_in_schema=False)
async def aanvragenlijst(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Template:
    geweigerd = request.session.pop("aanvraag_geweigerd", None) if request.session else None
    return pagina(
        "leden/organisatieaanvragen",
        open_aanvragen=await aanvragen.open_aanvragen(diensten.db),
        afgehandeld=await aanvragen.afgehandelde_aanvragen(diensten.db),
        soort_labels=aanvragen.SOORT_LABELS,
        status_labels=aanvragen.STATUS_LABELS,
        melding=neem_melding(request),
        geweigerd=geweigerd,
        mail_aan_aanvrager=_mail_aan_aanvrager(geweigerd) if geweigerd else None,
        datum=datum,
    )


async def _aanvraagpagina(
    diensten: RegistratieDiensten,
    aanvraag_id: uuid.UUID,
    *,
    fouten: list[FieldError] | None = None,
    waarden: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    aanvraag = await aanvragen.een(diensten.db, aanvraag_id)
    if aanvraag is None:
        raise NotFoundException()
    standaard_type = "lokaal_bestuur" if aanvraag["organisatie_soort"] == "lokaal_bestuur" else "andere"
    organisatie = await organisaties.organisatie(diensten.db, aanvraag["organisatie_id"]) if aanvraag["organisatie_id"] else None
    return pagina(
        "leden/organisatieaanvraag",
        status,
        aanvraag=aanvraag,
        organisatie=organisatie,
        nieuwsbrief=bool(((aanvraag["toestemmingen"] or {}).get("nieuwsbrief") or {}).get("gegeven")),
        soort_labels=aanvragen.SOORT_LABELS,
        status_labels=aanvragen.STATUS_LABELS,
        types=aanvragen.organisatie_types(),
        provincies=[("", "Onbekend of geen")] + [(p, p) for p in await organisaties.provincies(diensten.db)],
        datum=datum,
        fouten=fouten or [],
        waarden=waarden
        or {"naam": aanvraag["organisatie_naam"], "type": standaard_type, "nis_code": "", "provincie": "", "reden": ""},
    )


@get(f"{BEHEER}/{{aanvraag_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def aanvraag(diensten: NamedDependency[RegistratieDiensten], aanvraag_id: FromPath[uuid.UUID]) -> Template:
    return await _aanvraagpagina(diensten, aanvraag_id)


@post(f"{BEHEER}/{{aanvraag_id:uuid}}/goedkeuren", guards=MEDEWERKER, include_in_schema=False)
async def goedkeuren(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], aanvraag_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    waarden = {k: veld(data, k) for k in ("naam", "type", "nis_code", "provincie")} | {"reden": ""}
    provincies = await organisaties.provincies(diensten.db)
    try:
        organisatie_id, lid_id = await aanvragen.keur_goed(
            diensten.leden_uow(), aanvraag_id, waarden, provincies=provincies
        )
    except aanvragen.AanvraagNietGevonden as exc:
        raise NotFoundException() from exc
    except aanvragen.Ongeldig as fout:
        return await _aanvraagpagina(diensten, aanvraag_id, fouten=list(fout.fouten), waarden=waarden, status=400)
    except (aanvragen.AlAfgehandeld, aanvragen.EmailIntussenLid) as fout:
        return await _aanvraagpagina(diensten, aanvraag_id, fouten=[fout.fout], waarden=waarden, status=409)
    org = await organisaties.organisatie(diensten.db, organisatie_id)
    zet_melding(
        request,
        f"{org['naam'] if org else 'De organisatie'} staat nu in de lijst en de aanvrager is lid. "
        "Die krijgt de gewone welkomstmail.",
    )
    return Redirect(BEHEER, status_code=303)


@post(f"{BEHEER}/{{aanvraag_id:uuid}}/weigeren", guards=MEDEWERKER, include_in_schema=False)
async def weigeren(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], aanvraag_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    reden = veld(data, "reden")
    try:
        aanvraag = await aanvragen.een(diensten.db, aanvraag_id)
        gegevens = await aanvragen.weiger(diensten.leden_uow(), aanvraag_id, reden)
    except aanvragen.AanvraagNietGevonden as exc:
        raise NotFoundException() from exc
    except aanvragen.Ongeldig as fout:
        return await _aanvraagpagina(diensten, aanvraag_id, fouten=list(fout.fouten), waarden={"reden": reden}, status=400)
    except aanvragen.AlAfgehandeld as fout:
        return await _aanvraagpagina(diensten, aanvraag_id, fouten=[fout.fout], waarden={"reden": reden}, status=409)
    assert aanvraag is not None
    # Shown once, right after: the person's data is gone from the database, and no mail goes out
    # by itself, so this is the moment to tell them.
    request.session["aanvraag_geweigerd"] = {**gegevens, "organisatie": aanvraag["organisatie_naam"]}
    zet_melding(request, f"De aanvraag voor {aanvraag['organisatie_naam']} is geweigerd en de gegevens van de aanvrager zijn gewist.")
    return Redirect(BEHEER, status_code=303)


ROUTES = [aanvraagformulier, aanvraag_versturen, aangevraagd, aanvragenlijst, aanvraag, goedkeuren, weigeren]
