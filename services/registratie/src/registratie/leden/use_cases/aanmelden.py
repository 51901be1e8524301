"""What happens when a member registers, from the form or the API.

1. The sign-up is checked (domain rules, then: does the organisation exist?).
2. In ONE transaction: the member row, the newsletter consent record (with the exact wording
   shown), and two events in the outbox:
   - `LidGeregistreerd`: facts only, no personal data (KPIs keep it for ever);
   - `LidContactgegevens`: name and e-mail for `meldingen` (welcome mail, newsletter opt-in),
     on the personal-data stream so erasure can purge it.
   Either all of it is stored and both events will be published, or nothing is.
3. An e-mail address that is already a member is refused (the unique index decides, so two
   simultaneous sign-ups cannot both win).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from dinet_chassis import outbox
from dinet_chassis.errors import FieldProblem
from dinet_contracts.events.registratie import LidContactgegevens, LidGeregistreerd
from dinet_contracts.tijd import vandaag as vandaag_in_belgie
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.aanmelding import (
    NIEUWSBRIEF_TEKST,
    Aanmelding,
    FieldProblem,
    Kanaal,
    fout_email_bestaat_al,
    fout_onbekende_organisatie,
    valideer_aanmelding,
)

class OngeldigeAanmelding(Exception):
    def __init__(self, fouten: list[FieldProblem]) -> None:
        super().__init__(", ".join(f"{f.veld}: {f.code}" for f in fouten))
        self.fouten = fouten


class EmailBestaatAl(Exception):
    def __init__(self) -> None:
        super().__init__("email_bestaat_al")
        self.fout = fout_email_bestaat_al()


async def meld_aan(
    db: Any,
    invoer: Mapping[str, Any],
    *,
    kanaal: Kanaal,
    source: str,
    vandaag: date | None = None,
) -> uuid.UUID:
    """Register a member; returns the new member's id.

    Raises OngeldigeAanmelding (per-field errors) or EmailBestaatAl; nothing is stored then.
    """
    resultaat = valideer_aanmelding(invoer)
    if isinstance(resultaat, list):
        raise OngeldigeAanmelding(resultaat)
    aanmelding: Aanmelding = resultaat
    lid_id = uuid.uuid4()
    lid_sinds = vandaag or vandaag_in_belgie()

    async with db.transaction() as conn:
        organisatie_type = await _organisatie_type(conn, aanmelding.organisatie_id)
        if organisatie_type is None:
            raise OngeldigeAanmelding([fout_onbekende_organisatie()])

        ingevoegd = (
            await conn.execute(
                text(
                    "INSERT INTO leden (id, naam, email, organisatie_id, functie, nieuwsbrief, lid_sinds)"
                    " VALUES (:id, :naam, :email, :organisatie_id, :functie, :nieuwsbrief, :lid_sinds)"
                    " ON CONFLICT (email) DO NOTHING RETURNING id"
                ),
                {
                    "id": lid_id,
                    "naam": aanmelding.naam,
                    "email": aanmelding.email,
                    "organisatie_id": aanmelding.organisatie_id,
                    "functie": aanmelding.functie,
                    "nieuwsbrief": aanmelding.nieuwsbrief,
                    "lid_sinds": lid_sinds,
                },
            )
        ).scalar_one_or_none()
        if ingevoegd is None:
            raise EmailBestaatAl()

        await conn.execute(
            text(
                "INSERT INTO toestemmingen (lid_id, doel, gegeven, tekst, hoe)"
                " VALUES (:lid_id, 'nieuwsbrief', :gegeven, :tekst, :hoe)"
            ),
            {"lid_id": lid_id, "gegeven": aanmelding.nieuwsbrief, "tekst": NIEUWSBRIEF_TEKST, "hoe": kanaal.value},
        )

        await outbox.add(
            conn,
            LidGeregistreerd(
                lid_id=lid_id,
                organisatie_id=aanmelding.organisatie_id,
                organisatie_type=organisatie_type,
                lid_sinds=lid_sinds,
                nieuwsbrief=aanmelding.nieuwsbrief,
            ),
            source=source,
        )
        await outbox.add(
            conn,
            LidContactgegevens(
                lid_id=lid_id,
                naam=aanmelding.naam,
                email=aanmelding.email,
                nieuwsbrief=aanmelding.nieuwsbrief,
                aanleiding="registratie",
            ),
            source=source,
        )
    return lid_id


async def _organisatie_type(conn: AsyncConnection, organisatie_id: uuid.UUID) -> OrganisatieType | None:
    waarde = (
        await conn.execute(text("SELECT type FROM organisaties WHERE id = :id"), {"id": organisatie_id})
    ).scalar_one_or_none()
    return OrganisatieType(waarde) if waarde is not None else None
