"""Derived estimates on the pages: the forest plot and its table mark them, the analysis
numbers table says the HR was not printed but derived, a sensitivity row pools the extracted
estimates only, and the study page shows the method with the inputs as printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.derived import LOGRANK, package_with_derivations, submission

from evreg.data.package import load_package
from evreg.living.add_study import add_study
from evreg.review.plan import run_plan
from evreg.site.analysis_figures import _study_items, forest_alt
from evreg.site.charts import ChartWriter, RenderCache
from evreg.site.views.analysis import analysis_view
from evreg.site.views.context import SiteContext
from evreg.site.views.studies import study_view


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[SiteContext, str]:
    tmp = tmp_path_factory.mktemp("derived")
    pkg = package_with_derivations(tmp / "pkg")
    result = add_study(pkg, submission(tmp / "s.yaml", LOGRANK))
    assert result.added, result.errors
    package = load_package(pkg)
    ctx = SiteContext(package, run_plan(package), ChartWriter(tmp / "docs", RenderCache(None)))
    return ctx, result.estimate_ids[0]


def _analysis(ctx: SiteContext, eid: str):
    return next(a for a in ctx.results.analyses if any(u.estimate_id == eid for u in a.used))


def test_forest_and_numbers_table_mark_the_derived_estimate(site) -> None:
    ctx, eid = site
    a = _analysis(ctx, eid)
    alt = forest_alt(a, "HR")
    labels = [r.cells[0] for r in alt.table.rows]
    assert "Example 2026 (added) (derived)" in labels
    assert all(not lab.endswith("(derived)") for lab in labels if "Example" not in lab)
    items = _study_items(a.used, [None] * len(a.used))
    marked = [i for i in items if i.label.endswith("(derived)")]
    assert len(marked) == 1 and "derived from the log-rank test (Tierney 2007)" in marked[0].tooltip
    view = analysis_view(ctx, a)
    numbers = repr(view)
    assert "not printed: derived from the log-rank test (Tierney 2007)" in numbers
    assert "Extracted estimates only (sensitivity: derived estimates left out)" in numbers


def test_study_page_shows_method_and_inputs_as_printed(site) -> None:
    ctx, eid = site
    raw = next(r for r in ctx.package.raw_tables["studies"] if r["study_id"] == "example-2026")
    page = repr(study_view(ctx, raw))
    assert (
        "derived from the log-rank test (Tierney 2007): p 0.004; events 80; worse high "
        "(Figure 2, log-rank test)" in page
    )
    extracted = next(
        r for r in ctx.package.raw_tables["studies"] if r["study_id"] != "example-2026"
    )
    assert "Tierney" not in repr(study_view(ctx, extracted))


def test_no_derivation_no_extracted_only_row(tmp_path: Path) -> None:
    from fixtures.synthetic import write_package

    package = load_package(write_package(tmp_path / "pkg"))
    results = run_plan(package)
    assert all(a.extracted_only is None for a in results.analyses)
    assert not any(u.derived for a in results.analyses for u in a.used)
