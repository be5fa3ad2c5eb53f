"""`evreg audit` end to end: text and JSON output, errors, constructed published rows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.breakage import set_cell

from evreg import cli
from evreg.cli.audit_output import render_text
from evreg.data.package import load_package
from evreg.review import audit

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "check",
    "severity",
    "analysis",
    "subgroup_level",
    "study_id",
    "printed",
    "expected",
    "message",
}


def run_cli(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = cli.main(["audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({h: r.get(h, "") for h in header})
    path.write_text(buf.getvalue(), encoding="utf-8")


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------- command


def test_cli_json_on_shipped_package(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run_cli(
        ["--package", str(ROOT / "datapackage.json"), "--format", "json"], capsys
    )
    assert code == 0 and err == ""
    findings = json.loads(out)
    assert isinstance(findings, list) and findings
    assert all(set(f) == KEYS and f["severity"] in audit.SEVERITIES for f in findings)
    assert all(f["check"] in audit.CHECKS for f in findings)
    published = load_package(ROOT / "datapackage.json").published_results
    assert sum(f["check"] == "reproduction" for f in findings) == len(published)


def test_cli_text_and_determinism(capsys: pytest.CaptureFixture) -> None:
    _, first, _ = run_cli(["--package", str(ROOT)], capsys)
    _, second, _ = run_cli(["--package", str(ROOT)], capsys)
    assert first == second
    assert re.fullmatch(
        r"\d+ findings?: \d+ errors?, \d+ warnings?, \d+ notes?", first.splitlines()[-1]
    )


def test_cli_text_lists_errors_then_warnings_then_notes() -> None:
    findings = [
        audit.AuditFinding("q_p_vs_i2", "note", "a", None, "n", "n", "a note"),
        audit.AuditFinding("p_vs_ci", "warning", "a", None, "w", "w", "a warning"),
        audit.AuditFinding("p_vs_ci", "error", "a", None, "e", "e", "an error"),
        audit.AuditFinding("q_p_vs_i2", "note", "b", None, "n2", "n2", "another note"),
    ]
    lines = render_text(findings).splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["error", "warning", "note", "note"]
    assert lines[1].endswith("Printed w; expected w.")
    assert lines[-1] == "4 findings: 1 error, 1 warning, 2 notes"


def test_cli_bad_package_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text("{not json", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "evreg.cli", "audit", "--package", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    first, *_, last = proc.stderr.splitlines()
    assert first.startswith("datapackage.json:1: not valid JSON")  # as evreg validate says
    assert last.startswith("evreg audit: error:") and "1 validation error(s)" in last


@pytest.mark.parametrize("command", ["audit", "certainty"])
def test_cli_validates_first_and_exits_1_on_invalid_data(
    package_copy: Path, capsys: pytest.CaptureFixture, command: str
) -> None:
    """A CI that excludes its estimate is invalid data, not a note about the source review:
    nothing is audited or rated, the finding is listed as evreg validate lists it."""
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "ci_lower", "9.5")
    assert cli.main([command, "--package", str(package_copy)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"data/estimates.csv:{line}:ci_lower:" in err and "validation error" in err


def test_cli_internal_error_is_exit_3(package_copy: Path, capsys, monkeypatch) -> None:
    """A bug (any exception that is not a user-facing error): one line, exit 3, not 2."""

    def broken(package):
        raise KeyError("a bug")

    monkeypatch.setattr(audit, "audit_package", broken)
    assert cli.main(["audit", "--package", str(package_copy)]) == 3
    err = capsys.readouterr().err
    assert err == "evreg audit: internal error: KeyError: 'a bug'\n"


def test_cli_on_constructed_published_rows(
    package_copy: Path, capsys: pytest.CaptureFixture
) -> None:
    """Rows written by the test: one consistent, one with p out of line with its CI."""
    base = {
        "model": "fixed",
        "i2_percent": "0",
        "q_p_as_printed": "0.80",
        "source_url": "https://example.org",
        "source_location": "test",
    }
    rows = [
        base
        | {
            "result_id": "il6-pfs",
            "analysis_id": "il6-pfs",
            "k": "4",
            "hr": "1.50",
            "ci_lower": "1.20",
            "ci_upper": "1.88",
            "p_as_printed": "< 0.001",
        },
        base
        | {
            "result_id": "il6-os",
            "analysis_id": "il6-os",
            "k": "3",
            "hr": "1.50",
            "ci_lower": "1.20",
            "ci_upper": "1.88",
            "p_as_printed": "0.04",
        },
    ]
    write_csv(package_copy / "data" / "published_results.csv", rows)
    before = tree_digest(package_copy)
    code, out, _ = run_cli(["--package", str(package_copy), "--format", "json"], capsys)
    assert code == 0
    assert tree_digest(package_copy) == before  # the audit writes nothing
    findings = json.loads(out)
    p_ci = [f for f in findings if f["check"] == "p_vs_ci"]
    assert [f["analysis"] for f in p_ci] == ["il6-os"] and p_ci[0]["printed"] == "p 0.04"
    assert not [
        f
        for f in findings
        if f["check"] in ("q_p_vs_i2", "i2_zero_vs_q_p", "hr_vs_ci", "model_vs_rule")
    ]


def test_printed_values_keep_trailing_zeros(package_copy: Path) -> None:
    rows = [
        {
            "result_id": "il6-os",
            "analysis_id": "il6-os",
            "k": "3",
            "model": "fixed",
            "hr": "1.50",
            "ci_lower": "1.20",
            "ci_upper": "1.90",
            "p_as_printed": "0.10",
            "i2_percent": "0",
            "q_p_as_printed": "0.80",
        }
    ]
    write_csv(package_copy / "data" / "published_results.csv", rows)
    (r,) = audit.printed_published(load_package(package_copy))
    assert (r["hr"], r["ci_upper"], r["p_as_printed"]) == ("1.50", "1.90", "0.10")


def test_audit_package_results_argument() -> None:
    """Reproduction rows passed in are used as given; anything else is recomputed."""
    package = load_package(ROOT / "datapackage.json")
    rep = audit.reproduce(package)
    own = audit.audit_package(package)
    assert audit.audit_package(package, rep) == own
    assert audit.audit_package(package, object()) == own  # e.g. the site's RegistryResults
    assert audit.audit_package(package, ()) == [
        f for f in own if f.check not in ("reproduction", "two_study_direction")
    ]
