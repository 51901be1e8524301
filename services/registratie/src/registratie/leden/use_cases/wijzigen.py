"""Changes to a member, each in one unit of work with the events it causes (through the outbox).

Used by the staff pages and by the member's own self-service; `hoe` records which of the two
acted, next to every consent record. They refuse with `Invalid` (the fields to correct) or
`LidNietGevonden`.
"""

from __future__ import annotations

import uuid
from datetime import date

from dinet_chassis.errors import FieldProblem, Invalid, NotFound
from dinet_contracts.events.registratie import (
    LidContactgegevensV2,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
)

from ...activiteiten.store import ActiviteitenUoW
from ...activiteiten.use_cases.inschrijvingen import SchrijfOveralUit, schrijf_overal_uit
from ..domain.aanmelding import MAX_FUNCTIE, MAX_NAAM
from ..domain.lidmaatschap import TOESTEMMING_TEKSTEN, UITSCHRIJVEN_TEKST, Doel, Hoe, Lid, controleer_einddatum
from ..store import LedenUnitOfWork


class LidNietGevonden(NotFound):
    code = "lid_onbekend"
    melding = "Dit lid bestaat niet (meer)."


async def _lid_voor_update(uow: LedenUnitOfWork, lid_id: uuid.UUID) -> Lid:
    lid = await uow.leden.lees(lid_id, voor_update=True)
    if lid is None:
        raise LidNietGevonden()
    return lid


def _contactgegevens(
    lid: Lid, *, naam: str | None = None, nieuwsbrief: bool | None = None, uitnodigingen: bool | None = None
) -> LidContactgegevensV2:
    return LidContactgegevensV2(
        lid_id=lid.id,
        naam=naam if naam is not None else lid.naam,
        email=lid.email,
        nieuwsbrief=lid.nieuwsbrief if nieuwsbrief is None else nieuwsbrief,
        uitnodigingen=uitnodigingen,
        aanleiding="wijziging",
    )


# --- own data -----------------------------------------------------------------------------------


def valideer_gegevens(naam_ruw: str, functie_ruw: str) -> tuple[str, str | None] | list[FieldProblem]:
    naam = " ".join((naam_ruw or "").split())
    functie = " ".join((functie_ruw or "").split()) or None
    fouten = []
    if not naam:
        fouten.append(FieldProblem("naam", "verplicht", "Vul je naam in."))
    elif len(naam) > MAX_NAAM:
        fouten.append(FieldProblem("naam", "te_lang", f"Je naam mag hoogstens {MAX_NAAM} tekens lang zijn."))
    if functie and len(functie) > MAX_FUNCTIE:
        fouten.append(FieldProblem("functie", "te_lang", f"Je functie mag hoogstens {MAX_FUNCTIE} tekens lang zijn."))
    return fouten or (naam, functie)


async def wijzig_gegevens(uow: LedenUnitOfWork, lid_id: uuid.UUID, naam_ruw: str, functie_ruw: str) -> bool:
    """Change name and job title; returns whether anything changed. meldingen hears of a new name."""
    resultaat = valideer_gegevens(naam_ruw, functie_ruw)
    if isinstance(resultaat, list):
        raise Invalid(problemen=resultaat)
    naam, functie = resultaat
    async with uow:
        lid = await _lid_voor_update(uow, lid_id)
        if (naam, functie) == (lid.naam, lid.functie):
            return False
        await uow.leden.zet_gegevens(lid_id, naam, functie)
        if naam != lid.naam:
            await uow.publish(_contactgegevens(lid, naam=naam))
    return True


# --- consent ------------------------------------------------------------------------------------


async def wijzig_toestemming(uow: LedenUnitOfWork, lid_id: uuid.UUID, doel: Doel, gegeven: bool, *, hoe: Hoe) -> bool:
    """Give or withdraw consent for one purpose, with the exact sentence chosen; False if unchanged."""
    async with uow:
        lid = await _lid_voor_update(uow, lid_id)
        huidig = (await uow.leden.toestemmingen(lid_id))[doel]
        if (huidig["gegeven"] if huidig else False) == gegeven and huidig is not None:
            return False
        await uow.leden.leg_toestemming_vast(lid_id, doel, gegeven, TOESTEMMING_TEKSTEN[doel][gegeven], hoe)
        if doel is Doel.NIEUWSBRIEF and gegeven != lid.nieuwsbrief:
            await uow.leden.zet_nieuwsbrief(lid_id, gegeven)
            # meldingen keeps the wish and asks for a confirmation (double opt-in) when it is new.
            await uow.publish(_contactgegevens(lid, nieuwsbrief=gegeven))
        if doel is Doel.NETWERKMAIL:
            await uow.publish(_contactgegevens(lid, uitnodigingen=gegeven))
    return True


# --- leaving ------------------------------------------------------------------------------------


