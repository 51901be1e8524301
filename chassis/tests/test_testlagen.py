"""The test tiers are marked at collection: `-m unit` selects exactly the tests that need no
server, whatever folder they are in, unless they are process tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # it starts a pytest of its own

TESTS = {
    "conftest.py": (
        'pytest_plugins = ["dinet_chassis.testing"]\n\n'
        "def pytest_collection_finish(session):\n"
        "    for item in session.items:\n"
        "        lagen = sorted(m.name for m in item.iter_markers() if m.name in {'unit', 'integration', 'browser'})\n"
        "        print('LAAG', item.name, ','.join(lagen))\n"
    ),
    "svc/test_svc.py": (
        "def test_snel():\n    pass\n\n"
        "def test_op_databank(database_url):\n    pass\n"
    ),
    "tests/test_proces.py": (
        "import pytest\n\n"
        "def test_start_processen():\n    pass\n\n"
        "@pytest.mark.unit\ndef test_snel_met_de_hand():\n    pass\n"
    ),
    "svc/test_browser.py": "from dinet_chassis.browser import needs_chromium\npytestmark = needs_chromium\n\ndef test_axe():\n    pass\n",
}


def test_each_test_lands_in_one_tier(tmp_path: Path) -> None:
    for naam, inhoud in TESTS.items():
        (tmp_path / naam).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / naam).write_text(inhoud, encoding="utf-8")
    uit = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-s", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    lagen = dict(regel.split()[1:3] for regel in uit.stdout.splitlines() if regel.startswith("LAAG "))
    assert lagen == {
        "test_snel": "unit",
        "test_op_databank": "integration",
        "test_start_processen": "integration",
        "test_snel_met_de_hand": "unit",
        "test_axe": "browser",
    }, uit.stdout + uit.stderr
