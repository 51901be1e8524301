"""Every event meldingen reacts to, one `{event model: reaction}` table per durable consumer.

A reaction is `async def op_<event>(conn, event, ctx)`: it runs in the consumer's transaction,
with the inbox record, and only writes rows (mails to send, snapshots). `verdeler` turns a table
into the single handler the consumer calls; events of other types on the same subjects (a later
version, say) are not ours to act on and are acknowledged without effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dinet_contracts import CloudEvent
from dinet_contracts.envelope import Event
from dinet_contracts.events.activiteiten import (
    AanwezigheidGeregistreerd,
    ActiviteitAfgelopenV2,
    ActiviteitGeannuleerdV2,
    ActiviteitGeplandV2,
    ActiviteitGewijzigdV2,
    InschrijvingGewijzigd,
)
from dinet_contracts.events.registratie import (
    LidContactgegevens,
    LidGeregistreerd,
    LidGewist,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from . import activiteiten, contactgegevens, nieuwsbrief, wissen

Reactie = Callable[[AsyncConnection, CloudEvent, Any], Awaitable[None]]

CONTACT: dict[type[Event], Reactie] = {
    LidContactgegevens: contactgegevens.op_lid_contactgegevens,
}
GEBEURTENISSEN: dict[type[Event], Reactie] = {
    LidGewist: wissen.op_lid_gewist,
    LidUitgeschreven: wissen.op_lid_uitgeschreven,
}
# Version-1 activity events arrive upcast to version 2 (registry.parse), so v2 covers both.
ACTIVITEITEN: dict[type[Event], Reactie] = {
    ActiviteitGeplandV2: activiteiten.op_activiteit_gepland,
    ActiviteitGewijzigdV2: activiteiten.op_activiteit_gewijzigd,
    ActiviteitGeannuleerdV2: activiteiten.op_activiteit_geannuleerd,
    ActiviteitAfgelopenV2: activiteiten.op_activiteit_afgelopen,
    InschrijvingGewijzigd: activiteiten.op_inschrijving_gewijzigd,
    AanwezigheidGeregistreerd: activiteiten.op_aanwezigheid_geregistreerd,
    LidGeregistreerd: nieuwsbrief.op_lid_geregistreerd,
    LidOrganisatieGewijzigd: nieuwsbrief.op_lid_organisatie_gewijzigd,
    OrganisatieBijgewerkt: nieuwsbrief.op_organisatie_bijgewerkt,
}

PER_CONSUMER: dict[str, dict[type[Event], Reactie]] = {
    "meldingen-contact": CONTACT,
    "meldingen-gebeurtenissen": GEBEURTENISSEN,
    "meldingen-activiteiten": ACTIVITEITEN,
}


def verdeler(tabel: dict[type[Event], Reactie]) -> Reactie:
    async def handle(conn: AsyncConnection, event: CloudEvent, ctx: Any) -> None:
        reactie = tabel.get(type(event.data))
        if reactie is not None:
            await reactie(conn, event, ctx)

    return handle
