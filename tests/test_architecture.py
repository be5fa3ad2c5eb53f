"""The tree shows the pipeline: import direction enforced by import-linter, small modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "evreg"
MAX_LINES = 600
STAGES = ("data", "stats", "review", "site", "living", "cli")


def _lint_imports() -> str:
    candidate = Path(sys.executable).with_name("lint-imports")
    found = str(candidate) if candidate.exists() else shutil.which("lint-imports")
    if not found:
        pytest.skip("import-linter not installed (pip install -e '.[test]' installs it)")
    return found


def test_import_contracts_are_kept() -> None:
    """The layers contract (cli -> living | site -> review -> stats | data) and no cycles."""
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert result.stdout.count("KEPT") >= 2


def test_one_folder_per_stage() -> None:
    """Every stage is a subpackage and no stage-prefixed flat module is left at the top."""
    for stage in STAGES:
        assert (SRC / stage / "__init__.py").is_file(), stage
    flat = sorted(p.name for p in SRC.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "errors.py"], flat


def test_no_module_over_the_limit() -> None:
    """No module over 600 lines (split by responsibility)."""
    sizes = {
        str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines())
        for p in SRC.rglob("*.py")
    }
    too_big = {name: n for name, n in sorted(sizes.items()) if n > MAX_LINES}
    assert not too_big, f"modules over {MAX_LINES} lines: {too_big}"


def test_stats_is_pure() -> None:
    """evreg.stats imports only numpy and scipy (and the standard library): no I/O stack."""
    code = (
        "import sys, evreg.stats\n"
        "bad = [m for m in ('pandas', 'frictionless', 'altair', 'mkdocs', 'evreg.data')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
