"""Staff pages for importing the old member list: upload, preview, progress (no JavaScript), report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dinet_chassis.web import FieldError
from dinet_chassis.web.auth import Rol, identiteit, vereist
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from ...bootstrap import RegistratieDiensten
from ...kernel.web import Formulier, neem_melding, pagina, veld, zet_melding
from ..domain.importbestand import KOLOM_LABELS, MAX_BESTAND_BYTES, MAX_RIJEN, OnleesbaarBestand
from ..use_cases import importeren

MEDEWERKER = [vereist(Rol.MEDEWERKER)]
IMPORT = "/registratie/leden/import"


def _uploadpagina(fouten: list[FieldError], status: int = 200) -> Template:
    return pagina(
        "leden/import_upload",
        status,
        fouten=fouten,
        kolommen=KOLOM_LABELS,
        max_mb=MAX_BESTAND_BYTES // (1024 * 1024),
        max_rijen=MAX_RIJEN,
    )


@get(IMPORT, guards=MEDEWERKER, include_in_schema=False, sync_to_thread=False)
def upload() -> Template:
    return _uploadpagina([])


@post(IMPORT, guards=MEDEWERKER, include_in_schema=False, request_max_body_size=MAX_BESTAND_BYTES + 1024 * 1024)
async def upload_versturen(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[Any]:
    bestand = data.get("bestand")
    if isinstance(bestand, list):
        bestand = bestand[-1] if bestand else None
    if not isinstance(bestand, UploadFile) or not bestand.filename:
        return _uploadpagina([FieldError("bestand", "verplicht", "Kies een bestand (.csv of .xlsx).")], 400)
    inhoud = await bestand.read()
    wie = identiteit(request)
    try:
        import_id = await importeren.maak_voorbeeld(
            diensten.db, bestand.filename, inhoud, door=wie.naam if wie else "onbekend"
        )
    except OnleesbaarBestand as fout:
        return _uploadpagina([FieldError("bestand", "onleesbaar", fout.melding)], 400)
    return Redirect(f"{IMPORT}/{import_id}", status_code=303)


@get(f"{IMPORT}/{{import_id:uuid}}", guards=MEDEWERKER, include_in_schema=False)
async def taak(
    request: Request[Any, Any, Any],
    diensten: NamedDependency[RegistratieDiensten],
    import_id: FromPath[uuid.UUID],
    verversen: FromQuery[str] = "ja",
) -> Template:
    gegevens = await importeren.lees(diensten.db, import_id)
    if gegevens is None:
        raise NotFoundException()
    procent = 0
    if gegevens["te_schrijven"]:
        procent = min(100, round(100 * gegevens["verwerkt"] / gegevens["te_schrijven"]))
    return pagina(
        "leden/import",
        taak=gegevens,
        procent=procent,
        foute_rijen=len({f["rij"] for f in gegevens["fouten"]}),
        melding=neem_melding(request),
        # WCAG 2.2.1: an automatic refresh is chosen beforehand (on the preview) and can be switched off.
        verversen=verversen != "nee",
        fouten=[],
    )


@post(f"{IMPORT}/{{import_id:uuid}}/starten", guards=MEDEWERKER, include_in_schema=False)
async def starten(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], import_id: FromPath[uuid.UUID], data: Formulier
) -> Response[Any]:
    try:
        gestart = await importeren.start(diensten, import_id)
    except importeren.ImportLoopt as fout:
        zet_melding(request, fout.melding)
    else:
        if not gestart:
            zet_melding(request, "Deze import kan niet (meer) gestart worden.")
    verversen = "ja" if veld(data, "verversen") == "ja" else "nee"
    return Redirect(f"{IMPORT}/{import_id}?verversen={verversen}", status_code=303)


@post(f"{IMPORT}/{{import_id:uuid}}/annuleren", guards=MEDEWERKER, include_in_schema=False)
async def annuleren(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten], import_id: FromPath[uuid.UUID]) -> Response[Any]:
    if not await importeren.annuleer(diensten.db, import_id):
        zet_melding(request, "Deze import kan niet (meer) geannuleerd worden.")
    return Redirect(f"{IMPORT}/{import_id}", status_code=303)


ROUTES = [upload, upload_versturen, taak, starten, annuleren]
