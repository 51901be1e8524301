"""Every route of the leden package, for registratie's app."""

from __future__ import annotations

from .web_beheer import ROUTES as BEHEER_ROUTES
from .web_import import ROUTES as IMPORT_ROUTES
from .web_mijn import ROUTES as MIJN_ROUTES

ROUTES = [*BEHEER_ROUTES, *IMPORT_ROUTES, *MIJN_ROUTES]
