"""The site's pages: every generated page written into a docs directory (as its charts come
in from the chart workers), the hand-written pages of ``<package root>/site/`` merged or copied
beside them, the data files and the assets (styles, scripts, the vendored Vega bundle).
"""

from __future__ import annotations

import re
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from evreg.data.package import Package
from evreg.errors import EvregError
from evreg.review.plan import RegistryResults
from evreg.site.chartjobs import ChartPool, default_workers
from evreg.site.charts import (
    BUNDLE_PATH,
    INLINE_BUDGET,
    ChartWriter,
    RenderCache,
    vega_bundle,
)
from evreg.site.exports import site_zip_name, write_data
from evreg.site.html import safe_title
from evreg.site.links import CONTRIBUTE_DIR, RepoLinks, repo_url
from evreg.site.mkdocs_config import CSS_PATH, JS_PATH, user_config
from evreg.site.render import environment, render
from evreg.site.views.analysis import analysis_view
from evreg.site.views.audit import audit_view
from evreg.site.views.context import SiteContext
from evreg.site.views.contribute import contribute_view, contributor_guide
from evreg.site.views.data import files_table
from evreg.site.views.home import home_view, summary_table
from evreg.site.views.methods import methods_view
from evreg.site.views.studies import studies_views, study_view
from evreg.site.views.whats_new import changelog_body

Progress = Callable[[str], None]
MERGED_PAGES = ("index.md", "methods.md", "contribute.md")
GENERATED_NAMES = {
    "index.md",
    "analyses",
    "studies",
    "methods",
    "data",
    "audit",
    "whats-new",
    "assets",
    CONTRIBUTE_DIR,
}


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class BuildOptions:
    """How a site is built, never what it shows (the output is the same whatever they are).

    ``progress`` is told each step; ``cache_dir`` holds rendered charts and the Vega bundle
    between builds (None: no cache); ``workers`` processes render the charts (None:
    $EVREG_WORKERS or one per CPU; 1: this process; a ChartPool: its workers, left running);
    a page whose chart specs exceed ``inline_budget`` bytes reads them from its charts.json.
    """

    progress: Progress = _quiet
    cache_dir: Path | None = None
    workers: int | ChartPool | None = None
    inline_budget: int = INLINE_BUDGET


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _hand_written(package: Package) -> tuple[dict[str, str], list[Path]]:
    """(merged intros by name, other hand-written files) from <package root>/site/."""
    site = package.root / "site"
    intros: dict[str, str] = {}
    others: list[Path] = []
    if not site.is_dir():
        return intros, others
    for path in sorted(site.iterdir()):
        if path.name in MERGED_PAGES:
            intros[path.name] = path.read_text(encoding="utf-8")
        elif path.name == "generated" or path.name.startswith("."):
            continue
        elif path.stem in GENERATED_NAMES or path.name in GENERATED_NAMES:
            raise EvregError(f"site/{path.name}: name clashes with a generated page; rename it")
        else:
            others.append(path)
    return intros, others


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_page_ids(package: Package) -> None:
    """Study and analysis ids become directory names: refuse anything but plain names."""
    for table, key in (("studies", "study_id"), ("analyses", "analysis_id")):
        for line, row in zip(package.row_lines.get(table, ()), package.tables[table], strict=False):
            value = str(row.get(key) or "")
            if not _SAFE_ID.fullmatch(value) or ".." in value:
                raise EvregError(
                    f"{package.resource_path(table)}:{line}:{key}: {value!r} cannot be a page "
                    "name; use letters, digits, '-', '_' or '.'"
                )


def classic_script(bundle: str) -> str:
    """The Vega bundle as a classic script (module scripts do not run from ``file://``): its
    top-level names kept private in a strict-mode function; it still sets window.vegaEmbed."""
    return '(function () {\n"use strict";\n' + bundle.rstrip("\n") + "\n})();\n"


def _copy_assets(docs: Path, cache: RenderCache) -> None:
    pkg_assets = resources.files("evreg.site") / "assets"
    _write(docs / CSS_PATH, (pkg_assets / "evreg.css").read_text(encoding="utf-8"))
    _write(docs / JS_PATH, (pkg_assets / "evreg.js").read_text(encoding="utf-8"))
    _write(docs / BUNDLE_PATH, classic_script(vega_bundle(cache)))


