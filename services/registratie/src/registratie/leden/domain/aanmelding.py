"""The rules of signing up for the network, free of I/O.

Error codes are part of the API contract (clients act on them); messages are plain Dutch for
people. The same rules serve the form and the JSON API.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dinet_chassis.errors import FieldProblem
from pydantic import EmailStr, TypeAdapter, ValidationError

MAX_NAAM = 200  # LidContactgegevens.naam allows no more
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_FUNCTIE = 200

# The exact wording shown next to the checkbox; it is stored with every consent record, so a
# changed sentence is a new text, never a silent rewrite of what people agreed to.
NIEUWSBRIEF_TEKST = (
    "Ja, stuur mij de nieuwsbrief van het netwerk digitale inclusie (ongeveer één keer per maand). "
    "Ik kan me altijd weer uitschrijven."
)

class Kanaal(StrEnum):
    """How a consent was given; stored with the consent record."""

    AANMELDFORMULIER = "aanmeldformulier"
    API = "api"


@dataclass(frozen=True, slots=True)
class Aanmelding:
    naam: str
    email: str  # lowercased: one person, one membership, however they type it
    organisatie_id: uuid.UUID
    functie: str | None
    nieuwsbrief: bool


def fout_email_bestaat_al() -> FieldProblem:
    return FieldProblem(
        "email",
        "email_bestaat_al",
        "Dit e-mailadres is al lid van het netwerk. Wil je je gegevens wijzigen? Bel VVSG op 02 211 55 00.",
    )


def fout_onbekende_organisatie() -> FieldProblem:
    return FieldProblem("organisatie_id", "onbekende_organisatie", "Kies je organisatie uit de lijst.")


_EMAIL = TypeAdapter(EmailStr)


# Control characters that are not whitespace (whitespace is collapsed below): nobody types them,
# and PostgreSQL cannot even store NUL, which made such a sign-up a 500. The same class, written for
# both Python and JSON Schema regexes, documents the rule in the API.
STUURTEKENS = r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"


class OngeldigeTekens(ValueError):
    pass


def _tekst(invoer: Mapping[str, Any], veld: str) -> str | None:
    waarde = invoer.get(veld)
    if waarde is None:
        return None
    if not isinstance(waarde, str):
        raise TypeError(veld)
    schoon = " ".join(waarde.split())  # collapse stray spaces and newlines from copy-paste
    if any(unicodedata.category(c) == "Cc" for c in schoon):
        raise OngeldigeTekens(veld)
    return schoon


def valideer_aanmelding(invoer: Mapping[str, Any]) -> Aanmelding | list[FieldProblem]:
    """Check a sign-up; returns the clean sign-up, or every field's first problem.

    Whether the organisation exists is not known here (that needs the database): the caller
    checks it after this returns an Aanmelding.
    """
    fouten: list[FieldProblem] = []

    def tekst(veld: str) -> str | None:
        try:
            return _tekst(invoer, veld)
        except TypeError:
            fouten.append(FieldProblem(veld, "ongeldig_type", "Geef hier tekst op."))
            return None
        except OngeldigeTekens:
            fouten.append(FieldProblem(veld, "ongeldige_tekens", "Gebruik gewone tekst, zonder stuurtekens."))
            return None

    naam = tekst("naam")
    if not any(f.veld == "naam" for f in fouten):
        if not naam:
            fouten.append(FieldProblem("naam", "verplicht", "Vul je naam in."))
        elif len(naam) > MAX_NAAM:
            fouten.append(FieldProblem("naam", "te_lang", f"Je naam mag hoogstens {MAX_NAAM} tekens lang zijn."))

    email = tekst("email")
    if not any(f.veld == "email" for f in fouten):
        if not email:
            fouten.append(FieldProblem("email", "verplicht", "Vul je e-mailadres in."))
        elif len(email) > MAX_EMAIL:
            fouten.append(FieldProblem("email", "te_lang", f"Een e-mailadres heeft hoogstens {MAX_EMAIL} tekens."))
        else:
            try:
                email = _EMAIL.validate_python(email).lower()
            except ValidationError:
                fouten.append(
                    FieldProblem("email", "ongeldig_email", "Geef een geldig e-mailadres, zoals naam@gemeente.be.")
                )

    organisatie_id: uuid.UUID | None = None
    ruwe_org = invoer.get("organisatie_id")
    if ruwe_org is None or (isinstance(ruwe_org, str) and not ruwe_org.strip()):
        fouten.append(FieldProblem("organisatie_id", "verplicht", "Kies je organisatie."))
    elif isinstance(ruwe_org, uuid.UUID):
        organisatie_id = ruwe_org
    elif not isinstance(ruwe_org, str):
        fouten.append(FieldProblem("organisatie_id", "ongeldig_type", "Geef de id van de organisatie als tekst."))
    else:
        try:
            organisatie_id = uuid.UUID(ruwe_org.strip())
        except ValueError:
            fouten.append(FieldProblem("organisatie_id", "ongeldige_waarde", "Kies je organisatie uit de lijst."))

    functie = tekst("functie")
    if functie and len(functie) > MAX_FUNCTIE:
        fouten.append(FieldProblem("functie", "te_lang", f"Je functie mag hoogstens {MAX_FUNCTIE} tekens lang zijn."))

    nieuwsbrief = invoer.get("nieuwsbrief", False)
    if nieuwsbrief is None:
        nieuwsbrief = False
    if not isinstance(nieuwsbrief, bool):
        fouten.append(FieldProblem("nieuwsbrief", "ongeldig_type", "Geef true of false."))

    if fouten:
        return fouten
    assert naam and email and organisatie_id is not None
    return Aanmelding(
        naam=naam,
        email=email,
        organisatie_id=organisatie_id,
        functie=functie or None,
        nieuwsbrief=bool(nieuwsbrief),
    )
