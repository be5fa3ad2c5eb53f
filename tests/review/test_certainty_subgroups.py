"""ICEMAN for subgroup levels, the target's defaults and the reliability verdict's direction
errors, on built inputs and the synthetic package (fictional data)."""

from __future__ import annotations

import math
from pathlib import Path

from evreg.data.package import load_package
from evreg.review.audit.findings import CHECK_LABELS, AuditFinding
from evreg.review.certainty.published import NOT_CREDIBLE_VERDICT, RELIABLE, reliability
from evreg.review.certainty.subgroups import credibility, difference_test
from evreg.review.certainty.target import plan_target
from evreg.review.plan import run_plan
from evreg.review.results import Target


def test_the_target_defaults_and_the_plans_own() -> None:
    assert plan_target({}) == Target("association", 0.8, 1.25, "prognostic")
    assert plan_target({}).start == "high"
    row = {"target": "important_association", "threshold_lower": 0.5, "threshold_upper": 2.0}
    assert plan_target(row | {"question": "aetiological"}) == Target(
        "important_association", 0.5, 2.0, "aetiological"
    )
    assert plan_target({"question": "aetiological"}).start == "low"


def test_the_subgroup_difference_test_from_the_printed_levels() -> None:
    """Two levels: Q = (y1 - y2)^2 / (se1^2 + se2^2), SEs from the printed 95% CIs."""
    levels = [
        {"hr": 1.30, "ci_lower": 0.90, "ci_upper": 1.89},
        {"hr": 2.00, "ci_lower": 1.41, "ci_upper": 2.85},
    ]
    z = 1.959963984540054
    se = [(math.log(p["ci_upper"]) - math.log(p["ci_lower"])) / (2 * z) for p in levels]
    q = (math.log(1.3) - math.log(2.0)) ** 2 / (se[0] ** 2 + se[1] ** 2)
    p = math.erfc(math.sqrt(q / 2))  # chi-square, 1 df
    said = difference_test(levels)
    i2 = max(0.0, (q - 1) / q) * 100
    assert said == (
        f"test for subgroup differences: Chi² = {q:.2f}, df = 1 (P = {p:.2f}), I² = {i2:.0f}%; "
        + ("P below 0.05" if p < 0.05 else "compatible with chance")
    )
    assert "not computable" in difference_test([levels[0], {"hr": 1.2}])


def test_a_between_study_subgroup_level_shows_the_overall_rating(package_copy: Path) -> None:
    results = run_plan(load_package(package_copy))
    (overall,) = results.get("sii-pfs").published
    levels = results.get("sii-pfs-hbv").published
    assert levels and all(p.get("subgroup_level") for p in levels)
    for p in levels:
        cred = p["subgroup_credibility"]
        assert not cred.credible and cred.applies == overall["result_id"]
        assert cred.reasons[0].startswith("between-study comparison only")
        assert p["certainty"] is overall["certainty"]
    assert "subgroup_credibility" not in overall
    cred = credibility(levels, "x", "hbv_all_patients")
    assert not cred.credible and "hbv_all_patients describes whole studies" in cred.reasons[0]


def _two_study(expected: str, message: str) -> AuditFinding:
    return AuditFinding(
        "two_study_direction", "note", "a", None, "HR 0.95", expected, message, "true"
    )


def test_a_direction_error_only_when_just_the_unharmonised_direction_reproduces() -> None:
    pub = {"analysis_id": "a", "subgroup_level": "true"}
    harmonised = "fixed effect, as printed: possible; fixed effect, harmonised: none"
    error = _two_study("fixed effect, as printed", harmonised)
    r = reliability([error], pub, set())
    assert r.verdict == NOT_CREDIBLE_VERDICT and r.reasons[0].startswith("direction error")
    assert f"({CHECK_LABELS['two_study_direction']}): " in r.reasons[0]  # the check's label
    fine = _two_study("fixed effect, as printed; fixed effect, harmonised", harmonised)
    assert reliability([fine], pub, set()).verdict == RELIABLE
    unharmonised = _two_study("fixed effect, as printed", "fixed effect, as printed: possible")
    assert reliability([unharmonised], pub, set()).verdict == RELIABLE
    assert reliability([_two_study("none found", harmonised)], pub, set()).verdict == RELIABLE
