"""Partner ingest: activities a partner publishes itself become registratie's own activities.

A partner publishes CloudEvents of the activity types on `dinet.partner.<organisatie-id>.>`
(over NATS with its own user, or over HTTP through registratie, which ends on the same stream).
The chassis has validated the envelope and data against the contracts before this handler runs,
and its inbox has dropped any event id seen before. The handler (../handlers.py) reads the
organisation from the subject and turns a refusal here into a dead letter. Here:

1. Scope: the organisation in the subject (which the partner's credentials allow, and nothing
   else) must be the activity's organiser, and an existing activity must be that organisation's
   own. Otherwise it is refused (`Forbidden`, code `buiten_scope`): for good, no retries.
2. Content rules that the contract cannot express (e.g. tailored support names a local
   government); broken ones are refused as `Invalid`. The rules the contract does express (times with an offset, end not before start, the same activity id
   twice) already refused the message in the chassis, before this handler.

The HTTP door (`toegang.publiceren`) asks `inhoudelijke_fouten` and `afwijzingen_bij_opslag`
the same questions before it answers 202, so a partner hears at once what this consumer would
refuse later; this handler stays the authority (the state may change in between).
3. Versions: the partner's id is the activity's id and its `versie` is the activity's version.
   A version not newer than what is stored changes nothing, so the same content under a new
   event id, or an old update arriving late, is ignored.
4. Otherwise the row is written and the canonical lifecycle event goes into the outbox in the
   same transaction (the event type follows the status change, see `domain.gebeurtenis_voor`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dinet_chassis.errors import FieldProblem, Forbidden, Invalid
from dinet_chassis.logging import get_logger
from dinet_contracts.events.activiteiten import Activiteit

from ..domain import ActiviteitGegevens, controleer_soortregels, gegevens_uit_snapshot, zuiver
from . import UoW
from .levenscyclus import onbekende_organisaties, publiceer

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class NeemOp:
    """A partner's activity event, as the consumer received it."""

    organisatie_id: uuid.UUID  # the partner, from the subject its credentials allow
    activiteit: Activiteit
    # Sent as version 1: it says nothing about place, description, join link or policy
    # elements (read as v2 with those empty), so an existing activity keeps its own.
    als_v1: bool = False
    event_id: str = ""


def inhoudelijke_fouten(activiteit: Activiteit) -> list[FieldProblem]:
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


async def afwijzingen_bij_opslag(uow: UoW, organisatie_id: uuid.UUID, activiteiten: Sequence[Activiteit]) -> list[Afwijzing]:
    """What only the stored state can tell: an id that is someone else's activity, an unknown
    local government or organiser. One query for the ids, whatever the batch's size."""
    async with uow:
        return await _afwijzingen(uow, organisatie_id, activiteiten)


async def _afwijzingen(uow: UoW, organisatie_id: uuid.UUID, activiteiten: Sequence[Activiteit]) -> list[Afwijzing]:
    eigenaars = await uow.activiteiten.eigenaars([a.activiteit_id for a in activiteiten])
    # A batch mostly names the same organisations: ask each pair once.
    organisaties: dict[tuple[uuid.UUID, uuid.UUID | None], list[FieldProblem]] = {}
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
            organisaties[sleutel] = await onbekende_organisaties(uow, gegevens)
        afwijzingen += [Afwijzing(i, f.veld, f.code, f.melding) for f in organisaties[sleutel]]
    return afwijzingen


def buiten_scope(reden: str) -> Forbidden:
    return Forbidden("buiten_scope", reden)


async def neem_op(cmd: NeemOp, uow: UoW) -> None:
    """Record the partner's activity, or ignore it when its version is not newer than ours."""
    activiteit = cmd.activiteit
    if activiteit.organisator_id != cmd.organisatie_id:
        raise buiten_scope(
            f"data.activiteit.organisator_id: organisatie {cmd.organisatie_id} mag niet publiceren"
            f" voor organisator {activiteit.organisator_id}"
        )
    fouten = inhoudelijke_fouten(activiteit)
    if fouten:
        raise Invalid(problemen=fouten)
    gegevens = zuiver(gegevens_uit_snapshot(activiteit))
    async with uow:
        bestaand = await uow.activiteiten.lees(activiteit.activiteit_id, voor_update=True)
        if bestaand is not None and not hoort_bij(bestaand.bron, bestaand.gegevens.organisator_id, cmd.organisatie_id):
            raise buiten_scope(
                f"data.activiteit.activiteit_id: activiteit {activiteit.activiteit_id} is niet van organisatie {cmd.organisatie_id}"
            )
        if bestaand is not None and activiteit.versie <= bestaand.versie:
            log.info(
                "partner.oude_versie_genegeerd",
                activiteit_id=str(activiteit.activiteit_id),
                versie=activiteit.versie,
                bekende_versie=bestaand.versie,
                event_id=cmd.event_id,
            )
            return
        fouten = await onbekende_organisaties(uow, gegevens)
        if fouten:
            raise Invalid(problemen=fouten)
        if bestaand is None:
            await uow.activiteiten.voeg_toe(activiteit.activiteit_id, activiteit.versie, activiteit.status, gegevens, bron="partner")
            await publiceer(uow, activiteit.activiteit_id, activiteit.versie, None, activiteit.status, gegevens)
            return
        if cmd.als_v1:
            gegevens = _met_paginavelden(gegevens, bestaand.gegevens)
        await uow.activiteiten.werk_bij(activiteit.activiteit_id, activiteit.versie, activiteit.status, gegevens)
        await publiceer(uow, activiteit.activiteit_id, activiteit.versie, bestaand.status, activiteit.status, gegevens)


def _met_paginavelden(nieuw: ActiviteitGegevens, oud: ActiviteitGegevens) -> ActiviteitGegevens:
    return replace(
        nieuw,
        omschrijving=oud.omschrijving,
        locatie=oud.locatie,
        deelnamelink=oud.deelnamelink,
        pijlers=oud.pijlers,
        elementen=oud.elementen,
    )
