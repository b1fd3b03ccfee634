"""What the browser tests share: Debian's Chromium driven by Playwright, and where
screenshots go ($CX_ARTIFACTS_DIR, default test-artifacts/ at the repository root).

Importing this module skips the importing test module when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = sync_api.expect
# Assertions wait as long as actions do: on two busy cores (the test workers and the replay
# sharing them) a live update can take longer than Playwright's 5 s default to arrive. A pass
# is no slower; only a real failure waits the full time.
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("CX_ARTIFACTS_DIR") or ROOT / "test-artifacts")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox"])
        yield chromium
        chromium.close()
