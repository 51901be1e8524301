"""Organisation ids shared across services without asking anyone."""

from __future__ import annotations

import uuid

GEMEENTE_URI = "https://data.vlaanderen.be/id/gemeente/{nis_code}"


def organisatie_id_voor_nis(nis_code: str) -> uuid.UUID:
    """The platform-wide rule for a local government's id, the same one registratie applies:
    uuid5(NAMESPACE_URL, "https://data.vlaanderen.be/id/gemeente/<NIS code>").

    Because both services derive it from the NIS code, a plan and a member of the same
    municipality meet in the KPIs without either service reading the other's data.
    """
    code = nis_code.strip()
    if not (code.isascii() and code.isdigit() and len(code) == 5):
        raise ValueError(f"een NIS-code heeft vijf cijfers, niet {nis_code!r}")
    return uuid.uuid5(uuid.NAMESPACE_URL, GEMEENTE_URI.format(nis_code=code))
