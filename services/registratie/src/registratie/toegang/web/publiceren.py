"""`POST /registratie/api/v1/partner/gebeurtenissen`: a partner publishes its activities over HTTP.

Each valid event goes to JetStream on the partner's own subject prefix, exactly where a partner
publishing directly on NATS would put it, so one consumer (`registratie-partners`) handles both
paths. The answer waits for JetStream's acknowledgement: a 202 means the event is stored and will
be processed; a retry with the same id is dropped by the stream's duplicate window and, after
that, by the consumer's inbox.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from dinet_chassis.logging import get_logger
from dinet_chassis.tracing import current_trace_headers
from dinet_chassis.web import TYPE_VALIDATIE, problem_response, problemen
from dinet_chassis.web.openapi import AANVRAAG, PARTNER_TOKEN
from dinet_chassis.web.problem import PROBLEM_MEDIA_TYPE
from dinet_contracts.envelope import RawCloudEvent
from dinet_contracts.topology import PARTNERS
from litestar import Request, Response, post
from litestar.di import NamedDependency
from pydantic import Field

from ...bootstrap import RegistratieDiensten
from ...activiteiten.store import ActiviteitenUoW
from ...activiteiten.use_cases.partners import afwijzingen_bij_opslag
from .. import store as opslag
from ..domain.cloudevents import (
    BATCH,
    MAX_BATCH,
    STRUCTURED,
    OnleesbareAanvraag,
    Probleem,
    controleer_aanvraag,
    lees_aanvraag,
    partner_subject,
)
from ..domain.sleutels import bearer_token

log = get_logger(__name__)

PAD = "/registratie/api/v1/partner/gebeurtenissen"
TYPE_VERBODEN = "urn:dinet:probleem:andere-organisatie"
TYPE_CONFLICT = "urn:dinet:probleem:activiteit-van-ander"
TYPE_TOKEN = "urn:dinet:probleem:token"
HANDLEIDING = "/registratie/partners/handleiding"


@dataclass
class Aanvaard:
    aanvaard: list[str]
    al_ontvangen: list[str]


def _niet_aangemeld(detail: str, fout: str | None = None) -> Response[Any]:
    # RFC 6750 3: a 401 names the scheme, and `invalid_token` when a token was given but is no good.
    uitdaging = 'Bearer realm="dinet-partners"' + (f', error="{fout}"' if fout else "")
    return problem_response(
        401, "Je moet aangemeld zijn", detail=detail, type_=TYPE_TOKEN, headers={"WWW-Authenticate": uitdaging}
    )


def _probleem(status: int, titel: str, detail: str, type_: str, problemen: list[Probleem]) -> Response[Any]:
    # Not chassis FieldErrors: a batch names the index of each event next to the field.
    return Response(
        content={
            "type": type_,
            "title": titel,
            "status": status,
            "detail": detail,
            "errors": [p.als_dict() for p in problemen],
        },
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
    )


@post(
    PAD,
    tags=["partners"],
    summary="Activiteiten publiceren als partner (CloudEvents 1.0)",
    description=(
        f"`Authorization: Bearer <token>`. Eén gebeurtenis als `{STRUCTURED}`, als `application/json` met "
        f"`ce-*`-headers (binaire modus), of tot {MAX_BATCH} tegelijk als `{BATCH}`. Alleen types "
        "`be.dinet.activiteit.*`, voor je eigen organisatie (`data.activiteit.organisator_id`). "
        "202 met de ids; 401 zonder geldig token; 403 voor een andere organisatie; 409 voor een id dat al een "
        "activiteit van een ander is; 422 met een fout per veld "
        f"(per index in een batch; dan wordt niets aanvaard). Zie {HANDLEIDING}."
    ),
    status_code=202,
    security=[{PARTNER_TOKEN: []}],
    opt={AANVRAAG: {STRUCTURED: RawCloudEvent, BATCH: Annotated[list[RawCloudEvent], Field(max_length=MAX_BATCH)]}},
    responses=problemen(
        {
            400: "De inhoud is geen geldige JSON, of een batch is geen lijst.",
            403: "Een gebeurtenis voor een andere organisatie dan die van je token.",
            415: "Een Content-Type dat geen CloudEvent is.",
            422: "Een fout per veld (en per index in een batch); dan wordt niets aanvaard.",
            503: "Niet alles is bewaard; stuur dezelfde gebeurtenissen opnieuw na `Retry-After`.",
        }
    ),
)
async def partner_gebeurtenissen(
    request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]
) -> Response[Aanvaard]:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return _niet_aangemeld("Stuur je token mee: Authorization: Bearer <token>.")
    organisatie_id = await opslag.organisatie_van_token(diensten.db, token)
    if organisatie_id is None:
        return _niet_aangemeld("Dit token is onbekend of ingetrokken. Vraag VVSG om een nieuw.", "invalid_token")

    try:
        aanvraag = lees_aanvraag(request.headers.get("content-type"), request.headers, await request.body())
    except OnleesbareAanvraag as fout:
        return problem_response(fout.status, "De aanvraag is niet leesbaar", detail=fout.melding)

    resultaat = controleer_aanvraag(aanvraag, organisatie_id)
    if resultaat.events:
        # What the partner consumer would refuse once it sees the stored state: said now, not
        # only later in the dead letters.
        afwijzingen = await afwijzingen_bij_opslag(
            ActiviteitenUoW(diensten.db, source=diensten.source), organisatie_id, [e.data.activiteit for e in resultaat.events]
        )
        resultaat.problemen.extend(
            Probleem(
                f"data.activiteit.{a.veld}", a.code, a.melding, resultaat.indexen[a.index], 409 if a.conflict else 422
            )
            for a in afwijzingen
        )
        resultaat.problemen.sort(key=lambda p: -1 if p.index is None else p.index)
    if resultaat.problemen:
        niets = " Er werd niets aanvaard." if aanvraag.modus == "batch" else ""
        if resultaat.status == 403:
            return _probleem(
                403,
                "Dit mag niet",
                f"Je token hoort bij organisatie {organisatie_id}; je publiceert alleen voor die organisatie.{niets}",
                TYPE_VERBODEN,
                resultaat.problemen,
            )
        if resultaat.status == 409:
            return _probleem(
                409,
                "Deze activiteit is van een andere organisatie",
                f"Een id in `errors` hoort al bij een activiteit die niet van je organisatie is.{niets}",
                TYPE_CONFLICT,
                resultaat.problemen,
            )
        return _probleem(
            422,
            "De gegevens zijn niet geldig",
            f"Verbeter de velden in `errors` en probeer opnieuw.{niets}",
            TYPE_VALIDATIE,
            resultaat.problemen,
        )

    trace = current_trace_headers()
    futures = []
    for event in resultaat.events:
        futures.append(
            await diensten.js.publish_async(
                partner_subject(organisatie_id, event.type),
                event.model_dump_json().encode(),
                stream=PARTNERS.name,  # refuse rather than land in some other stream by a config mistake
                headers={"Nats-Msg-Id": event.id, "Content-Type": STRUCTURED, **trace},
            )
        )
    try:
        acks = await asyncio.wait_for(asyncio.gather(*futures), timeout=10)
    except Exception as exc:  # noqa: BLE001 - anything here means "not known to be stored"
        log.warning("partner.publiceren_mislukt", organisatie_id=str(organisatie_id), fout=repr(exc))
        return problem_response(
            503,
            "De dienst is tijdelijk niet beschikbaar",
            detail="Niet alles is bewaard. Stuur dezelfde gebeurtenissen opnieuw: dezelfde id telt maar één keer.",
            headers={"Retry-After": "5"},
        )
    dubbel = [e.id for e, ack in zip(resultaat.events, acks, strict=True) if getattr(ack, "duplicate", False)]
    log.info(
        "partner.gepubliceerd",
        organisatie_id=str(organisatie_id),
        aantal=len(resultaat.events),
        dubbel=len(dubbel),
        modus=aanvraag.modus,
    )
    return Response(
        content={"aanvaard": [e.id for e in resultaat.events], "al_ontvangen": dubbel},
        status_code=202,
    )


ROUTES = [partner_gebeurtenissen]
