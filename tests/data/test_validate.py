"""`evreg validate` as a whole: what holds for the shipped package whatever its data, the
synthetic package the tests build is clean, and the registry of finding codes. Each check
family's broken copies are in test_validate_numbers, _studies, _plan and _schema; the optional
resources' and every code's coverage in test_validate_codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.validate_cases import EST

from evreg.data.validate import Finding, exit_code, validate_package
from evreg.data.validate.finding import CODES, code_table, register


def test_shipped_package_has_no_errors(root: Path) -> None:
    """Derived from the data alone: whatever it holds, the shipped package has no error, and
    --strict fails exactly when it has warnings."""
    findings = validate_package(root)
    assert [f for f in findings if f.severity == "error"] == []
    assert exit_code(findings) == 0
    assert exit_code(findings, strict=True) == int(bool(findings))


def test_synthetic_package_is_clean(package_copy: Path) -> None:
    assert validate_package(package_copy) == []


def test_a_finding_needs_a_registered_code() -> None:
    """No finding without a code (an uncoded one cannot be written again), nor with a code
    the registry does not hold."""
    with pytest.raises(TypeError):
        Finding(EST, 2, "hr", "some words")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="unknown finding code 'hr-odd'"):
        Finding(EST, 2, "hr", "some words", code="hr-odd")


def test_a_code_is_defined_once() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        register({"ci-excludes-estimate": "{value} is not {side} hr {hr}"})
    with pytest.raises(ValueError, match="kebab-case"):
        register({"Not Kebab": "x"})


def test_coded_fills_the_template_and_takes_the_codes_severity() -> None:
    f = Finding.coded("ci-excludes-estimate", EST, 2, "ci_lower", value="2.61", side="below", hr=1)
    assert (f.code, f.message, f.severity) == (
        "ci-excludes-estimate",
        "2.61 is not below hr 1",
        "error",
    )
    assert dict(f.values) == {"value": "2.61", "side": "below", "hr": 1}
    assert Finding.coded("ci-level-missing", EST, 2, "ci_level").severity == "warning"
    assert f.to_dict() == {
        "file": EST,
        "row": 2,
        "field": "ci_lower",
        "message": "2.61 is not below hr 1",
        "severity": "error",
        "code": "ci-excludes-estimate",
    }


def test_the_code_list_shows_each_code_once_with_plain_fields() -> None:
    """What `evreg validate --help` lists: every code, sorted, its values as {name}."""
    table = code_table()
    assert [code for code, _, _ in table] == sorted(CODES)
    shown = dict((code, text) for code, _, text in table)
    assert shown["cell-too-long"] == "{length} characters; a cell holds at most {limit}"
    assert {severity for _, severity, _ in table} == {"error", "warning"}
