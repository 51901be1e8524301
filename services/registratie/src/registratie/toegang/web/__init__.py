"""Every route of the toegang package, for registratie's app."""

from __future__ import annotations

from .partners import ROUTES as BEHEER_ROUTES
from .handleiding import ROUTES as HANDLEIDING_ROUTES
from .inloggen import ROUTES as INLOG_ROUTES
from .publiceren import ROUTES as PUBLICEER_ROUTES

ROUTES = [*INLOG_ROUTES, *BEHEER_ROUTES, *PUBLICEER_ROUTES, *HANDLEIDING_ROUTES]
