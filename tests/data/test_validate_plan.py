"""`evreg validate`'s checks of the plan (analyses and their parents, what they would pool,
the published results) and of reviewers' certainty judgements and the plan's thresholds, each
on a minimal broken copy of the synthetic package, asserted by code, file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.breakage import copy_row, get_cell, read_rows, set_cell
from fixtures.validate_cases import ANA, STU, Case, Where, cell, est, judgement, reported, the_coded

from evreg.data.validate import exit_code, validate_package


def _mix_exposures(pkg: Path) -> Where:
    copy_row(
        pkg,
        "estimates",
        "gamma-2022-sii-pfs",
        estimate_id="gamma-2022-sii-pfs-change",
        exposure="SII change after one cycle",
        comparison="increase_vs_decrease",
        timepoint="change",
    )
    value = "high_vs_low;low_vs_high;unknown;increase_vs_decrease"
    set_cell(pkg, "analyses", "sii-pfs", "timepoints", "baseline;on_treatment;unknown;change")
    line = set_cell(pkg, "analyses", "sii-pfs", "comparisons", value)
    return ANA, line, "comparisons", "analysis-mixes-estimates"


def _parent_is_a_subgroup(pkg: Path) -> Where:
    line = copy_row(
        pkg, "analyses", "sii-pfs-hbv", analysis_id="sii-pfs-hbv-2", parent_analysis="sii-pfs-hbv"
    )
    return ANA, line, "parent_analysis", "parent-not-overall"


CASES: dict[str, Case] = {
    "unknown direction with hr": est(
        "alpha-2020-il6-pfs", "comparison", "unknown", "direction-unknown"
    ),
    "unknown analysis_id": cell(
        "published_results", "il6-os", "analysis_id", "il6-dfs", "unknown-analysis"
    ),
    "unknown parent_analysis": cell(
        "analyses", "sii-pfs-hbv", "parent_analysis", "nope", "parent-unknown"
    ),
    "subgroup without parent": cell(
        "analyses", "sii-pfs-hbv", "parent_analysis", "", "subgroup-link-incomplete"
    ),
    "parent is a subgroup": _parent_is_a_subgroup,
    "outcome differs from parent": cell(
        "analyses", "sii-pfs-hbv", "outcome", "OS", "differs-from-parent"
    ),
    "subgroup result without level": cell(
        "published_results", "sii-pfs-hbv-true", "subgroup_level", "", "subgroup-level-missing"
    ),
    "overall result with level": cell(
        "published_results", "sii-pfs", "subgroup_level", "true", "subgroup-level-unexpected"
    ),
    "two results for one level": cell(
        "published_results",
        "sii-pfs-hbv-false",
        "subgroup_level",
        "true",
        "published-result-repeated",
    ),
    "mix of exposures": _mix_exposures,
    "no qualifying estimate": cell(
        "analyses", "il6-pfs", "models", "univariable", "analysis-without-estimates", "analysis_id"
    ),
    # reviewers' certainty judgements and the plan's thresholds
    "certainty of an unknown analysis": judgement(
        "analysis_id", "unknown-analysis", analysis_id="nope"
    ),
    "certainty of an unknown result": judgement("result_id", "result-unknown", result_id="nope"),
    "certainty judgement the domain cannot take": judgement(
        "judgement", "judgement-not-for-domain", judgement="large"
    ),
    "certainty upgrade judged as a downgrade": judgement(
        "judgement", "judgement-not-for-domain", domain="large_effect"
    ),
    "certainty without a reason": judgement("reason", "constraint-required", reason=""),
    "certainty without who judged": judgement("assessed_by", "constraint-required", assessed_by=""),
    "certainty of an unknown domain": judgement("domain", "constraint-enum", domain="bias"),
    "certainty judged twice": judgement(
        "domain", "certainty-judged-twice", {"judgement": "not serious"}
    ),
    "threshold below 1 that is not": cell(
        "analyses", "il6-pfs", "threshold_lower", "1.2", "threshold-wrong-side"
    ),
    "threshold above 1 that is not": cell(
        "analyses", "il6-pfs", "threshold_upper", "1", "threshold-wrong-side"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_broken_copy(name: str, package_copy: Path) -> None:
    reported(CASES[name], package_copy)


def test_warnings_alone_exit_0_and_strict_exits_1(package_copy: Path) -> None:
    """A cohort copied from another study and an on-treatment estimate in a plan of baseline
    ones (what the shipped data hold too) are warnings: exit 0, --strict exits 1."""
    for field in ("n", "age", "male", "female"):
        value = get_cell(package_copy, "studies", "alpha-2020", field)
        set_cell(package_copy, "studies", "beta-2021", field, value)
    set_cell(package_copy, "estimates", "alpha-2020-il6-os", "timepoint", "on_treatment")
    findings = validate_package(package_copy)
    line = [r[0] for r in read_rows(package_copy, "studies")].index("beta-2021") + 1
    (same,) = (the_coded(package_copy, (STU, line, "n", "same-cohort")).values["first_id"],)
    assert same == "alpha-2020"
    ana = [r[0] for r in read_rows(package_copy, "analyses")].index("il6-os") + 1
    mix = the_coded(package_copy, (ANA, ana, "timepoints", "analysis-mixes-estimates"))
    assert "on_treatment: alpha-2020-il6-os" in mix.values["detail"]
    assert {f.severity for f in findings} == {"warning"}
    assert exit_code(findings) == 0 and exit_code(findings, strict=True) == 1


def test_mixed_time_points_warning_goes_when_data_agree(package_copy: Path) -> None:
    line = [r[0] for r in read_rows(package_copy, "analyses")].index("il6-pfs") + 1
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "timepoint", "on_treatment")
    the_coded(package_copy, (ANA, line, "timepoints", "analysis-mixes-estimates"))
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "timepoint", "baseline")
    assert not [f for f in validate_package(package_copy) if f.code == "analysis-mixes-estimates"]
