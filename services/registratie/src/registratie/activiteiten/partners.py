"""Partner ingest: activities a partner publishes itself become registratie's own activities.

A partner publishes CloudEvents of the activity types on `dinet.partner.<organisatie-id>.>`
(over NATS with its own user, or over HTTP through registratie, which ends on the same stream).
The chassis has validated the envelope and data against the contracts before this handler runs,
and its inbox has dropped any event id seen before. Here:

1. Scope: the organisation in the subject (which the partner's credentials allow, and nothing
   else) must be the activity's organiser, and an existing activity must be that organisation's
   own. Otherwise the message is refused for good (dead letters, no retries): `BuitenScope`.
2. Content rules that the schema cannot express (e.g. tailored support names a local
   government); broken ones are refused the same way: `OngeldigePartnerActiviteit`.
3. Versions: the partner's id is the activity's id and its `versie` is the activity's version.
   A version not newer than what is stored changes nothing, so the same content under a new
   event id, or an old update arriving late, is ignored.
4. Otherwise the row is written and the canonical lifecycle event goes into the outbox in the
   same transaction (the event type follows the status change, see `domein.gebeurtenis_voor`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from dinet_chassis.consumer import HandlerContext, Onverwerkbaar
from dinet_chassis.logging import get_logger
from dinet_contracts import CloudEvent
from dinet_contracts.events.activiteiten import (
    ActiviteitAfgelopen,
    ActiviteitGeannuleerd,
    ActiviteitGepland,
    ActiviteitGewijzigd,
)
from dinet_contracts.topology import PARTNER_PREFIX
from sqlalchemy.ext.asyncio import AsyncConnection

from . import opslag
from .domein import ActiviteitGegevens, controleer_soortregels, gegevens_uit_snapshot, zuiver
from .levenscyclus import OngeldigeActiviteit, controleer_organisaties, publiceer

log = get_logger(__name__)

ACTIVITEIT_EVENTS = (ActiviteitGepland, ActiviteitGewijzigd, ActiviteitGeannuleerd, ActiviteitAfgelopen)
STANDAARD_SOURCE = "/dinet/registratie"


class BuitenScope(Onverwerkbaar):
    """A partner published for another organisation than its own."""


class OngeldigePartnerActiviteit(Onverwerkbaar):
    """Valid against the schema, but not an activity we can record."""


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


async def handle_partner_event(conn: AsyncConnection, event: CloudEvent, ctx: HandlerContext) -> None:
    data = event.data
    if not isinstance(data, ACTIVITEIT_EVENTS):
        raise OngeldigePartnerActiviteit(f"partners publiceren alleen activiteiten, geen {event.type}")
    organisatie_id = organisatie_uit_subject(ctx.subject)
    if organisatie_id is None:
        raise BuitenScope(f"subject {ctx.subject!r} noemt geen organisatie-id na {PARTNER_PREFIX}.")
    activiteit = data.activiteit
    if activiteit.organisator_id != organisatie_id:
        raise BuitenScope(
            f"organisatie {organisatie_id} mag niet publiceren voor organisator {activiteit.organisator_id}"
        )
    if data.activiteit_id != activiteit.activiteit_id:
        raise OngeldigePartnerActiviteit("activiteit_id verschilt van activiteit.activiteit_id")

    gegevens = gegevens_uit_snapshot(activiteit)
    fouten = controleer_soortregels(gegevens)
    if fouten:
        raise OngeldigePartnerActiviteit("; ".join(f"activiteit.{f.veld}: {f.code}" for f in fouten))
    gegevens = zuiver(gegevens)
    source = ctx.runtime.source if ctx.runtime is not None else STANDAARD_SOURCE

    bestaand = await opslag.lees(conn, activiteit.activiteit_id, voor_update=True)
    if bestaand is None:
        try:
            await controleer_organisaties(conn, gegevens)
        except OngeldigeActiviteit as fout:
            raise OngeldigePartnerActiviteit("; ".join(f"activiteit.{f.veld}: {f.code}" for f in fout.fouten)) from None
        await opslag.voeg_toe(conn, activiteit.activiteit_id, activiteit.versie, activiteit.status, gegevens, bron="partner")
        await publiceer(conn, activiteit.activiteit_id, activiteit.versie, None, activiteit.status, gegevens, source)
        return

    if bestaand.bron != "partner" or bestaand.gegevens.organisator_id != organisatie_id:
        raise BuitenScope(f"activiteit {activiteit.activiteit_id} is niet van organisatie {organisatie_id}")
    if activiteit.versie <= bestaand.versie:
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
        raise OngeldigePartnerActiviteit("; ".join(f"activiteit.{f.veld}: {f.code}" for f in fout.fouten)) from None
    # What only pages show (description, place) is not in the partner's event: keep ours.
    gegevens = _met_paginavelden(gegevens, bestaand.gegevens)
    await opslag.werk_bij(conn, activiteit.activiteit_id, activiteit.versie, activiteit.status, gegevens)
    await publiceer(conn, activiteit.activiteit_id, activiteit.versie, bestaand.status, activiteit.status, gegevens, source)


def _met_paginavelden(nieuw: ActiviteitGegevens, oud: ActiviteitGegevens) -> ActiviteitGegevens:
    return replace(nieuw, omschrijving=oud.omschrijving, locatie=oud.locatie)
