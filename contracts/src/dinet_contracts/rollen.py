"""The platform's roles: what a signed-in person may be, the same in every service.

Which roles exist is a promise between the services (the one that signs people in writes them
into the shared cookie, the others guard their pages with them), so it lives beside the page map
(`paginas.py`), not in the chassis. The values are what the cookie and OpenID Connect's roles
claim carry: never rename one.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ROL_LABELS", "Rol"]


class Rol(StrEnum):
    MEDEWERKER = "vvsg_medewerker"
    PARTNER = "partner_redacteur"
    LID = "lid"
    STUURGROEP = "stuurgroep"
    BESTUUR = "lokaal_bestuur"


# How a page names each role (docs/woordenlijst.md).
ROL_LABELS: dict[Rol, str] = {
    Rol.MEDEWERKER: "VVSG-medewerker",
    Rol.PARTNER: "Redacteur partnerorganisatie",
    Rol.LID: "Lid",
    Rol.STUURGROEP: "Stuurgroep (alleen lezen)",
    Rol.BESTUUR: "Lokaal bestuur",
}
