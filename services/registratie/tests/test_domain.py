"""The sign-up rules and the reference data files, without servers."""

from __future__ import annotations

import uuid

from dinet_contracts.types import OrganisatieType

from registratie.kernel.organisaties import Organisatie, groepeer_per_type, organisatie_id_voor_nis
from registratie.leden.domain.aanmelding import Aanmelding, valideer_aanmelding
from registratie.kernel.referentiedata import (
    ANDERE_ORGANISATIES,
    LOKALE_BESTUREN,
    lees_andere_organisaties,
    lees_lokale_besturen,
)


def test_id_of_a_local_government_follows_the_documented_rule() -> None:
    verwacht = uuid.uuid5(uuid.NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021")
    assert organisatie_id_voor_nis("44021") == organisatie_id_voor_nis(44021) == verwacht


def test_valid_sign_up_is_cleaned() -> None:
    org = organisatie_id_voor_nis("11002")
    resultaat = valideer_aanmelding(
        {"naam": "  An   Peeters ", "email": " An@Antwerpen.BE ", "organisatie_id": str(org), "functie": ""}
    )
    assert resultaat == Aanmelding("An Peeters", "an@antwerpen.be", org, None, False)


def test_every_field_gets_its_first_problem() -> None:
    fouten = valideer_aanmelding(
        {"naam": "x" * 201, "email": "geen adres", "organisatie_id": "12", "nieuwsbrief": "ja"}
    )
    assert isinstance(fouten, list)
    assert {f.veld: f.code for f in fouten} == {
        "naam": "te_lang",
        "email": "ongeldig_email",
        "organisatie_id": "ongeldige_waarde",
        "nieuwsbrief": "ongeldig_type",
    }
    assert all(f.melding.endswith(".") for f in fouten)


def test_groups_follow_type_order_and_names_sort_without_accents() -> None:
    orgs = [
        Organisatie(uuid.uuid4(), "Zwevegem", OrganisatieType.LOKAAL_BESTUUR),
        Organisatie(uuid.uuid4(), "Mediawijs", OrganisatieType.MIDDENVELDORGANISATIE),
        Organisatie(uuid.uuid4(), "Écluse", OrganisatieType.LOKAAL_BESTUUR),
        Organisatie(uuid.uuid4(), "Interleuven", OrganisatieType.IGS),
    ]
    groepen = groepeer_per_type(orgs)
    assert [label for label, _ in groepen] == [
        "Lokaal bestuur",
        "Intergemeentelijk samenwerkingsverband (IGS)",
        "Middenveldorganisatie",
    ]
    assert [o.naam for o in groepen[0][1]] == ["Écluse", "Zwevegem"]


def test_data_files_are_complete_and_consistent() -> None:
    besturen = lees_lokale_besturen(LOKALE_BESTUREN.read_text(encoding="utf-8-sig"))
    assert len(besturen) == 285
    assert len({b.nis_code for b in besturen}) == 285
    assert len({b.id for b in besturen}) == 285
    assert {b.provincie for b in besturen} == {
        "Antwerpen",
        "Vlaams-Brabant",
        "West-Vlaanderen",
        "Oost-Vlaanderen",
        "Limburg",
    }
    for b in besturen:
        klasse = "klein" if b.inwoners < 20_000 else "middelgroot" if b.inwoners <= 50_000 else "groot"
        assert b.grootteklasse == klasse, b
    andere = lees_andere_organisaties(ANDERE_ORGANISATIES.read_text(encoding="utf-8-sig"))
    assert {a.type for a in andere} >= {"igs", "middenveldorganisatie"}
    assert not {a.id for a in andere} & {b.id for b in besturen}
