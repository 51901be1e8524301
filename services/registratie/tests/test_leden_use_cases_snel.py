"""leden's use cases on the fake unit of work: sign-up, the import's join path, consent changes
and erasure decisions, with an in-memory members' store. No database, no NATS: milliseconds."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from dinet_chassis.errors import Conflict, Invalid, NotFound
from dinet_chassis.uow import FakeUnitOfWork
from dinet_contracts.events.meldingen import ToestemmingGewijzigd
from dinet_contracts.events.registratie import LidContactgegevens, LidGeregistreerd, LidKennisdelingGewijzigd
from dinet_contracts.types import OrganisatieType

from registratie.kernel.datum import lees_datum
from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.leden.domain.aanmelding import NIEUWSBRIEF_TEKST, Kanaal
from registratie.leden.domain.lidmaatschap import NETWERKMAIL_TEKST, Doel, Hoe, Lid, NieuwLid, beslis_wissing
from registratie.leden.handlers import op_toestemming_gewijzigd
from registratie.leden.use_cases.aanmelden import EmailBestaatAl, LidWorden, lid_worden
from registratie.leden.use_cases.importeren import neem_rij_over
from registratie.leden.use_cases.wijzigen import LidNietGevonden, wijzig_toestemming

pytestmark = pytest.mark.unit

GENT = organisatie_id_voor_nis("44021")
# 23:30 UTC on New Year's Eve is already 1 January in Brussels.
OUDEJAARSAVOND = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)


class GeheugenLeden:
    """The members' repository in memory, with the methods the use cases call on LedenStore."""

    def __init__(self) -> None:
        self.organisaties: dict[uuid.UUID, OrganisatieType] = {GENT: OrganisatieType.LOKAAL_BESTUUR}
        self.leden: dict[uuid.UUID, Lid] = {}
        self.toestemmingsrecords: list[dict[str, Any]] = []
        self.kennisdeling: dict[uuid.UUID, list[list[date | None]]] = {}

    async def organisatie_type(self, organisatie_id: uuid.UUID) -> OrganisatieType | None:
        return self.organisaties.get(organisatie_id)

    async def voeg_toe(self, lid: NieuwLid) -> bool:
        if any(b.email == lid.email for b in self.leden.values()):
            return False
        self.leden[lid.id] = Lid(
            id=lid.id, naam=lid.naam, email=lid.email, organisatie_id=lid.organisatie_id, organisatie_naam="Gent",
            organisatie_type=lid.organisatie_type, functie=lid.functie, nieuwsbrief=lid.nieuwsbrief,
            lid_sinds=lid.lid_sinds, lid_tot=None, aangemaakt_op=OUDEJAARSAVOND,
        )
        return True

    async def lees(self, lid_id: uuid.UUID, *, voor_update: bool = False) -> Lid | None:
        return self.leden.get(lid_id)

    async def bestaat(self, lid_id: uuid.UUID) -> bool:
        return lid_id in self.leden

    async def toestemmingen(self, lid_id: uuid.UUID) -> dict[Doel, dict[str, Any] | None]:
        laatste: dict[Doel, dict[str, Any] | None] = {d: None for d in Doel}
        for r in self.toestemmingsrecords:
            if r["lid_id"] == lid_id:
                laatste[Doel(r["doel"])] = r
        return laatste

    async def leg_toestemming_vast(self, lid_id, doel, gegeven, tekst, hoe, *, wanneer=None) -> None:  # type: ignore[no-untyped-def]
        self.toestemmingsrecords.append(
            {"lid_id": lid_id, "doel": str(doel), "gegeven": gegeven, "tekst": tekst, "hoe": str(hoe), "wanneer": wanneer}
        )

    async def zet_nieuwsbrief(self, lid_id: uuid.UUID, gegeven: bool) -> None:
        self.leden[lid_id] = replace(self.leden[lid_id], nieuwsbrief=gegeven)

    async def vul_functie_aan(self, lid_id: uuid.UUID, functie: str) -> None:
        self.leden[lid_id] = replace(self.leden[lid_id], functie=functie)

    async def open_kennisdeling_sinds(self, lid_id: uuid.UUID) -> date | None:
        return next((van for van, tot in self.kennisdeling.get(lid_id, []) if tot is None), None)  # type: ignore[misc]

    async def open_kennisdeling(self, lid_id: uuid.UUID, datum: date) -> None:
        self.kennisdeling.setdefault(lid_id, []).append([datum, None])


