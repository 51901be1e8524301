"""The platform's page map: where a person signs in and out, and which tasks each role finds in
the menu of every page.

Services never import each other, yet every page must show the same header and the same menu.
So the addresses the services promise each other live here, beside the event contracts, and the
chassis renders them without knowing any service. A new page a role needs daily belongs in
`MENU`; the words follow docs/woordenlijst.md.

Roles are the values of `dinet_contracts.rollen.Rol`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

INLOGGEN = "/registratie/inloggen"
UITLOGGEN = "/registratie/uitloggen"
LID_WORDEN = "/registratie/lid-worden"
KALENDER = "/registratie/kalender"
LID_INLOGGEN = "/registratie/mijn/inloggen"
TOEGANKELIJKHEID = "/registratie/toegankelijkheid"
PRIVACY = "/registratie/privacy"
HOME = "/"

Link = tuple[str, str]  # (address, text)

# What anyone sees, signed in or not.
PUBLIEK: Sequence[Link] = (
    (HOME, "Start"),
    (KALENDER, "Kalender"),
    (LID_WORDEN, "Lid worden"),
)

# Per role its daily tasks; the first is the role's home, where it lands after signing in.
MENU: Mapping[str, Sequence[Link]] = {
    "vvsg_medewerker": (
        ("/registratie/leden", "Leden"),
        ("/registratie/beheer/activiteiten", "Activiteiten"),
        ("/registratie/leden/import", "Importeren"),
        ("/registratie/beheer/partners", "Partners"),
        ("/kpi/", "Kerncijfers"),
        ("/meldingen/", "Mails"),
    ),
    "stuurgroep": (
        ("/kpi/", "Kerncijfers"),
        ("/kpi/rapport", "Jaarrapport"),
    ),
    "lokaal_bestuur": (("/beleidsplan/", "Beleidsplannen"),),
    "partner_redacteur": (
        ("/registratie/beheer/activiteiten", "Onze activiteiten"),
        ("/registratie/partners/handleiding", "Koppelen met je systeem"),
    ),
    "lid": (
        ("/registratie/mijn/inschrijvingen", "Mijn inschrijvingen"),
        (KALENDER, "Kalender"),
        ("/registratie/mijn/gegevens", "Mijn gegevens"),
    ),
}

# Roles in the order their home wins when a person has several.
_VOORRANG = ("vvsg_medewerker", "stuurgroep", "lokaal_bestuur", "partner_redacteur", "lid")


def menu(rollen: Iterable[str]) -> list[Link]:
    """The tasks of every role a person has, each address once; the public entries when none."""
    gekend = {str(r) for r in rollen}
    links: list[Link] = []
    gezien: set[str] = set()
    for rol in _VOORRANG:
        if rol not in gekend:
            continue
        for href, tekst in MENU.get(rol, ()):
            if href not in gezien:
                gezien.add(href)
                links.append((href, tekst))
    return links or list(PUBLIEK)


def thuis(rollen: Iterable[str]) -> str:
    """Where a person lands after signing in when they came from nowhere in particular."""
    gekend = {str(r) for r in rollen}
    for rol in _VOORRANG:
        if rol in gekend and MENU.get(rol):
            return MENU[rol][0][0]
    return HOME
