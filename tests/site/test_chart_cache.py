"""The chart cache's key covers every source file that can change a chart (evreg.site.cachekey):
a change to chart code that a hand-kept list of modules left out (the HTML escaper the chart
JSON goes through, the results the plots read, a module added to the site) gives new keys, so
no stale chart is served from ~/.cache/evreg."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import pytest

from evreg.site import cachekey, charts

# Chart-affecting modules outside the list the key used to hash (formats, layout, plots,
# compact, forest, charts, chartjobs): charts.py escapes specs with site/html.py, the plots
# read review/results.py's rows, and data/ and stats/ shape those rows.
OUTSIDE_THE_OLD_LIST = ("site/html.py", "site/longtables.py", "review/results.py", "errors.py")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the installed evreg package's source to edit."""
    dest = tmp_path / "evreg"
    shutil.copytree(cachekey.PACKAGE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


@pytest.mark.parametrize("module", OUTSIDE_THE_OLD_LIST)
def test_a_change_to_chart_affecting_code_changes_the_key(source: Path, module: str) -> None:
    before = cachekey.code_digest(source)
    _edit(source / module)
    assert cachekey.code_digest(source) != before


def test_a_module_added_to_the_site_or_a_stage_it_imports_changes_the_key(source: Path) -> None:
    before = cachekey.code_digest(source)
    (source / "site" / "prisma_plot.py").write_text("WIDTH = 600\n", encoding="utf-8")
    assert cachekey.code_digest(source) != before
    (source / "site" / "prisma_plot.py").unlink()
    (source / "stats" / "new_method.py").write_text("X = 1\n", encoding="utf-8")
    assert cachekey.code_digest(source) != before


def test_stages_the_site_never_imports_leave_the_key(source: Path) -> None:
    """evreg.cli and evreg.living cannot change a chart: editing them keeps the cache."""
    files = {p.relative_to(source).parts[0] for p in cachekey.code_files(source)}
    assert {"site", "review", "stats", "data"} <= files
    assert not {"cli", "living"} & files
    before = cachekey.code_digest(source)
    _edit(next((source / "cli").glob("*.py")))
    assert cachekey.code_digest(source) == before


def test_the_key_holds_the_installed_code_and_vl_convert(tmp_path: Path, monkeypatch) -> None:
    key = cachekey.versions_key()
    assert f"vl-convert-python={metadata.version('vl-convert-python')}" in key
    assert f"altair={metadata.version('altair')}" in key
    assert key.endswith(f"code={cachekey.code_digest(cachekey.PACKAGE_DIR)}")
    # the cache looks charts up under that key: another key finds nothing
    cache = charts.RenderCache(tmp_path)
    cache.put(("svg", "spec"), b"<svg/>")
    assert cache.get(("svg", "spec")) == b"<svg/>"
    monkeypatch.setattr(charts, "versions_key", lambda: key + "; code changed")
    assert cache.get(("svg", "spec")) is None


def test_the_chart_modules_in_site_plots_are_hashed(source: Path) -> None:
    """The charts' own package (site/plots/: forest, compact forest, funnel, PRISMA, the parts
    they share) is in the key: a subpackage of the site counts like its modules."""
    charts = sorted((source / "site" / "plots").glob("*.py"))
    assert len(charts) >= 5 and set(charts) <= set(cachekey.code_files(source))
    before = cachekey.code_digest(source)
    _edit(source / "site" / "plots" / "funnel.py")
    assert cachekey.code_digest(source) != before
