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
