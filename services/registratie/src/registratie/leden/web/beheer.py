"""Staff pages (VVSG): find and see members, record what changed, update organisations' figures."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from dinet_chassis.errors import Invalid
from dinet_chassis.web import FieldError
from dinet_chassis.web.auth import Rol, vereist
from dinet_contracts.tijd import vandaag
from dinet_contracts.types import ORGANISATIE_TYPE_LABELS, OrganisatieType
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ...bootstrap import RegistratieDiensten
from ...kernel import organisaties as org_opvragingen
from ...kernel.organisaties import groepeer_per_type
from ...kernel.web import Formulier, datumveld, neem_melding, pagina, veld, zet_melding
from .. import store as opvragingen
from ..store import LedenStore
from ..domain.lidmaatschap import GROOTTEKLASSE_LABELS, TOESTEMMING_TITELS, Doel, Hoe, valideer_inwoners
from ..use_cases import organisaties
from ..use_cases import wijzigen

MEDEWERKER = [vereist(Rol.MEDEWERKER)]
LEDEN = "/registratie/leden"
ORGANISATIES = "/registratie/organisaties"

STATUSSEN = [("actief", "Huidige leden"), ("uitgeschreven", "Uitgeschreven leden"), ("alle", "Alle leden")]


def _getal(tekst: str, standaard: int = 1) -> int:
    return int(tekst) if tekst.isdigit() and 0 < int(tekst) < 100_000 else standaard


@get(LEDEN, guards=MEDEWERKER, include_in_schema=False)
async def ledenlijst(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    zoek: FromQuery[str] = "",
    status: FromQuery[str] = "actief",
) -> Template:
    status = status if status in dict(STATUSSEN) else "actief"
    nummer = _getal(request.query_params.get("pagina", "1"))
    rijen, totaal = await opvragingen.zoek_leden(
        diensten.db, opvragingen.Zoekvraag(zoek=zoek[:200], status=status, pagina=nummer)
    )
    paginas = max(1, -(-totaal // opvragingen.PER_PAGINA))
    return pagina(
        "leden/lijst",
        leden=rijen,
        totaal=totaal,
        zoek=zoek,
        toon=status,
        statussen=STATUSSEN,
        pagina=min(nummer, paginas),
        paginas=paginas,
        vandaag=vandaag(),
        melding=neem_melding(request),
    )


async def _dossierpagina(
    diensten: RegistratieDiensten, lid_id: uuid.UUID, fouten: list[FieldError], waarden: dict[str, Any], status: int, melding: str | None = None
) -> Template:
    dossier = await opvragingen.dossier(diensten.db, lid_id)
    if dossier is None:
        raise NotFoundException()
    groepen = groepeer_per_type(await org_opvragingen.organisaties(diensten.db))
    async with diensten.db.engine.connect() as conn:
        huidig = await LedenStore(conn).toestemmingen(lid_id)
    return pagina(
        "leden/lid",
        status,
        **dossier,
        huidige_toestemmingen=[(TOESTEMMING_TITELS[d], huidig[d]) for d in Doel],
        open_kennisdeling=next((p for p in dossier["kennisdeling"] if p["tot"] is None), None),
        organisatie_groepen=[(label, [(str(o.id), o.naam) for o in orgs]) for label, orgs in groepen],
        fouten=fouten,
        waarden={"vanaf": "", "kennisdeling_datum": "", "lid_tot": "", **waarden},
        vandaag=vandaag(),
        melding=melding,
    )


@get(f"{LEDEN}/{{lid_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def lid(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], lid_id: FromPath[uuid.UUID]) -> Template:
    return await _dossierpagina(diensten, lid_id, [], {}, 200, neem_melding(request))


async def _wijzig(
    request: Request[Any, Any, Any],
    diensten: RegistratieDiensten,
    lid_id: uuid.UUID,
    fouten: list[FieldError],
    waarden: dict[str, Any],
    wijziging: Callable[[], Awaitable[object]],
    melding: str,
) -> Response[Any]:
    """Every change on the member's file ends the same way: the form's or the domain's field
    errors show the file again, an unknown member is a 404, a success a message on the file."""
    if not fouten:
        try:
            await wijziging()
        except Invalid as fout:
            fouten = list(fout.problemen)
        except wijzigen.LidNietGevonden as exc:
            raise NotFoundException() from exc
    if fouten:
        return await _dossierpagina(diensten, lid_id, fouten, waarden, 400)
    zet_melding(request, melding)
    return Redirect(f"{LEDEN}/{lid_id}", status_code=303)


@post(f"{LEDEN}/{{lid_id:uuid}}/organisatie", guards=MEDEWERKER, include_in_schema=False)
async def organisatie_wijzigen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], lid_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    waarden = {"organisatie_id": veld(data, "organisatie_id"), "vanaf": veld(data, "vanaf")}
    fouten: list[FieldError] = []
    try:
        organisatie_id = uuid.UUID(waarden["organisatie_id"])
    except ValueError:
        fouten.append(FieldError("organisatie_id", "verplicht", "Kies de nieuwe organisatie."))
    vanaf = datumveld(data, "vanaf", "de datum vanaf wanneer")
    if isinstance(vanaf, FieldError):
        fouten.append(vanaf)
    return await _wijzig(
        request, diensten, lid_id, fouten, waarden,
        lambda: wijzigen.wijzig_organisatie(diensten.leden_uow(), lid_id, organisatie_id, vanaf),  # type: ignore[arg-type]
        "De organisatie is gewijzigd.",
    )


@post(f"{LEDEN}/{{lid_id:uuid}}/kennisdeling", guards=MEDEWERKER, include_in_schema=False)
async def kennisdeling_wijzigen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], lid_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    waarden = {"kennisdeling_datum": veld(data, "kennisdeling_datum")}
    lid_wordt = veld(data, "actie") == "aansluiten"
    datum = datumveld(data, "kennisdeling_datum", "de datum")
    fouten: list[FieldError] = [datum] if isinstance(datum, FieldError) else []
    return await _wijzig(
        request, diensten, lid_id, fouten, waarden,
        lambda: wijzigen.zet_kennisdeling(diensten.leden_uow(), lid_id, lid_wordt, datum),  # type: ignore[arg-type]
        "Het lid is toegevoegd aan het kennisdelingsplatform." if lid_wordt else "Het lid is van het kennisdelingsplatform gehaald.",
    )


@post(f"{LEDEN}/{{lid_id:uuid}}/uitschrijven", guards=MEDEWERKER, include_in_schema=False)
async def lid_uitschrijven(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], lid_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    waarden = {"lid_tot": veld(data, "lid_tot")}
    lid_tot = datumveld(data, "lid_tot", "de laatste dag van het lidmaatschap")
    fouten: list[FieldError] = [lid_tot] if isinstance(lid_tot, FieldError) else []
    return await _wijzig(
        request, diensten, lid_id, fouten, waarden,
        lambda: wijzigen.schrijf_uit(diensten.leden_uow(), lid_id, lid_tot, hoe=Hoe.MEDEWERKER),  # type: ignore[arg-type]
        "Het lid is uitgeschreven.",
    )


# --- organisations --------------------------------------------------------------------------------


@get(ORGANISATIES, guards=MEDEWERKER, include_in_schema=False)
async def organisatielijst(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    zoek: FromQuery[str] = "",
    type: FromQuery[str] = "",
    provincie: FromQuery[str] = "",
) -> Template:
    type_ = type if type in OrganisatieType._value2member_map_ else ""
    provincies = await opvragingen.provincies(diensten.db)
    provincie = provincie if provincie in provincies else ""
    return pagina(
        "leden/organisaties",
        organisaties=await opvragingen.organisaties(diensten.db, zoek=zoek[:200], type_=type_, provincie=provincie),
        zoek=zoek,
        type=type_,
        provincie=provincie,
        types=[("", "Alle types")] + [(t.value, label) for t, label in ORGANISATIE_TYPE_LABELS.items()],
        provincies=[("", "Alle provincies")] + [(p, p) for p in provincies],
        type_labels={t.value: label for t, label in ORGANISATIE_TYPE_LABELS.items()},
        melding=neem_melding(request),
    )


async def _organisatiepagina(diensten: RegistratieDiensten, organisatie_id: uuid.UUID, fouten: list[FieldError], waarden: dict[str, Any], status: int) -> Template:
    org = await opvragingen.organisatie(diensten.db, organisatie_id)
    if org is None or org["type"] != OrganisatieType.LOKAAL_BESTUUR.value:
        # Size classes are for local governments; other organisations have no inhabitants.
        raise NotFoundException()
    return pagina(
        "leden/organisatie",
        status,
        org=org,
        klasse=GROOTTEKLASSE_LABELS.get(org["grootteklasse"] or "", "onbekend"),
        fouten=fouten,
        waarden=waarden or {"inwoners": "", "peildatum": ""},
    )


@get(f"{ORGANISATIES}/{{organisatie_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def organisatie(diensten: NamedDependency[RegistratieDiensten], organisatie_id: FromPath[uuid.UUID]) -> Template:
    return await _organisatiepagina(diensten, organisatie_id, [], {}, 200)


@post(f"{ORGANISATIES}/{{organisatie_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def inwoners_bijwerken(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], organisatie_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    waarden = {"inwoners": veld(data, "inwoners"), "peildatum": veld(data, "peildatum")}
    resultaat = valideer_inwoners(waarden["inwoners"], waarden["peildatum"], vandaag_=vandaag())
    if isinstance(resultaat, list):
        return await _organisatiepagina(diensten, organisatie_id, resultaat, waarden, 400)
    org = await opvragingen.organisatie(diensten.db, organisatie_id)
    if org is None or org["type"] != OrganisatieType.LOKAAL_BESTUUR.value:
        raise NotFoundException()
    inwoners, peildatum = resultaat
    rij = await organisaties.werk_inwoners_bij(diensten.leden_uow(), organisatie_id, inwoners, peildatum)
    zet_melding(
        request,
        f"{rij['naam']} heeft nu {inwoners:,} inwoners ({peildatum:%d/%m/%Y}): "
        f"{GROOTTEKLASSE_LABELS[rij['grootteklasse']].split(' (')[0].lower()}.".replace(",", " "),
    )
    return Redirect(ORGANISATIES, status_code=303)


ROUTES = [
    ledenlijst,
    lid,
    organisatie_wijzigen,
    kennisdeling_wijzigen,
    lid_uitschrijven,
    organisatielijst,
    organisatie,
    inwoners_bijwerken,
]
