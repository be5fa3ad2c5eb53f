"""The tree shows the pipeline: import direction enforced by import-linter, small modules."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "evreg"
MAX_LINES = 500  # the developers' guide: modules under 500 lines, functions under 60
MAX_FUNCTION_LINES = 60
CODE = (SRC, ROOT / "tests", ROOT / "benchmarks")
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


def _modules() -> list[Path]:
    return sorted(p for folder in CODE for p in folder.rglob("*.py"))


def test_no_module_over_the_limit() -> None:
    """No module of the package, the tests or the benchmarks over 500 lines (split by
    responsibility)."""
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules()
    }
    too_big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not too_big, f"modules over {MAX_LINES} lines: {too_big}"


def long_functions(source: str) -> dict[str, int]:
    """Each function (or method) of ``source`` over 60 lines, decorators excluded: name -> lines."""
    return {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }


def test_no_function_over_the_limit() -> None:
    """No function of the package, the tests or the benchmarks over 60 lines (name its steps)."""
    too_long = {
        f"{p.relative_to(ROOT)}:{name}": n
        for p in _modules()
        for name, n in long_functions(p.read_text(encoding="utf-8")).items()
    }
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: {too_long}"


def test_the_function_limit_counts_a_functions_lines() -> None:
    body = "".join(f"        x{i} = {i}\n" for i in range(59))
    assert long_functions(f"class C:\n    def ok(self):\n{body}") == {}  # 60 with its def
    assert long_functions(f"class C:\n    def long(self):\n{body}        y = 1\n") == {"long": 61}
