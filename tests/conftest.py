"""Shared fixtures: the shipped package, copies of it to break, and tool availability."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A fresh copy of the shipped package (datapackage.json, schemas/, data/); returns its dir."""
    dest = tmp_path / "pkg"
    dest.mkdir()
    shutil.copy2(ROOT / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    shutil.copytree(ROOT / "data", dest / "data")
    return dest


def _has_r() -> bool:
    if not shutil.which("Rscript"):
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('metafor', quietly = TRUE))"],
        capture_output=True,
    )
    return probe.returncode == 0


HAS_R = _has_r()
HAS_CHROMIUM = Path("/usr/bin/chromium").exists()

needs_r = pytest.mark.skipif(
    not HAS_R, reason="R with metafor not installed (.ci/setup installs it)"
)
needs_chromium = pytest.mark.skipif(
    not HAS_CHROMIUM, reason="/usr/bin/chromium not installed (.ci/setup installs it)"
)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's), one per test session, for the browser tests of the site."""
    from fixtures.browser import ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()