class PageWriter:
    """Writes pages as their charts come in: a page is rendered once the charts embedded
    while its view was built are rendered (they render in worker processes meanwhile), so at
    most ``backlog`` pages wait in memory and the workers are kept busy; a written page's
    chart specs are let go."""

    def __init__(self, docs: Path, charts: ChartWriter, backlog: int) -> None:
        self.docs = docs
        self.charts = charts
        self.backlog = max(1, backlog)
        self.env = environment()
        self.waiting: deque[tuple[str, str, dict, int, int]] = deque()
        self.queued = 0  # charts embedded by the pages queued so far

    def page(self, where: str, template: str, **context: object) -> None:
        """Render ``template`` into ``where``/index.md when its charts are ready."""
        end = len(self.charts.charts)
        self.waiting.append((where, template, context, self.queued, end))
        self.queued = end
        for item in [w for w in self.waiting if self.charts.ready(w[3], w[4])]:
            self.waiting.remove(item)  # pages whose charts are in (or have none) go now
            self._write(*item)
        while len(self.waiting) > self.backlog:
            self._write(*self.waiting.popleft())  # waits for the oldest page's charts

    def _write(self, where: str, template: str, context: dict, start: int, end: int) -> None:
        self.charts.finish_page(where, start, end)
        _write(self.docs / where / "index.md", render(self.env, template, **context))
        self.charts.release(start, end)

    def close(self) -> None:
        """Write every waiting page, then the charts' remaining files."""
        while self.waiting:
            self._write(*self.waiting.popleft())
        self.charts.close()


def generate_docs(
    package: Package,
    results: RegistryResults,
    docs: Path,
    options: BuildOptions | None = None,
) -> list:
    """Write every page and file of the site into ``docs``; return the MkDocs nav."""
    options = options or BuildOptions()
    check_page_ids(package)
    docs.mkdir(parents=True, exist_ok=True)
    intros, others = _hand_written(package)
    cache = RenderCache(options.cache_dir)
    guide = contributor_guide(package.root)
    has_contribute = bool(intros.get("contribute.md") or guide)
    links = RepoLinks(repo_url(user_config(package)), has_contribute)
    given = options.workers
    pool = given if isinstance(given, ChartPool) else ChartPool(given or default_workers())
    if pool is not given:
        pool.prestart()
    charts = ChartWriter(docs, cache, pool, options.inline_budget)
    ctx = SiteContext(package, results, charts, links)
    options.progress("assets: Vega bundle, styles")
    _copy_assets(docs, cache)
    writer = PageWriter(docs, charts, 2 * pool.workers)
    try:
        nav = _write_pages(ctx, writer, intros, options.progress)
    finally:
        try:
            writer.close()
        finally:
            if pool is not given:
                pool.close()
    return nav + _copy_hand_written(others, docs)


def _copy_hand_written(others: list[Path], docs: Path) -> list:
    """Copy the other hand-written files and folders into ``docs``; return the nav entries of
    its pages (Markdown files)."""
    nav: list = []
    for path in others:
        dest = docs / path.name
        if path.is_dir():
            shutil.copytree(path, dest)
        else:
            shutil.copyfile(path, dest)
            if path.suffix == ".md":
                nav.append(path.name)
    return nav


def _write_pages(
    ctx: SiteContext, writer: PageWriter, intros: dict[str, str], progress: Progress
) -> list:
    """Every generated page, in nav order; returns the nav (without hand-written pages)."""
    package, results, docs, page = ctx.package, ctx.results, writer.docs, writer.page
    page("", "home.md.j2", view=home_view(ctx, intros.get("index.md", "")))
    page("analyses", "analyses.md.j2", summary=summary_table(ctx, "analyses"))
    analyses_nav: list = ["analyses/index.md"]
    for a in results.analyses:
        progress(f"analysis {a.analysis_id}")
        page(f"analyses/{a.analysis_id}", "analysis.md.j2", view=analysis_view(ctx, a))
        analyses_nav.append(
            {safe_title(a.title, a.analysis_id): f"analyses/{a.analysis_id}/index.md"}
        )
    progress(f"studies ({len(package.studies)})")
    for where, view in studies_views(ctx):
        page(where, "studies.md.j2", view=view)
    for raw in package.raw_tables.get("studies", ()):
        page(f"studies/{raw['study_id']}", "study.md.j2", view=study_view(ctx, raw))
    progress("methods, data, audit, changelog")
    page("methods", "methods.md.j2", view=methods_view(ctx, intros.get("methods.md", "")))
    files = files_table(write_data(package, results, docs))
    page("data", "data.md.j2", files=files, site_zip=site_zip_name(package))
    page("audit", "audit.md.j2", view=audit_view(package))
    page("whats-new", "whats_new.md.j2", body=changelog_body(package.root, ctx.labels_of_codes))
    nav: list = [
        {"Home": "index.md"},
        {"Analyses": analyses_nav},
        {"Studies": "studies/index.md"},
        {"Methods": "methods/index.md"},
        {"Data": "data/index.md"},
        {"Audit": "audit/index.md"},
        {"What\u2019s new": "whats-new/index.md"},
    ]
    if ctx.links.contribute_page:
        guide = contributor_guide(package.root)
        view = contribute_view(intros.get("contribute.md", ""), guide, ctx.links)
        page(CONTRIBUTE_DIR, "contribute.md.j2", view=view)
        nav.append({"Contribute": f"{CONTRIBUTE_DIR}/index.md"})
    if ctx.links.repo:
        nav.append({"Repository": ctx.links.repo})
    return nav
