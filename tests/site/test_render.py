"""Chart rendering: the same site with one worker or several, with and without the chart cache
(cold and warm); the vendored Vega bundle is what vl-convert makes; long forest runs and long
tables are shortened with every row one click away; the large registry's pages stay small;
pages are written as their charts come in (the build streams).
"""

from __future__ import annotations

import csv
import gzip
import io
from concurrent.futures import Future
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from fixtures.sites import EXAMPLE, LARGE_STUDIES, build, built_site, tree_digest

from evreg.site import analysis_figures as figures
from evreg.site import longtables
from evreg.site.chartjobs import ChartPool
from evreg.site.charts import vendored_bundle
from evreg.site.plots.forest import ForestItem
from evreg.site.viewmodel import Row, Table

MB = 1_000_000


@pytest.mark.slow
def test_one_or_several_workers_with_or_without_cache_same_bytes(
    tmp_path: Path, monkeypatch, tmp_path_factory
) -> None:
    package = EXAMPLE / "datapackage.json"
    monkeypatch.setenv("EVREG_CACHE_DIR", str(tmp_path / "cache"))
    assert build(package, tmp_path / "one", "--no-cache", "--jobs", "1") == 0
    assert build(package, tmp_path / "cold", "--jobs", "2") == 0  # empty cache: all rendered
    assert build(package, tmp_path / "warm", "--jobs", "3") == 0  # all from the cache
    one = tree_digest(tmp_path / "one")
    assert tree_digest(tmp_path / "cold") == one
    assert tree_digest(tmp_path / "warm") == one
    assert tree_digest(built_site("example", tmp_path_factory)) == one  # the run's own build
    assert any(p.endswith(".svg") for p in one)


def test_vendored_bundle_is_what_vl_convert_makes() -> None:
    path = vendored_bundle()
    if not path.exists():
        pytest.skip(
            f"no bundle vendored for vl-convert {metadata.version('vl-convert-python')}: "
            "builds make it (python -m evreg.site.bundle vendors it)"
        )
    import vl_convert as vlc

    assert gzip.decompress(path.read_bytes()).decode("utf-8") == vlc.javascript_bundle()
    others = [p for p in path.parent.glob("vega-bundle-*.js.gz") if p != path]
    assert not others  # one vendored version at a time


def _items(n: int, kind: str = "study") -> list[ForestItem]:
    return [ForestItem(kind, f"S{i}", 1.0, 0.5, 2.0, 1.0) for i in range(n)]


def test_long_runs_of_forest_rows_show_their_first_and_last_rows() -> None:
    short = _items(figures.MAX_ROWS) + [ForestItem("diamond", "Total", 1.0, 0.9, 1.1)]
    assert figures.shown_items(short) == short
    run = _items(figures.MAX_ROWS + 5)
    items = [ForestItem("heading", "A"), *run, ForestItem("diamond", "Subtotal", 1, 0.9, 1.1)]
    items += [ForestItem("heading", "B"), *_items(3, "point")]
    shown = figures.shown_items(items)
    hidden = len(run) - figures.HEAD_ROWS - figures.TAIL_ROWS
    assert shown[1 : 1 + figures.HEAD_ROWS] == run[: figures.HEAD_ROWS]
    note = shown[1 + figures.HEAD_ROWS]
    assert note.kind == "text" and f"{hidden:,} more rows" in note.label
    assert shown[2 + figures.HEAD_ROWS : 2 + figures.HEAD_ROWS + figures.TAIL_ROWS] == run[-10:]
    assert shown[-5:] == items[-5:]  # the subtotal, the next heading and its short run


def test_long_tables_keep_totals_and_write_every_row_to_csv(tmp_path: Path) -> None:
    n = longtables.MAX_ROWS + 20
    rows = tuple(Row((f"s{i}", str(i))) for i in range(n)) + (Row(("Total", "x"), "evreg-total"),)
    table = Table(("Study", "Value"), rows)
    shown = longtables.shorten(table, tmp_path, "analyses/a", "numbers")
    kept = [r for r in shown.rows if r.cls == ""]
    assert len(kept) == longtables.HEAD_ROWS + longtables.TAIL_ROWS
    assert shown.rows[-1].cls == "evreg-total"
    more = [r for r in shown.rows if r.cls == "evreg-more"]
    assert len(more) == 1 and more[0].cells[1].href == "numbers.csv"
    data = (tmp_path / "analyses" / "a" / "numbers.csv").read_text(encoding="utf-8")
    back = list(csv.reader(io.StringIO(data)))
    assert back[0] == ["Study", "Value"] and len(back) == n + 2  # header, every row, total
    small = Table(("A",), (Row(("1",)),))
    assert longtables.shorten(small, tmp_path, "x", "y") is small