class FakeLedenUoW(FakeUnitOfWork):
    def __init__(self, leden: GeheugenLeden | None = None) -> None:
        super().__init__(source="/dinet/registratie", clock=lambda: OUDEJAARSAVOND)
        self.leden = leden or GeheugenLeden()


def aanmelding(**anders: Any) -> dict[str, Any]:
    return {"naam": "An Peeters", "email": "An.Peeters@Gent.be", "organisatie_id": str(GENT), "nieuwsbrief": True, **anders}


# --- sign-up ------------------------------------------------------------------------------------


async def test_sign_up_stores_member_consent_and_both_events_in_one_unit() -> None:
    uow = FakeLedenUoW()
    lid_id = await lid_worden(LidWorden(aanmelding(), Kanaal.API), uow)

    assert uow.committed and not uow.rolled_back
    lid = uow.leden.leden[lid_id]
    assert (lid.email, lid.lid_sinds) == ("an.peeters@gent.be", date(2026, 1, 1))  # the Belgian day
    assert uow.leden.toestemmingsrecords == [
        {"lid_id": lid_id, "doel": "nieuwsbrief", "gegeven": True, "tekst": NIEUWSBRIEF_TEKST, "hoe": "api", "wanneer": None}
    ]
    geregistreerd, contact = uow.published
    assert isinstance(geregistreerd, LidGeregistreerd) and isinstance(contact, LidContactgegevens)
    assert (geregistreerd.lid_id, geregistreerd.organisatie_type, geregistreerd.lid_sinds) == (
        lid_id, OrganisatieType.LOKAAL_BESTUUR, date(2026, 1, 1),
    )
    assert (contact.email, contact.aanleiding, contact.nieuwsbrief) == ("an.peeters@gent.be", "registratie", True)


async def test_sign_up_names_every_wrong_field_at_once_and_stores_nothing() -> None:
    uow = FakeLedenUoW()
    with pytest.raises(Invalid) as fout:
        await lid_worden(LidWorden({"naam": " ", "email": "geen-adres", "nieuwsbrief": "ja"}, Kanaal.AANMELDFORMULIER), uow)
    assert {p.veld: p.code for p in fout.value.problemen} == {
        "naam": "verplicht", "email": "ongeldig_email", "organisatie_id": "verplicht", "nieuwsbrief": "ongeldig_type",
    }
    assert fout.value.melding == Invalid.melding  # the API's general advice, as before
    assert uow.published == [] and not uow.committed and uow.leden.leden == {}


async def test_sign_up_for_an_organisation_not_in_the_list_is_refused_and_rolled_back() -> None:
    uow = FakeLedenUoW()
    with pytest.raises(Invalid) as fout:
        await lid_worden(LidWorden(aanmelding(organisatie_id=str(uuid.uuid4())), Kanaal.API), uow)
    assert [p.code for p in fout.value.problemen] == ["onbekende_organisatie"]
    assert uow.rolled_back and uow.published == []


async def test_sign_up_with_an_address_that_is_already_a_member_is_a_conflict() -> None:
    uow = FakeLedenUoW()
    await lid_worden(LidWorden(aanmelding(), Kanaal.API), uow)
    tweede = FakeLedenUoW(uow.leden)
    with pytest.raises(EmailBestaatAl) as fout:
        await lid_worden(LidWorden(aanmelding(email="an.peeters@gent.be", naam="An"), Kanaal.AANMELDFORMULIER), tweede)
    assert isinstance(fout.value, Conflict) and fout.value.code == "email_bestaat_al"
    assert [p.veld for p in fout.value.problemen] == ["email"]
    assert tweede.rolled_back and tweede.published == [] and len(uow.leden.leden) == 1


# --- the import's join path ---------------------------------------------------------------------


def importrij(**anders: Any) -> dict[str, Any]:
    return {
        "naam": "Bram Claes", "email": "bram@gent.be", "organisatie_id": GENT, "functie": None, "nieuwsbrief": False,
        "lid_sinds": date(2019, 3, 1), "kennisdeling": True, "kennisdeling_sinds": None, **anders,
    }


