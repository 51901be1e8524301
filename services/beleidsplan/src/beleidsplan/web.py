"""HTTP: sign in with an account of a local government, start a policy plan, read it back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from dinet_chassis.runtime import Runtime
from dinet_chassis.web import FieldError, errors_by_field, problemen
from dinet_chassis.web.auth import Rol, identiteit, meld_af
from dinet_contracts.tijd import lokaal

from . import store
from .accounts import Account, Accounts
from .catalogus import Catalogus
from .domain import Fout, OngeldigPlan, start_plan

SESSIE_SLEUTEL = "gebruiker"

Req = Request[Any, Any, Any]


def tijdstip(moment: datetime) -> str:
    belgisch = lokaal(moment)
    return f"{belgisch:%d/%m/%Y} om {belgisch:%H.%M} uur"


@dataclass(frozen=True)
class GedeeldeAanmelding:
    """Someone of a local government signed in with the platform's shared identity."""

    organisatie: str
    organisatie_id: uuid.UUID


def _aangemeld(request: Req, accounts: Accounts) -> Account | GedeeldeAanmelding | None:
    naam = (request.session or {}).get(SESSIE_SLEUTEL)
    account = accounts.zoek(naam) if isinstance(naam, str) else None
    if account is not None:
        return account
    wie = identiteit(request)
    if wie is None or not wie.heeft(Rol.BESTUUR) or wie.organisatie_id is None:
        return None
    # The shared identity names a person, not the organisation; a known account may name it.
    bekend = next((a.organisatie for a in accounts if a.organisatie_id == wie.organisatie_id), None)
    return GedeeldeAanmelding(bekend or "je lokaal bestuur", wie.organisatie_id)


def _veldfouten(fouten: list[Fout]) -> list[FieldError]:
    return [FieldError(f.veld, f.code, f.melding) for f in fouten]


def _naar_aanmelden() -> Redirect:
    return Redirect("/beleidsplan/aanmelden", status_code=303)


async def _startpagina(
    runtime: Runtime,
    account: Account | GedeeldeAanmelding | None,
    catalogus: Catalogus,
    *,
    fouten: list[FieldError] | None = None,
    titel: str = "",
    status_code: int = 200,
) -> Template:
    plannen = []
    if account is not None:
        async with runtime.db.engine.connect() as conn:
            plannen = await store.plannen_van(conn, account.organisatie_id)
    return Template(
        template_name="beleidsplan/start.html",
        context={
            "account": account,
            "plannen": plannen,
            "catalogus": catalogus,
            "fouten": fouten or [],
            "fout": errors_by_field(fouten or []),
            "titel": titel,
            "tijdstip": tijdstip,
        },
        status_code=status_code,
    )


@get("/beleidsplan/", include_in_schema=False)
async def start(
    request: Req, runtime: NamedDependency[Runtime], accounts: NamedDependency[Accounts], catalogus: NamedDependency[Catalogus]
) -> Template:
    return await _startpagina(runtime, _aangemeld(request, accounts), catalogus)


def _aanmeldpagina(
    runtime: Runtime, accounts: Accounts, *, fouten: list[FieldError] | None = None, gebruikersnaam: str = "", status_code: int = 200
) -> Template:
    return Template(
        template_name="beleidsplan/aanmelden.html",
        context={
            "fouten": fouten or [],
            "fout": errors_by_field(fouten or []),
            "gebruikersnaam": gebruikersnaam,
            "demo_accounts": list(accounts) if runtime.settings.demo else [],
            "kan_aanmelden": len(accounts) > 0,
        },
        status_code=status_code,
    )


@get("/beleidsplan/aanmelden", include_in_schema=False)
async def aanmeldformulier(runtime: NamedDependency[Runtime], accounts: NamedDependency[Accounts]) -> Template:
    return _aanmeldpagina(runtime, accounts)


