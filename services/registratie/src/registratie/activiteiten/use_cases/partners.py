"""Partner ingest: activities a partner publishes itself become registratie's own activities.

A partner publishes CloudEvents of the activity types on `dinet.partner.<organisatie-id>.>`
(over NATS with its own user, or over HTTP through registratie, which ends on the same stream).
The chassis has validated the envelope and data against the contracts before this handler runs,
and its inbox has dropped any event id seen before. Here:

1. Scope: the organisation in the subject (which the partner's credentials allow, and nothing
   else) must be the activity's organiser, and an existing activity must be that organisation's
   own. Otherwise the message is refused for good (dead letters, no retries): `BuitenScope`.
2. Content rules that the contract cannot express (e.g. tailored support names a local
   government); broken ones are refused the same way: `OngeldigePartnerActiviteit`. The rules the
   contract does express (times with an offset, end not before start, the same activity id
   twice) already refused the message in the chassis, before this handler.

The HTTP door (`toegang.publiceren`) asks `inhoudelijke_fouten` and `afwijzingen_bij_opslag`
the same questions before it answers 202, so a partner hears at once what this consumer would
refuse later; this handler stays the authority (the state may change in between).
3. Versions: the partner's id is the activity's id and its `versie` is the activity's version.
   A version not newer than what is stored changes nothing, so the same content under a new
   event id, or an old update arriving late, is ignored.
4. Otherwise the row is written and the canonical lifecycle event goes into the outbox in the
   same transaction (the event type follows the status change, see `domein.gebeurtenis_voor`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dinet_chassis.consumer import HandlerContext, Onverwerkbaar
from dinet_chassis.logging import get_logger
from dinet_contracts.envelope import Event
from dinet_contracts.events.activiteiten import Activiteit, _ActiviteitEvent
from dinet_contracts.topology import PARTNER_PREFIX
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Fout
from . import opslag
from .domein import ActiviteitGegevens, controleer_soortregels, gegevens_uit_snapshot, zuiver
from .levenscyclus import OngeldigeActiviteit, controleer_organisaties, publiceer

log = get_logger(__name__)

STANDAARD_SOURCE = "/dinet/registratie"


class BuitenScope(Onverwerkbaar):
    """A partner published for another organisation than its own."""


class OngeldigePartnerActiviteit(Onverwerkbaar):
    """Valid against the schema, but not an activity we can record."""


def inhoudelijke_fouten(activiteit: Activiteit) -> list[Fout]:
    """The kind's rules (e.g. tailored support names a local government), as for staff."""
    return controleer_soortregels(gegevens_uit_snapshot(activiteit))


def hoort_bij(bron: str, organisator_id: uuid.UUID, organisatie_id: uuid.UUID) -> bool:
    """Whether a stored activity is this partner's own: published by it, for itself. Staff's
    activities and other partners' are never taken over, whatever the version."""
    return bron == "partner" and organisator_id == organisatie_id


@dataclass(frozen=True)
class Afwijzing:
    """Why the consumer would refuse the `index`-th activity, as the door reports it."""

    index: int
    veld: str  # within the activity: `activiteit_id`, `lokaal_bestuur_id`, ...
    code: str
    melding: str
    conflict: bool = False  # the id is taken (409), rather than invalid content (422)


async def afwijzingen_bij_opslag(
    conn: AsyncConnection, organisatie_id: uuid.UUID, activiteiten: Sequence[Activiteit]
) -> list[Afwijzing]:
    """What only the stored state can tell: an id that is someone else's activity, an unknown
    local government or organiser. One query for the ids, whatever the batch's size."""
    eigenaars = await opslag.eigenaars(conn, [a.activiteit_id for a in activiteiten])
    # A batch mostly names the same organisations: ask each pair once.
    organisaties: dict[tuple[uuid.UUID, uuid.UUID | None], list[Fout]] = {}
    afwijzingen: list[Afwijzing] = []
    for i, a in enumerate(activiteiten):
        eigenaar = eigenaars.get(a.activiteit_id)
        if eigenaar is not None and not hoort_bij(*eigenaar, organisatie_id):
            afwijzingen.append(
                Afwijzing(
                    i,
                    "activiteit_id",
                    "activiteit_van_ander",
                    "Er bestaat al een activiteit met deze id die niet van je eigen organisatie is. "
                    "Geef je activiteit een eigen, nieuwe id (UUID).",
                    conflict=True,
                )
            )
            continue
        gegevens = zuiver(gegevens_uit_snapshot(a))
        sleutel = (gegevens.organisator_id, gegevens.lokaal_bestuur_id)
        if sleutel not in organisaties:
            try:
                await controleer_organisaties(conn, gegevens)
                organisaties[sleutel] = []
            except OngeldigeActiviteit as fout:
                organisaties[sleutel] = list(fout.fouten)
        afwijzingen += [Afwijzing(i, f.veld, f.code, f.melding) for f in organisaties[sleutel]]
    return afwijzingen


