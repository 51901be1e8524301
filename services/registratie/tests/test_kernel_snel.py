"""The shared kernel stays shared: it imports none of registratie's parts (they import it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import registratie.kernel

pytestmark = pytest.mark.unit

DELEN = {"leden", "activiteiten", "toegang"}


def test_the_kernel_imports_no_part() -> None:
    kernel = Path(registratie.kernel.__file__).parent
    gevonden = []
    for bestand in sorted(kernel.glob("*.py")):
        for knoop in ast.walk(ast.parse(bestand.read_text())):
            if isinstance(knoop, ast.ImportFrom):
                # `from ..leden import x` (level 2) or `from registratie.leden import x`
                delen = (knoop.module or "").split(".")
                naam = delen[0] if knoop.level == 2 else (delen[1] if delen[0] == "registratie" and len(delen) > 1 else "")
                if naam in DELEN or (knoop.level == 2 and not knoop.module and {a.name for a in knoop.names} & DELEN):
                    gevonden.append(f"{bestand.name}:{knoop.lineno}")
    assert gevonden == []
