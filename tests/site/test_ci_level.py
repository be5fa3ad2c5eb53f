"""CIs at the analysis' level: a study that printed a 90% CI is shown with its 95% CI
recomputed from its log ratio and SE (as RevMan's generic inverse variance and `evreg pool`
do), the printed CI and level beside it. Package built by the test (fixtures.synthetic);
expected numbers from the textbook formulas (Cochrane Handbook 6.3.2) with scipy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fixtures.synthetic import ESTIMATES, write_package
from scipy import stats as sps

from evreg.data.effects import read_effects
from evreg.data.package import load_package
from evreg.review import pooling
from evreg.review.plan import run_plan
from evreg.review.results import CI_LEVEL
from evreg.site.charts import ChartWriter, RenderCache
from evreg.site.views.analysis import _numbers_table
from evreg.site.views.context import SiteContext
from evreg.site.views.studies import study_view

ALPHA = "alpha-2020-il6-pfs"  # printed 1.62 [1.10, 2.38]


@pytest.fixture(scope="module")
def ninety(tmp_path_factory):
    estimates = [
        dict(e) | ({"ci_level": "0.90"} if e["estimate_id"] == ALPHA else {}) for e in ESTIMATES
    ]
    package = load_package(
        write_package(tmp_path_factory.mktemp("ci") / "pkg", {"estimates": estimates})
    )
    return package, run_plan(package)


def _expected(hr: float, lo: float, up: float, printed: float, shown: float) -> tuple[float, float]:
    se = (math.log(up) - math.log(lo)) / (2 * sps.norm.ppf(0.5 + printed / 2))
    z = sps.norm.ppf(0.5 + shown / 2)
    return math.exp(math.log(hr) - z * se), math.exp(math.log(hr) + z * se)


def _used(results, estimate_id: str):
    return next(u for u in results.get("il6-pfs").used if u.estimate_id == estimate_id)


def test_a_90_percent_ci_is_shown_at_95_with_the_printed_one_beside_it(ninety) -> None:
    _, results = ninety
    u = _used(results, ALPHA)
    lo, up = _expected(1.62, 1.10, 2.38, 0.90, 0.95)
    assert CI_LEVEL == 0.95 and results.get("il6-pfs").ci_level == CI_LEVEL
    assert (u.ci_lower, u.ci_upper) == pytest.approx((lo, up), rel=1e-12)
    assert u.ci_lower < 1.05 and u.ci_upper > 2.5  # wider than the printed 90% CI
    assert (u.ci_lower_as_printed, u.ci_upper_as_printed) == (1.10, 2.38)
    assert (u.ci_level_as_printed, u.ci_level) == (0.90, 0.95)
    # a study printed at 95% is shown recomputed from its SE too (RevMan), the level unchanged
    beta = _used(results, "beta-2021-il6-pfs")
    assert beta.ci_level_as_printed == beta.ci_level == 0.95
    blo, bup = _expected(1 / 0.55, 1 / 0.86, 1 / 0.35, 0.95, 0.95)
    assert (beta.ci_lower, beta.ci_upper) == pytest.approx((blo, bup), rel=1e-12)


def test_results_json_keeps_the_printed_ci_and_level(ninety) -> None:
    _, results = ninety
    data = json.loads(json.dumps(results.to_dict()))
    (a,) = [a for a in data["analyses"] if a["analysis_id"] == "il6-pfs"]
    (row,) = [u for u in a["used"] if u["estimate_id"] == ALPHA]
    assert row["ci_level"] == 0.95 and row["ci_level_as_printed"] == 0.90
    assert (row["ci_lower_as_printed"], row["ci_upper_as_printed"]) == (1.10, 2.38)
    assert row["ci_lower"] == pytest.approx(_expected(1.62, 1.10, 2.38, 0.90, 0.95)[0])


def test_pool_and_the_build_show_the_same_study_ci(ninety, tmp_path: Path) -> None:
    _, results = ninety
    csv = tmp_path / "one.csv"
    csv.write_text("study,hr,ci_lower,ci_upper,ci_level\nalpha,1.62,1.10,2.38,0.90\n", "utf-8")
    out, _ = pooling.analyse(read_effects(str(csv)), pooling.PoolOptions(method="FE"))
    u = _used(results, ALPHA)
    rows = out["studies"]
    assert (rows.ci_lower[0], rows.ci_upper[0]) == pytest.approx(
        (u.ci_lower, u.ci_upper), rel=1e-12
    )


def test_pages_say_printed_as_90_percent_ci(ninety, tmp_path: Path) -> None:
    package, results = ninety
    ctx = SiteContext(package, results, ChartWriter(tmp_path / "docs", RenderCache(None)))
    a = results.get("il6-pfs")
    table = _numbers_table(ctx, a, "HR", "analyses/il6-pfs")
    assert "HR [95% CI] high vs low" in table.headers
    by_study = {getattr(r.cells[0], "text", ""): r.cells for r in table.rows}
    alpha = next(c for label, c in by_study.items() if label.startswith("Alpha"))
    beta = next(c for label, c in by_study.items() if label.startswith("Beta"))
    assert alpha[2] == "1.62 [1.10, 2.38] (printed as 90% CI)"
    assert "printed as" not in beta[2]
    raw = next(r for r in package.raw_tables["studies"] if r["study_id"] == "alpha-2020")
    view = study_view(ctx, raw)
    texts = [str(c) for r in view.estimates.rows for c in r.cells]
    assert "1.62 [1.10, 2.38] (printed as 90% CI)" in texts
    assert "1.50 [1.05, 2.14]" in texts  # its OS estimate, printed at 95%


@pytest.mark.parametrize(("level", "noted"), [("0.95", True), ("0.90", False)])
def test_a_one_study_result_explains_a_last_digit_difference(tmp_path, level, noted) -> None:
    """alpha's OS, printed 1.50 [1.05, 2.20], is shown recomputed as 1.50 [1.04, 2.17]: the
    note explains the last digit; at 90% the row's "printed as 90% CI" explains it instead."""
    from evreg.site.views.analysis import rounding_note

    changed = {"ci_upper": "2.20", "ci_level": level}
    estimates = [
        dict(e) | (changed if e["estimate_id"] == "alpha-2020-il6-os" else {}) for e in ESTIMATES
    ]
    package = load_package(write_package(tmp_path / "pkg", {"estimates": estimates}))
    a = run_plan(package).get("il6-os")
    assert a.primary_result.k == 1
    note = rounding_note(a)
    assert ("printed CI (1.50 [1.05, 2.20])" in note) is noted and bool(note) is noted