async def test_an_imported_row_joins_through_the_sign_up_write_path() -> None:
    uow = FakeLedenUoW()
    async with uow:
        uitkomst = await neem_rij_over(
            uow, importrij(), None, OrganisatieType.LOKAAL_BESTUUR, tekst="uit de oude lijst", dag=date(2026, 1, 1)
        )
    assert uitkomst == "nieuw"
    (lid,) = uow.leden.leden.values()
    assert lid.lid_sinds == date(2019, 3, 1)
    assert [(r["doel"], r["gegeven"], r["tekst"], r["hoe"]) for r in uow.leden.toestemmingsrecords] == [
        ("nieuwsbrief", False, "uit de oude lijst", "import")
    ]
    assert [type(e) for e in uow.published] == [LidGeregistreerd, LidContactgegevens, LidKennisdelingGewijzigd]
    # Joined long ago: a change for meldingen, not a new registration with a welcome mail.
    assert uow.published[1].aanleiding == "wijziging"
    assert uow.published[2].datum == date(2019, 3, 1) and uow.leden.kennisdeling[lid.id] == [[date(2019, 3, 1), None]]


async def test_an_imported_row_with_an_empty_newsletter_column_records_no_consent() -> None:
    uow = FakeLedenUoW()
    async with uow:
        await neem_rij_over(uow, importrij(nieuwsbrief=None, kennisdeling=None), None, OrganisatieType.LOKAAL_BESTUUR,
                            tekst="t", dag=date(2026, 1, 1))
    assert uow.leden.toestemmingsrecords == []
    assert [type(e) for e in uow.published] == [LidGeregistreerd, LidContactgegevens]


async def test_someone_who_signed_up_meanwhile_keeps_what_they_entered() -> None:
    uow = FakeLedenUoW()
    await lid_worden(LidWorden(aanmelding(email="bram@gent.be"), Kanaal.API), uow)
    import_uow = FakeLedenUoW(uow.leden)
    async with import_uow:
        uitkomst = await neem_rij_over(import_uow, importrij(), None, OrganisatieType.LOKAAL_BESTUUR, tekst="t", dag=date(2026, 1, 1))
    assert uitkomst == "ongewijzigd" and import_uow.published == []


async def test_an_existing_member_only_gets_what_is_still_empty() -> None:
    uow = FakeLedenUoW()
    lid_id = await lid_worden(LidWorden(aanmelding(email="bram@gent.be"), Kanaal.API), uow)
    bestaand = {"id": lid_id, "email": "bram@gent.be", "functie": None, "lid_sinds": date(2026, 1, 1), "kennisdeling": False}
    import_uow = FakeLedenUoW(uow.leden)
    async with import_uow:
        uitkomst = await neem_rij_over(import_uow, importrij(functie="Coördinator", naam="Ander"), bestaand,
                                       OrganisatieType.LOKAAL_BESTUUR, tekst="t", dag=date(2026, 1, 1))
    assert uitkomst == "bijgewerkt"
    assert (uow.leden.leden[lid_id].functie, uow.leden.leden[lid_id].naam) == ("Coördinator", "An Peeters")
    assert [type(e) for e in import_uow.published] == [LidKennisdelingGewijzigd]


# --- consent ------------------------------------------------------------------------------------


async def _lid(nieuwsbrief: bool) -> tuple[GeheugenLeden, uuid.UUID]:
    uow = FakeLedenUoW()
    return uow.leden, await lid_worden(LidWorden(aanmelding(nieuwsbrief=nieuwsbrief), Kanaal.API), uow)


async def test_giving_newsletter_consent_records_the_sentence_and_tells_meldingen() -> None:
    leden, lid_id = await _lid(nieuwsbrief=False)
    uow = FakeLedenUoW(leden)
    assert await wijzig_toestemming(uow, lid_id, Doel.NIEUWSBRIEF, True, hoe=Hoe.ZELFSERVICE)
    assert leden.toestemmingsrecords[-1] | {"lid_id": None} == {
        "lid_id": None, "doel": "nieuwsbrief", "gegeven": True, "tekst": NIEUWSBRIEF_TEKST, "hoe": "zelfservice", "wanneer": None,
    }
    assert leden.leden[lid_id].nieuwsbrief
    (contact,) = uow.published
    assert isinstance(contact, LidContactgegevens) and contact.nieuwsbrief and contact.aanleiding == "wijziging"

    zelfde = FakeLedenUoW(leden)
    assert not await wijzig_toestemming(zelfde, lid_id, Doel.NIEUWSBRIEF, True, hoe=Hoe.ZELFSERVICE)
    assert zelfde.published == [] and len(leden.toestemmingsrecords) == 2