@pytest.mark.slow
def test_large_registry_pages_stay_small_and_readable(tmp_path_factory) -> None:
    site = built_site("large", tmp_path_factory)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > LARGE_STUDIES
    biggest = max(pages, key=lambda p: p.stat().st_size)
    assert biggest.stat().st_size < MB, biggest
    shortened = sorted(site.glob("analyses/*/forest-full.svg"))
    assert shortened, "no forest plot of the large registry was shortened"
    for full in shortened:
        d = full.parent
        html = (d / "index.html").read_text(encoding="utf-8")
        assert 'href="forest-full.svg"' in html and 'href="numbers.csv"' in html
        with (d / "numbers.csv").open(encoding="utf-8") as fh:
            studies = sum(1 for row in csv.reader(fh) if row and not row[0].startswith("Total"))
        assert studies - 1 > longtables.MAX_ROWS  # every study, not only those shown
        assert full.stat().st_size > (d / "forest.svg").stat().st_size


def test_a_registry_of_many_studies_has_several_studies_pages(tmp_path: Path) -> None:
    from fixtures.synthetic import write_package

    from evreg.data.package import load_package
    from evreg.review.plan import run_plan
    from evreg.site.charts import ChartWriter
    from evreg.site.render import environment, render
    from evreg.site.views.context import SiteContext
    from evreg.site.views.studies import studies_views

    package = load_package(write_package(tmp_path / "pkg"))
    ctx = SiteContext(package, run_plan(package), ChartWriter(tmp_path / "docs"))
    ids = sorted(s["study_id"] for s in package.studies)
    one = list(studies_views(ctx))
    assert [where for where, _ in one] == ["studies"] and not one[0][1].pages
    pages = list(studies_views(ctx, per_page=2))
    assert [where for where, _ in pages][:2] == ["studies", "studies/_page-2"]
    assert len(pages) == (len(ids) + 1) // 2
    listed = [r.cells[0].text for _, v in pages for r in v.studies.rows]
    assert listed == [ctx.labels.get(i, i) for i in ids]  # every study once, in id order
    env = environment()
    second = render(env, "studies.md.j2", view=pages[1][1])
    assert f"Studies 3\u20134 of {len(ids)}" in second
    assert '<a href="../index.html">1</a>' in second and "Records identified" not in second
    assert 'href="../../data/data/studies.csv"' in second
    first = render(env, "studies.md.j2", view=pages[0][1])
    assert "Records identified since the review" in first and '_page-2/index.html">2</a>' in first
    for row in pages[1][1].studies.rows:  # links from the second page reach the study pages
        assert row.cells[0].href.startswith("../")


class _Held(Future):
    """A chart job that runs only when its result is asked for (as if the workers were busy
    until then)."""

    def __init__(self, fn: Any, args: tuple) -> None:
        super().__init__()
        self.job = (fn, args)

    def result(self, timeout: float | None = None) -> Any:
        if not self.done():
            self.set_result(self.job[0](*self.job[1]))
        return super().result(timeout)


class _BusyPool(ChartPool):
    """Workers that have not finished any chart until a page needs it."""

    def __init__(self) -> None:
        super().__init__(2)

    def submit(self, fn: Any, /, *args: Any) -> Future:
        return _Held(fn, args)


def test_pages_are_written_as_their_charts_come_in_and_let_their_specs_go(tmp_path) -> None:
    from fixtures.synthetic import write_package

    from evreg.data.package import load_package
    from evreg.review.plan import run_plan
    from evreg.site.charts import ChartWriter, RenderCache
    from evreg.site.pages import PageWriter
    from evreg.site.views.analysis import analysis_view
    from evreg.site.views.context import SiteContext
    from evreg.site.views.home import summary_table

    package = load_package(write_package(tmp_path / "pkg"))
    docs = tmp_path / "docs"
    charts = ChartWriter(docs, RenderCache(None), _BusyPool())
    ctx = SiteContext(package, run_plan(package), charts)
    writer = PageWriter(docs, charts, backlog=2)
    analyses = list(ctx.results.analyses)[:4]
    assert len(analyses) == 4
    first = f"analyses/{analyses[0].analysis_id}"
    writer.page(first, "analysis.md.j2", view=analysis_view(ctx, analyses[0]))
    assert charts.charts and not (docs / first / "index.md").exists()  # its charts not in
    writer.page("analyses", "analyses.md.j2", summary=summary_table(ctx, "analyses"))
    assert (docs / "analyses" / "index.md").exists()  # no chart: written at once
    called = [first]
    for a in analyses[1:]:
        called.append(f"analyses/{a.analysis_id}")
        writer.page(called[-1], "analysis.md.j2", view=analysis_view(ctx, a))
        waiting = [w for w in called if not (docs / w / "index.md").exists()]
        assert 1 <= len(waiting) <= writer.backlog  # never more pages than that in memory
        assert waiting == called[-len(waiting) :]  # the oldest went first
    rendered = [c for c in charts.charts if c.done()]  # only a page being written asks
    assert rendered and all(c.result().wide.spec_json is None for c in rendered)
    writer.close()
    assert all((docs / w / "index.md").exists() for w in called)
    assert all(c.result().wide.spec_json is None for c in charts.charts)  # all let go
    assert all((docs / w / "forest.svg").exists() for w in called)
