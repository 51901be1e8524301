"""The READMEs that map a package's files to their roles stay true: every file a README names
exists, and every Python file of a service's package (and of the chassis) is named by a README,
the service's own or one inside the package (a module's). Generic: a new service or module
README is checked without touching this test.

A README names a file as a code span holding its path, relative to the README's folder, to the
package, to the service's folder or to the repository (`use_cases.py`, `web/paginas.py`,
`src/kpi/store.py`, `tests/test_use_cases.py`, `chassis/src/dinet_chassis/uow.py`). A span with a placeholder (`<service>`, `…`, `*`) names no
one file and is not checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
EXTENSIONS = (".py", ".sql", ".html", ".md", ".json", ".toml", ".yaml", ".css", ".js")
SPAN = re.compile(r"`([^`\s]+)`")


# registratie's READMEs are rewritten with its rooms (issue 13, in parallel). Strict: once they
# name every file, this test says so by failing (XPASS), and this entry goes.
IN_WERK: dict[str, str] = {}


def packages() -> list:
    """(name, folder holding the top README, the Python package)."""
    found = [("chassis", ROOT / "chassis", ROOT / "chassis" / "src" / "dinet_chassis")]
    for service in sorted((ROOT / "services").iterdir()):
        package = service / "src" / service.name
        if package.is_dir():
            found.append((service.name, service, package))
    return [
        pytest.param(*p, id=p[0], marks=[pytest.mark.xfail(strict=True, reason=IN_WERK[p[0]])] if p[0] in IN_WERK else [])
        for p in found
    ]


def readmes(top: Path, package: Path) -> list[Path]:
    return [p for p in [top / "README.md", *sorted(package.rglob("README.md"))] if p.is_file()]


def named(readme: Path, top: Path, package: Path) -> list[tuple[str, list[Path]]]:
    """Each file path the README names, with the places it may be."""
    uit = []
    for span in SPAN.findall(readme.read_text(encoding="utf-8")):
        pad = span.split("::")[0].rstrip(".,:;")
        if not pad.endswith(EXTENSIONS) or any(t in pad for t in ("<", "…", "*", "{", "://")) or pad.startswith("/"):
            continue
        uit.append((pad, [readme.parent / pad, package / pad, top / pad, ROOT / pad]))
    return uit


@pytest.mark.parametrize("naam, top, package", packages())
def test_every_named_file_exists_and_every_module_is_named(naam: str, top: Path, package: Path) -> None:
    documenten = readmes(top, package)
    assert documenten, f"{naam}: geen README"
    genoemd: set[Path] = set()
    ontbrekend = []
    for readme in documenten:
        for pad, plaatsen in named(readme, top, package):
            bestaand = [p.resolve() for p in plaatsen if p.exists()]
            if not bestaand:
                ontbrekend.append(f"{readme.relative_to(ROOT)} noemt `{pad}`, dat niet bestaat")
            genoemd.update(bestaand)
    modules = [
        p for p in sorted(package.rglob("*.py"))
        if "__pycache__" not in p.parts and not (p.name == "__init__.py" and not p.read_text(encoding="utf-8").strip())
    ]
    niet_genoemd = [str(p.relative_to(ROOT)) for p in modules if p.resolve() not in genoemd]
    assert ontbrekend == [], ontbrekend
    assert niet_genoemd == [], f"{naam}: geen README zegt wat deze bestanden doen: {niet_genoemd}"