def organisatie_uit_subject(subject: str) -> uuid.UUID | None:
    """`dinet.partner.<organisatie-id>.<anything>` -> the organisation id (None if malformed)."""
    prefix = PARTNER_PREFIX + "."
    if not subject.startswith(prefix):
        return None
    deel = subject[len(prefix) :].split(".", 1)[0]
    try:
        return uuid.UUID(deel)
    except ValueError:
        return None


async def op_geen_activiteit(data: Event, conn: AsyncConnection, ctx: HandlerContext) -> None:
    """Any other type on a partner's subjects: refused for good."""
    soort = ctx.event.type if ctx.event is not None else type(data).__name__
    raise OngeldigePartnerActiviteit(f"partners publiceren alleen activiteiten, geen {soort}")


async def op_partner_activiteit(data: _ActiviteitEvent, conn: AsyncConnection, ctx: HandlerContext) -> None:
    event = ctx.event
    assert event is not None
    organisatie_id = organisatie_uit_subject(ctx.subject)
    if organisatie_id is None:
        raise BuitenScope(f"subject {ctx.subject!r} noemt geen organisatie-id na {PARTNER_PREFIX}.")
    activiteit = data.activiteit
    if activiteit.organisator_id != organisatie_id:
        raise BuitenScope(
            f"data.activiteit.organisator_id: organisatie {organisatie_id} mag niet publiceren"
            f" voor organisator {activiteit.organisator_id}"
        )

    fouten = inhoudelijke_fouten(activiteit)
    if fouten:
        raise OngeldigePartnerActiviteit(_reden(fouten))
    gegevens = zuiver(gegevens_uit_snapshot(activiteit))
    source = ctx.runtime.source if ctx.runtime is not None else STANDAARD_SOURCE

    bestaand = await opslag.lees(conn, activiteit.activiteit_id, voor_update=True)
    if bestaand is not None and not hoort_bij(bestaand.bron, bestaand.gegevens.organisator_id, organisatie_id):
        raise BuitenScope(
            f"data.activiteit.activiteit_id: activiteit {activiteit.activiteit_id} is niet van organisatie {organisatie_id}"
        )
    if bestaand is not None and activiteit.versie <= bestaand.versie:
        log.info(
            "partner.oude_versie_genegeerd",
            activiteit_id=str(activiteit.activiteit_id),
            versie=activiteit.versie,
            bekende_versie=bestaand.versie,
            event_id=event.id,
        )
        return
    try:
        await controleer_organisaties(conn, gegevens)
    except OngeldigeActiviteit as fout:
        raise OngeldigePartnerActiviteit(_reden(fout.fouten)) from None
    if bestaand is None:
        await opslag.voeg_toe(conn, activiteit.activiteit_id, activiteit.versie, activiteit.status, gegevens, bron="partner")
        await publiceer(conn, activiteit.activiteit_id, activiteit.versie, None, activiteit.status, gegevens, source)
        return
    if event.type != data.event_type:
        # Sent as version 1 (read here as v2 with the new fields empty): it says nothing about
        # place, description, join link or policy elements, so those stay as they were.
        gegevens = _met_paginavelden(gegevens, bestaand.gegevens)
    await opslag.werk_bij(conn, activiteit.activiteit_id, activiteit.versie, activiteit.status, gegevens)
    await publiceer(conn, activiteit.activiteit_id, activiteit.versie, bestaand.status, activiteit.status, gegevens, source)


def _reden(fouten: Sequence[Fout]) -> str:
    # Field, stable code and the message a person reads, as the HTTP door reports them.
    return "; ".join(f"data.activiteit.{f.veld}: {f.code}: {f.melding}" for f in fouten)


def _met_paginavelden(nieuw: ActiviteitGegevens, oud: ActiviteitGegevens) -> ActiviteitGegevens:
    return replace(
        nieuw,
        omschrijving=oud.omschrijving,
        locatie=oud.locatie,
        deelnamelink=oud.deelnamelink,
        pijlers=oud.pijlers,
        elementen=oud.elementen,
    )
