"""Planning, changing, cancelling and closing an activity: each change bumps `versie` and queues
its lifecycle event (the whole snapshot) in the same transaction as the row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dinet_chassis import outbox
from dinet_contracts.types import ActiviteitStatus, OrganisatieType
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Fout
from . import inschrijvingen, ondersteuningsvragen, opslag
from .domein import (
    OPEN_STATUSSEN,
    ActiviteitGegevens,
    OngeldigeOvergang,
    controleer_afsluitbaar,
    controleer_annuleerbaar,
    controleer_wijzigbaar,
    gebeurtenis_voor,
    nu_utc,
    snapshot,
    status_na_wijziging,
)


class OngeldigeActiviteit(Exception):
    def __init__(self, fouten: list[Fout]) -> None:
        super().__init__(", ".join(f"{f.veld}: {f.code}" for f in fouten))
        self.fouten = fouten


class ActiviteitNietGevonden(Exception):
    pass


class VersieConflict(Exception):
    """Someone else saved the activity after this form was opened."""

    def __init__(self, huidige_versie: int) -> None:
        super().__init__(f"huidige versie {huidige_versie}")
        self.huidige_versie = huidige_versie
        self.fout = Fout(
            "versie",
            "versie_conflict",
            "Iemand anders heeft deze activiteit intussen gewijzigd. Bekijk de nieuwe gegevens en probeer opnieuw.",
        )


async def publiceer(
    conn: AsyncConnection,
    activiteit_id: uuid.UUID,
    versie: int,
    oud: ActiviteitStatus | None,
    nieuw: ActiviteitStatus,
    g: ActiviteitGegevens,
    source: str,
) -> None:
    soort_event = gebeurtenis_voor(oud, nieuw)
    await outbox.add(
        conn, soort_event(activiteit_id=activiteit_id, activiteit=snapshot(activiteit_id, versie, nieuw, g)), source=source
    )


async def controleer_organisaties(conn: AsyncConnection, g: ActiviteitGegevens) -> None:
    fouten: list[Fout] = []
    if not await opslag.organisatie_bestaat(conn, g.organisator_id):
        fouten.append(Fout("organisator_id", "onbekende_organisatie", "Kies de organisator uit de lijst."))
    if g.lokaal_bestuur_id is not None and not await opslag.organisatie_bestaat(
        conn, g.lokaal_bestuur_id, type_=OrganisatieType.LOKAAL_BESTUUR.value
    ):
        fouten.append(Fout("lokaal_bestuur_id", "onbekend_lokaal_bestuur", "Kies het lokaal bestuur uit de lijst."))
    if fouten:
        raise OngeldigeActiviteit(fouten)


async def plan(
    db: Any,
    g: ActiviteitGegevens,
    *,
    source: str,
    al_afgelopen: bool = False,
    activiteit_id: uuid.UUID | None = None,
    vraag_id: uuid.UUID | None = None,
    door: str = "",
) -> uuid.UUID:
    """A new activity by staff. `al_afgelopen`: it was held already (recorded afterwards).
    `vraag_id`: made from a request for tailored support, which is linked to it at once."""
    activiteit_id = activiteit_id or uuid.uuid4()
    status = ActiviteitStatus.AFGELOPEN if al_afgelopen else ActiviteitStatus.GEPLAND
    async with db.transaction() as conn:
        await controleer_organisaties(conn, g)
        await opslag.voeg_toe(conn, activiteit_id, 1, status, g, bron="beheer")
        await publiceer(conn, activiteit_id, 1, None, status, g, source)
        if vraag_id is not None:
            await ondersteuningsvragen.koppel(conn, vraag_id, activiteit_id, door)
    return activiteit_id


async def _vergrendeld(conn: AsyncConnection, activiteit_id: uuid.UUID) -> opslag.ActiviteitRij:
    rij = await opslag.lees(conn, activiteit_id, voor_update=True)
    if rij is None:
        raise ActiviteitNietGevonden(str(activiteit_id))
    if rij.bron == "partner":
        # The partner's versie numbers are the activity's: a change here would make the
        # partner's next update look old and be ignored.
        raise OngeldigeOvergang(
            Fout("status", "activiteit_van_partner", "Deze activiteit komt van een partner; alleen die partner kan ze wijzigen.")
        )
    return rij


async def wijzig(
    db: Any, activiteit_id: uuid.UUID, g: ActiviteitGegevens, *, source: str, verwachte_versie: int | None = None
) -> int:
    """Save staff's changes; returns the new versie. A new date keeps the id (status `verplaatst`).

    More places than before move people up from the waitlist in the same transaction.
    """
    async with db.transaction() as conn:
        rij = await _vergrendeld(conn, activiteit_id)
        if verwachte_versie is not None and verwachte_versie != rij.versie:
            raise VersieConflict(rij.versie)
        controleer_wijzigbaar(rij.status)
        await controleer_organisaties(conn, g)
        if g == rij.gegevens:
            return rij.versie  # nothing changed: no new version, no event
        status = status_na_wijziging(rij.status, rij.gegevens, g)
        versie = rij.versie + 1
        await opslag.werk_bij(conn, activiteit_id, versie, status, g)
        await publiceer(conn, activiteit_id, versie, rij.status, status, g, source)
        if status in OPEN_STATUSSEN:
            # The activity row is locked (above): the same lock that registrations take.
            await inschrijvingen.promoveer(conn, activiteit_id, g.capaciteit, source=source)
    return versie


async def annuleer(db: Any, activiteit_id: uuid.UUID, *, source: str, nu: datetime | None = None) -> int:
    async with db.transaction() as conn:
        rij = await _vergrendeld(conn, activiteit_id)
        controleer_annuleerbaar(rij.status, rij.gegevens.start, nu or nu_utc())
        versie = rij.versie + 1
        await opslag.werk_bij(conn, activiteit_id, versie, ActiviteitStatus.GEANNULEERD, rij.gegevens)
        await publiceer(conn, activiteit_id, versie, rij.status, ActiviteitStatus.GEANNULEERD, rij.gegevens, source)
    return versie


async def markeer_afgelopen(db: Any, activiteit_id: uuid.UUID, *, source: str, nu: datetime | None = None) -> int:
    """The activity was held: from now on it counts in the KPIs of the year it started."""
    async with db.transaction() as conn:
        rij = await _vergrendeld(conn, activiteit_id)
        controleer_afsluitbaar(rij.status, rij.gegevens.start, nu or nu_utc())
        versie = rij.versie + 1
        await opslag.werk_bij(conn, activiteit_id, versie, ActiviteitStatus.AFGELOPEN, rij.gegevens)
        await publiceer(conn, activiteit_id, versie, rij.status, ActiviteitStatus.AFGELOPEN, rij.gegevens, source)
    return versie


__all__ = [
    "ActiviteitNietGevonden",
    "OngeldigeActiviteit",
    "OngeldigeOvergang",
    "VersieConflict",
    "annuleer",
    "markeer_afgelopen",
    "plan",
    "publiceer",
    "wijzig",
]
