"""The KPI catalogue as data: which facts each indicator counts, and how it can be split.

One row per indicator of the multi-year plan (and the two governance commitments), with the ids
of the catalogue. The rules *how* facts are counted live in `domain.py`; `store.py` turns a row
of this table into SQL. Targets are not here: they are data in the database (seeded from the
catalogue, changed by staff through events).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dinet_contracts.types import (
    ACTIVITEIT_SOORT_LABELS,
    ORGANISATIE_TYPE_LABELS,
    ActiviteitSoort,
    OrganisatieType,
    Trekker,
    Vorm,
)

# The five calendar years of the plan (baseline June 2024).
PLANJAREN: tuple[int, ...] = (2025, 2026, 2027, 2028, 2029)


class Bron(StrEnum):
    """Which facts an indicator is computed from."""

    LEDEN = "leden"  # active network memberships on the reference date
    BESTUREN = "besturen"  # distinct local governments / IGS with an active member
    KENNISDELING = "kennisdeling"  # members of the online knowledge-sharing space
    ACTIVITEITEN = "activiteiten"  # activities held in the year
    UREN = "uren"  # participant hours at activities held in the year
    OP_MAAT = "op_maat"  # distinct local governments in tailored support
    NIEUWSBRIEVEN = "nieuwsbrieven"  # newsletter issues sent


class Dimensie(StrEnum):
    ORGANISATIETYPE = "organisatietype"
    GROOTTEKLASSE = "grootteklasse"
    PROVINCIE = "provincie"
    ORGANISATOR = "organisator"
    TREKKER = "trekker"
    VORM = "vorm"


DIMENSIE_LABELS: dict[Dimensie, str] = {
    Dimensie.ORGANISATIETYPE: "Type organisatie",
    Dimensie.GROOTTEKLASSE: "Grootteklasse lokaal bestuur",
    Dimensie.PROVINCIE: "Provincie",
    Dimensie.ORGANISATOR: "Organisator",
    Dimensie.TREKKER: "Trekker",
    Dimensie.VORM: "Online of fysiek",
}

_PERSONEN = (Dimensie.ORGANISATIETYPE, Dimensie.GROOTTEKLASSE, Dimensie.PROVINCIE)
_ACTIVITEITEN = (*_PERSONEN, Dimensie.ORGANISATOR, Dimensie.TREKKER, Dimensie.VORM)

# What each split means depends on the facts: a member's organisation, an activity's organiser,
# an attendee's organisation, the local government that was supported.
DIMENSIES_PER_BRON: dict[Bron, tuple[Dimensie, ...]] = {
    Bron.LEDEN: _PERSONEN,
    Bron.BESTUREN: _PERSONEN,
    Bron.KENNISDELING: _PERSONEN,
    Bron.ACTIVITEITEN: _ACTIVITEITEN,
    Bron.UREN: _ACTIVITEITEN,
    Bron.OP_MAAT: _ACTIVITEITEN,
    Bron.NIEUWSBRIEVEN: (),
}

SPLITS_UITLEG: dict[Bron, str] = {
    Bron.LEDEN: "Type, grootteklasse en provincie zijn die van de organisatie waar het lid op de peildatum werkt.",
    Bron.BESTUREN: "Type, grootteklasse en provincie zijn die van het vertegenwoordigde bestuur.",
    Bron.KENNISDELING: "Type, grootteklasse en provincie zijn die van de organisatie van het lid.",
    Bron.ACTIVITEITEN: "Type, grootteklasse en provincie zijn die van de organisator van de activiteit.",
    Bron.UREN: "Type, grootteklasse en provincie zijn die van de organisatie van de deelnemer.",
    Bron.OP_MAAT: "Grootteklasse en provincie zijn die van het ondersteunde lokale bestuur.",
    Bron.NIEUWSBRIEVEN: "",
}

TREKKER_LABELS: dict[str, str] = {Trekker.VVSG: "VVSG", Trekker.MEDIAWIJS: "Mediawijs", Trekker.PARTNER: "Partner"}
VORM_LABELS: dict[str, str] = {Vorm.FYSIEK: "Fysiek", Vorm.ONLINE: "Online"}
GROOTTEKLASSE_LABELS: dict[str, str] = {
    "klein": "Klein (minder dan 20.000 inwoners)",
    "middelgroot": "Middelgroot (20.000 tot 50.000 inwoners)",
    "groot": "Groot (meer dan 50.000 inwoners)",
}
ONBEKEND = "Onbekend"


def waarde_label(dimensie: Dimensie, waarde: str | None) -> str:
    if waarde is None or waarde == "":
        return ONBEKEND
    match dimensie:
        case Dimensie.ORGANISATIETYPE:
            try:
                return ORGANISATIE_TYPE_LABELS[OrganisatieType(waarde)]
            except ValueError:
                return waarde
        case Dimensie.GROOTTEKLASSE:
            return GROOTTEKLASSE_LABELS.get(waarde, waarde)
        case Dimensie.TREKKER:
            return TREKKER_LABELS.get(waarde, waarde)
        case Dimensie.VORM:
            return VORM_LABELS.get(waarde, waarde)
    return waarde


def soort_label(soort: str) -> str:
    try:
        return ACTIVITEIT_SOORT_LABELS[ActiviteitSoort(soort)]
    except ValueError:
        return soort


@dataclass(frozen=True)
class Kpi:
    id: str
    od: str
    label: str
    kort: str  # fits on one line of a chart
    bron: Bron
    soorten: tuple[ActiviteitSoort, ...] = ()
    trekker: Trekker | None = None
    vorm: Vorm | None = None
    # Trainings others lead count only where VVSG contributed (or led them itself).
    vvsg_betrokken: bool = False
    lijst: bool = False  # an "overview" KPI: a list of records plus their count
    eenheid: str = "aantal"  # or "uren"

    @property
    def dimensies(self) -> tuple[Dimensie, ...]:
        return DIMENSIES_PER_BRON[self.bron]


S = ActiviteitSoort

KPIS: tuple[Kpi, ...] = (
    Kpi("od11_leden", "1.1", "Aantal leden van het netwerk", "Leden van het netwerk", Bron.LEDEN),
    Kpi(
        "od11_besturen",
        "1.1",
        "Aantal vertegenwoordigde lokale besturen en intergemeentelijke samenwerkingsverbanden",
        "Lokale besturen en IGS",
        Bron.BESTUREN,
        lijst=True,
    ),
    Kpi(
        "od11_bijeenkomsten",
        "1.1",
        "Aantal bijeenkomsten van het netwerk",
        "Netwerkbijeenkomsten",
        Bron.ACTIVITEITEN,
        (S.NETWERK_ALGEMEEN, S.NETWERK_SPECIFIEK),
        lijst=True,
    ),
    Kpi("od11_algemeen", "1.1", "Algemene bijeenkomsten", "Algemene bijeenkomsten", Bron.ACTIVITEITEN, (S.NETWERK_ALGEMEEN,), lijst=True),
    Kpi(
        "od11_specifiek",
        "1.1",
        "Specifieke bijeenkomsten (thematisch of voor een doelgroep)",
        "Specifieke bijeenkomsten",
        Bron.ACTIVITEITEN,
        (S.NETWERK_SPECIFIEK,),
        lijst=True,
    ),
    Kpi("od11_kennisdeling", "1.1", "Aantal leden van de online kennisdeling", "Leden online kennisdeling", Bron.KENNISDELING),
    Kpi(
        "od12_infosessies",
        "1.2",
        "Overzicht van infosessies (VVSG trekker)",
        "Infosessies (VVSG)",
        Bron.ACTIVITEITEN,
        (S.INFOSESSIE,),
        trekker=Trekker.VVSG,
        lijst=True,
    ),
    Kpi(
        "od12_deelnemersuren",
        "1.2",
        "Deelnemersuren aan infosessies (VVSG trekker)",
        "Deelnemersuren infosessies",
        Bron.UREN,
        (S.INFOSESSIE,),
        trekker=Trekker.VVSG,
        eenheid="uren",
    ),
    Kpi(
        "od12_inspiratiedag_fysiek",
        "1.2",
        "Fysieke inspiratiedag",
        "Fysieke inspiratiedag",
        Bron.ACTIVITEITEN,
        (S.INSPIRATIEDAG,),
        vorm=Vorm.FYSIEK,
        lijst=True,
    ),
    Kpi(
        "od12_inspiratiedag_online",
        "1.2",
        "Online inspiratiedag",
        "Online inspiratiedag",
        Bron.ACTIVITEITEN,
        (S.INSPIRATIEDAG,),
        vorm=Vorm.ONLINE,
        lijst=True,
    ),
    Kpi(
        "od13_goede_praktijken",
        "1.3",
        "Overzicht goede praktijken op de website",
        "Goede praktijken",
        Bron.ACTIVITEITEN,
        (S.GOEDE_PRAKTIJK,),
        lijst=True,
    ),
    Kpi("od13_nieuwsbrieven", "1.3", "Aantal verzonden nieuwsbrieven digitale inclusie", "Nieuwsbrieven", Bron.NIEUWSBRIEVEN, lijst=True),
    Kpi(
        "od13_artikels",
        "1.3",
        "Overzicht gepubliceerde artikels in Lokaal",
        "Artikels in Lokaal",
        Bron.ACTIVITEITEN,
        (S.ARTIKEL_LOKAAL,),
        lijst=True,
    ),
    Kpi(
        "od13_op_vraag",
        "1.3",
        "Gegeven infosessies, presentaties en workshops op vraag",
        "Sessies op vraag",
        Bron.ACTIVITEITEN,
        (S.SESSIE_OP_VRAAG,),
        lijst=True,
    ),
    Kpi(
        "od21_meerdaagse",
        "2.1",
        "Overzicht meerdaagse opleidingen waar VVSG aan meewerkte",
        "Meerdaagse opleidingen",
        Bron.ACTIVITEITEN,
        (S.MEERDAAGSE_OPLEIDING,),
        vvsg_betrokken=True,
        lijst=True,
    ),
    Kpi(
        "od22_thematisch",
        "2.2",
        "Overzicht thematische opleidingen voor medewerkers van lokale besturen",
        "Thematische opleidingen",
        Bron.ACTIVITEITEN,
        (S.THEMATISCHE_OPLEIDING,),
        lijst=True,
    ),
    Kpi(
        "od22_geintegreerd",
        "2.2",
        "VVSG-opleidingen waarin digitale inclusie geïntegreerd werd",
        "Opleidingen met digitale inclusie",
        Bron.ACTIVITEITEN,
        (S.VVSG_OPLEIDING_GEINTEGREERD,),
        lijst=True,
    ),
    Kpi(
        "od22_deelnemersuren",
        "2.2",
        "Deelnemersuren thematische opleidingen",
        "Deelnemersuren opleidingen",
        Bron.UREN,
        (S.THEMATISCHE_OPLEIDING,),
        eenheid="uren",
    ),
    Kpi(
        "od31_bevragingen",
        "3.1",
        "Gebruikersbevragingen bij lokale besturen over tools",
        "Gebruikersbevragingen",
        Bron.ACTIVITEITEN,
        (S.GEBRUIKERSBEVRAGING,),
        lijst=True,
    ),
    Kpi(
        "od32_adviesgesprekken",
        "3.2",
        "Aantal adviesgesprekken met lokale besturen",
        "Adviesgesprekken",
        Bron.ACTIVITEITEN,
        (S.ADVIESGESPREK,),
        lijst=True,
    ),
    Kpi(
        "od33_op_maat",
        "3.3",
        "Lokale besturen die ondersteuning op maat kregen",
        "Ondersteuning op maat",
        Bron.OP_MAAT,
        (S.ONDERSTEUNING_OP_MAAT,),
        lijst=True,
    ),
    Kpi(
        "gov_stuurgroep",
        "bestuur",
        "Vergaderingen van de stuurgroep digitale inclusie (trekker: Agentschap Binnenlands Bestuur)",
        "Vergaderingen stuurgroep",
        Bron.ACTIVITEITEN,
        (S.STUURGROEP,),
        lijst=True,
    ),
    Kpi(
        "gov_overleg",
        "bestuur",
        "Overleg VVSG – administratie – Mediawijs",
        "Overleg VVSG, administratie, Mediawijs",
        Bron.ACTIVITEITEN,
        (S.MAANDELIJKS_OVERLEG,),
        lijst=True,
    ),
)

KPI_PER_ID: dict[str, Kpi] = {k.id: k for k in KPIS}

# The 285 Flemish municipalities since 1 January 2025, per province (public municipality list).
GEMEENTEN_PER_PROVINCIE: dict[str, int] = {
    "Antwerpen": 67,
    "Limburg": 38,
    "Oost-Vlaanderen": 55,
    "Vlaams-Brabant": 63,
    "West-Vlaanderen": 62,
}
VLAAMSE_GEMEENTEN = sum(GEMEENTEN_PER_PROVINCIE.values())