@post("/beleidsplan/aanmelden", include_in_schema=False)
async def aanmelden(
    request: Req, runtime: NamedDependency[Runtime], accounts: NamedDependency[Accounts]
) -> Template | Redirect:
    form = await request.form()
    gebruikersnaam = str(form.get("gebruikersnaam") or "").strip()
    wachtwoord = str(form.get("wachtwoord") or "")
    fouten = []
    if not gebruikersnaam:
        fouten.append(FieldError("gebruikersnaam", "verplicht", "Vul je gebruikersnaam in."))
    if not wachtwoord:
        fouten.append(FieldError("wachtwoord", "verplicht", "Vul je wachtwoord in."))
    account = accounts.aanmelden(gebruikersnaam, wachtwoord) if not fouten else None
    if not fouten and account is None:
        # One message for both cases: which of the two was wrong is nobody's business.
        fouten.append(
            FieldError("gebruikersnaam", "onbekend", "De gebruikersnaam of het wachtwoord klopt niet. Probeer het opnieuw.")
        )
    if fouten:
        return _aanmeldpagina(runtime, accounts, fouten=fouten, gebruikersnaam=gebruikersnaam, status_code=400)
    assert account is not None
    # A fresh session on sign-in: nothing from before carries over.
    request.clear_session()
    request.set_session({SESSIE_SLEUTEL: account.gebruikersnaam})
    return Redirect("/beleidsplan/", status_code=303)


@post("/beleidsplan/afmelden", include_in_schema=False)
async def afmelden(request: Req) -> Redirect:
    request.clear_session()
    # Otherwise the shared identity would sign the person straight back in.
    naar_start = Redirect("/beleidsplan/", status_code=303)
    meld_af(naar_start)
    return naar_start


@post("/beleidsplan/plannen", include_in_schema=False)
async def nieuw_plan(
    request: Req,
    runtime: NamedDependency[Runtime],
    accounts: NamedDependency[Accounts],
    catalogus: NamedDependency[Catalogus],
) -> Template | Redirect:
    account = _aangemeld(request, accounts)
    if account is None:
        return _naar_aanmelden()
    form = await request.form()
    titel = str(form.get("titel") or "")
    try:
        plan = start_plan(
            titel=titel, organisatie_id=account.organisatie_id, catalogus_versie=catalogus.versie, nu=datetime.now(UTC)
        )
    except OngeldigPlan as fout:
        return await _startpagina(
            runtime, account, catalogus, fouten=_veldfouten(fout.fouten), titel=titel, status_code=400
        )
    async with runtime.db.transaction() as conn:
        await store.bewaar_nieuw(conn, plan, source=runtime.source)
    return Redirect(f"/beleidsplan/plannen/{plan.beleidsplan_id}", status_code=303)


@get("/beleidsplan/plannen/{beleidsplan_id:uuid}", include_in_schema=False)
async def toon_plan(
    request: Req,
    beleidsplan_id: FromPath[uuid.UUID],
    runtime: NamedDependency[Runtime],
    accounts: NamedDependency[Accounts],
    catalogus: NamedDependency[Catalogus],
) -> Template | Redirect:
    account = _aangemeld(request, accounts)
    if account is None:
        return _naar_aanmelden()
    async with runtime.db.engine.connect() as conn:
        plan = await store.plan(conn, beleidsplan_id, account.organisatie_id)
    if plan is None:
        raise NotFoundException()
    return Template(
        template_name="beleidsplan/plan.html",
        context={"account": account, "plan": plan, "catalogus": catalogus, "tijdstip": tijdstip},
    )


@dataclass
class DemoAccount:
    gebruikersnaam: str
    wachtwoord: str
    organisatie: str


@dataclass
class DemoAccounts:
    accounts: list[DemoAccount]


@get(
    "/beleidsplan/api/v1/demo-accounts",
    summary="Demo-accounts (alleen in de demomodus)",
    responses=problemen({404: "Er zijn geen demo-accounts: de dienst draait niet in de demomodus."}),
)
async def demo_accounts(
    runtime: NamedDependency[Runtime], accounts: NamedDependency[Accounts]
) -> Response[DemoAccounts]:
    """The accounts to try the beleidstool with; only in demo mode, where the passwords are public."""
    if not runtime.settings.demo:
        raise NotFoundException()
    return Response(
        {
            "accounts": [
                {"gebruikersnaam": a.gebruikersnaam, "wachtwoord": a.demo_wachtwoord, "organisatie": a.organisatie}
                for a in accounts
            ]
        }
    )


ROUTES = [start, aanmeldformulier, aanmelden, afmelden, nieuw_plan, toon_plan, demo_accounts]
