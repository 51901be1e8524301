"""Activities, registrations with a waitlist, attendance, feedback, the public calendar and the
partner ingest (see README.md in this folder)."""

from __future__ import annotations

from .ondersteuningsvragen import ROUTES as _VRAGEN
from .ondersteuningsvragen import op_ondersteuningsnood_gesignaleerd
from .partners import op_geen_activiteit, op_partner_activiteit
from .web_api import ROUTES as _API
from .web_beheer import ROUTES as _BEHEER
from .web_publiek import ROUTES as _PUBLIEK

ROUTES = [*_PUBLIEK, *_BEHEER, *_API, *_VRAGEN]

__all__ = ["ROUTES", "op_geen_activiteit", "op_ondersteuningsnood_gesignaleerd", "op_partner_activiteit"]
