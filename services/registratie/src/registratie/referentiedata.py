"""Load the organisations from the data files in `data/` (the seed step, run after migrations).

The CSV files are the single source: the 285 local governments (`lokale-besturen.csv`, see its
SOURCES.md) and the other organisations (`andere-organisaties.csv`). A file is loaded again only
when its content changed; rows are upserted by id, never deleted, because members refer to them.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dinet_contracts.types import OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import organisatie_id_voor_nis, organisatie_id_voor_sleutel

DATA_DIR = Path(__file__).parent / "data"
LOKALE_BESTUREN = DATA_DIR / "lokale-besturen.csv"
ANDERE_ORGANISATIES = DATA_DIR / "andere-organisaties.csv"


@dataclass(frozen=True)
class OrganisatieRij:
    id: Any
    naam: str
    type: str
    nis_code: str | None
    provincie: str | None
    inwoners: int | None
    inwoners_peildatum: date | None
    grootteklasse: str | None


def lees_lokale_besturen(inhoud: str) -> list[OrganisatieRij]:
    return [
        OrganisatieRij(
            id=organisatie_id_voor_nis(r["nis_code"]),
            naam=r["naam"].strip(),
            type=OrganisatieType.LOKAAL_BESTUUR.value,
            nis_code=r["nis_code"].strip(),
            provincie=r["provincie"].strip() or None,
            inwoners=int(r["inwoners"]),
            inwoners_peildatum=date.fromisoformat(r["inwoners_peildatum"]),
            grootteklasse=r["grootteklasse"].strip(),
        )
        for r in csv.DictReader(io.StringIO(inhoud))
    ]


def lees_andere_organisaties(inhoud: str) -> list[OrganisatieRij]:
    return [
        OrganisatieRij(
            id=organisatie_id_voor_sleutel(r["sleutel"]),
            naam=r["naam"].strip(),
            type=OrganisatieType(r["type"].strip()).value,
            nis_code=None,
            provincie=(r.get("provincie") or "").strip() or None,
            inwoners=None,
            inwoners_peildatum=None,
            grootteklasse=None,
        )
        for r in csv.DictReader(io.StringIO(inhoud))
    ]


_BESTANDEN = ((LOKALE_BESTUREN, lees_lokale_besturen), (ANDERE_ORGANISATIES, lees_andere_organisaties))

_UPSERT = text(
    "INSERT INTO organisaties"
    " (id, naam, type, nis_code, provincie, inwoners, inwoners_peildatum, grootteklasse)"
    " VALUES (:id, :naam, :type, :nis_code, :provincie, :inwoners, :inwoners_peildatum, :grootteklasse)"
    " ON CONFLICT (id) DO UPDATE SET naam = EXCLUDED.naam, type = EXCLUDED.type,"
    " nis_code = EXCLUDED.nis_code, provincie = EXCLUDED.provincie, inwoners = EXCLUDED.inwoners,"
    " inwoners_peildatum = EXCLUDED.inwoners_peildatum, grootteklasse = EXCLUDED.grootteklasse"
)


async def laad_referentiedata(conn: AsyncConnection) -> dict[str, int]:
    """Upsert every changed data file in the caller's transaction; returns rows loaded per file."""
    # Several instances may start together; one loads, the others then see the checksum.
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('registratie:referentiedata'))"))
    geladen: dict[str, int] = {}
    for pad, lees in _BESTANDEN:
        inhoud = pad.read_text(encoding="utf-8-sig")
        checksum = hashlib.sha256(inhoud.encode()).hexdigest()
        bekend = (
            await conn.execute(text("SELECT checksum FROM referentiedata WHERE bestand = :b"), {"b": pad.name})
        ).scalar_one_or_none()
        if bekend == checksum:
            continue
        rijen = lees(inhoud)
        await conn.execute(_UPSERT, [asdict(r) for r in rijen])
        await conn.execute(
            text(
                "INSERT INTO referentiedata (bestand, checksum, rijen) VALUES (:b, :c, :n)"
                " ON CONFLICT (bestand) DO UPDATE SET checksum = EXCLUDED.checksum, rijen = EXCLUDED.rijen,"
                " geladen_op = now()"
            ),
            {"b": pad.name, "c": checksum, "n": len(rijen)},
        )
        geladen[pad.name] = len(rijen)
    return geladen
