"""Absolute effects (GRADE guidelines 27): the formulas at their edges, which baselines an
analysis uses and in what order, the numbers in results through a package the test builds, and
the baseline_risks resource's checks."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fixtures.synthetic import TRIAL_BASELINE, add_resource

from evreg import stats
from evreg.data.package import load_package
from evreg.data.validate import validate_package
from evreg.review.absolute import absolute_effects, usable
from evreg.review.plan import run_plan


def test_a_median_is_half_survival_at_the_median_under_an_exponential_model() -> None:
    assert stats.survival_from_median(6.8, 6.8) == pytest.approx(0.5)
    assert stats.survival_from_median(6.8, 0.0) == 1.0
    hazard = math.log(2) / 10.0  # constant hazard of an exponential with median 10
    assert stats.survival_from_median(10.0, 12.0) == pytest.approx(math.exp(-hazard * 12.0))
    with pytest.raises(ValueError):
        stats.survival_from_median(0.0, 12.0)


def test_the_high_group_survives_as_the_low_group_to_the_power_of_the_ratio() -> None:
    assert stats.survival_high(0.5, 2.0) == pytest.approx(0.25)
    assert stats.survival_high(0.7, 1.0) == pytest.approx(0.7)
    with pytest.raises(ValueError):
        stats.survival_high(1.2, 1.5)
    with pytest.raises(ValueError):
        stats.survival_high(0.5, 0.0)


def test_the_difference_and_its_interval_follow_the_ratio_and_its_ci() -> None:
    eff = stats.absolute_effect(0.672, 2.0, 1.5, 3.0)
    assert eff.survival_high == pytest.approx(0.672**2)
    assert eff.survival_high_ci == pytest.approx((0.672**3, 0.672**1.5))
    assert eff.difference_per_100 == pytest.approx(100 * (0.672**2 - 0.672))
    lo, up = eff.difference_per_100_ci
    assert lo < eff.difference_per_100 < up < 0  # fewer alive with the factor
    null = stats.absolute_effect(0.5, 1.0, 0.8, 1.25)
    assert null.difference_per_100 == pytest.approx(0.0)
    assert null.difference_per_100_ci[0] < 0 < null.difference_per_100_ci[1]
    protective = stats.absolute_effect(0.5, 0.5, 0.4, 0.6)
    assert protective.difference_per_100 > 0


def _baseline(bid: str, **cells) -> dict:
    row = {
        "baseline_id": bid,
        "outcome": "PFS",
        "measure": "median",
        "group": "whole_arm",
        "biomarker": None,
        "value": 10.0,
        "horizon_months": 12.0,
        "n": 300,
    }
    return row | cells


def test_which_baselines_apply_to_an_analysis() -> None:
    assert usable(_baseline("a"), "IL-6", "PFS")
    assert not usable(_baseline("a", outcome="OS"), "IL-6", "PFS")
    assert not usable(_baseline("a", value=None), "IL-6", "PFS")  # median not reached
    low = _baseline("a", group="low_marker", biomarker="IL-6")
    assert usable(low, "IL-6", "PFS") and not usable(low, "SII", "PFS")


def _package_with_baselines(pkg: Path) -> Path:
    rows = [
        {
            "baseline_id": "small-low-il6",
            "population": "Fictional low-IL-6 group",
            "outcome": "PFS",
            "measure": "median",
            "group": "low_marker",
            "biomarker": "IL-6",
            "value": "10",
            "unit": "months",
            "horizon_months": "12",
            "source": "A fictional cohort",
            "source_url": "https://example.org/low",
            "source_location": "Abstract",
        },
        dict(TRIAL_BASELINE),
    ]
    add_resource(pkg, "baseline_risks", rows)
    return pkg


def test_absolute_effects_are_consistent_with_the_pooled_ratio(package_copy: Path) -> None:
    assert run_plan(load_package(package_copy)).get("il6-pfs").absolute == ()
    pkg = _package_with_baselines(package_copy)
    assert not [f for f in validate_package(pkg) if f.severity == "error"]
    results = run_plan(load_package(pkg))
    a = results.get("il6-pfs")
    res = a.primary_result
    # largest printed group first; the one of unknown size last
    assert [x.baseline_id for x in a.absolute] == ["trial-arm-pfs", "small-low-il6"]
    trial, low = a.absolute
    assert trial.survival_low == pytest.approx(0.40) and trial.horizon_months == 12
    assert low.survival_low == pytest.approx(2 ** (-12 / 10))
    for x in a.absolute:
        assert x.survival_high == pytest.approx(x.survival_low**res.estimate)
        assert x.survival_high_ci == pytest.approx(
            (x.survival_low**res.ci_upper, x.survival_low**res.ci_lower)
        )
        assert x.difference_per_100 == pytest.approx(100 * (x.survival_high - x.survival_low))
    # an SII analysis does not use the low-IL-6 group; an analysis with nothing pooled has none
    assert [x.baseline_id for x in results.get("sii-pfs").absolute] == ["trial-arm-pfs"]
    assert results.get("sii-os").absolute == ()
    # results.json keeps them
    entry = results.to_dict()["analyses"][
        [b.analysis_id for b in results.analyses].index("il6-pfs")
    ]
    assert entry["absolute"][0]["baseline_id"] == "trial-arm-pfs"
    assert set(entry["absolute"][0]) >= {
        "horizon_months",
        "survival_low",
        "survival_high",
        "survival_high_ci",
        "difference_per_100",
        "difference_per_100_ci",
    }


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"unit": "months"}, "unit"),
        ({"horizon_months": "24"}, "horizon_months"),
        ({"time_months": ""}, "time_months"),
        ({"value": "140"}, "value"),
        ({"value": "50.0"}, "value"),  # outside its CI 35-45
        ({"biomarker": "IL-6"}, "biomarker"),
    ],
)
def test_a_baseline_row_that_contradicts_itself_is_an_error(
    package_copy: Path, cells: dict, field: str
) -> None:
    pkg = _package_with_baselines(package_copy)
    rows = [dict(r) for r in load_package(pkg).raw_tables["baseline_risks"]]
    rows[1] |= cells
    add_resource(pkg, "baseline_risks", rows)
    errors = [f for f in validate_package(pkg) if f.severity == "error"]
    assert {(f.row, f.field) for f in errors} == {(3, field)}


def test_a_median_with_a_time_point_or_a_low_group_without_its_marker_is_an_error(
    package_copy: Path,
) -> None:
    pkg = _package_with_baselines(package_copy)
    rows = [dict(r) for r in load_package(pkg).raw_tables["baseline_risks"]]
    rows[0] |= {"time_months": "12", "biomarker": ""}
    rows[1] |= {"outcome": "DFS"}
    add_resource(pkg, "baseline_risks", rows)
    found = {(f.row, f.field, f.severity) for f in validate_package(pkg)}
    assert {(2, "time_months", "error"), (2, "biomarker", "error")} <= found
    assert (3, "outcome", "warning") in found


def test_absolute_effects_need_a_pooled_ratio() -> None:
    class Nothing:
        primary_result = None
        biomarker, outcome = "IL-6", "PFS"

    assert absolute_effects(Nothing(), [_baseline("a")]) == ()  # type: ignore[arg-type]
