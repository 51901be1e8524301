"""Every route of the leden package, for registratie's app."""

from __future__ import annotations

from .aanmelden import FOUTCODES
from .aanmelden import ROUTES as AANMELD_ROUTES
from .beheer import ROUTES as BEHEER_ROUTES
from .importeren import ROUTES as IMPORT_ROUTES
from .mijn import ROUTES as MIJN_ROUTES

ROUTES = [*AANMELD_ROUTES, *BEHEER_ROUTES, *IMPORT_ROUTES, *MIJN_ROUTES]

__all__ = ["FOUTCODES", "ROUTES"]
