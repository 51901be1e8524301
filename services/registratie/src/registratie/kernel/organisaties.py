"""Organisations, as every part of registratie refers to them: the ids (the contract's rule), the
record, the picker's grouping, the announcement of a row, and the one query that lists them.

Members (leden), activities and partner credentials (toegang) all point at an organisation;
none of them owns it, so it lives here. Their figures (inhabitants, size class) are leden's.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dinet_contracts.events.registratie import OrganisatieBijgewerkt

# The id rule is the platform's: every service derives the same ids (re-exported for registratie).
from dinet_contracts.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from dinet_contracts.types import ORGANISATIE_TYPE_LABELS, OrganisatieType
from sqlalchemy import text

__all__ = [
    "BESTAANDE_KOLOMMEN",
    "BRON",
    "TYPE_VOLGORDE",
    "Organisatie",
    "bijgewerkt",
    "groepeer_per_type",
    "organisatie_id_voor_nis",
    "organisatie_id_voor_sleutel",
    "organisaties",
]

# Order of the groups in the organisation list: most members come from local governments.
TYPE_VOLGORDE: tuple[OrganisatieType, ...] = (
    OrganisatieType.LOKAAL_BESTUUR,
    OrganisatieType.IGS,
    OrganisatieType.MIDDENVELDORGANISATIE,
    OrganisatieType.KENNISINSTELLING,
    OrganisatieType.BOVENLOKALE_OVERHEID,
    OrganisatieType.ANDERE,
)


@dataclass(frozen=True, slots=True)
class Organisatie:
    id: uuid.UUID
    naam: str
    type: OrganisatieType
    nis_code: str | None = None
    provincie: str | None = None


def groepeer_per_type(organisaties: Iterable[Organisatie]) -> list[tuple[str, list[Organisatie]]]:
    """Organisations for a picker: grouped by type in TYPE_VOLGORDE, each group sorted by name."""
    per_type: dict[OrganisatieType, list[Organisatie]] = {}
    for org in organisaties:
        per_type.setdefault(org.type, []).append(org)
    return [
        (ORGANISATIE_TYPE_LABELS[t], sorted(per_type[t], key=lambda o: _sorteersleutel(o.naam)))
        for t in TYPE_VOLGORDE
        if per_type.get(t)
    ]


def _sorteersleutel(naam: str) -> str:
    # Accents and a leading apostrophe ("'s-Gravenbrakel") should not move a name to the end.
    zonder_accenten = unicodedata.normalize("NFKD", naam).encode("ascii", "ignore").decode()
    return zonder_accenten.lstrip("'").casefold()


# The source of what registratie publishes outside a request (the seed step, consumers).
BRON = "/dinet/registratie"
BESTAANDE_KOLOMMEN = ("id", "naam", "type", "nis_code", "provincie", "inwoners", "inwoners_peildatum", "grootteklasse")


def bijgewerkt(rij: Mapping[str, Any]) -> OrganisatieBijgewerkt:
    """The announcement of an organisation as a row now stands (with its new `versie`)."""
    return OrganisatieBijgewerkt(
        organisatie_id=rij["id"],
        versie=rij["versie"],
        naam=rij["naam"],
        type=OrganisatieType(rij["type"]),
        nis_code=rij["nis_code"],
        provincie=rij["provincie"],
        inwoners=rij["inwoners"],
        grootteklasse=rij["grootteklasse"],
    )



async def organisaties(db: Any, type_: OrganisatieType | None = None) -> list[Organisatie]:
    sql = "SELECT id, naam, type, nis_code, provincie FROM organisaties"
    params: dict[str, Any] = {}
    if type_ is not None:
        sql += " WHERE type = :type"
        params["type"] = type_.value
    async with db.engine.connect() as conn:
        rijen = (await conn.execute(text(sql + " ORDER BY naam, id"), params)).mappings().all()
    return [
        Organisatie(
            id=r["id"],
            naam=r["naam"],
            type=OrganisatieType(r["type"]),
            nis_code=r["nis_code"],
            provincie=r["provincie"],
        )
        for r in rijen
    ]
