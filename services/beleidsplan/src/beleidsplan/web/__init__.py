"""beleidsplan's web layer: pages (paginas.py), the JSON API (api.py), the self-assessment
(zelfevaluatie.py), who may see and change a plan (toegang.py) and the exports (export.py).
Thin: read the form or body, call a use case (use_cases.py) with a unit of work from
`diensten`, render the answer."""

from __future__ import annotations

from .api import ROUTES as _API
from .paginas import ROUTES as _PAGINAS
from .zelfevaluatie import ROUTES as _ZELFEVALUATIE

ROUTES = [*_PAGINAS, *_ZELFEVALUATIE, *_API]
