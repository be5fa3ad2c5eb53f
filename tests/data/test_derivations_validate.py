"""`evreg validate` on the derivations resource: each row gives its method's inputs and
names an estimate with status derived; each derived estimate has its row (file, line, field)."""

from __future__ import annotations

from pathlib import Path

from fixtures.derived import package_with_derivations
from fixtures.synthetic import ESTIMATES, write_table

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


def findings(tmp_path: Path, derivations: list[dict], estimates: list[dict]) -> list[str]:
    pkg = package_with_derivations(tmp_path / "pkg")
    write_table(pkg.parent, "estimates", estimates)
    write_table(pkg.parent, "derivations", derivations)
    return [str(f) for f in validate_package(pkg) if f.severity == "error"]


def test_a_complete_derivation_validates(tmp_path: Path) -> None:
    assert findings(tmp_path, [ROW], [DERIVED, *ESTIMATES[1:]]) == []


def test_missing_input_and_foreign_input_are_named(tmp_path: Path) -> None:
    bad = {**ROW, "events": "", "variance": "3"}
    errors = findings(tmp_path, [bad], [DERIVED, *ESTIMATES[1:]])
    assert any("data/derivations.csv:2:events" in e and "needs events" in e for e in errors)
    assert any("data/derivations.csv:2:variance" in e and "does not use" in e for e in errors)


def test_links_both_ways(tmp_path: Path) -> None:
    errors = findings(tmp_path, [ROW], ESTIMATES)  # the estimate is extracted, not derived
    assert any("derivations.csv:2:estimate_id" in e and "status extracted" in e for e in errors)
    errors = findings(tmp_path, [], [DERIVED, *ESTIMATES[1:]])
    assert any("estimates.csv:2:status" in e and "has no row" in e for e in errors)
    errors = findings(tmp_path, [{**ROW, "method": "guess"}], [DERIVED, *ESTIMATES[1:]])
    assert any("derivations.csv:2:method" in e for e in errors)
