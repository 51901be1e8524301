"""Load the organisations from the data files in `data/` (the seed step, run after migrations).

The CSV files are the single source: the 285 local governments (`lokale-besturen.csv`, see its
SOURCES.md) and the other organisations (`andere-organisaties.csv`). A file is loaded again only
when its content changed; rows are upserted by id, never deleted, because members refer to them.

Every organisation the step creates or changes is announced (`OrganisatieBijgewerkt`, with the
next `versie`) through the outbox in the same transaction, so `kpi` can split figures by
province and size class. Inhabitants that staff entered with a later reference date than the
file's are kept: a reload of an older file does not undo newer figures.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from dinet_chassis import outbox
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .organisaties import BESTAANDE_KOLOMMEN, BRON, bijgewerkt, organisatie_id_voor_nis, organisatie_id_voor_sleutel

DATA_DIR = Path(__file__).parent.parent / "data"
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
    " (id, naam, type, nis_code, provincie, inwoners, inwoners_peildatum, grootteklasse, versie)"
    " VALUES (:id, :naam, :type, :nis_code, :provincie, :inwoners, :inwoners_peildatum, :grootteklasse, 1)"
    " ON CONFLICT (id) DO UPDATE SET naam = EXCLUDED.naam, type = EXCLUDED.type,"
    " nis_code = EXCLUDED.nis_code, provincie = EXCLUDED.provincie, inwoners = EXCLUDED.inwoners,"
    " inwoners_peildatum = EXCLUDED.inwoners_peildatum, grootteklasse = EXCLUDED.grootteklasse,"
    " versie = organisaties.versie + 1"
    " RETURNING id, naam, type, nis_code, provincie, inwoners, grootteklasse, versie"
)


def te_schrijven(bestaand: OrganisatieRij | None, versie: int, uit_bestand: OrganisatieRij) -> OrganisatieRij | None:
    """The row to write for one organisation from a file, or None when nothing changes.

    A row never announced yet (versie 0) is written again so that it gets announced.
    """
    rij = uit_bestand
    if (
        bestaand is not None
        and bestaand.inwoners_peildatum is not None
        and (uit_bestand.inwoners_peildatum is None or bestaand.inwoners_peildatum > uit_bestand.inwoners_peildatum)
    ):
        rij = replace(
            rij,
            inwoners=bestaand.inwoners,
            inwoners_peildatum=bestaand.inwoners_peildatum,
            grootteklasse=bestaand.grootteklasse,
        )
    if bestaand is not None and versie > 0 and bestaand == rij:
        return None
    return rij


async def laad_referentiedata(conn: AsyncConnection, *, source: str = BRON) -> dict[str, int]:
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
        bestaande = {
            r["id"]: (OrganisatieRij(**{k: r[k] for k in BESTAANDE_KOLOMMEN}), r["versie"])
            for r in (
                await conn.execute(
                    text(f"SELECT {', '.join(BESTAANDE_KOLOMMEN)}, versie FROM organisaties WHERE id = ANY(:ids)"),
                    {"ids": [r.id for r in rijen]},
                )
            ).mappings()
        }
        for rij in rijen:
            bestaand, versie = bestaande.get(rij.id, (None, 0))
            nieuw = te_schrijven(bestaand, versie, rij)
            if nieuw is None:
                continue
            geschreven = (await conn.execute(_UPSERT, asdict(nieuw))).mappings().one()
            await outbox.add(conn, bijgewerkt(geschreven), source=source)
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
