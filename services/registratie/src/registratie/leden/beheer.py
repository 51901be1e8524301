"""Changes to a member, each in one transaction with the events it causes (through the outbox).

Used by the staff pages and by the member's own self-service; `hoe` records which of the two
acted, next to every consent record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


from dinet_chassis import outbox
from dinet_contracts.events.registratie import (
    LidContactgegevens,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
)
from dinet_contracts.types import OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..activiteiten.store import ActiviteitenUoW
from ..activiteiten.use_cases.inschrijvingen import SchrijfOveralUit, schrijf_overal_uit
from ..domain import MAX_FUNCTIE, MAX_NAAM, Fout
from .regels import TOESTEMMING_TEKSTEN, UITSCHRIJVEN_TEKST, Doel, Hoe, controleer_einddatum


class Ongeldig(Exception):
    def __init__(self, fouten: list[Fout]) -> None:
        super().__init__(", ".join(f"{f.veld}: {f.code}" for f in fouten))
        self.fouten = fouten


class LidNietGevonden(Exception):
    pass


@dataclass(frozen=True)
class Lid:
    id: uuid.UUID
    naam: str
    email: str
    organisatie_id: uuid.UUID
    organisatie_naam: str
    organisatie_type: OrganisatieType
    functie: str | None
    nieuwsbrief: bool
    lid_sinds: date
    lid_tot: date | None
    aangemaakt_op: datetime

    @property
    def uitgeschreven(self) -> bool:
        return self.lid_tot is not None


_LID = (
    "SELECT l.id, l.naam, l.email, l.organisatie_id, o.naam AS organisatie_naam, o.type AS organisatie_type,"
    " l.functie, l.nieuwsbrief, l.lid_sinds, l.lid_tot, l.aangemaakt_op"
    " FROM leden l JOIN organisaties o ON o.id = l.organisatie_id WHERE l.id = :id"
)


async def lees_lid(conn: AsyncConnection, lid_id: uuid.UUID, *, voor_update: bool = False) -> Lid | None:
    # Changes to one member are serialised on its row, so two tabs cannot both close a period.
    rij = (
        await conn.execute(text(_LID + (" FOR UPDATE OF l" if voor_update else "")), {"id": lid_id})
    ).mappings().one_or_none()
    if rij is None:
        return None
    return Lid(**{**rij, "organisatie_type": OrganisatieType(rij["organisatie_type"])})


async def _lid_voor_update(conn: AsyncConnection, lid_id: uuid.UUID) -> Lid:
    lid = await lees_lid(conn, lid_id, voor_update=True)
    if lid is None:
        raise LidNietGevonden(str(lid_id))
    return lid


def _contactgegevens(lid: Lid, *, naam: str | None = None, nieuwsbrief: bool | None = None) -> LidContactgegevens:
    return LidContactgegevens(
        lid_id=lid.id,
        naam=naam if naam is not None else lid.naam,
        email=lid.email,
        nieuwsbrief=lid.nieuwsbrief if nieuwsbrief is None else nieuwsbrief,
        aanleiding="wijziging",
    )


# --- own data -----------------------------------------------------------------------------------


def valideer_gegevens(naam_ruw: str, functie_ruw: str) -> tuple[str, str | None] | list[Fout]:
    naam = " ".join((naam_ruw or "").split())
    functie = " ".join((functie_ruw or "").split()) or None
    fouten = []
    if not naam:
        fouten.append(Fout("naam", "verplicht", "Vul je naam in."))
    elif len(naam) > MAX_NAAM:
        fouten.append(Fout("naam", "te_lang", f"Je naam mag hoogstens {MAX_NAAM} tekens lang zijn."))
    if functie and len(functie) > MAX_FUNCTIE:
        fouten.append(Fout("functie", "te_lang", f"Je functie mag hoogstens {MAX_FUNCTIE} tekens lang zijn."))
    return fouten or (naam, functie)


async def wijzig_gegevens(db: Any, lid_id: uuid.UUID, naam_ruw: str, functie_ruw: str, *, source: str) -> bool:
    """Change name and job title; returns whether anything changed. meldingen hears of a new name."""
    resultaat = valideer_gegevens(naam_ruw, functie_ruw)
    if isinstance(resultaat, list):
        raise Ongeldig(resultaat)
    naam, functie = resultaat
    async with db.transaction() as conn:
        lid = await _lid_voor_update(conn, lid_id)
        if (naam, functie) == (lid.naam, lid.functie):
            return False
        await conn.execute(
            text("UPDATE leden SET naam = :naam, functie = :functie WHERE id = :id"),
            {"id": lid_id, "naam": naam, "functie": functie},
        )
        if naam != lid.naam:
            await outbox.add(conn, _contactgegevens(lid, naam=naam), source=source)
    return True


# --- consent ------------------------------------------------------------------------------------


async def toestemmingen(conn: AsyncConnection, lid_id: uuid.UUID) -> dict[Doel, dict[str, Any] | None]:
    """The latest record per purpose (None: never asked)."""
    rijen = (
        await conn.execute(
            text(
                "SELECT DISTINCT ON (doel) doel, gegeven, tekst, wanneer, hoe FROM toestemmingen"
                " WHERE lid_id = :id ORDER BY doel, wanneer DESC, id DESC"
            ),
            {"id": lid_id},
        )
    ).mappings()
    per_doel: dict[Doel, dict[str, Any] | None] = {d: None for d in Doel}
    for r in rijen:
        per_doel[Doel(r["doel"])] = dict(r)
    return per_doel


async def _leg_toestemming_vast(conn: AsyncConnection, lid_id: uuid.UUID, doel: Doel, gegeven: bool, tekst: str, hoe: Hoe) -> None:
    await conn.execute(
        text("INSERT INTO toestemmingen (lid_id, doel, gegeven, tekst, hoe) VALUES (:id, :doel, :gegeven, :tekst, :hoe)"),
        {"id": lid_id, "doel": doel.value, "gegeven": gegeven, "tekst": tekst, "hoe": hoe.value},
    )


async def wijzig_toestemming(db: Any, lid_id: uuid.UUID, doel: Doel, gegeven: bool, *, hoe: Hoe, source: str) -> bool:
    """Give or withdraw consent for one purpose, with the exact sentence chosen; False if unchanged."""
    async with db.transaction() as conn:
        lid = await _lid_voor_update(conn, lid_id)
        huidig = (await toestemmingen(conn, lid_id))[doel]
        if (huidig["gegeven"] if huidig else False) == gegeven and huidig is not None:
            return False
        await _leg_toestemming_vast(conn, lid_id, doel, gegeven, TOESTEMMING_TEKSTEN[doel][gegeven], hoe)
        if doel is Doel.NIEUWSBRIEF and gegeven != lid.nieuwsbrief:
            await conn.execute(text("UPDATE leden SET nieuwsbrief = :n WHERE id = :id"), {"id": lid_id, "n": gegeven})
            # meldingen keeps the wish and asks for a confirmation (double opt-in) when it is new.
            await outbox.add(conn, _contactgegevens(lid, nieuwsbrief=gegeven), source=source)
    return True


# --- leaving ------------------------------------------------------------------------------------


async def schrijf_uit(db: Any, lid_id: uuid.UUID, lid_tot: date, *, hoe: Hoe, source: str) -> None:
    """End the membership after `lid_tot`: all mail stops, the knowledge-sharing space too."""
    async with db.transaction() as conn:
        lid = await _lid_voor_update(conn, lid_id)
        if lid.lid_tot is not None:
            raise Ongeldig([Fout("lid_tot", "al_uitgeschreven", f"Dit lid is al uitgeschreven (tot {lid.lid_tot:%d/%m/%Y}).")])
        if fout := controleer_einddatum(lid.lid_sinds, lid_tot):
            raise Ongeldig([fout])
        await conn.execute(text("UPDATE leden SET lid_tot = :tot, nieuwsbrief = false WHERE id = :id"), {"id": lid_id, "tot": lid_tot})
        await outbox.add(conn, LidUitgeschreven(lid_id=lid_id, lid_tot=lid_tot), source=source)
        # A member who leaves gives up places still to come; the waitlist moves up.
        await schrijf_overal_uit(SchrijfOveralUit(lid_id), ActiviteitenUoW.within(conn, source=source))
        for doel, huidig in (await toestemmingen(conn, lid_id)).items():
            if huidig is not None and huidig["gegeven"]:
                await _leg_toestemming_vast(conn, lid_id, doel, False, UITSCHRIJVEN_TEKST, hoe)
        if lid.nieuwsbrief:
            await outbox.add(conn, _contactgegevens(lid, nieuwsbrief=False), source=source)
        open_periode = await open_kennisdeling_sinds(conn, lid_id)
        if open_periode is not None:
            await sluit_kennisdeling(conn, lid_id, max(lid_tot, open_periode), source=source)


# --- knowledge-sharing space --------------------------------------------------------------------


async def open_kennisdeling_sinds(conn: AsyncConnection, lid_id: uuid.UUID) -> date | None:
    return (
        await conn.execute(text("SELECT van FROM kennisdeling WHERE lid_id = :id AND tot IS NULL"), {"id": lid_id})
    ).scalar_one_or_none()


async def sluit_kennisdeling(conn: AsyncConnection, lid_id: uuid.UUID, datum: date, *, source: str) -> None:
    await conn.execute(text("UPDATE kennisdeling SET tot = :d WHERE lid_id = :id AND tot IS NULL"), {"id": lid_id, "d": datum})
    await outbox.add(conn, LidKennisdelingGewijzigd(lid_id=lid_id, lid=False, datum=datum), source=source)


async def open_kennisdeling(conn: AsyncConnection, lid_id: uuid.UUID, datum: date, *, source: str) -> None:
    await conn.execute(text("INSERT INTO kennisdeling (lid_id, van) VALUES (:id, :d)"), {"id": lid_id, "d": datum})
    await outbox.add(conn, LidKennisdelingGewijzigd(lid_id=lid_id, lid=True, datum=datum), source=source)


async def zet_kennisdeling(db: Any, lid_id: uuid.UUID, lid: bool, datum: date, *, source: str) -> None:
    """The member joined (`lid`) or left the online knowledge-sharing space on `datum`."""
    async with db.transaction() as conn:
        huidig = await _lid_voor_update(conn, lid_id)
        open_sinds = await open_kennisdeling_sinds(conn, lid_id)
        laatste_einde = (
            await conn.execute(text("SELECT max(tot) FROM kennisdeling WHERE lid_id = :id"), {"id": lid_id})
        ).scalar_one()
        if lid:
            if open_sinds is not None:
                raise Ongeldig([Fout("kennisdeling_datum", "al_lid", f"Dit lid zit al sinds {open_sinds:%d/%m/%Y} op het platform.")])
            if huidig.uitgeschreven:
                raise Ongeldig([Fout("kennisdeling_datum", "uitgeschreven", "Dit lid is uitgeschreven uit het netwerk.")])
            if laatste_einde is not None and datum <= laatste_einde:
                raise Ongeldig(
                    [Fout("kennisdeling_datum", "overlapt", f"De datum moet na het vorige vertrek ({laatste_einde:%d/%m/%Y}) liggen.")]
                )
            await open_kennisdeling(conn, lid_id, datum, source=source)
        else:
            if open_sinds is None:
                raise Ongeldig([Fout("kennisdeling_datum", "geen_lid", "Dit lid zit niet op het platform.")])
            if datum < open_sinds:
                raise Ongeldig(
                    [Fout("kennisdeling_datum", "voor_aansluiten", f"De datum kan niet voor het aansluiten ({open_sinds:%d/%m/%Y}) liggen.")]
                )
            await sluit_kennisdeling(conn, lid_id, datum, source=source)


# --- organisation -------------------------------------------------------------------------------


async def wijzig_organisatie(db: Any, lid_id: uuid.UUID, organisatie_id: uuid.UUID, vanaf: date, *, source: str) -> None:
    """The member works for another organisation from `vanaf` on; the history keeps the old one."""
    async with db.transaction() as conn:
        lid = await _lid_voor_update(conn, lid_id)
        nieuw_type = (
            await conn.execute(text("SELECT type FROM organisaties WHERE id = :id"), {"id": organisatie_id})
        ).scalar_one_or_none()
        if nieuw_type is None:
            raise Ongeldig([Fout("organisatie_id", "onbekende_organisatie", "Kies de organisatie uit de lijst.")])
        if organisatie_id == lid.organisatie_id:
            raise Ongeldig([Fout("organisatie_id", "zelfde_organisatie", f"Dit lid werkt al voor {lid.organisatie_naam}.")])
        vorige = (
            await conn.execute(text("SELECT max(vanaf) FROM organisatiewissels WHERE lid_id = :id"), {"id": lid_id})
        ).scalar_one()
        grens = max(lid.lid_sinds, vorige) if vorige else lid.lid_sinds
        if vanaf < grens:
            raise Ongeldig([Fout("vanaf", "te_vroeg", f"De datum kan niet voor {grens:%d/%m/%Y} liggen.")])
        await conn.execute(
            text(
                "INSERT INTO organisatiewissels (lid_id, van_organisatie_id, naar_organisatie_id, vanaf)"
                " VALUES (:id, :van, :naar, :vanaf)"
            ),
            {"id": lid_id, "van": lid.organisatie_id, "naar": organisatie_id, "vanaf": vanaf},
        )
        await conn.execute(text("UPDATE leden SET organisatie_id = :o WHERE id = :id"), {"id": lid_id, "o": organisatie_id})
        await outbox.add(
            conn,
            LidOrganisatieGewijzigd(
                lid_id=lid_id, organisatie_id=organisatie_id, organisatie_type=OrganisatieType(nieuw_type), vanaf=vanaf
            ),
            source=source,
        )
