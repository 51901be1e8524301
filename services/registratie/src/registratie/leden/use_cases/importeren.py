"""Importing the old member list: preview first, then one unit of work in a background job.

1. Upload: the file is read and every row judged (importbestand.py); the valid rows are staged in
   `ledenimport_rijen` and staff see a preview with every bad row's message. Nothing is written
   to the member file yet.
2. Confirm: a background job writes all staged rows in ONE transaction, with each new member's
   events in the outbox, and reports its progress on another connection so the page can show it.
   A new member joins through `aanmelden.treed_toe`, the write path of a sign-up.
   A failure rolls everything back: nothing is half-imported, and the task can be started again.
3. The report stays; the staged rows (names and addresses) are deleted when the task ends.

Duplicates by e-mail are merged within the file (at upload) and with existing members (when
written): an existing member keeps their data, the file only fills what is still empty. So
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from dinet_chassis.errors import Conflict
from dinet_chassis.logging import get_logger
from dinet_contracts.tijd import vandaag
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ..domain.importbestand import BekendeOrganisatie, OnleesbaarBestand, OrganisatieZoeker, beoordeel, lees_tabel
from ..domain.lidmaatschap import Hoe, NieuwLid, import_tekst
from ..store import LedenUnitOfWork
from .aanmelden import treed_toe
from .wijzigen import open_kennisdeling

if TYPE_CHECKING:
    from ..store import LedenUoW

log = get_logger(__name__)

VOORTGANG_ELKE = 25  # rows between two progress reports
VERLATEN_NA = timedelta(minutes=2)  # a running task without progress for this long was interrupted


class Importeur(Protocol):
    """What the background write needs from the composition root."""

    db: Any
    importtaken: set[asyncio.Task[None]]

    def leden_uow(self) -> LedenUoW: ...


class ImportLoopt(Conflict):
    """Another import is being written right now."""

    code = "import_loopt"
    melding = "Er loopt al een andere import. Wacht tot die klaar is en probeer dan opnieuw."


async def maak_voorbeeld(db: Any, bestandsnaam: str, inhoud: bytes, *, door: str) -> uuid.UUID:
    """Read and judge the file, stage the valid rows; returns the task's id.

    Raises OnleesbaarBestand when the file as a whole cannot be used (nothing is stored then).
    """
    tabel = lees_tabel(bestandsnaam, inhoud)
    async with db.engine.connect() as conn:
        organisaties = [
            BekendeOrganisatie(id=r.id, naam=r.naam, nis_code=r.nis_code)
            for r in await conn.execute(text("SELECT id, naam, nis_code FROM organisaties"))
        ]
    beoordeling = beoordeel(tabel, OrganisatieZoeker(organisaties), vandaag=vandaag())
    if isinstance(beoordeling, list):
        raise OnleesbaarBestand(" ".join(beoordeling))

    import_id = uuid.uuid4()
    async with db.transaction() as conn:
        # Previews nobody confirmed hold names and addresses; they do not outlive a day.
        await conn.execute(
            text(
                "DELETE FROM ledenimport_rijen WHERE import_id IN (SELECT id FROM ledenimport"
                " WHERE status IN ('voorbeeld', 'mislukt') AND bijgewerkt_op < now() - interval '1 day')"
            )
        )
        await conn.execute(
            text(
                "UPDATE ledenimport SET status = 'geannuleerd', bijgewerkt_op = now()"
                " WHERE status IN ('voorbeeld', 'mislukt') AND bijgewerkt_op < now() - interval '1 day'"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO ledenimport (id, bestandsnaam, status, door, rijen, te_schrijven, fouten, samengevoegd)"
                " VALUES (:id, :naam, 'voorbeeld', :door, :rijen, :te_schrijven,"
                " CAST(:fouten AS jsonb), CAST(:samengevoegd AS jsonb))"
            ),
            {
                "id": import_id,
                "naam": bestandsnaam[:200] or "bestand",
                "door": door,
                "rijen": beoordeling.aantal_rijen,
                "te_schrijven": len(beoordeling.rijen),
                "fouten": json.dumps([asdict(f) for f in beoordeling.fouten]),
                "samengevoegd": json.dumps([asdict(s) for s in beoordeling.samengevoegd]),
            },
        )
        if beoordeling.rijen:
            await conn.execute(
                text(
                    "INSERT INTO ledenimport_rijen (import_id, rij, naam, email, organisatie_id, functie, nieuwsbrief,"
                    " lid_sinds, kennisdeling, kennisdeling_sinds) VALUES (:import_id, :rij, :naam, :email,"
                    " :organisatie_id, :functie, :nieuwsbrief, :lid_sinds, :kennisdeling, :kennisdeling_sinds)"
                ),
                [{"import_id": import_id, **asdict(r)} for r in beoordeling.rijen],
            )
    return import_id


async def lees(db: Any, import_id: uuid.UUID) -> dict[str, Any] | None:
    """The task as its page shows it; for a preview also how many rows match existing members."""
    async with db.engine.connect() as conn:
        taak = (
            await conn.execute(
                text(
                    "SELECT *, (status = 'bezig' AND bijgewerkt_op < now() - CAST(:verlaten AS interval)) AS onderbroken"
                    " FROM ledenimport WHERE id = :id"
                ),
                {"id": import_id, "verlaten": VERLATEN_NA},
            )
        ).mappings().one_or_none()
        if taak is None:
            return None
        taak = dict(taak)
        taak["bestaand"] = None
        if taak["status"] in ("voorbeeld", "mislukt"):
            taak["bestaand"] = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM ledenimport_rijen r JOIN leden l ON l.email = r.email"
                        " WHERE r.import_id = :id"
                    ),
                    {"id": import_id},
                )
            ).scalar_one()
    return taak


async def annuleer(db: Any, import_id: uuid.UUID) -> bool:
    async with db.transaction() as conn:
        gedaan = (
            await conn.execute(
                text(
                    "UPDATE ledenimport SET status = 'geannuleerd', bijgewerkt_op = now()"
                    " WHERE id = :id AND status IN ('voorbeeld', 'mislukt') RETURNING id"
                ),
                {"id": import_id},
            )
        ).first()
        if gedaan:
            await conn.execute(text("DELETE FROM ledenimport_rijen WHERE import_id = :id"), {"id": import_id})
    return gedaan is not None


async def start(diensten: Importeur, import_id: uuid.UUID) -> bool:
    """Claim the task and write it in the background; False when it is not (or no longer) startable."""
    try:
        async with diensten.db.transaction() as conn:
            geclaimd = (
                await conn.execute(
                    text(
                        "UPDATE ledenimport SET status = 'bezig', verwerkt = 0, reden = NULL, bijgewerkt_op = now()"
                        " WHERE id = :id AND (status IN ('voorbeeld', 'mislukt')"
                        " OR (status = 'bezig' AND bijgewerkt_op < now() - CAST(:verlaten AS interval)))"
                        " RETURNING id"
                    ),
                    {"id": import_id, "verlaten": VERLATEN_NA},
                )
            ).first()
    except IntegrityError as exc:  # the index that allows one running import at a time
        raise ImportLoopt() from exc
    if geclaimd is None:
        return False
    taak = asyncio.create_task(voer_uit(diensten, import_id), name=f"ledenimport {import_id}")
    diensten.importtaken.add(taak)  # a task nobody references can be garbage-collected mid-run
    taak.add_done_callback(diensten.importtaken.discard)
    return True


async def voer_uit(diensten: Importeur, import_id: uuid.UUID) -> None:
    try:
        resultaat = await _schrijf(diensten, import_id)
    except Exception as exc:
        log.exception("ledenimport.mislukt", import_id=str(import_id))
        async with diensten.db.transaction() as conn:
            await conn.execute(
                text("UPDATE ledenimport SET status = 'mislukt', reden = :reden, bijgewerkt_op = now() WHERE id = :id"),
                {"id": import_id, "reden": f"Er ging iets mis bij het schrijven ({type(exc).__name__}). Er is niets ingevoerd."},
            )
        return
    log.info("ledenimport.klaar", import_id=str(import_id), **resultaat)


async def _voortgang(db: Any, import_id: uuid.UUID, verwerkt: int) -> None:
    # On its own connection and committed at once: the writing transaction is invisible until it ends.
    async with db.transaction() as conn:
        await conn.execute(
            text("UPDATE ledenimport SET verwerkt = :n, bijgewerkt_op = now() WHERE id = :id"),
            {"id": import_id, "n": verwerkt},
        )


async def _schrijf(diensten: Importeur, import_id: uuid.UUID) -> dict[str, int]:
    async with diensten.leden_uow() as uow:
        conn = uow.conn
        dag = vandaag(uow.now())
        taak = (
            await conn.execute(text("SELECT bestandsnaam FROM ledenimport WHERE id = :id"), {"id": import_id})
        ).mappings().one()
        rijen = (
            await conn.execute(
                text("SELECT * FROM ledenimport_rijen WHERE import_id = :id ORDER BY rij"), {"id": import_id}
            )
        ).mappings().all()
        types = {
            r.id: OrganisatieType(r.type) for r in await conn.execute(text("SELECT id, type FROM organisaties"))
        }
        # Rows are locked so a member changing their data meanwhile waits for the import to end.
        bestaande = {
            r["email"]: r
            for r in (
                await conn.execute(
                    text(
                        "SELECT l.id, l.email, l.functie, l.lid_sinds,"
                        " EXISTS (SELECT 1 FROM kennisdeling k WHERE k.lid_id = l.id) AS kennisdeling"
                        " FROM leden l WHERE l.email = ANY(:emails) FOR UPDATE"
                    ),
                    {"emails": [r["email"] for r in rijen]},
                )
            ).mappings()
        }
        tekst = import_tekst(taak["bestandsnaam"], dag)
        telling = {"nieuw": 0, "bijgewerkt": 0, "ongewijzigd": 0}
        for i, rij in enumerate(rijen, start=1):
            uitkomst = await neem_rij_over(
                uow, rij, bestaande.get(rij["email"]), types[rij["organisatie_id"]], tekst=tekst, dag=dag
            )
            telling[uitkomst] += 1
            if i % VOORTGANG_ELKE == 0:
                await _voortgang(diensten.db, import_id, i)
        await conn.execute(
            text(
                "UPDATE ledenimport SET status = 'klaar', verwerkt = :n, nieuw = :nieuw, bijgewerkt = :bijgewerkt,"
                " ongewijzigd = :ongewijzigd, bijgewerkt_op = now() WHERE id = :id"
            ),
            {"id": import_id, "n": len(rijen), **telling},
        )
        await conn.execute(text("DELETE FROM ledenimport_rijen WHERE import_id = :id"), {"id": import_id})
    return telling


def nieuw_lid_uit_rij(rij: Mapping[str, Any], organisatie_type: OrganisatieType, *, tekst: str, dag: date) -> NieuwLid:
    """A staged row as a member who joins. The old list kept no wording of the newsletter consent:
    `tekst` says so, and an empty column records no consent at all."""
    lid_sinds = rij["lid_sinds"] or dag
    return NieuwLid(
        id=uuid.uuid4(),
        naam=rij["naam"],
        email=rij["email"],
        organisatie_id=rij["organisatie_id"],
        organisatie_type=organisatie_type,
        functie=rij["functie"],
        nieuwsbrief=bool(rij["nieuwsbrief"]),
        lid_sinds=lid_sinds,
        toestemming=(tekst, Hoe.IMPORT) if rij["nieuwsbrief"] is not None else None,
        # 'wijziging', not 'registratie': these people joined long ago and get no welcome mail now.
        aanleiding="wijziging",
        kennisdeling_sinds=(rij["kennisdeling_sinds"] or lid_sinds) if rij["kennisdeling"] else None,
    )


async def neem_rij_over(
    uow: LedenUnitOfWork,
    rij: Mapping[str, Any],
    bestaand: Mapping[str, Any] | None,
    organisatie_type: OrganisatieType,
    *,
    tekst: str,
    dag: date,
) -> str:
    """One staged row, inside the import's unit of work: "nieuw", "bijgewerkt" or "ongewijzigd"."""
    if bestaand is None:
        # The same write path as a sign-up. Someone who signed up meanwhile keeps what they entered.
        return "nieuw" if await treed_toe(uow, nieuw_lid_uit_rij(rij, organisatie_type, tekst=tekst, dag=dag)) else "ongewijzigd"
    return "bijgewerkt" if await _vul_aan(uow, bestaand, rij, dag) else "ongewijzigd"


async def _vul_aan(uow: LedenUnitOfWork, bestaand: Mapping[str, Any], rij: Mapping[str, Any], dag: date) -> bool:
    """An existing member: the file may only fill what is empty. True when something was filled."""
    veranderd = False
    if bestaand["functie"] is None and rij["functie"]:
        await uow.leden.vul_functie_aan(bestaand["id"], rij["functie"])
        veranderd = True
    if rij["kennisdeling"] and not bestaand["kennisdeling"]:
        van = rij["kennisdeling_sinds"] or rij["lid_sinds"] or bestaand["lid_sinds"] or dag
        await open_kennisdeling(uow, bestaand["id"], van)
        veranderd = True
    return veranderd
