"""The Monday digest: one mail a week listing the network's new public activities, for every
member who chose it instead of a mail per activity; and staff's "send it now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dinet_chassis.uow import UnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Soort
from .activiteiten import PUBLIEKE_SOORTEN, regel

DIGEST_UUR = 8  # Monday 08:00 Belgian time: the start of a working week


def digestweek(nu: datetime) -> tuple[datetime, datetime]:
    """The week a digest sent at `nu` covers: from the Monday 08:00 before the last one, to it."""
    from dinet_contracts.tijd import BRUSSEL, lokaal

    hier = lokaal(nu)
    maandag = (hier - timedelta(days=hier.weekday())).replace(hour=DIGEST_UUR, minute=0, second=0, microsecond=0)
    if maandag > hier:
        maandag -= timedelta(days=7)
    tot = maandag.replace(tzinfo=None).replace(tzinfo=BRUSSEL)  # wall clock, whatever DST did in between
    van = (maandag - timedelta(days=7)).replace(tzinfo=None).replace(tzinfo=BRUSSEL)
    return van.astimezone(UTC), tot.astimezone(UTC)


async def plan_weekoverzicht(conn: AsyncConnection, nu: datetime | None = None) -> int:
    """Plan this week's digest for every member who chose it, if anything new was planned.
    Safe to call at any time and any number of times: the week is the mail's key."""
    van, tot = digestweek(nu or datetime.now(UTC))
    return await _plan_overzicht(conn, van, tot, f"weekoverzicht:{tot.date().isoformat()}")


async def stuur_overzicht_nu(uow: UnitOfWork) -> int:
    """Staff's "send the digest now": what is new since the last Monday's digest, at once, to every
    member who chose the digest. Its own key (the minute: a double click sends one); next Monday's
    digest lists only what came after it. The worker, woken by the commit, sends them."""
    async with uow:
        nu = uow.now()
        _, sinds = digestweek(nu)
        return await _plan_overzicht(uow.conn, sinds, nu, f"weekoverzicht:nu:{nu:%Y-%m-%dT%H:%M}")


async def _plan_overzicht(conn: AsyncConnection, van: datetime, tot: datetime, sleutel: str) -> int:
    """One digest of the public activities first seen in [van, tot) per member who chose it;
    nobody gets an empty one, nor an activity an earlier digest (staff's "now") already listed.
    Returns how many were planned."""
    actief, _ = await regel(conn, Soort.WEEKOVERZICHT)
    if not actief:
        return 0
    result = await conn.execute(
        text(
            "INSERT INTO melding (id, lid_id, soort, bron_event_id, gegevens)"
            " SELECT gen_random_uuid(), v.lid_id, 'weekoverzicht', :sleutel,"
            "   jsonb_build_object('van', w.van, 'tot', CAST(:tot AS timestamptz))"
            " FROM voorkeur v JOIN contact c ON c.lid_id = v.lid_id"
            " CROSS JOIN LATERAL (SELECT GREATEST(CAST(:van AS timestamptz), ("
            "   SELECT max(CAST(m.gegevens ->> 'tot' AS timestamptz)) FROM melding m WHERE m.lid_id = v.lid_id"
            "   AND m.soort = 'weekoverzicht' AND m.status IN ('wachtend', 'verzonden'))) AS van) w"
            " WHERE v.uitnodigingen = 'wekelijks'"
            " AND EXISTS (SELECT 1 FROM activiteit a WHERE a.eerst_gezien >= w.van AND a.eerst_gezien < :tot"
            "   AND a.status = 'gepland' AND a.start > now() AND a.soort = ANY(:soorten))"
            " ON CONFLICT (lid_id, soort, bron_event_id) DO NOTHING"
        ),
        {"sleutel": sleutel, "van": van, "tot": tot, "soorten": [s.value for s in PUBLIEKE_SOORTEN]},
    )
    return result.rowcount or 0


