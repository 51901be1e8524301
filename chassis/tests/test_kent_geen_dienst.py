"""The chassis knows no service: no service's name, page or role is written in its code. What the
platform promises the services (sign-in page, roles, who issues partner users) comes from
`dinet_contracts`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dinet_contracts.topology import SERVICES

pytestmark = pytest.mark.unit

CHASSIS = Path(__file__).resolve().parents[1] / "src" / "dinet_chassis"


def test_no_service_name_in_the_chassis_source() -> None:
    patroon = re.compile(r"\b(" + "|".join(SERVICES) + r")\b")
    gevonden = []
    for bestand in sorted(CHASSIS.rglob("*")):
        if not bestand.is_file() or bestand.suffix not in {".py", ".html", ".sql", ".css"}:
            continue
        for nummer, regel in enumerate(bestand.read_text(encoding="utf-8").splitlines(), 1):
            if patroon.search(regel):
                gevonden.append(f"{bestand.relative_to(CHASSIS)}:{nummer}: {regel.strip()}")
    assert gevonden == []


def test_roles_and_sign_in_page_are_the_platforms() -> None:
    from dinet_contracts import paginas, rollen

    from dinet_chassis.web import auth

    assert auth.Rol is rollen.Rol and auth.ROL_LABELS is rollen.ROL_LABELS
    assert auth.INLOGPAD == paginas.INLOGGEN
