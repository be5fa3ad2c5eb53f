"""`evreg build` output: warnings as one summary line, every warning with --verbose; a bad
number of chart workers (--jobs, $EVREG_WORKERS) is a clear error."""

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


@pytest.mark.parametrize("jobs", ["0", "two", "-1"])
def test_a_bad_number_of_jobs_is_a_usage_error(tmp_path: Path, capsys, jobs) -> None:
    out = tmp_path / "s"
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--package", str(ROOT), "--out", str(out), "--jobs", jobs])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--jobs" in err and "Traceback" not in err
    assert not out.exists()


def test_a_bad_evreg_workers_is_a_clear_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("EVREG_WORKERS", "many")
    out = tmp_path / "s"
    assert main(["build", "--package", str(ROOT), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "EVREG_WORKERS: 'many' is not a number of workers" in err
    assert "Traceback" not in err and not out.exists()
