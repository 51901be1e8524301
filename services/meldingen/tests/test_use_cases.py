"""meldingen's use cases on an in-memory unit of work: what each writes, publishes and refuses.
No database, no bus, no SMTP: milliseconds each. The same flows run on the real servers in
test_nieuwsbrief.py, test_meldingen.py and test_regels_voorkeuren.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dinet_chassis.errors import Conflict, FieldProblem, Invalid, NotFound
from dinet_chassis.uow import FakeUnitOfWork
from dinet_chassis.web.fouten import FoutTabel
from dinet_chassis.web.problem import TYPE_CONFLICT, TYPE_NIET_GEVONDEN
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd, ToestemmingGewijzigd

from meldingen.domain import Token, TokenStatus, token_hash
from meldingen.domain.sjablonen import STANDAARD, Sjabloon
from meldingen.store.nieuwsbrieven import STANDAARD_BLOKKEN, Nummer
from meldingen.use_cases import contactgegevens, regels, voorkeuren
from meldingen.use_cases import nieuwsbrief as nb
from meldingen.web import FOUTCODES

pytestmark = pytest.mark.unit

NU = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LID = uuid.uuid4()


class InMemoryNieuwsbrieven:
    def __init__(self) -> None:
        self.nummers: dict[uuid.UUID, Nummer] = {}
        self.activiteiten: list[dict[str, Any]] = []

    async def maak(self, titel: str, *, blokken=None, segment=None, per_minuut: int = 600) -> uuid.UUID:
        n = Nummer(uuid.uuid4(), titel, list(blokken if blokken is not None else STANDAARD_BLOKKEN), dict(segment or {}),
                   per_minuut, "concept", None, None, None, None, None, NU)
        self.nummers[n.id] = n
        return n.id

    async def lees(self, nummer_id: uuid.UUID, *, voor_update: bool = False) -> Nummer | None:
        n = self.nummers.get(nummer_id)
        return None if n is None else Nummer(**n.as_dict())

    async def bewaar_concept(self, nummer_id, *, titel, blokken, segment, per_minuut) -> None:
        n = self.nummers[nummer_id]
        n.titel, n.blokken, n.segment, n.per_minuut, n.status, n.gepland_op = titel, blokken, segment, per_minuut, "concept", None

    async def plan(self, nummer_id, *, op, html, tekst) -> None:
        n = self.nummers[nummer_id]
        n.status, n.gepland_op, n.inhoud_html, n.inhoud_tekst = "gepland", op, html, tekst

    async def komende_activiteiten(self, van, tot, soorten) -> list[dict[str, Any]]:
        return [a for a in self.activiteiten if van < datetime.fromisoformat(a["start"]) < tot]

    async def nieuwe_praktijken(self, sinds, soorten) -> list[dict[str, Any]]:
        return []


class InMemoryTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, Token] = {}
        self.bevestigd: dict[uuid.UUID, datetime] = {}

    async def lees(self, sleutel: str, *, voor_update: bool = False) -> Token | None:
        return self.tokens.get(sleutel)

    async def gebruik(self, sleutel: str) -> None:
        t = self.tokens[sleutel]
        self.tokens[sleutel] = Token(t.lid_id, t.verloopt_op, NU, t.nieuwsbrief_gewenst)

    async def bevestig_nieuwsbrief(self, lid_id: uuid.UUID) -> datetime | None:
        if lid_id in self.bevestigd:
            return None
        self.bevestigd[lid_id] = NU
        return NU


class InMemoryVoorkeuren:
    def __init__(self) -> None:
        self.leden: dict[uuid.UUID, dict[str, Any]] = {}

    async def huidig(self, lid_id):
        return dict(self.leden[lid_id]) if lid_id in self.leden else None

    async def zet_uitnodigingen(self, lid_id, ritme):
        lid = self.leden.setdefault(lid_id, {"nieuwsbrief_gewenst": False, "uitnodigingen": None})
        vorige, lid["uitnodigingen"] = lid["uitnodigingen"], ritme
        return vorige

    async def zeg_nieuwsbrief_af(self, lid_id) -> bool:
        lid = self.leden.get(lid_id)
        if lid is None or not lid["nieuwsbrief_gewenst"]:
            return False
        lid["nieuwsbrief_gewenst"] = False
        return True


class InMemoryRegels:
    def __init__(self) -> None:
        self.regels: dict[str, tuple[bool, int | None]] = {}
        self.sjablonen: dict[str, tuple[Sjabloon, str]] = {}

    async def zet_regel(self, soort, *, actief, uren, met_uren) -> None:
        self.regels[soort] = (actief, uren if met_uren else self.regels.get(soort, (True, None))[1])

    async def bewaar_sjabloon(self, soort, sjabloon, wie) -> None:
        self.sjablonen[soort] = (sjabloon, wie)

    async def verwijder_sjabloon(self, soort) -> None:
        self.sjablonen.pop(soort, None)


class FakeMeldingenUoW(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="/dinet/meldingen", clock=lambda: NU)
        self.nieuwsbrieven = InMemoryNieuwsbrieven()
        self.tokens = InMemoryTokens()
        self.voorkeuren = InMemoryVoorkeuren()
        self.regels = InMemoryRegels()


@pytest.fixture
def uow() -> FakeMeldingenUoW:
    return FakeMeldingenUoW()


# --- newsletter -------------------------------------------------------------------------------


async def test_een_nummer_verzenden_bevriest_de_inhoud_en_plant_het_nu(uow) -> None:
    uow.nieuwsbrieven.activiteiten = [
        {"activiteit_id": str(uuid.uuid4()), "titel": "Infosessie digitaal loket",
         "start": (NU + timedelta(days=3)).isoformat(), "einde": (NU + timedelta(days=3, hours=2)).isoformat()},
    ]
    n = await nb.maak_nummer(nb.MaakNummer("Maart", blokken=[{"soort": "tekst", "markdown": "**Hallo**"}, {"soort": "activiteiten"}]), uow)
    assert n.status == "concept" and n.blokken[0]["markdown"] == "**Hallo**"

    verstuurd = await nb.verzend_nummer(nb.VerzendNummer(n.id, "https://dinet.example"), uow)

    assert verstuurd.status == "gepland" and verstuurd.gepland_op == NU
    assert "<strong>Hallo</strong>" in verstuurd.inhoud_html and "Infosessie digitaal loket" in verstuurd.inhoud_html
    assert "KOMENDE ACTIVITEITEN" in verstuurd.inhoud_tekst
    assert uow.committed and uow.published == []


async def test_wijzigen_maakt_een_gepland_nummer_weer_concept(uow) -> None:
    n = await nb.maak_nummer(nb.MaakNummer("April"), uow)
    later = NU + timedelta(days=2)
    await nb.verzend_nummer(nb.VerzendNummer(n.id, "https://dinet.example", later), uow)

    gewijzigd = await nb.wijzig_nummer(nb.WijzigNummer(n.id, "April (bis)", [], {"provincie": ["Limburg"]}, 60), uow)

    assert (gewijzigd.titel, gewijzigd.status, gewijzigd.gepland_op, gewijzigd.per_minuut) == ("April (bis)", "concept", None, 60)
    assert gewijzigd.segment == {"provincie": ["Limburg"]}


async def test_een_onbekend_nummer_en_een_verstuurd_nummer_worden_geweigerd(uow) -> None:
    onbekend = uuid.uuid4()
    with pytest.raises(NotFound) as niet:
        await nb.wijzig_nummer(nb.WijzigNummer(onbekend, "x", [], {}, 1), uow)
    with pytest.raises(NotFound):
        await nb.verzend_nummer(nb.VerzendNummer(onbekend, "https://dinet.example"), uow)
    assert niet.value.code == "onbekende_nieuwsbrief" and niet.value.problemen[0].veld == "nummer_id"

    n = await nb.maak_nummer(nb.MaakNummer("Mei"), uow)
    uow.nieuwsbrieven.nummers[n.id].status = "verzenden"
    for poging in (nb.wijzig_nummer(nb.WijzigNummer(n.id, "x", [], {}, 1), uow),
                   nb.verzend_nummer(nb.VerzendNummer(n.id, "https://dinet.example"), uow)):
        with pytest.raises(Conflict) as al:
            await poging
        assert al.value.code == "al_verstuurd" and al.value.problemen[0].veld == "status"
    assert uow.nieuwsbrieven.nummers[n.id].titel == "Mei" and uow.rolled_back


def test_de_weigeringen_geven_de_antwoorden_van_de_api_van_voordien() -> None:
    """The bodies the newsletter API gave before its refusals were domain errors (status, title,
    type, errors) stay; the chassis adds `code` and `detail` to every problem."""
    tabel = FoutTabel(FOUTCODES)

    def body(fout) -> dict:
        antwoord = tabel.probleem(fout)
        return {"status": antwoord.status_code, **json.loads(json.dumps(antwoord.content))}

    assert body(nb.onbekend(uuid.uuid4())) == {
        "status": 404, "type": TYPE_NIET_GEVONDEN, "title": "Deze nieuwsbrief bestaat niet",
        "code": "onbekende_nieuwsbrief", "detail": "Deze nieuwsbrief bestaat niet.",
        "errors": [{"veld": "nummer_id", "code": "onbekende_nieuwsbrief", "melding": "Deze nieuwsbrief bestaat niet."}],
    }
    verstuurd = body(nb.al_verstuurd())
    assert (verstuurd["status"], verstuurd["type"], verstuurd["title"], verstuurd["errors"]) == (
        409, TYPE_CONFLICT, "Deze nieuwsbrief is al (aan het) versturen en kan niet meer veranderen",
        [{"veld": "status", "code": "al_verstuurd", "melding": "Deze nieuwsbrief is al verstuurd of wordt nu verstuurd."}],
    )
    reden = "De testmail kon niet weg: 550 mailbox unavailable"
    test = body(nb.TestmailGeweigerd("testmail_geweigerd", reden, problemen=[FieldProblem("email", "testmail_geweigerd", reden)]))
    assert (test["status"], test["title"], test["detail"], test["type"]) == (502, "De testmail kon niet weg", reden, "about:blank")


# --- consent: double opt-in ---------------------------------------------------------------------


async def test_bevestigen_gebruikt_het_token_en_meldt_het_aan_registratie(uow) -> None:
    uow.tokens.tokens[token_hash("abc")] = Token(LID, NU + timedelta(days=1), None, True)

    assert await contactgegevens.bevestig_nieuwsbrief(contactgegevens.BevestigNieuwsbrief("abc"), uow) is TokenStatus.GELDIG
    assert uow.published == [NieuwsbriefInschrijvingBevestigd(lid_id=LID, bevestigd_op=NU)]
    # The link works once.
    assert await contactgegevens.bevestig_nieuwsbrief(contactgegevens.BevestigNieuwsbrief("abc"), uow) is TokenStatus.GEBRUIKT
    assert len(uow.published) == 1


async def test_een_verlopen_of_ingetrokken_token_bevestigt_niets(uow) -> None:
    uow.tokens.tokens[token_hash("oud")] = Token(LID, NU, None, True)
    uow.tokens.tokens[token_hash("nee")] = Token(LID, NU + timedelta(days=1), None, False)
    for token, status in (("oud", TokenStatus.VERLOPEN), ("nee", TokenStatus.INGETROKKEN), ("???", TokenStatus.ONBEKEND)):
        assert await contactgegevens.bevestig_nieuwsbrief(contactgegevens.BevestigNieuwsbrief(token), uow) is status
    assert uow.published == [] and uow.tokens.bevestigd == {}


# --- preferences and unsubscribing --------------------------------------------------------------


async def test_afmelden_trekt_de_nieuwsbrief_in_en_een_tweede_klik_verandert_niets(uow) -> None:
    uow.voorkeuren.leden[LID] = {"nieuwsbrief_gewenst": True, "uitnodigingen": "per_mail"}

    assert await voorkeuren.trek_in(voorkeuren.TrekIn(LID, "nieuwsbrief", "afmeldlink"), uow) is True
    assert await voorkeuren.trek_in(voorkeuren.TrekIn(LID, "nieuwsbrief", "afmeldlink"), uow) is False

    assert uow.published == [ToestemmingGewijzigd(
        lid_id=LID, doel="nieuwsbrief", gegeven=False, hoe="afmeldlink", wanneer=NU,
        tekst="Ik wil de nieuwsbrief van het netwerk digitale inclusie niet meer ontvangen.",
    )]


async def test_uitnodigingen_afmelden_heet_netwerkmail_bij_registratie(uow) -> None:
    uow.voorkeuren.leden[LID] = {"nieuwsbrief_gewenst": False, "uitnodigingen": "wekelijks"}
    assert await voorkeuren.trek_in(voorkeuren.TrekIn(LID, "uitnodigingen", "afmeldlink"), uow)
    assert [(e.doel, e.gegeven) for e in uow.published] == [("netwerkmail", False)]
    assert uow.voorkeuren.leden[LID]["uitnodigingen"] == "geen"


async def test_voorkeuren_bewaren_meldt_alleen_wat_verandert(uow) -> None:
    uow.voorkeuren.leden[LID] = {"nieuwsbrief_gewenst": True, "uitnodigingen": "per_mail"}

    await voorkeuren.bewaar_voorkeuren(voorkeuren.BewaarVoorkeuren(LID, "per_mail", nieuwsbrief_stoppen=False), uow)
    assert uow.published == []

    await voorkeuren.bewaar_voorkeuren(voorkeuren.BewaarVoorkeuren(LID, "wekelijks", nieuwsbrief_stoppen=True), uow)
    assert [(e.doel, e.gegeven, e.hoe) for e in uow.published] == [
        ("netwerkmail", True, "voorkeurenpagina"), ("nieuwsbrief", False, "voorkeurenpagina"),
    ]
    assert "één keer per week" in uow.published[0].tekst
    assert uow.voorkeuren.leden[LID] == {"nieuwsbrief_gewenst": False, "uitnodigingen": "wekelijks"}


# --- staff's rules and templates ----------------------------------------------------------------


async def test_een_regel_uitzetten_en_de_timing_van_feedback_bewaren(uow) -> None:
    await regels.bewaar_regel(regels.BewaarRegel("feedback_vraag", False, 48), uow)
    await regels.bewaar_regel(regels.BewaarRegel("welkom", True, 5), uow)
    # Only rules with a timing keep the hours.
    assert uow.regels.regels == {"feedback_vraag": (False, 48), "welkom": (True, None)}


async def test_een_sjabloon_dat_niet_werkt_wordt_met_elke_reden_geweigerd(uow) -> None:
    leeg = Sjabloon(onderwerp=" ", tekst="", html="<p>{{ naam }}</p>")
    with pytest.raises(Invalid) as fout:
        await regels.bewaar_sjabloon(regels.BewaarSjabloon("welkom", leeg, "medewerker"), uow)
    assert [(p.veld, p.code) for p in fout.value.problemen] == [("onderwerp", "verplicht"), ("tekst", "verplicht")]

    kapot = Sjabloon(onderwerp="Welkom", tekst="{% if %}", html="<p>Hallo</p>")
    with pytest.raises(Invalid) as fout:
        await regels.bewaar_sjabloon(regels.BewaarSjabloon("welkom", kapot, "medewerker"), uow)
    assert fout.value.problemen[0].code == "sjabloon_fout" and "werkt niet" in fout.value.problemen[0].melding
    assert uow.regels.sjablonen == {}

    await regels.bewaar_sjabloon(regels.BewaarSjabloon("welkom", STANDAARD["welkom"], "medewerker"), uow)
    assert uow.regels.sjablonen == {"welkom": (STANDAARD["welkom"], "medewerker")}
    await regels.herstel_sjabloon("welkom", uow)
    assert uow.regels.sjablonen == {}
