"""Browser checks for the test suites: Debian's Chromium driven by Playwright, and axe-core.

Never downloads a browser: without a system Chromium, tests marked `needs_chromium` are skipped
with a message saying how to install it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

# Without the background-networking flags Chromium keeps dialling out, which fails on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The test tiers (testing.py) recognise a browser test by this reason.
ZONDER_CHROMIUM = "Chromium ontbreekt (apt-get install chromium): toegankelijkheidstest overgeslagen"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=ZONDER_CHROMIUM)

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


async def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (needs JavaScript in the page)."""
    import axe_playwright_python

    await page.add_script_tag(content=(Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:3]} for v in result["violations"]]
