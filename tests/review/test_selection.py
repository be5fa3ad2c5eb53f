"""One selection rule (evreg.review.selection): the plan and the audit's reproduction pool the
same estimate of each study. Packages are built by the test (fixtures.synthetic)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.synthetic import ESTIMATES, write_package

from evreg.data.package import load_package
from evreg.review import audit, selection
from evreg.review.plan import run_plan


def _univariable_first(dest: Path) -> Path:
    """alpha-2020's IL-6 PFS: a univariable estimate (HR 2.50) listed before the multivariable
    one (HR 1.62) the plan prefers."""
    estimates = [dict(e) for e in ESTIMATES]
    multi = next(i for i, e in enumerate(estimates) if e["estimate_id"] == "alpha-2020-il6-pfs")
    uni = {
        **estimates[multi],
        "estimate_id": "alpha-2020-il6-pfs-uni",
        "model": "univariable",
        "hr": "2.50",
        "ci_lower": "1.60",
        "ci_upper": "3.90",
        "p_as_printed": "< 0.001",
    }
    estimates.insert(multi, uni)
    return write_package(dest, {"estimates": estimates})


@pytest.fixture(scope="module")
def uni_first(tmp_path_factory):
    package = load_package(_univariable_first(tmp_path_factory.mktemp("uni") / "pkg"))
    return package, run_plan(package), audit.reproduce(package)


def test_plan_and_audit_use_the_same_estimate(uni_first) -> None:
    _, results, reproduction = uni_first
    a = results.get("il6-pfs")
    used = {u.estimate_id for u in a.used}
    assert "alpha-2020-il6-pfs" in used and "alpha-2020-il6-pfs-uni" not in used
    (rep,) = [r for r in reproduction if r.analysis == "il6-pfs" and r.subgroup_level is None]
    assert "alpha-2020-il6-pfs" in rep.used and "alpha-2020-il6-pfs-uni" not in rep.used
    (alpha,) = [i for i in rep.inputs if i["study_id"] == "alpha-2020"]
    assert alpha["hr"] == "1.62"


def test_reproduction_uses_exactly_the_review_views_estimates(uni_first) -> None:
    """Every published overall result is recomputed from the estimates of the plan's review
    view (the source review's studies), no more, no fewer."""
    _, results, reproduction = uni_first
    overall = [r for r in reproduction if r.subgroup_level is None]
    assert overall
    for rep in overall:
        view = results.get(rep.analysis).review_view
        assert sorted(rep.used) == sorted(view.estimate_ids), rep.analysis


def test_preference_model_then_cohort_then_file_order() -> None:
    def row(eid: str, model: str, cohort: str, status: str = "extracted") -> dict:
        return {
            "estimate_id": eid,
            "study_id": "s",
            "model": model,
            "cohort": cohort,
            "status": status,
            "hr": "1.2",
            "ci_lower": "1.0",
            "ci_upper": "1.5",
        }

    order = ("multivariable", "univariable", "unknown")
    rows = [
        row("uni-whole", "univariable", "whole"),
        row("multi-validation", "multivariable", "validation"),
        row("multi-training", "multivariable", "training"),
        row("multi-whole-2", "multivariable", "whole"),
        row("multi-whole-not-found", "multivariable", "whole", status="not_found"),
    ]
    assert selection.preferred(rows, order)["estimate_id"] == "multi-whole-2"
    rows.insert(0, row("multi-whole-1", "multivariable", "whole"))
    assert selection.preferred(rows, order)["estimate_id"] == "multi-whole-1"
    assert selection.preferred(rows, ("univariable", "multivariable"))["estimate_id"] == "uni-whole"
    assert selection.preferred(rows[-1:], order) is None
    blank = {**rows[0], "ci_lower": ""}
    assert not selection.usable(blank) and selection.usable(rows[0])
