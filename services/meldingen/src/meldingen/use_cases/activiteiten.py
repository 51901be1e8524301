"""Mails that follow from activities, registrations and attendance (consumer `meldingen-activiteiten`).

Each reaction only records the mails to send, in the consumer's transaction; the delivery worker
sends them after the commit and checks again, at sending time, that the mail still applies (the
member may have cancelled before the reminder's day, staff may have switched the rule off).

A mail's key (`bron_event_id`) is the fact it tells, not the message that carried it: a
registration's version, an activity's version, "the reminder for this activity". So a fact that
arrives twice, even republished under another event id, gives one mail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from dinet_contracts.events.activiteiten import (
    AanwezigheidGeregistreerd,
    ActiviteitAfgelopenV2,
    ActiviteitGeannuleerdV2,
    ActiviteitGeplandV2,
    ActiviteitGewijzigdV2,
    ActiviteitV2,
    InschrijvingGewijzigd,
)
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus
from dinet_chassis.uow import UnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import Soort, mail_voor_inschrijving, praktisch_gewijzigd

# The kinds anyone may attend: the same list as registratie's public calendar. Only these are
# worth an invitation; advice talks or the steering committee are not.
PUBLIEKE_SOORTEN: frozenset[ActiviteitSoort] = frozenset(
    {
        ActiviteitSoort.NETWERK_ALGEMEEN,
        ActiviteitSoort.NETWERK_SPECIFIEK,
        ActiviteitSoort.INFOSESSIE,
        ActiviteitSoort.INSPIRATIEDAG,
        ActiviteitSoort.THEMATISCHE_OPLEIDING,
        ActiviteitSoort.MEERDAAGSE_OPLEIDING,
        ActiviteitSoort.VVSG_OPLEIDING_GEINTEGREERD,
    }
)


async def regel(conn: AsyncConnection, soort: Soort) -> tuple[bool, int | None]:
    """(active, hours) of the rule for a kind of mail."""
    row = (await conn.execute(text("SELECT actief, uren FROM regel WHERE soort = :s"), {"s": soort.value})).first()
    return (bool(row[0]), row[1]) if row else (False, None)


async def bewaar_activiteit(conn: AsyncConnection, a: ActiviteitV2) -> dict[str, Any] | None:
    """Keep the newest snapshot; returns the one it replaced ({} if new), None if `a` is older."""
    vorige = (
        await conn.execute(
            text("SELECT versie, snapshot FROM activiteit WHERE activiteit_id = :id FOR UPDATE"),
            {"id": a.activiteit_id},
        )
    ).first()
    if vorige is not None and vorige[0] >= a.versie:
        return None
    await conn.execute(
        text(
            "INSERT INTO activiteit (activiteit_id, versie, soort, status, start, snapshot)"
            " VALUES (:id, :versie, :soort, :status, :start, CAST(:snapshot AS jsonb))"
            " ON CONFLICT (activiteit_id) DO UPDATE SET versie = EXCLUDED.versie, soort = EXCLUDED.soort,"
            " status = EXCLUDED.status, start = EXCLUDED.start, snapshot = EXCLUDED.snapshot"
        ),
        {
            "id": a.activiteit_id, "versie": a.versie, "soort": a.soort.value, "status": a.status.value,
            "start": a.start, "snapshot": a.model_dump_json(),
        },
    )
    return {} if vorige is None else als_dict(vorige[1])


def als_dict(waarde: Any) -> dict[str, Any]:
    """jsonb as a dict: the driver hands it over as text unless told otherwise."""
    return json.loads(waarde) if isinstance(waarde, str) else dict(waarde)


async def lees_activiteit(conn: AsyncConnection, activiteit_id: UUID) -> ActiviteitV2 | None:
    row = (
        await conn.execute(text("SELECT snapshot FROM activiteit WHERE activiteit_id = :id"), {"id": activiteit_id})
    ).first()
    return ActiviteitV2.model_validate(als_dict(row[0])) if row else None


async def plan(
    conn: AsyncConnection, *, lid_id: UUID, soort: Soort, sleutel: str, activiteit_id: UUID | None = None,
    op: datetime | None = None, gegevens: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO melding (id, lid_id, soort, bron_event_id, activiteit_id, volgende_poging_op, gegevens)"
            " VALUES (gen_random_uuid(), :lid, :soort, :sleutel, :act, COALESCE(:op, now()), CAST(:gegevens AS jsonb))"
            " ON CONFLICT (lid_id, soort, bron_event_id) DO NOTHING"
        ),
        {"lid": lid_id, "soort": soort.value, "sleutel": sleutel, "act": activiteit_id, "op": op,
         "gegevens": json.dumps(gegevens or {})},
    )


async def plan_voor_deelnemers(conn: AsyncConnection, a: ActiviteitV2, soort: Soort, sleutel: str) -> None:
    """One mail to everyone registered or on the waitlist."""
    await conn.execute(
        text(
            "INSERT INTO melding (id, lid_id, soort, bron_event_id, activiteit_id)"
            " SELECT gen_random_uuid(), i.lid_id, :soort, :sleutel, :act FROM inschrijving i"
            " WHERE i.activiteit_id = :act AND i.status IN ('ingeschreven', 'wachtlijst')"
            " ON CONFLICT (lid_id, soort, bron_event_id) DO NOTHING"
        ),
        {"soort": soort.value, "sleutel": sleutel, "act": a.activiteit_id},
    )


def herinnering_op(a: ActiviteitV2, uren: int | None) -> datetime:
    return a.start - timedelta(hours=uren if uren is not None else 48)


async def plan_herinnering(conn: AsyncConnection, a: ActiviteitV2, lid_id: UUID) -> None:
    actief, uren = await regel(conn, Soort.HERINNERING)
    op = herinnering_op(a, uren)
    # Registering within the reminder window: the confirmation just told them everything.
    if actief and op > datetime.now(UTC):
        await plan(conn, lid_id=lid_id, soort=Soort.HERINNERING, sleutel=f"herinnering:{a.activiteit_id}",
                   activiteit_id=a.activiteit_id, op=op)


async def verschuif_herinneringen(conn: AsyncConnection, uren: int | None, activiteit_id: UUID | None = None) -> None:
    """Waiting reminders follow a moved activity or a changed rule."""
    await conn.execute(
        text(
            "UPDATE melding m SET volgende_poging_op = greatest(a.start - make_interval(hours => :uren), now())"
            " FROM activiteit a WHERE a.activiteit_id = m.activiteit_id AND m.soort = 'herinnering'"
            " AND m.status = 'wachtend' AND m.pogingen = 0 AND (CAST(:act AS uuid) IS NULL OR m.activiteit_id = :act)"
        ),
        {"uren": uren if uren is not None else 48, "act": activiteit_id},
    )


# --- reactions, one per event type (listed in handlers.HANDLERS) ------------------------------


async def activiteit_gepland(e: ActiviteitGeplandV2, uow: UnitOfWork) -> None:
    conn = uow.conn
    a: ActiviteitV2 = e.activiteit
    if await bewaar_activiteit(conn, a) is None:
        return
    actief, _ = await regel(conn, Soort.UITNODIGING)
    if not actief or a.soort not in PUBLIEKE_SOORTEN or a.status is not ActiviteitStatus.GEPLAND:
        return
    if a.start <= uow.now():
        return
    await conn.execute(
        text(
            "INSERT INTO melding (id, lid_id, soort, bron_event_id, activiteit_id)"
            " SELECT gen_random_uuid(), v.lid_id, 'uitnodiging', :sleutel, :act"
            " FROM voorkeur v JOIN contact c ON c.lid_id = v.lid_id WHERE v.uitnodigingen = 'per_mail'"
            " ON CONFLICT (lid_id, soort, bron_event_id) DO NOTHING"
        ),
        {"sleutel": f"uitnodiging:{a.activiteit_id}", "act": a.activiteit_id},
    )


async def activiteit_gewijzigd(e: ActiviteitGewijzigdV2, uow: UnitOfWork) -> None:
    conn = uow.conn
    a: ActiviteitV2 = e.activiteit
    vorige = await bewaar_activiteit(conn, a)
    if not vorige:  # older than what we have, or the first we hear of it: nothing to compare
        return
    nieuw = json.loads(a.model_dump_json())
    if a.status is ActiviteitStatus.GEANNULEERD:
        await plan_voor_deelnemers(conn, a, Soort.ACTIVITEIT_GEANNULEERD, f"geannuleerd:{a.activiteit_id}")
        return
    if not praktisch_gewijzigd(vorige, nieuw):
        return
    _, uren = await regel(conn, Soort.HERINNERING)
    await verschuif_herinneringen(conn, uren, a.activiteit_id)
    if (await regel(conn, Soort.ACTIVITEIT_GEWIJZIGD))[0]:
        await plan_voor_deelnemers(conn, a, Soort.ACTIVITEIT_GEWIJZIGD, f"gewijzigd:{a.activiteit_id}:v{a.versie}")


async def activiteit_geannuleerd(e: ActiviteitGeannuleerdV2, uow: UnitOfWork) -> None:
    conn = uow.conn
    a: ActiviteitV2 = e.activiteit
    if await bewaar_activiteit(conn, a) is None:
        return
    if (await regel(conn, Soort.ACTIVITEIT_GEANNULEERD))[0]:
        await plan_voor_deelnemers(conn, a, Soort.ACTIVITEIT_GEANNULEERD, f"geannuleerd:{a.activiteit_id}")


async def activiteit_afgelopen(e: ActiviteitAfgelopenV2, uow: UnitOfWork) -> None:
    conn = uow.conn
    await bewaar_activiteit(conn, e.activiteit)


async def inschrijving_gewijzigd(e: InschrijvingGewijzigd, uow: UnitOfWork) -> None:
    conn = uow.conn
    vorige = (
        await conn.execute(
            text("SELECT status, versie FROM inschrijving WHERE inschrijving_id = :id FOR UPDATE"),
            {"id": e.inschrijving_id},
        )
    ).first()
    if vorige is not None and vorige[1] >= e.versie:
        return  # an older state that arrived late
    await conn.execute(
        text(
            "INSERT INTO inschrijving (inschrijving_id, activiteit_id, lid_id, status, versie)"
            " VALUES (:id, :act, :lid, :status, :versie) ON CONFLICT (inschrijving_id) DO UPDATE"
            " SET status = EXCLUDED.status, versie = EXCLUDED.versie"
        ),
        {"id": e.inschrijving_id, "act": e.activiteit_id, "lid": e.lid_id, "status": e.status, "versie": e.versie},
    )
    soort = mail_voor_inschrijving(vorige[0] if vorige else None, e.status)
    if soort is None or not (await regel(conn, soort))[0]:
        return
    await plan(conn, lid_id=e.lid_id, soort=soort, sleutel=f"inschrijving:{e.inschrijving_id}:v{e.versie}",
               activiteit_id=e.activiteit_id)
    if e.status == "ingeschreven":
        a = await lees_activiteit(conn, e.activiteit_id)
        if a is not None:
            await plan_herinnering(conn, a, e.lid_id)


async def aanwezigheid_geregistreerd(e: AanwezigheidGeregistreerd, uow: UnitOfWork) -> None:
    conn = uow.conn
    sleutel = f"feedback:{e.activiteit_id}"
    if not e.aanwezig:
        # A correction: not there after all, so no feedback request.
        await conn.execute(
            text(
                "UPDATE melding SET status = 'overgeslagen', reden = 'niet aanwezig'"
                " WHERE lid_id = :lid AND soort = 'feedback_vraag' AND bron_event_id = :s AND status = 'wachtend'"
            ),
            {"lid": e.lid_id, "s": sleutel},
        )
        return
    actief, uren = await regel(conn, Soort.FEEDBACK_VRAAG)
    if not actief:
        return
    a = await lees_activiteit(conn, e.activiteit_id)
    op = max(datetime.now(UTC), a.einde + timedelta(hours=uren or 0)) if a else None
    await plan(conn, lid_id=e.lid_id, soort=Soort.FEEDBACK_VRAAG, sleutel=sleutel, activiteit_id=e.activiteit_id, op=op)
    await conn.execute(
        text(
            "UPDATE melding SET status = 'wachtend', reden = NULL WHERE lid_id = :lid AND soort = 'feedback_vraag'"
            " AND bron_event_id = :s AND status = 'overgeslagen' AND reden = 'niet aanwezig'"
        ),
        {"lid": e.lid_id, "s": sleutel},
    )
