"""The activities' use cases on a fake unit of work: registering (seats, waitlist, promotion,
duplicates), cancelling, attendance and feedback rules, in milliseconds and without a database.

The in-memory stores below keep the same promises as the SQL ones in registratie.activiteiten.store
(one row per activity and member, the waitlist in the order people joined it, unchanged
attendance saved as nothing); the tests on real PostgreSQL (test_inschrijving_wachtlijst.py,
test_aanwezigheid.py, test_feedback.py) prove the SQL keeps them too, under concurrency.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dinet_chassis.errors import Conflict, Forbidden, Invalid, NotFound
from dinet_chassis.uow import FakeUnitOfWork
from dinet_contracts.events.activiteiten import (
    AanwezigheidGeregistreerd,
    ActiviteitGeannuleerdV2,
    ActiviteitGeplandV2,
    FeedbackOntvangen,
    InschrijvingGewijzigd,
)
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType, Trekker, Vorm

from registratie.activiteiten.domain import ActiviteitGegevens, FeedbackStand, Wie
from registratie.activiteiten.store.aanwezigheden import Geregistreerd
from registratie.activiteiten.store.activiteiten import ActiviteitRij
from registratie.activiteiten.store.inschrijvingen import Doorgeschoven, Gewijzigd, LidVoorInschrijving, Slot
from registratie.activiteiten.use_cases import aanwezigheid, feedback, inschrijvingen, levenscyclus

pytestmark = pytest.mark.unit

NU = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
VVSG = uuid.uuid4()
GENT = uuid.uuid4()
AALST = uuid.uuid4()
STAF = Wie(medewerker=True)


# --- the in-memory stores ----------------------------------------------------------------------


@dataclass
class _Inschrijving:
    id: uuid.UUID
    status: str
    versie: int
    volgnummer: int | None


class Geheugen:
    """Everything the stores keep, shared by every unit of work of one test."""

    def __init__(self) -> None:
        self.organisaties: dict[uuid.UUID, OrganisatieType] = {
            VVSG: OrganisatieType.ANDERE,
            GENT: OrganisatieType.LOKAAL_BESTUUR,
            AALST: OrganisatieType.LOKAAL_BESTUUR,
        }
        self.leden: dict[uuid.UUID, tuple[uuid.UUID, bool]] = {}  # lid -> (organisation, left)
        self.activiteiten: dict[uuid.UUID, ActiviteitRij] = {}
        self.inschrijvingen: dict[tuple[uuid.UUID, uuid.UUID], _Inschrijving] = {}
        self.aanwezigheden: dict[tuple[uuid.UUID, uuid.UUID], tuple[bool, Decimal, int, uuid.UUID]] = {}
        self.feedback: dict[tuple[uuid.UUID, uuid.UUID], tuple[int, str | None]] = {}
        self.gekoppeld: dict[uuid.UUID, uuid.UUID] = {}
        self.volgnummers = itertools.count(1)

    def lid(self, organisatie_id: uuid.UUID = GENT, *, vertrokken: bool = False) -> uuid.UUID:
        lid_id = uuid.uuid4()
        self.leden[lid_id] = (organisatie_id, vertrokken)
        return lid_id


class ActiviteitenInGeheugen:
    def __init__(self, g: Geheugen) -> None:
        self.g = g

    async def lees(self, activiteit_id: uuid.UUID, *, voor_update: bool = False) -> ActiviteitRij | None:
        return self.g.activiteiten.get(activiteit_id)

    async def voeg_toe(self, activiteit_id, versie, status, gegevens, *, bron: str) -> None:
        self.g.activiteiten[activiteit_id] = ActiviteitRij(activiteit_id, versie, status, bron, gegevens, NU)

    async def werk_bij(self, activiteit_id, versie, status, gegevens) -> None:
        oud = self.g.activiteiten[activiteit_id]
        self.g.activiteiten[activiteit_id] = replace(oud, versie=versie, status=status, gegevens=gegevens)

    async def organisatie_bestaat(self, organisatie_id: uuid.UUID, *, type_: str | None = None) -> bool:
        soort = self.g.organisaties.get(organisatie_id)
        return soort is not None and (type_ is None or soort.value == type_)

    async def eigenaars(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, uuid.UUID]]:
        return {i: (a.bron, a.gegevens.organisator_id) for i, a in self.g.activiteiten.items() if i in ids}


class InschrijvingenInGeheugen:
    def __init__(self, g: Geheugen, klok: Any) -> None:
        self.g = g
        self.klok = klok

    async def lid(self, lid_id: uuid.UUID) -> LidVoorInschrijving | None:
        if lid_id not in self.g.leden:
            return None
        organisatie_id, vertrokken = self.g.leden[lid_id]
        return LidVoorInschrijving(organisatie_id, self.g.organisaties[organisatie_id], vertrokken)

    async def vergrendel(self, activiteit_id: uuid.UUID) -> Slot | None:
        a = self.g.activiteiten.get(activiteit_id)
        return Slot(a.status, a.gegevens.soort, a.gegevens.start, a.gegevens.capaciteit) if a else None

    async def lid_en_vergrendel(self, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> tuple[LidVoorInschrijving | None, Slot | None]:
        return await self.lid(lid_id), await self.vergrendel(activiteit_id)

    def _van(self, activiteit_id: uuid.UUID) -> dict[uuid.UUID, _Inschrijving]:
        return {l: r for (a, l), r in self.g.inschrijvingen.items() if a == activiteit_id}

    async def stand(self, activiteit_id: uuid.UUID, lid_id: uuid.UUID) -> tuple[int, str | None]:
        rijen = self._van(activiteit_id)
        bestaand = rijen[lid_id].status if lid_id in rijen else None
        return sum(r.status == "ingeschreven" for r in rijen.values()), bestaand

    async def schrijf_in(self, activiteit_id, lid_id, status, *, door) -> Gewijzigd:
        vorig = self.g.inschrijvingen.get((activiteit_id, lid_id))
        assert vorig is None or vorig.status == "geannuleerd"
        volgnummer = next(self.g.volgnummers) if status == "wachtlijst" else None
        rij = _Inschrijving(vorig.id if vorig else uuid.uuid4(), status, vorig.versie + 1 if vorig else 1, volgnummer)
        self.g.inschrijvingen[(activiteit_id, lid_id)] = rij
        return Gewijzigd(rij.id, lid_id, rij.versie, self.klok())

    async def annuleer(self, activiteit_id, lid_id) -> Gewijzigd | None:
        rij = self.g.inschrijvingen.get((activiteit_id, lid_id))
        if rij is None or rij.status == "geannuleerd":
            return None
        rij.status, rij.versie, rij.volgnummer = "geannuleerd", rij.versie + 1, None
        return Gewijzigd(rij.id, lid_id, rij.versie, self.klok())

    async def tel(self, activiteit_id) -> tuple[int, int]:
        rijen = self._van(activiteit_id).values()
        return sum(r.status == "ingeschreven" for r in rijen), sum(r.status == "wachtlijst" for r in rijen)

    async def schuif_door(self, activiteit_id, aantal) -> list[Doorgeschoven]:
        wachtend = sorted(((r.volgnummer, l, r) for l, r in self._van(activiteit_id).items() if r.status == "wachtlijst"))
        uit: list[Doorgeschoven] = []
        for _, lid_id, rij in wachtend[:aantal]:
            rij.status, rij.versie, rij.volgnummer = "ingeschreven", rij.versie + 1, None
            organisatie_id = self.g.leden[lid_id][0]
            uit.append(Doorgeschoven(rij.id, lid_id, rij.versie, self.klok(), organisatie_id, self.g.organisaties[organisatie_id]))
        return uit

    async def komende_van(self, lid_id, nu) -> list[uuid.UUID]:
        return sorted(
            a
            for (a, l), r in self.g.inschrijvingen.items()
            if l == lid_id
            and r.status != "geannuleerd"
            and self.g.activiteiten[a].status in (ActiviteitStatus.GEPLAND, ActiviteitStatus.VERPLAATST)
            and self.g.activiteiten[a].gegevens.start > nu
        )


class AanwezighedenInGeheugen:
    def __init__(self, g: Geheugen, klok: Any) -> None:
        self.g = g
        self.klok = klok

    async def organisaties_van(self, lid_ids):
        return {l: (self.g.leden[l][0], self.g.organisaties[self.g.leden[l][0]]) for l in lid_ids if l in self.g.leden}

    async def bewaar(self, activiteit_id, lid_id, organisatie, aanwezig, uren, *, door) -> Geregistreerd | None:
        vorig = self.g.aanwezigheden.get((activiteit_id, lid_id))
        if vorig is not None and (vorig[0], vorig[1]) == (aanwezig, uren):
            return None
        versie = vorig[2] + 1 if vorig else 1
        organisatie_id = vorig[3] if vorig else organisatie[0]
        self.g.aanwezigheden[(activiteit_id, lid_id)] = (aanwezig, uren, versie, organisatie_id)
        return Geregistreerd(versie, self.klok(), organisatie_id, self.g.organisaties[organisatie_id])


class FeedbackInGeheugen:
    def __init__(self, g: Geheugen, klok: Any) -> None:
        self.g = g
        self.klok = klok

    async def stand(self, activiteit_id, lid_id) -> FeedbackStand | None:
        a = self.g.activiteiten.get(activiteit_id)
        if a is None:
            return None
        aanwezig = self.g.aanwezigheden.get((activiteit_id, lid_id))
        return FeedbackStand(a.status, a.gegevens.einde, bool(aanwezig and aanwezig[0]), (activiteit_id, lid_id) in self.g.feedback)

    async def bewaar(self, feedback_id, activiteit_id, lid_id, score, tekst):
        if (activiteit_id, lid_id) in self.g.feedback:
            return None
        self.g.feedback[(activiteit_id, lid_id)] = (score, tekst)
        return self.klok(), self.g.activiteiten[activiteit_id].gegevens.soort


class VragenInGeheugen:
    def __init__(self, g: Geheugen) -> None:
        self.g = g

    async def bewaar(self, e: Any) -> None:
        pass

    async def koppel(self, vraag_id, activiteit_id, door) -> bool:
        if vraag_id in self.g.gekoppeld:
            return False
        self.g.gekoppeld[vraag_id] = activiteit_id
        return True


class FakeActiviteitenUoW(FakeUnitOfWork):
    def __init__(self, geheugen: Geheugen, *, nu: datetime = NU) -> None:
        super().__init__(source="/dinet/registratie", clock=lambda: nu)
        self.activiteiten = ActiviteitenInGeheugen(geheugen)
        self.inschrijvingen = InschrijvingenInGeheugen(geheugen, self.now)
        self.aanwezigheden = AanwezighedenInGeheugen(geheugen, self.now)
        self.feedback = FeedbackInGeheugen(geheugen, self.now)
        self.vragen = VragenInGeheugen(geheugen)


# --- helpers -----------------------------------------------------------------------------------


def gegevens(start: datetime = NU + timedelta(days=7), **over: Any) -> ActiviteitGegevens:
    g = ActiviteitGegevens(
        soort=ActiviteitSoort.INFOSESSIE,
        titel="Infosessie digitale drempels",
        organisator_id=VVSG,
        trekker=Trekker.VVSG,
        vorm=Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=3),
        duur_uren=Decimal("3.00"),
    )
    return replace(g, **over)


async def plan(geheugen: Geheugen, **over: Any) -> uuid.UUID:
    return await levenscyclus.plan(levenscyclus.Plan(gegevens(**over)), FakeActiviteitenUoW(geheugen))


async def schrijf_in(geheugen: Geheugen, activiteit_id: uuid.UUID, lid_id: uuid.UUID, door: Wie | None = None) -> FakeActiviteitenUoW:
    uow = FakeActiviteitenUoW(geheugen)
    await inschrijvingen.schrijf_in(inschrijvingen.SchrijfIn(activiteit_id, lid_id, door or Wie(lid_id=lid_id)), uow)
    return uow


def statussen(uow: FakeUnitOfWork) -> list[tuple[uuid.UUID, str]]:
    return [(e.lid_id, e.status) for e in uow.published if isinstance(e, InschrijvingGewijzigd)]


# --- registering -------------------------------------------------------------------------------


async def test_seats_first_then_the_waitlist_in_order() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=2)
    leden = [g.lid() for _ in range(4)]
    resultaten = []
    for lid_id in leden:
        uow = FakeActiviteitenUoW(g)
        resultaten.append(await inschrijvingen.schrijf_in(inschrijvingen.SchrijfIn(activiteit_id, lid_id, Wie(lid_id=lid_id)), uow))
        assert uow.committed and statussen(uow) == [(lid_id, resultaten[-1].status)]
        assert uow.published[0].organisatie_id == GENT and uow.published[0].organisatie_type is OrganisatieType.LOKAAL_BESTUUR
    assert [r.status for r in resultaten] == ["ingeschreven", "ingeschreven", "wachtlijst", "wachtlijst"]
    assert [r.versie for r in resultaten] == [1, 1, 1, 1]


async def test_no_capacity_means_everyone_gets_a_seat() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=None)
    for _ in range(5):
        lid_id = g.lid()
        assert statussen(await schrijf_in(g, activiteit_id, lid_id)) == [(lid_id, "ingeschreven")]


async def test_twice_on_a_list_is_a_conflict_and_publishes_nothing() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=1)
    eerste, tweede = g.lid(), g.lid()
    await schrijf_in(g, activiteit_id, eerste)
    await schrijf_in(g, activiteit_id, tweede)
    for lid_id, code in ((eerste, "al_ingeschreven"), (tweede, "al_op_wachtlijst")):
        uow = FakeActiviteitenUoW(g)
        with pytest.raises(Conflict) as fout:
            await inschrijvingen.schrijf_in(inschrijvingen.SchrijfIn(activiteit_id, lid_id, Wie(lid_id=lid_id)), uow)
        assert fout.value.code == code and fout.value.problemen[0].veld == "lid_id"
        assert uow.rolled_back and uow.published == []


async def test_a_cancelled_seat_goes_to_the_first_in_line_in_the_same_unit_of_work() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=1)
    zittend, eerste, tweede = g.lid(), g.lid(), g.lid()
    for lid_id in (zittend, eerste, tweede):
        await schrijf_in(g, activiteit_id, lid_id)

    uow = FakeActiviteitenUoW(g)
    uit = await inschrijvingen.schrijf_uit(inschrijvingen.SchrijfUit(activiteit_id, zittend, Wie(lid_id=zittend)), uow)
    assert uit.status == "geannuleerd" and uit.versie == 2
    assert uow.committed and statussen(uow) == [(zittend, "geannuleerd"), (eerste, "ingeschreven")]
    assert [e.versie for e in uow.published] == [2, 2]

    # Leaving the waitlist frees no seat: nobody moves up.
    uow = FakeActiviteitenUoW(g)
    await inschrijvingen.schrijf_uit(inschrijvingen.SchrijfUit(activiteit_id, tweede, Wie(lid_id=tweede)), uow)
    assert statussen(uow) == [(tweede, "geannuleerd")]

    # Registering again after cancelling reuses the row: same id, next versie, the back of the line.
    terug = await schrijf_in(g, activiteit_id, zittend)
    assert statussen(terug) == [(zittend, "wachtlijst")] and terug.published[0].inschrijving_id == uit.id
    assert terug.published[0].versie == 3


async def test_cancelling_without_a_registration_is_not_found() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=3)
    lid_id = g.lid()
    for wie in (lid_id, uuid.uuid4()):  # known but never registered; an unknown member
        uow = FakeActiviteitenUoW(g)
        with pytest.raises(NotFound) as fout:
            await inschrijvingen.schrijf_uit(inschrijvingen.SchrijfUit(activiteit_id, wie, STAF), uow)
        assert fout.value.code == "niet_ingeschreven" and uow.published == []


async def test_who_may_register_whom() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=10)
    an, collega, van_aalst = g.lid(GENT), g.lid(GENT), g.lid(AALST)
    an_zelf = Wie(lid_id=an, organisatie_id=GENT)
    assert statussen(await schrijf_in(g, activiteit_id, collega, door=an_zelf)) == [(collega, "ingeschreven")]
    with pytest.raises(Forbidden) as fout:
        await schrijf_in(g, activiteit_id, van_aalst, door=an_zelf)
    assert fout.value.code == "andere_organisatie"
    assert statussen(await schrijf_in(g, activiteit_id, van_aalst, door=STAF)) == [(van_aalst, "ingeschreven")]
    with pytest.raises(Invalid) as fout:
        await schrijf_in(g, activiteit_id, g.lid(GENT, vertrokken=True), door=STAF)
    assert fout.value.code == "onbekend_lid"


async def test_registration_closes_when_the_activity_starts_or_is_cancelled() -> None:
    g = Geheugen()
    begonnen = await plan(g, start=NU - timedelta(minutes=1))
    geannuleerd = await plan(g)
    await levenscyclus.annuleer(levenscyclus.Annuleer(geannuleerd), FakeActiviteitenUoW(g))
    publicatie = await plan(g, soort=ActiviteitSoort.GOEDE_PRAKTIJK, start=NU + timedelta(days=1))
    lid_id = g.lid()
    for activiteit_id, code in ((begonnen, "inschrijving_gesloten"), (geannuleerd, "activiteit_geannuleerd"), (publicatie, "geen_inschrijvingen")):
        with pytest.raises(Conflict) as fout:
            await schrijf_in(g, activiteit_id, lid_id)
        assert fout.value.code == code
    with pytest.raises(NotFound) as fout:
        await schrijf_in(g, uuid.uuid4(), lid_id)
    assert fout.value.code == "onbekende_activiteit"


async def test_more_seats_move_the_waitlist_up_and_fewer_take_no_seat_away() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, capaciteit=1)
    leden = [g.lid() for _ in range(4)]
    for lid_id in leden:
        await schrijf_in(g, activiteit_id, lid_id)
    uow = FakeActiviteitenUoW(g)
    await levenscyclus.wijzig(levenscyclus.Wijzig(activiteit_id, gegevens(capaciteit=3)), uow)
    assert statussen(uow) == [(leden[1], "ingeschreven"), (leden[2], "ingeschreven")]
    uow = FakeActiviteitenUoW(g)
    await levenscyclus.wijzig(levenscyclus.Wijzig(activiteit_id, gegevens(capaciteit=1)), uow)
    assert statussen(uow) == [] and len(uow.published) == 1  # the change itself, nobody loses a seat


async def test_leaving_the_network_cancels_what_is_still_to_come() -> None:
    g = Geheugen()
    komend, later = await plan(g, capaciteit=1), await plan(g, capaciteit=1, start=NU + timedelta(days=30))
    vertrekker, wachtende = g.lid(), g.lid()
    for activiteit_id in (komend, later):
        await schrijf_in(g, activiteit_id, vertrekker)
        await schrijf_in(g, activiteit_id, wachtende)
    uow = FakeActiviteitenUoW(g)
    assert await inschrijvingen.schrijf_overal_uit(inschrijvingen.SchrijfOveralUit(vertrekker), uow) == 2
    assert sorted(statussen(uow)) == sorted([(vertrekker, "geannuleerd"), (wachtende, "ingeschreven")] * 2)


# --- lifecycle ---------------------------------------------------------------------------------


async def test_lifecycle_refusals_carry_their_code() -> None:
    g = Geheugen()
    uow = FakeActiviteitenUoW(g)
    komend = await levenscyclus.plan(levenscyclus.Plan(gegevens()), uow)
    assert [type(e) for e in uow.published] == [ActiviteitGeplandV2]
    with pytest.raises(Conflict) as fout:
        await levenscyclus.markeer_afgelopen(levenscyclus.MarkeerAfgelopen(komend), FakeActiviteitenUoW(g))
    assert fout.value.code == "nog_niet_begonnen"
    begonnen = await plan(g, start=NU - timedelta(hours=1))
    with pytest.raises(Conflict) as fout:
        await levenscyclus.annuleer(levenscyclus.Annuleer(begonnen), FakeActiviteitenUoW(g))
    assert fout.value.code == "al_begonnen"
    uow = FakeActiviteitenUoW(g)
    assert await levenscyclus.annuleer(levenscyclus.Annuleer(komend), uow) == 2
    assert [type(e) for e in uow.published] == [ActiviteitGeannuleerdV2]
    with pytest.raises(Conflict) as fout:
        await levenscyclus.wijzig(levenscyclus.Wijzig(komend, gegevens(titel="Toch")), FakeActiviteitenUoW(g))
    assert fout.value.code == "activiteit_geannuleerd"
    with pytest.raises(Invalid) as fout:
        await levenscyclus.plan(levenscyclus.Plan(gegevens(organisator_id=uuid.uuid4())), FakeActiviteitenUoW(g))
    assert [p.code for p in fout.value.problemen] == ["onbekende_organisatie"]


async def test_a_stale_form_is_a_version_conflict() -> None:
    g = Geheugen()
    activiteit_id = await plan(g)
    await levenscyclus.wijzig(levenscyclus.Wijzig(activiteit_id, gegevens(titel="Nieuw"), verwachte_versie=1), FakeActiviteitenUoW(g))
    with pytest.raises(Conflict) as fout:
        await levenscyclus.wijzig(levenscyclus.Wijzig(activiteit_id, gegevens(titel="Ouder"), verwachte_versie=1), FakeActiviteitenUoW(g))
    assert fout.value.code == "versie_conflict" and fout.value.huidige_versie == 2  # type: ignore[attr-defined]


# --- attendance --------------------------------------------------------------------------------


async def test_attendance_from_the_day_itself_with_at_most_the_duration() -> None:
    g = Geheugen()
    morgen = await plan(g, start=NU + timedelta(days=1))
    vandaag = await plan(g, start=NU + timedelta(hours=2))
    an, bert = g.lid(), g.lid()
    regels = (aanwezigheid.Regel(an, True, Decimal("3.00")), aanwezigheid.Regel(bert, False, Decimal("0")))

    with pytest.raises(Conflict) as fout:
        await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(morgen, regels, "test"), FakeActiviteitenUoW(g))
    assert fout.value.code == "nog_niet_begonnen"

    te_lang = (aanwezigheid.Regel(an, True, Decimal("3.50")), aanwezigheid.Regel(bert, True, Decimal("4")))
    with pytest.raises(Invalid) as fout:
        await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(vandaag, te_lang, "test"), FakeActiviteitenUoW(g))
    assert {(p.veld, p.code) for p in fout.value.problemen} == {(f"uren_{an}", "meer_dan_duur"), (f"uren_{bert}", "meer_dan_duur")}

    onbekend = uuid.uuid4()
    with pytest.raises(Invalid) as fout:
        cmd = aanwezigheid.RegistreerAanwezigheid(vandaag, (aanwezigheid.Regel(onbekend, True, Decimal("1")),), "test")
        await aanwezigheid.registreer(cmd, FakeActiviteitenUoW(g))
    assert fout.value.code == "onbekend_lid" and fout.value.problemen[0].veld == f"aanwezig_{onbekend}"

    uow = FakeActiviteitenUoW(g)
    assert await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(vandaag, regels, "test"), uow) == 2
    assert [(e.lid_id, e.aanwezig, e.uren, e.versie) for e in uow.published] == sorted(
        [(an, True, Decimal("3.00"), 1), (bert, False, Decimal("0"), 1)]
    )
    assert all(isinstance(e, AanwezigheidGeregistreerd) and e.activiteit_id == vandaag for e in uow.published)

    # The same form again changes nothing and says nothing.
    uow = FakeActiviteitenUoW(g)
    assert await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(vandaag, regels, "test"), uow) == 0
    assert uow.committed and uow.published == []


# --- feedback ----------------------------------------------------------------------------------


async def test_feedback_once_after_the_activity_from_who_attended() -> None:
    g = Geheugen()
    activiteit_id = await plan(g, start=NU - timedelta(hours=5))
    aanwezig, afwezig = g.lid(), g.lid()
    regels = (aanwezigheid.Regel(aanwezig, True, Decimal("3.00")), aanwezigheid.Regel(afwezig, False, Decimal("0")))
    await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(activiteit_id, regels, "test"), FakeActiviteitenUoW(g))

    # Before its end: not yet, whoever asks.
    with pytest.raises(Forbidden) as fout:
        await feedback.geef(feedback.GeefFeedback(activiteit_id, aanwezig, 4, None), FakeActiviteitenUoW(g, nu=NU - timedelta(hours=3)))
    assert fout.value.code == "nog_niet_afgelopen"
    with pytest.raises(Forbidden) as fout:
        await feedback.geef(feedback.GeefFeedback(activiteit_id, afwezig, 4, None), FakeActiviteitenUoW(g))
    assert fout.value.code == "niet_aanwezig"

    uow = FakeActiviteitenUoW(g)
    feedback_id = await feedback.geef(feedback.GeefFeedback(activiteit_id, aanwezig, 4, "Heel nuttig"), uow)
    (event,) = uow.published
    assert isinstance(event, FeedbackOntvangen) and event.feedback_id == feedback_id and event.score == 4
    assert "Heel nuttig" not in event.model_dump_json()  # the text stays in registratie

    with pytest.raises(Conflict) as fout:
        await feedback.geef(feedback.GeefFeedback(activiteit_id, aanwezig, 5, None), FakeActiviteitenUoW(g))
    assert fout.value.code == "al_gegeven"
