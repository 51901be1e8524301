"""meldingen's consumers and, per event type, the op that handles it: the one place to look.

Each op hands the event to its use case (use_cases/) on a unit of work over the consumer's own
inbox transaction, which the consumer commits with the event's id. The use cases only write rows
(mails to send, snapshots): the delivery worker sends after the commit. Any other type on a consumer's
subjects (a later version, say) is not ours to act on: the chassis acks and skips it.
"""

from __future__ import annotations

from dinet_chassis.consumer import HandlerContext
from dinet_chassis.uow import SqlUnitOfWork, UnitOfWork
from dinet_contracts.events.activiteiten import (
    AanwezigheidGeregistreerd,
    ActiviteitAfgelopenV2,
    ActiviteitGeannuleerdV2,
    ActiviteitGeplandV2,
    ActiviteitGewijzigdV2,
    InschrijvingGewijzigd,
)
from dinet_contracts.events.registratie import (
    LidContactgegevensV2,
    LidGeregistreerd,
    LidGewist,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)

from sqlalchemy.ext.asyncio import AsyncConnection

from .use_cases import activiteiten, contactgegevens, nieuwsbrief, wissen

SOURCE = "/dinet/meldingen"


def _uow(conn: AsyncConnection) -> UnitOfWork:
    return SqlUnitOfWork.within(conn, source=SOURCE)


async def op_lid_contactgegevens(e: LidContactgegevensV2, conn: AsyncConnection, ctx: HandlerContext) -> None:
    event = ctx.event
    assert event is not None, "the chassis passes the envelope along"
    await contactgegevens.contactgegevens_ontvangen(e, _uow(conn), event_id=event.id, tijd=event.time)


async def op_lid_gewist(e: LidGewist, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await wissen.lid_gewist(e, _uow(conn))


async def op_lid_uitgeschreven(e: LidUitgeschreven, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await wissen.lid_uitgeschreven(e, _uow(conn))


async def op_activiteit_gepland(e: ActiviteitGeplandV2, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await activiteiten.activiteit_gepland(e, _uow(conn))


async def op_activiteit_gewijzigd(e: ActiviteitGewijzigdV2, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await activiteiten.activiteit_gewijzigd(e, _uow(conn))


async def op_activiteit_geannuleerd(e: ActiviteitGeannuleerdV2, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await activiteiten.activiteit_geannuleerd(e, _uow(conn))


async def op_activiteit_afgelopen(e: ActiviteitAfgelopenV2, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await activiteiten.activiteit_afgelopen(e, _uow(conn))


async def op_inschrijving_gewijzigd(e: InschrijvingGewijzigd, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await activiteiten.inschrijving_gewijzigd(e, _uow(conn))


async def op_aanwezigheid_geregistreerd(e: AanwezigheidGeregistreerd, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await activiteiten.aanwezigheid_geregistreerd(e, _uow(conn))


async def op_lid_geregistreerd(e: LidGeregistreerd, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await nieuwsbrief.lid_geregistreerd(e, _uow(conn))


async def op_lid_organisatie_gewijzigd(e: LidOrganisatieGewijzigd, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await nieuwsbrief.lid_organisatie_gewijzigd(e, _uow(conn))


async def op_organisatie_bijgewerkt(e: OrganisatieBijgewerkt, conn: AsyncConnection, ctx: HandlerContext) -> None:
    await nieuwsbrief.organisatie_bijgewerkt(e, _uow(conn))


HANDLERS = {
    # Version-1 contact data arrives upcast to version 2 (consent to invitations then empty).
    "meldingen-contact": {LidContactgegevensV2: op_lid_contactgegevens},
    "meldingen-gebeurtenissen": {LidGewist: op_lid_gewist, LidUitgeschreven: op_lid_uitgeschreven},
    # Version-1 activity events arrive upcast to version 2, so the v2 keys cover both.
    "meldingen-activiteiten": {
        ActiviteitGeplandV2: op_activiteit_gepland,
        ActiviteitGewijzigdV2: op_activiteit_gewijzigd,
        ActiviteitGeannuleerdV2: op_activiteit_geannuleerd,
        ActiviteitAfgelopenV2: op_activiteit_afgelopen,
        InschrijvingGewijzigd: op_inschrijving_gewijzigd,
        AanwezigheidGeregistreerd: op_aanwezigheid_geregistreerd,
        # Organisation facts, for the newsletter's segments.
        LidGeregistreerd: op_lid_geregistreerd,
        LidOrganisatieGewijzigd: op_lid_organisatie_gewijzigd,
        OrganisatieBijgewerkt: op_organisatie_bijgewerkt,
    },
}
