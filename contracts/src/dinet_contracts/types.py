"""Value types shared by several events."""

from enum import StrEnum


class OrganisatieType(StrEnum):
    LOKAAL_BESTUUR = "lokaal_bestuur"
    IGS = "igs"
    MIDDENVELDORGANISATIE = "middenveldorganisatie"
    KENNISINSTELLING = "kennisinstelling"
    BOVENLOKALE_OVERHEID = "bovenlokale_overheid"
    ANDERE = "andere"


ORGANISATIE_TYPE_LABELS: dict[OrganisatieType, str] = {
    OrganisatieType.LOKAAL_BESTUUR: "Lokaal bestuur",
    OrganisatieType.IGS: "Intergemeentelijk samenwerkingsverband (IGS)",
    OrganisatieType.MIDDENVELDORGANISATIE: "Middenveldorganisatie",
    OrganisatieType.KENNISINSTELLING: "Kennisinstelling",
    OrganisatieType.BOVENLOKALE_OVERHEID: "Bovenlokale overheid",
    OrganisatieType.ANDERE: "Andere",
}


class ActiviteitSoort(StrEnum):
    """Every kind of activity the five-year plan counts (shared/domain/kpi-catalogus.md)."""

    NETWERK_ALGEMEEN = "netwerk_algemeen"
    NETWERK_SPECIFIEK = "netwerk_specifiek"
    INFOSESSIE = "infosessie"
    INSPIRATIEDAG = "inspiratiedag"
    THEMATISCHE_OPLEIDING = "thematische_opleiding"
    MEERDAAGSE_OPLEIDING = "meerdaagse_opleiding"
    VVSG_OPLEIDING_GEINTEGREERD = "vvsg_opleiding_geintegreerd"
    SESSIE_OP_VRAAG = "sessie_op_vraag"
    ADVIESGESPREK = "adviesgesprek"
    ONDERSTEUNING_OP_MAAT = "ondersteuning_op_maat"
    GEBRUIKERSBEVRAGING = "gebruikersbevraging"
    ARTIKEL_LOKAAL = "artikel_lokaal"
    GOEDE_PRAKTIJK = "goede_praktijk"
    STUURGROEP = "stuurgroep"
    MAANDELIJKS_OVERLEG = "maandelijks_overleg"


ACTIVITEIT_SOORT_LABELS: dict[ActiviteitSoort, str] = {
    ActiviteitSoort.NETWERK_ALGEMEEN: "Netwerkbijeenkomst (algemeen)",
    ActiviteitSoort.NETWERK_SPECIFIEK: "Netwerkbijeenkomst (specifiek)",
    ActiviteitSoort.INFOSESSIE: "Infosessie",
    ActiviteitSoort.INSPIRATIEDAG: "Inspiratiedag",
    ActiviteitSoort.THEMATISCHE_OPLEIDING: "Thematische opleiding",
    ActiviteitSoort.MEERDAAGSE_OPLEIDING: "Meerdaagse opleiding",
    ActiviteitSoort.VVSG_OPLEIDING_GEINTEGREERD: "VVSG-opleiding met digitale inclusie geïntegreerd",
    ActiviteitSoort.SESSIE_OP_VRAAG: "Sessie op vraag",
    ActiviteitSoort.ADVIESGESPREK: "Adviesgesprek met een lokaal bestuur",
    ActiviteitSoort.ONDERSTEUNING_OP_MAAT: "Ondersteuningstraject op maat",
    ActiviteitSoort.GEBRUIKERSBEVRAGING: "Gebruikersbevraging",
    ActiviteitSoort.ARTIKEL_LOKAAL: "Artikel in Lokaal",
    ActiviteitSoort.GOEDE_PRAKTIJK: "Goede praktijk gepubliceerd",
    ActiviteitSoort.STUURGROEP: "Vergadering van de stuurgroep",
    ActiviteitSoort.MAANDELIJKS_OVERLEG: "Maandelijks overleg VVSG – administratie – Mediawijs",
}


class Trekker(StrEnum):
    VVSG = "vvsg"
    MEDIAWIJS = "mediawijs"
    PARTNER = "partner"


class Vorm(StrEnum):
    FYSIEK = "fysiek"
    ONLINE = "online"


class ActiviteitStatus(StrEnum):
    GEPLAND = "gepland"
    AFGELOPEN = "afgelopen"
    GEANNULEERD = "geannuleerd"
    VERPLAATST = "verplaatst"
