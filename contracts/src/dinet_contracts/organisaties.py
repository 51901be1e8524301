"""Organisation ids every service can compute without asking anyone.

A local government's id is a name-based UUID (v5, NAMESPACE_URL) of its gemeente URI at
data.vlaanderen.be, e.g. for Gent (NIS 44021):
uuid5(NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/44021"). Any other organisation's
id comes from the stable key in registratie's data file: uuid5(NAMESPACE_URL,
"urn:dinet:organisatie:<key>"). Because every service derives them the same way, a plan, a member
and a figure of the same municipality meet without one service reading another's data. Never
change either rule: the ids are in every stream and database.
"""

from __future__ import annotations

import uuid

__all__ = ["GEMEENTE_URI", "ORGANISATIE_URN", "organisatie_id_voor_nis", "organisatie_id_voor_sleutel"]

GEMEENTE_URI = "https://data.vlaanderen.be/id/gemeente/{nis_code}"
ORGANISATIE_URN = "urn:dinet:organisatie:{sleutel}"


def organisatie_id_voor_nis(nis_code: str | int) -> uuid.UUID:
    """The id of a local government from its NIS code (five digits; 44021 or "44021")."""
    code = str(nis_code).strip()
    # ASCII only: str.isdigit() also accepts other scripts' digits, which no NIS code has.
    if not (code.isascii() and code.isdigit() and len(code) == 5):
        raise ValueError(f"een NIS-code heeft vijf cijfers, niet {nis_code!r}")
    return uuid.uuid5(uuid.NAMESPACE_URL, GEMEENTE_URI.format(nis_code=code))


def organisatie_id_voor_sleutel(sleutel: str) -> uuid.UUID:
    """The id of any other organisation, from the stable `sleutel` in its data file."""
    return uuid.uuid5(uuid.NAMESPACE_URL, ORGANISATIE_URN.format(sleutel=sleutel.strip()))
