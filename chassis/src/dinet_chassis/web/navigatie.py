"""Who is signed in and which tasks they have: the template globals behind every page's header.

The chassis knows no service: the addresses and the menu per role come from a page map the
platform passes in (by default `dinet_contracts.paginas`, shared by every service like the event
contracts). A page map needs `INLOGGEN`, `UITLOGGEN`, `TOEGANKELIJKHEID`, `KALENDER`,
`LID_WORDEN` and `menu(rollen) -> [(href, text)]`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from dinet_contracts import paginas as _platform


def standaard() -> ModuleType:
    return _platform


def template_globals(navigatie: Any = None) -> dict[str, Any]:
    kaart = navigatie if navigatie is not None else _platform

    def menu_voor(wie: Any) -> list[tuple[str, str]]:
        rollen = [str(getattr(r, "value", r)) for r in getattr(wie, "rollen", ())] if wie is not None else []
        return list(kaart.menu(rollen))

    return {"paginakaart": kaart, "menu_voor": menu_voor}
