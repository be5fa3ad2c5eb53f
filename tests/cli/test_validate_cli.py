"""`evreg validate [--package PATH | PATH] [--strict] [--format text|json]`: output, exit codes,
default path, stable codes in JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.breakage import set_cell, tree_digest

from evreg import cli
from evreg.data.validate import validate_package


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_shipped_package_exits_0_and_strict_follows_warnings(root: Path, capsys) -> None:
    code, out, err = _run([str(root)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert all(": warning: " in line for line in lines)
    assert "0 error(s)" in err and f"{len(lines)} warning(s)" in err
    assert _run([str(root), "--strict"], capsys)[0] == int(bool(lines))


def test_warnings_exit_0_and_strict_exits_1(package_copy: Path, capsys) -> None:
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "p_as_printed", "0.43")
    code, out, err = _run([str(package_copy)], capsys)
    assert code == 0 and out.startswith(f"data/estimates.csv:{line}:p_as_printed: warning: ")
    assert "0 error(s), 1 warning(s)" in err
    assert _run([str(package_copy), "--strict"], capsys)[0] == 1


def test_error_line_format(package_copy: Path, capsys) -> None:
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "ci_lower", "2.61")
    code, out, _ = _run([str(package_copy)], capsys)
    assert code == 1
    assert f"data/estimates.csv:{line}:ci_lower: 2.61 is not below hr 1.62" in out.splitlines()


def test_json_format_lists_the_same_findings(package_copy: Path, capsys) -> None:
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "outcome", "DFS")
    code, out, _ = _run([str(package_copy), "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1
    assert data == [f.to_dict() for f in validate_package(package_copy)]
    assert {"code", "file", "row", "field", "message", "severity"} == set(data[0])
    hit = [d for d in data if d["field"] == "outcome"]
    assert hit == [
        {
            "code": "constraint-enum",
            "file": "data/estimates.csv",
            "row": 2,
            "field": "outcome",
            "message": "'DFS' is not one of: PFS, OS",
            "severity": "error",
        }
    ]


def test_json_findings_carry_stable_codes(package_copy: Path, capsys) -> None:
    """Scripts select findings by code and fields, not by the message's words."""
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "ci_lower", "2.61")
    code, out, _ = _run(["--package", str(package_copy), "--format", "json"], capsys)
    assert code == 1
    (hit,) = [d for d in json.loads(out) if d["code"] == "ci-excludes-estimate"]
    assert (hit["file"], hit["row"], hit["field"], hit["severity"]) == (
        "data/estimates.csv",
        line,
        "ci_lower",
        "error",
    )


def test_default_path_is_the_working_directory(package_copy: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(package_copy)
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "status", "")
    code, out, _ = _run([], capsys)
    assert code == 1 and "data/estimates.csv:2:status:" in out


def test_missing_package_is_one_clear_line(tmp_path: Path, capsys) -> None:
    code, out, err = _run([str(tmp_path / "nowhere")], capsys)
    assert code == 1
    assert out.strip() == f"{tmp_path / 'nowhere'}: file not found; expected a datapackage.json"


def test_validate_writes_nothing(package_copy: Path, capsys) -> None:
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "hr", "-2")
    before = tree_digest(package_copy)
    _run([str(package_copy), "--format", "json"], capsys)
    validate_package(package_copy)
    assert tree_digest(package_copy) == before


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_console_script(root: Path, fmt: str) -> None:
    exe = Path(sys.executable).with_name("evreg")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "evreg.cli"]
    proc = subprocess.run(
        [*cmd, "validate", str(root / "datapackage.json"), "--format", fmt],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    if fmt == "json":
        assert all(f["severity"] == "warning" for f in json.loads(proc.stdout))


def test_help_lists_every_finding_code(capsys) -> None:
    """The codes a script can select on, with severity and template, from the registry."""
    from evreg.data.validate.finding import CODES

    with pytest.raises(SystemExit):
        cli.main(["validate", "--help"])
    out = capsys.readouterr().out
    listed = re.findall(r"^  ([a-z0-9-]+) \((?:error|warning)\): ", out, re.M)
    assert listed == sorted(CODES)
    assert "  ci-level-missing (warning): empty, but a CI is given: read as 0.95;" in out
