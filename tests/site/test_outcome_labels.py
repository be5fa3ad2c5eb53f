"""Outcome names on the pages come from the schemas' enumLabels (no OUTCOME_NAMES in code):
relabel an outcome in the package's schema and the pages' wording follows."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.synthetic import write_package

from evreg.data.package import load_package
from evreg.review.plan import run_plan
from evreg.site.charts import ChartWriter, RenderCache
from evreg.site.views.certainty import statement
from evreg.site.views.context import SiteContext


def _context(tmp_path: Path, label: str | None) -> SiteContext:
    root = write_package(tmp_path / "pkg")
    if label is not None:
        path = root / "schemas" / "analyses.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        (field,) = [f for f in schema["fields"] if f["name"] == "outcome"]
        field["enumLabels"]["PFS"] = label
        path.write_text(json.dumps(schema), encoding="utf-8")
    package = load_package(root)
    return SiteContext(
        package, run_plan(package), ChartWriter(tmp_path / "docs", RenderCache(None))
    )


def test_outcome_wording_follows_the_schema_label(tmp_path: Path) -> None:
    ctx = _context(tmp_path / "a", None)
    assert ctx.outcome_name("PFS") == "progression-free survival" and ctx.survival_outcome("PFS")
    a = ctx.results.get("il6-pfs")
    assert "progression-free survival" in statement(ctx, a)
    relabelled = _context(tmp_path / "b", "time to progression free survival")
    assert relabelled.outcome_name("PFS") == "time to progression free survival"
    assert "time to progression free survival" in statement(
        relabelled, relabelled.results.get("il6-pfs")
    )
    other = _context(tmp_path / "c", "tumour response")
    assert not other.survival_outcome("PFS")
    assert "tumour response" in statement(other, other.results.get("il6-pfs"))
