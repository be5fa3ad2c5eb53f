"""`evreg validate` on the derivations resource: each row gives its method's inputs and
names an estimate with status derived; each derived estimate has its row (file, line, field)."""

from __future__ import annotations

from pathlib import Path

from fixtures.derived import package_with_derivations
from fixtures.synthetic import ESTIMATES, write_table
from fixtures.validate_cases import assert_templated

from evreg.data.validate import validate_package

DERIVED = {
    **ESTIMATES[0],
    "status": "derived",
    "model": "univariable",
    "hr": "1.9033",
    "ci_lower": "1.2279",
    "ci_upper": "2.9501",
    "ci_level": "0.95",
}
ROW = {
    "estimate_id": DERIVED["estimate_id"],
    "method": "logrank",
    "p": "0.004",
    "events": "80",
    "worse": "high",
    "source_location": "Figure 2",
}


def findings(tmp_path: Path, derivations: list[dict], estimates: list[dict]) -> set[tuple]:
    """The errors as (file, line, field, code)."""
    pkg = package_with_derivations(tmp_path / "pkg")
    write_table(pkg.parent, "estimates", estimates)
    write_table(pkg.parent, "derivations", derivations)
    found = validate_package(pkg)
    assert_templated(found)
    return {(f.file, f.row, f.field, f.code) for f in found if f.severity == "error"}


DER = "data/derivations.csv"


def test_a_complete_derivation_validates(tmp_path: Path) -> None:
    assert findings(tmp_path, [ROW], [DERIVED, *ESTIMATES[1:]]) == set()


def test_missing_input_and_foreign_input_are_named(tmp_path: Path) -> None:
    bad = {**ROW, "events": "", "variance": "3"}
    errors = findings(tmp_path, [bad], [DERIVED, *ESTIMATES[1:]])
    assert (DER, 2, "events", "derivation-input-missing") in errors
    assert (DER, 2, "variance", "derivation-input-unused") in errors


def test_links_both_ways(tmp_path: Path) -> None:
    errors = findings(tmp_path, [ROW], ESTIMATES)  # the estimate is extracted, not derived
    assert (DER, 2, "estimate_id", "derivation-of-underived") in errors
    errors = findings(tmp_path, [], [DERIVED, *ESTIMATES[1:]])
    assert ("data/estimates.csv", 2, "status", "derivation-missing") in errors
    errors = findings(tmp_path, [{**ROW, "method": "guess"}], [DERIVED, *ESTIMATES[1:]])
    assert (DER, 2, "method", "constraint-enum") in errors