async def test_network_mail_consent_is_recorded_without_touching_the_newsletter() -> None:
    leden, lid_id = await _lid(nieuwsbrief=True)
    uow = FakeLedenUoW(leden)
    assert await wijzig_toestemming(uow, lid_id, Doel.NETWERKMAIL, True, hoe=Hoe.MEDEWERKER)
    assert (leden.toestemmingsrecords[-1]["doel"], leden.toestemmingsrecords[-1]["tekst"]) == ("netwerkmail", NETWERKMAIL_TEKST)
    assert uow.published == [] and leden.leden[lid_id].nieuwsbrief


async def test_consent_of_an_unknown_member_is_not_found() -> None:
    uow = FakeLedenUoW()
    with pytest.raises(LidNietGevonden) as fout:
        await wijzig_toestemming(uow, uuid.uuid4(), Doel.NIEUWSBRIEF, True, hoe=Hoe.ZELFSERVICE)
    assert isinstance(fout.value, NotFound) and uow.rolled_back


async def test_consent_withdrawn_in_meldingen_keeps_its_moment_and_stops_the_newsletter() -> None:
    leden, lid_id = await _lid(nieuwsbrief=True)
    wanneer = datetime(2026, 2, 3, 9, 30, tzinfo=UTC)
    e = ToestemmingGewijzigd(lid_id=lid_id, doel="nieuwsbrief", gegeven=False, tekst="Uitgeschreven via de link.",
                             hoe="afmeldlink", wanneer=wanneer)
    await op_toestemming_gewijzigd(e, FakeLedenUoW(leden), None)
    assert leden.toestemmingsrecords[-1] | {"lid_id": None} == {
        "lid_id": None, "doel": "nieuwsbrief", "gegeven": False, "tekst": "Uitgeschreven via de link.", "hoe": "afmeldlink",
        "wanneer": wanneer,
    }
    assert not leden.leden[lid_id].nieuwsbrief

    voor = len(leden.toestemmingsrecords)
    await op_toestemming_gewijzigd(replace_lid(e, uuid.uuid4()), FakeLedenUoW(leden), None)  # erased meanwhile
    assert len(leden.toestemmingsrecords) == voor


def replace_lid(e: ToestemmingGewijzigd, lid_id: uuid.UUID) -> ToestemmingGewijzigd:
    return e.model_copy(update={"lid_id": lid_id})


# --- erasure decisions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lid_sinds", "lid_tot", "open_sinds", "verwacht"),
    [
        # Still a member: the membership ends on the last day LidGewist carries, then erasure.
        (date(2024, 1, 1), None, None, (date(2026, 1, 1), True, None)),
        # Joined today or later than that day: a period never ends before it began.
        (date(2026, 1, 5), None, None, (date(2026, 1, 5), True, None)),
        # Left already: that last day stays, no second LidUitgeschreven.
        (date(2024, 1, 1), date(2025, 6, 30), None, (date(2025, 6, 30), False, None)),
        # An open period in the knowledge-sharing space closes with the membership ...
        (date(2024, 1, 1), None, date(2024, 5, 1), (date(2026, 1, 1), True, date(2026, 1, 1))),
        # ... but never before it opened.
        (date(2024, 1, 1), date(2025, 6, 30), date(2025, 9, 1), (date(2025, 6, 30), False, date(2025, 9, 1))),
    ],
)
def test_erasure_decides_the_last_day_and_what_closes(
    lid_sinds: date, lid_tot: date | None, open_sinds: date | None, verwacht: tuple[date, bool, date | None]
) -> None:
    besluit = beslis_wissing(
        lid_sinds=lid_sinds, lid_tot=lid_tot, open_kennisdeling_sinds=open_sinds, laatste_lidmaatschapsdag=date(2026, 1, 1)
    )
    assert (besluit.lid_tot, besluit.uitschrijven, besluit.kennisdeling_tot) == verwacht


# --- the one date parser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tekst", "datum"),
    [
        ("2025-01-31", date(2025, 1, 31)),
        (" 31/01/2025 ", date(2025, 1, 31)),
        ("1-2-2025", date(2025, 2, 1)),
        ("31.01.2025", date(2025, 1, 31)),
        # Two-digit years are refused, not guessed: "98" would otherwise become 2098.
        ("1-2-25", None),
        ("01/01/98", None),
        ("31/02/2025", None),
        ("morgen", None),
        ("", None),
        (None, None),
    ],
)
def test_one_date_parser_for_forms_and_files(tekst: str | None, datum: date | None) -> None:
    assert lees_datum(tekst) == datum
