"""Shared fixtures: the shipped package (checked only against itself), a synthetic package the
tests build and break (fixtures.synthetic: fictional data, the repository's schemas), and tool
availability. Nothing here or in any test reads outside the repository."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from fixtures.r_reference import LIVE as R_LIVE
from fixtures.synthetic import write_package

ROOT = Path(__file__).resolve().parents[1]
_OWN_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """One chart cache for the whole run: the first build renders everything afresh, later
    builds (in any worker: pytest-xdist workers inherit the variable) reuse it; the site tests
    check that a --no-cache build is byte-identical. Removed at the end of the run."""
    if hasattr(config, "workerinput") or "EVREG_CACHE_DIR" in os.environ:
        return
    os.environ["EVREG_CACHE_DIR"] = tempfile.mkdtemp(prefix="evreg-test-cache-")
    _OWN_CACHE.append(os.environ["EVREG_CACHE_DIR"])


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _OWN_CACHE:
        shutil.rmtree(path, ignore_errors=True)
        os.environ.pop("EVREG_CACHE_DIR", None)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A fresh synthetic package (fixtures.synthetic) to edit or break; returns its dir."""
    return write_package(tmp_path / "pkg", changelog=False)


HAS_CHROMIUM = Path("/usr/bin/chromium").exists()

# R with metafor runs the comparisons live; without it they read the committed outputs
# (fixtures.r_reference), and only the tests that check those outputs against R skip.
needs_r = pytest.mark.skipif(
    not R_LIVE,
    reason="R with metafor not found or EVREG_R=stored (.ci/setup installs R): the R "
    "comparisons read the committed outputs in tests/stats/r_reference/",
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
