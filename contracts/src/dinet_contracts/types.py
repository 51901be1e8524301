"""Value types shared by several events."""

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError


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


# --- value types with their rules: one definition serves the model, the JSON Schema and the API

# RFC 3339 `date-time` (what JSON Schema's format means), with the offset that RFC makes
# mandatory. The same text is the schema's `pattern`, so validators that treat `format` as a mere
# annotation refuse the same strings as the model. ASCII digits only, as in ECMA-262 regexes.
RFC3339_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(RFC3339_PATTERN)
_OFFSET = re.compile(r"([Zz]|[+-][0-9]{2}:?[0-9]{2})$")


def _rfc3339(waarde: Any) -> Any:
    if isinstance(waarde, str):
        if not _RFC3339.match(waarde):
            if _OFFSET.search(waarde) is None:
                # Read without an offset, 10:00 would silently become 10:00 UTC (11:00 here).
                raise PydanticCustomError(
                    "tijdzone_ontbreekt",
                    "Geef het tijdstip met tijdzone, bv. 2027-01-05T10:00:00+01:00 of 2027-01-05T09:00:00Z.",
                )
            raise PydanticCustomError(
                "ongeldig_tijdstip", "Geef een tijdstip volgens RFC 3339, bv. 2027-01-05T10:00:00+01:00."
            )
    elif isinstance(waarde, (int, float)) and not isinstance(waarde, bool):
        # pydantic would read a number as a Unix time; the schema promises a string.
        raise PydanticCustomError(
            "ongeldig_tijdstip", "Geef een tijdstip volgens RFC 3339, bv. 2027-01-05T10:00:00+01:00."
        )
    return waarde


Tijdstip = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN}),
]
"""A moment with its UTC offset; a time without one is refused, never guessed."""

# numeric(6, 2) in the services' tables: at most 9999.99 hours, never negative. As text (how the
# models write it) at most four digits before and two after the point.
UREN_PATTERN = r"^[0-9]{1,4}(\.[0-9]{1,2})?$"
_UREN = re.compile(UREN_PATTERN)


def _uren(waarde: Any) -> Any:
    # Decimal() would also read "1e2" or " 3 "; the schema promises plain digits.
    if isinstance(waarde, str) and not _UREN.match(waarde):
        raise PydanticCustomError(
            "ongeldig_getal", 'Geef het aantal uren als getal van 0 tot 9999.99, bv. "3" of "1.5".'
        )
    return waarde


Uren = Annotated[
    Decimal,
    BeforeValidator(_uren),
    Field(ge=0, max_digits=6, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 9999.99},
                {"type": "string", "pattern": UREN_PATTERN},
            ]
        }
    ),
]
"""A number of hours, as the KPIs count them."""
