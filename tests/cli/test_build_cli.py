"""`evreg build` output: warnings as one summary line, every warning with --verbose."""

from __future__ import annotations

from pathlib import Path

import pytest

from evreg.cli import main
from evreg.data.validate import validate_package
from evreg.site.output import report_warnings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_build_prints_warnings_as_one_line(tmp_path: Path, capsys) -> None:
    warnings = [
        f for f in validate_package(str(ROOT / "datapackage.json")) if f.severity != "error"
    ]
    args = ["build", "--package", str(ROOT), "--out", str(tmp_path / "s"), "--quiet"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.startswith("built ")
    lines = err.splitlines()
    if warnings:
        n = len(warnings)
        assert lines == [f"{n} warning{'' if n == 1 else 's'}: `evreg validate` lists them"]
    else:
        assert lines == []


def test_verbose_lists_every_warning_and_quiet_counts_them(capsys) -> None:
    found = ["data/a.csv:2:x: warning: one", "data/a.csv:3:x: warning: two"]
    report_warnings(found, "`evreg validate` lists them", verbose=True)
    assert capsys.readouterr().err.splitlines() == found
    report_warnings(found, "`evreg validate` lists them", verbose=False)
    assert capsys.readouterr().err == "2 warnings: `evreg validate` lists them\n"
    report_warnings(found[:1], "see above", verbose=False)
    assert capsys.readouterr().err == "1 warning: see above\n"
    report_warnings([], "nothing", verbose=False)
    assert capsys.readouterr().err == ""