async def schrijf_uit(uow: LedenUnitOfWork, lid_id: uuid.UUID, lid_tot: date, *, hoe: Hoe) -> None:
    """End the membership after `lid_tot`: all mail stops, the knowledge-sharing space too."""
    async with uow:
        lid = await _lid_voor_update(uow, lid_id)
        if lid.lid_tot is not None:
            raise Invalid(problemen=[FieldProblem("lid_tot", "al_uitgeschreven", f"Dit lid is al uitgeschreven (tot {lid.lid_tot:%d/%m/%Y}).")])
        if fout := controleer_einddatum(lid.lid_sinds, lid_tot):
            raise Invalid(problemen=[fout])
        await uow.leden.sluit_lidmaatschap(lid_id, lid_tot)
        await uow.publish(LidUitgeschreven(lid_id=lid_id, lid_tot=lid_tot))
        # A member who leaves gives up places still to come; the waitlist moves up.
        await schrijf_overal_uit(SchrijfOveralUit(lid_id), ActiviteitenUoW.within(uow.conn, source=uow.source, clock=uow.now))
        for doel, huidig in (await uow.leden.toestemmingen(lid_id)).items():
            if huidig is not None and huidig["gegeven"]:
                await uow.leden.leg_toestemming_vast(lid_id, doel, False, UITSCHRIJVEN_TEKST, hoe)
        if lid.nieuwsbrief:
            await uow.publish(_contactgegevens(lid, nieuwsbrief=False))
        open_periode = await uow.leden.open_kennisdeling_sinds(lid_id)
        if open_periode is not None:
            await sluit_kennisdeling(uow, lid_id, max(lid_tot, open_periode))


# --- knowledge-sharing space --------------------------------------------------------------------


async def sluit_kennisdeling(uow: LedenUnitOfWork, lid_id: uuid.UUID, datum: date) -> None:
    await uow.leden.sluit_kennisdeling(lid_id, datum)
    await uow.publish(LidKennisdelingGewijzigd(lid_id=lid_id, lid=False, datum=datum))


async def open_kennisdeling(uow: LedenUnitOfWork, lid_id: uuid.UUID, datum: date) -> None:
    await uow.leden.open_kennisdeling(lid_id, datum)
    await uow.publish(LidKennisdelingGewijzigd(lid_id=lid_id, lid=True, datum=datum))


async def zet_kennisdeling(uow: LedenUnitOfWork, lid_id: uuid.UUID, lid: bool, datum: date) -> None:
    """The member joined (`lid`) or left the online knowledge-sharing space on `datum`."""
    async with uow:
        huidig = await _lid_voor_update(uow, lid_id)
        open_sinds = await uow.leden.open_kennisdeling_sinds(lid_id)
        laatste_einde = await uow.leden.laatste_kennisdeling_einde(lid_id)
        if lid:
            if open_sinds is not None:
                raise Invalid(problemen=[FieldProblem("kennisdeling_datum", "al_lid", f"Dit lid zit al sinds {open_sinds:%d/%m/%Y} op het platform.")])
            if huidig.uitgeschreven:
                raise Invalid(problemen=[FieldProblem("kennisdeling_datum", "uitgeschreven", "Dit lid is uitgeschreven uit het netwerk.")])
            if laatste_einde is not None and datum <= laatste_einde:
                raise Invalid(
                    problemen=[FieldProblem("kennisdeling_datum", "overlapt", f"De datum moet na het vorige vertrek ({laatste_einde:%d/%m/%Y}) liggen.")]
                )
            await open_kennisdeling(uow, lid_id, datum)
        else:
            if open_sinds is None:
                raise Invalid(problemen=[FieldProblem("kennisdeling_datum", "geen_lid", "Dit lid zit niet op het platform.")])
            if datum < open_sinds:
                raise Invalid(
                    problemen=[FieldProblem("kennisdeling_datum", "voor_aansluiten", f"De datum kan niet voor het aansluiten ({open_sinds:%d/%m/%Y}) liggen.")]
                )
            await sluit_kennisdeling(uow, lid_id, datum)


# --- organisation -------------------------------------------------------------------------------


async def wijzig_organisatie(uow: LedenUnitOfWork, lid_id: uuid.UUID, organisatie_id: uuid.UUID, vanaf: date) -> None:
    """The member works for another organisation from `vanaf` on; the history keeps the old one."""
    async with uow:
        lid = await _lid_voor_update(uow, lid_id)
        nieuw_type = await uow.leden.organisatie_type(organisatie_id)
        if nieuw_type is None:
            raise Invalid(problemen=[FieldProblem("organisatie_id", "onbekende_organisatie", "Kies de organisatie uit de lijst.")])
        if organisatie_id == lid.organisatie_id:
            raise Invalid(problemen=[FieldProblem("organisatie_id", "zelfde_organisatie", f"Dit lid werkt al voor {lid.organisatie_naam}.")])
        vorige = await uow.leden.laatste_organisatiewissel(lid_id)
        grens = max(lid.lid_sinds, vorige) if vorige else lid.lid_sinds
        if vanaf < grens:
            raise Invalid(problemen=[FieldProblem("vanaf", "te_vroeg", f"De datum kan niet voor {grens:%d/%m/%Y} liggen.")])
        await uow.leden.wissel_organisatie(lid_id, lid.organisatie_id, organisatie_id, vanaf)
        await uow.publish(
            LidOrganisatieGewijzigd(
                lid_id=lid_id, organisatie_id=organisatie_id, organisatie_type=nieuw_type, vanaf=vanaf
            )
        )
