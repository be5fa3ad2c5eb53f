"""The summary of findings shows each analysis' absolute effect at its first baseline (GRADE 27),
a reviewer's judgement made on other studies is shown as such and not applied, and the Methods
page lists the rules for absolute effects, QUIPS and reviewers' judgements. On a package the
test builds (fixtures.synthetic)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fixtures.synthetic import add_resource, write_package

from evreg.data.formats import per_100, signed_per_100
from evreg.data.package import load_package
from evreg.review.plan import run_plan
from evreg.site.build import reproducible
from evreg.site.charts import default_cache_dir
from evreg.site.pages import BuildOptions, generate_docs

pytestmark = pytest.mark.slow

TRIAL = {
    "baseline_id": "trial-arm-pfs",
    "population": "Fictional trial arm",
    "treatment": "drug A + drug B",
    "outcome": "PFS",
    "measure": "median",
    "group": "whole_arm",
    "value": "8",
    "unit": "months",
    "n": "300",
    "horizon_months": "12",
    "source": "Trialist T et al. A fictional trial. J Ex 2020;1:1-9",
    "source_url": "https://example.org/trial",
    "source_location": "Abstract",
}
HEADER = "analysis_id,domain,judgement,reason,assessed_by,result_id,data_version,estimate_ids"


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_absolute_effects_and_stale_judgements_on_the_pages(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg")
    add_resource(pkg, "baseline_risks", [TRIAL])
    (pkg / "data" / "certainty.csv").write_text(
        f"{HEADER}\nil6-pfs,imprecision,very serious,Judged on one study,R Ev,,0.9.0,gone-1\n",
        encoding="utf-8",
    )
    package = load_package(pkg)
    results = run_plan(package)
    row = results.get("il6-pfs").absolute[0]
    docs = tmp_path / "docs"
    with reproducible(package):
        generate_docs(package, results, docs, BuildOptions(cache_dir=default_cache_dir()))
    home = _text((docs / "index.md").read_text(encoding="utf-8"))
    expected = (
        f"12-month PFS: {per_100(row.survival_low)} vs {per_100(row.survival_high)} per 100 "
        f"(difference {signed_per_100(row.difference_per_100)}, 95% CI "
        f"{signed_per_100(row.difference_per_100_ci[0])} to "
        f"{signed_per_100(row.difference_per_100_ci[1])}); baseline: whole trial arm, "
        "drug A + drug B (Trialist T et al), median 8 months converted to 12-month survival"
    )
    assert expected in home
    assert "A reviewer's judgement, not applied: made on other studies (version 0.9.0)" in home
    page = _text((docs / "analyses" / "il6-pfs" / "index.md").read_text(encoding="utf-8"))
    assert "made on other studies (version 0.9.0): very serious, Judged on one study" in page
    methods = _text((docs / "methods" / "index.md").read_text(encoding="utf-8"))
    for rule in ("Absolute effects", "Reviewers' judgements", "QUIPS"):
        assert rule in methods
