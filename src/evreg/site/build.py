"""Generate the evidence site: pages into a docs directory, then MkDocs (Material) into a site.

``generate_docs`` writes hand-written pages (``<package root>/site/*.md``), generated pages,
chart files, the data files and the vendored Vega bundle into a docs directory;
``write_config`` writes an MkDocs config (the package's ``mkdocs.yml`` plus the generated
navigation and the offline settings this site relies on); ``run_mkdocs`` builds it.
Output is deterministic: everything is sorted, dates come from the data version
(``SOURCE_DATE_EPOCH``), and no clock time or absolute path is written.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import logging
import os
import re
import shutil
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import yaml

from evreg.data.history import package_files as history_files
from evreg.data.package import Package, inside, with_release_status
from evreg.errors import EvregError
from evreg.review.plan import RegistryResults, results_rows, results_schema
from evreg.site.chartjobs import ChartPool, default_workers
from evreg.site.charts import (
    BUNDLE_PATH,
    INLINE_BUDGET,
    ChartWriter,
    RenderCache,
    vega_bundle,
)
from evreg.site.html import safe_title
from evreg.site.links import CONTRIBUTE_DIR, RepoLinks, repo_url, site_url
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
HOOKS = Path(__file__).with_name("mkdocs_hooks.py")
# Material would show repo_url as a widget that asks api.github.com for stars and forks: the
# site makes no request to another host, so the address becomes plain links instead.
REPO_KEYS = ("repo_url", "repo_name", "edit_uri")
CSS_PATH = "assets/stylesheets/evreg.css"
JS_PATH = "assets/javascripts/evreg.js"
DEFAULT_CONFIG: dict = {
    "theme": {
        "name": "material",
        "font": False,
        "features": ["navigation.sections", "navigation.top"],
    },
    "plugins": ["search"],
    "markdown_extensions": [
        {"toc": {"permalink": True}},
        "tables",
        "attr_list",
        "md_in_html",
        "admonition",
    ],
}
FORBIDDEN_FEATURES = ("navigation.instant",)  # would skip page scripts (charts) on navigation
SCHEMES = (
    ("(prefers-color-scheme: light)", "default", "material/brightness-7", "Switch to dark mode"),
    ("(prefers-color-scheme: dark)", "slate", "material/brightness-4", "Switch to light mode"),
)


def _quiet(_: str) -> None:
    return None


def source_date_epoch(package: Package) -> int:
    """Seconds since 1970 of the data version date (``created``), for reproducible builds."""
    text = (package.created or "1980-01-01")[:10]
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise EvregError(
            f"datapackage.json:created: {text!r} is not an ISO date (YYYY-MM-DD)"
        ) from None
    return int(day.timestamp())


@contextlib.contextmanager
def reproducible(package: Package) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH from the data version date (unless already set) for the block."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    if old is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch(package))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def package_files(package: Package) -> list[str]:
    """Package-relative paths of datapackage.json, every schema file and every CSV, sorted."""
    return history_files(package.descriptor)


def deterministic_zip(package: Package, prefix: str, root: Path, files: list[str]) -> bytes:
    """A zip of ``files`` (relative to ``root``) under ``prefix``/, in the given order, with
    fixed timestamps from the data version and fixed permissions: same files, same bytes."""
    epoch = max(source_date_epoch(package), 315532800)  # zip dates start in 1980
    stamp = datetime.fromtimestamp(epoch, UTC).timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in files:
            entry = inside(Path("."), f"{prefix}/{rel}").as_posix()  # no zip-slip for readers
            info = zipfile.ZipInfo(entry, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (root / rel).read_bytes())
    return buf.getvalue()


def package_zip(package: Package, files: list[str]) -> bytes:
    """A deterministic zip of the package (fixed timestamps from the data version, sorted)."""
    prefix = str(package.descriptor.get("name") or "package")
    return deterministic_zip(package, prefix, package.root, files)


def site_zip_name(package: Package) -> str:
    """File name of the zip of the built site (under data/)."""
    return f"{package.descriptor.get('name') or 'package'}-{package.version_slug}-site.zip"


def write_site_zip(package: Package, site_dir: Path) -> Path:
    """Zip the built site (every file, sorted) into its data/ folder for offline reading:
    unzipped, its index.html opens in a browser from the file system."""
    dest = inside(site_dir / "data", site_zip_name(package))
    files = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    prefix = site_zip_name(package).removesuffix(".zip")
    payload = deterministic_zip(package, prefix, site_dir, files)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(payload)
    return dest


def results_csv(results: RegistryResults) -> str:
    rows = results_rows(results)
    fields = [f["name"] for f in results_schema()["fields"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return out.getvalue()


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def results_json(package: Package, results: RegistryResults) -> bytes:
    """results.json: every analysis, and ``unreleased`` (null when the data are exactly the
    release ``version`` names; else since which release, as of which commit)."""
    unreleased = package.unreleased.to_dict() if package.unreleased else None
    payload = {**results.to_dict(), "unreleased": unreleased}
    text = json.dumps(payload, indent=1, sort_keys=True, allow_nan=False, ensure_ascii=False)
    return text.encode() + b"\n"


def write_data(
    package: Package, results: RegistryResults, docs: Path
) -> list[tuple[str, str, Path]]:
    """Copy the package byte for byte under docs/data/, add the zip and the results files."""
    files = package_files(package)
    out: list[tuple[str, str, Path]] = []
    for rel in files:
        dest = inside(docs / "data", rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package.root / rel, dest)
        what = (
            "package descriptor"
            if rel == "datapackage.json"
            else "Table Schema"
            if rel.endswith(".json")
            else "data (CSV, as validated)"
        )
        out.append((f"data/{rel}", what, dest))
    name = str(package.descriptor.get("name") or "package")
    extra = {
        f"{name}-{package.version_slug}.zip": (
            "the whole package (zip)",
            package_zip(package, files),
        ),
        "results.json": ("computed results, every analysis (JSON)", results_json(package, results)),
        "results.csv": (
            "pooled results, one row per analysis x studies (all, review) x level x model (CSV)",
            results_csv(results).encode(),
        ),
        "results-schema.json": (
            "Table Schema of results.csv",
            json.dumps(results_schema(), indent=2, sort_keys=True).encode() + b"\n",
        ),
    }
    for fname, (what, payload) in sorted(extra.items()):
        dest = inside(docs / "data", fname)
        dest.write_bytes(payload)
        out.append((f"data/{fname}", what, dest))
    return sorted(out)


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
    progress: Progress = _quiet,
    cache_dir: Path | None = None,
    workers: int | ChartPool | None = None,
    inline_budget: int = INLINE_BUDGET,
) -> list:
    """Write every page and file of the site into ``docs``; return the MkDocs nav.

    ``cache_dir`` holds rendered charts and the Vega bundle between builds (None: no cache);
    ``workers`` processes render the charts (None: $EVREG_WORKERS or one per CPU; 1: this
    process; a ChartPool: its workers, left running). The output is the same whatever the
    cache and the number of workers. A page
    whose chart specs exceed ``inline_budget`` bytes reads them from its charts.json.
    """
    check_page_ids(package)
    docs.mkdir(parents=True, exist_ok=True)
    intros, others = _hand_written(package)
    cache = RenderCache(cache_dir)
    guide = contributor_guide(package.root)
    has_contribute = bool(intros.get("contribute.md") or guide)
    links = RepoLinks(repo_url(_user_config(package)), has_contribute)
    pool = workers if isinstance(workers, ChartPool) else ChartPool(workers or default_workers())
    if pool is not workers:
        pool.prestart()
    charts = ChartWriter(docs, cache, pool, inline_budget)
    ctx = SiteContext(package, results, charts, links)
    progress("assets: Vega bundle, styles")
    _copy_assets(docs, cache)
    writer = PageWriter(docs, charts, 2 * pool.workers)
    try:
        nav = _write_pages(ctx, writer, intros, progress)
    finally:
        try:
            writer.close()
        finally:
            if pool is not workers:
                pool.close()
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


def _user_config(package: Package) -> dict:
    """The package's own mkdocs.yml as a dict ({} when there is none)."""
    path = package.root / "mkdocs.yml"
    if not path.exists():
        return {}
    try:
        user = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EvregError(f"mkdocs.yml: not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(user, dict):
        raise EvregError("mkdocs.yml: expected a mapping of settings")
    return user


def load_site_config(package: Package) -> dict:
    """The package's mkdocs.yml (or a default) with the settings the site relies on enforced."""
    config: dict = json.loads(json.dumps(DEFAULT_CONFIG))
    config.update(_user_config(package))
    for key in REPO_KEYS:
        config.pop(key, None)
    theme = dict(config.get("theme") or {})
    theme["name"] = "material"
    theme["font"] = False  # offline: no Google Fonts
    theme["features"] = [f for f in theme.get("features", []) if f not in FORBIDDEN_FEATURES]
    config["theme"] = theme
    theme["palette"] = palettes(theme.get("palette"))
    config.setdefault(
        "site_name", safe_title(package.descriptor.get("title") or "Evidence registry")
    )
    config["copyright"] = footer_html(package, config.get("copyright"))
    # links end in index.html, so they open pages from file:// too (a downloaded copy)
    config["use_directory_urls"] = False
    config["extra_css"] = list(config.get("extra_css", [])) + [CSS_PATH]
    config["extra_javascript"] = list(config.get("extra_javascript", [])) + [
        BUNDLE_PATH,
        JS_PATH,
    ]
    config["hooks"] = list(config.get("hooks", [])) + [str(HOOKS)]
    # 404.html links from the site's root: under a project address (owner.github.io/repo/) its
    # root is the address's path, which MkDocs takes from site_url
    config["site_url"] = site_url(config) or None
    for key in ("docs_dir", "site_dir", "nav", "INHERIT"):
        config.pop(key, None)
    return config


def write_config(package: Package, docs: Path, site_dir: Path, nav: list, dest: Path) -> Path:
    """Write the MkDocs config for this build to ``dest`` and return its path."""
    config = load_site_config(package)
    config["docs_dir"] = str(docs.resolve())
    config["site_dir"] = str(site_dir.resolve())
    config["nav"] = nav
    dest.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return dest


def palettes(palette: object) -> list[dict]:
    """A light and a dark (slate) scheme with a toggle, in the package's primary and accent
    colours (its first palette entry; indigo and teal when it names none)."""
    first = palette[0] if isinstance(palette, list) and palette else palette
    first = first if isinstance(first, dict) else {}
    colours = {k: first.get(k, d) for k, d in (("primary", "indigo"), ("accent", "teal"))}
    return [
        {"media": media, "scheme": scheme, **colours, "toggle": {"icon": icon, "name": name}}
        for media, scheme, icon, name in SCHEMES
    ]


def citation(package: Package) -> str:
    """How to cite the data version the site shows (plain text)."""
    desc = package.descriptor
    title = " ".join(str(desc.get("title") or desc.get("name") or "This registry").split())
    date = (package.created or "")[:10] if package.unreleased is None else ""
    text = f"{title}. {package.shown_version}" + (f" of {date}" if date else "") + "."
    src = package.review.get("source_review") or {}
    if src.get("authors") and src.get("title"):
        authors = ", ".join(src["authors"])
        text += f" Source review: {authors}. {src['title']}. {src.get('journal', '')} "
        text += f"{src.get('year', '')}.".strip()
    return text


def footer_html(package: Package, copyright_text: object) -> str:
    """The footer: the package's own copyright line and how to cite this data version.
    MkDocs prints it unescaped, so every part is escaped here."""
    parts = [html.escape(str(copyright_text))] if copyright_text else []
    parts.append(f"How to cite: {html.escape(citation(package))}")
    return "<br>".join(parts)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_mkdocs(config_file: Path, *, strict: bool = False) -> list[str]:
    """Build with MkDocs; return its warnings. EvregError if MkDocs fails."""
    from mkdocs import config as mk_config
    from mkdocs.commands import build as mk_build
    from mkdocs.exceptions import MkDocsException

    log = logging.getLogger("mkdocs")
    handler = _Collect()
    log.addHandler(handler)
    try:
        cfg = mk_config.load_config(config_file=str(config_file), strict=strict)
        mk_build.build(cfg)
    except MkDocsException as exc:
        raise EvregError(f"mkdocs: {exc}") from None
    finally:
        log.removeHandler(handler)
    return handler.messages


def build_site(
    package: Package,
    results: RegistryResults,
    out: Path,
    work: Path,
    progress: Progress = _quiet,
    cache_dir: Path | None = None,
    workers: int | ChartPool | None = None,
    inline_budget: int = INLINE_BUDGET,
) -> list[str]:
    """Generate docs in ``work/docs`` and build the site into ``out`` (which must not exist);
    ``workers`` and ``inline_budget``: see :func:`generate_docs`. The version shown is read
    from the package's git history (unreleased data say so: :mod:`evreg.data.history`)."""
    package = with_release_status(package)
    with reproducible(package):
        docs = work / "docs"
        nav = generate_docs(package, results, docs, progress, cache_dir, workers, inline_budget)
        progress("mkdocs build")
        config = write_config(package, docs, out, nav, work / "mkdocs.yml")
        warnings = run_mkdocs(config)
        progress("zip of the site")
        write_site_zip(package, out)
        return warnings
