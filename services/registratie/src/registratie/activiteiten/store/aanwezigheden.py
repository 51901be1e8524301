"""The `aanwezigheden` table as recording attendance changes it: one row per activity and
member with its own `versie`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from dinet_contracts.types import OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Saving the same values again changes nothing: no new versie, no row returned, no event.
_BEWAAR = text(
    "INSERT INTO aanwezigheden (activiteit_id, lid_id, organisatie_id, organisatie_type, aanwezig, uren, versie,"
    " geregistreerd_door)"
    " VALUES (:activiteit_id, :lid_id, :organisatie_id, :organisatie_type, :aanwezig, :uren, 1, :door)"
    " ON CONFLICT (activiteit_id, lid_id) DO UPDATE SET aanwezig = EXCLUDED.aanwezig, uren = EXCLUDED.uren,"
    "  versie = aanwezigheden.versie + 1, geregistreerd_op = now(), geregistreerd_door = EXCLUDED.geregistreerd_door"
    " WHERE (aanwezigheden.aanwezig, aanwezigheden.uren) IS DISTINCT FROM (EXCLUDED.aanwezig, EXCLUDED.uren)"
    " RETURNING versie, geregistreerd_op, organisatie_id, organisatie_type"
)


@dataclass(frozen=True, slots=True)
class Geregistreerd:
    versie: int
    geregistreerd_op: datetime
    # The organisation the member belonged to when the attendance was first recorded: the
    # hours keep it even if the member later moves or is erased.
    organisatie_id: uuid.UUID
    organisatie_type: OrganisatieType


class AanwezighedenStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def organisaties_van(self, lid_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, OrganisatieType]]:
        """Each existing member's organisation and its type; unknown ids are left out."""
        rijen = await self.conn.execute(
            text(
                "SELECT l.id, l.organisatie_id, o.type FROM leden l JOIN organisaties o ON o.id = l.organisatie_id"
                " WHERE l.id = ANY(:ids)"
            ),
            {"ids": lid_ids},
        )
        return {r.id: (r.organisatie_id, OrganisatieType(r.type)) for r in rijen}

    async def bewaar(
        self,
        activiteit_id: uuid.UUID,
        lid_id: uuid.UUID,
        organisatie: tuple[uuid.UUID, OrganisatieType],
        aanwezig: bool,
        uren: Decimal,
        *,
        door: str,
    ) -> Geregistreerd | None:
        """None when the stored values were the same already."""
        rij = (
            await self.conn.execute(
                _BEWAAR,
                {
                    "activiteit_id": activiteit_id,
                    "lid_id": lid_id,
                    "organisatie_id": organisatie[0],
                    "organisatie_type": organisatie[1].value,
                    "aanwezig": aanwezig,
                    "uren": uren,
                    "door": door,
                },
            )
        ).one_or_none()
        if rij is None:
            return None
        return Geregistreerd(rij.versie, rij.geregistreerd_op, rij.organisatie_id, OrganisatieType(rij.organisatie_type))
