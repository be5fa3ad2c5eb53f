"""Charts in pages: an SVG image first, the interactive Vega view when scripts run, SVG and
PNG downloads (the PNG made by the browser from the Vega view), and a text alternative.

A chart has a wide layout and, for forest plots and the PRISMA diagram, a compact one for
narrow screens. Both are rendered at build time to SVG next to the page and shown with
``<picture>`` (so the chart shows from ``file://``, without JavaScript, in print and in feed
readers); the page also carries both specs as JSON (escaped for HTML), inline or, when large,
in the page's chart data file (``charts.json``), which the vendored Vega bundle draws in place
of the image.

Building specs (Altair) and rendering them (vl-convert) dominate a cold build, so they run in a
pool of worker processes (:mod:`evreg.site.chartjobs`) while the pages are written, and results
are kept in a content-addressed cache (``~/.cache/evreg``, or ``$EVREG_CACHE_DIR``): the key is
a SHA-256 of the plot function, its inputs, the library versions and the chart code, so a
cached file is exactly what a fresh render would produce.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import json
import os
import re
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Future
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from evreg.site.chartjobs import (
    ChartPool,
    InProcess,
    JobInput,
    JobOutput,
    SpecCall,
    layout_json,
    run_job,
)
from evreg.site.html import json_for_html
from evreg.site.longtables import shorten
from evreg.site.viewmodel import ChartImage, Figure, FigureFiles, TextAlternative

MAX_PNG_PIXELS = 12_000  # taller charts get SVG only (PNG rasters that size are unusable)
PNG_SCALE = 2.0
INLINE_BUDGET = 256_000  # a page with more chart specs than this reads them from charts.json
CHART_DATA = "charts.json"
BUNDLE_PATH = "assets/javascripts/vega-bundle.js"


def vega_versions() -> dict[str, str]:
    """Versions of the vendored JavaScript libraries."""
    import vl_convert as vlc

    return {
        "Vega": vlc.get_vega_version(),
        "Vega-Lite": vlc.get_vegalite_versions()[-1],
        "Vega-Embed": vlc.get_vega_embed_version(),
    }


CHART_CODE = (
    "../data/formats.py",
    "layout.py",
    "plots.py",
    "prisma.py",
    "compact.py",
    "forest.py",
    "charts.py",
    "chartjobs.py",
)


@functools.lru_cache(maxsize=1)
def _versions_key() -> str:
    """Library versions and a hash of the chart code, so a code change invalidates the cache."""
    names = ("evreg", "altair", "vl-convert-python")
    here = Path(__file__).parent
    code = hashlib.sha256()
    for module in CHART_CODE:
        code.update((here / module).read_bytes())
    return ";".join(f"{n}={metadata.version(n)}" for n in names) + ";" + code.hexdigest()


def default_cache_dir() -> Path | None:
    """$EVREG_CACHE_DIR ("" or "off" disables), else the user cache: $XDG_CACHE_HOME/evreg
    or ~/.cache/evreg (as pip does), so builds never write into the package or the cwd."""
    value = os.environ.get("EVREG_CACHE_DIR")
    if value is not None:
        return None if value in ("", "off", "0") else Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evreg"


@dataclass(frozen=True)
class RenderCache:
    """Content-addressed files: ``get_or_make(key, make)`` returns cached bytes or makes them."""

    directory: Path | None

    def _path(self, parts: tuple) -> Path | None:
        if self.directory is None:
            return None
        key = hashlib.sha256(repr((_versions_key(),) + parts).encode("utf-8")).hexdigest()
        return self.directory / key[:2] / key

    def get(self, parts: tuple) -> bytes | None:
        """The cached bytes for ``parts``, or None."""
        path = self._path(parts)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def put(self, parts: tuple, data: bytes) -> None:
        """Store ``data`` for ``parts`` (atomically; a read-only cache is not an error)."""
        path = self._path(parts)
        if path is None:
            return
        key = path.name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)  # atomic: concurrent builds never see half a file
        except OSError:
            pass  # a read-only cache is not an error

    def get_or_make(self, parts: tuple, make: Callable[[], bytes]) -> bytes:
        """Cached bytes for ``parts``, else ``make()`` (then stored)."""
        data = self.get(parts)
        if data is None:
            data = make()
            self.put(parts, data)
        return data


def vendored_bundle() -> Path:
    """Where evreg keeps the bundle that the installed vl-convert makes (gzipped)."""
    version = metadata.version("vl-convert-python")
    return Path(__file__).with_name("assets") / f"vega-bundle-{version}.js.gz"


def vega_bundle(cache: RenderCache | None = None) -> str:
    """The Vega, Vega-Lite and Vega-Embed bundle from vl-convert (defines window.vegaEmbed):
    the copy vendored with evreg for the installed vl-convert version (``python -m
    evreg.site.bundle`` writes it; making it takes vl-convert seconds), else made now and
    cached. Both are the same bytes (tests/site/test_render.py)."""
    vendored = vendored_bundle()
    if vendored.exists():
        return gzip.decompress(vendored.read_bytes()).decode("utf-8")
    import vl_convert as vlc

    cache = cache or RenderCache(None)
    return cache.get_or_make(("bundle",), lambda: vlc.javascript_bundle().encode()).decode()


_SVG_SIZE = re.compile(r'<svg[^>]*?\swidth="([0-9.]+)"[^>]*?\sheight="([0-9.]+)"')


def svg_size(svg: bytes) -> tuple[int, int]:
    """(width, height) in px of a vl-convert SVG (its root element's attributes)."""
    match = _SVG_SIZE.search(svg[:2000].decode("utf-8", "replace"))
    if not match:
        return (0, 0)
    return (round(float(match.group(1))), round(float(match.group(2))))


def png_scale(height: int) -> float | None:
    """Scale of the PNG the browser makes of a chart ``height`` px tall: 2 (print quality)
    while the raster stays under MAX_PNG_PIXELS, else 1; None when even 1 is over."""
    if height * PNG_SCALE <= MAX_PNG_PIXELS:
        return PNG_SCALE
    return 1.0 if height <= MAX_PNG_PIXELS else None


Layouts = SpecCall | dict[str, SpecCall]
_DONE: Future = Future()
_DONE.set_result(None)
_NO_JOB = JobInput((), (), frozenset())


@dataclass
class PendingChart:
    """One chart of a page being built: its job's future and, once resolved, its files."""

    writer: ChartWriter
    page_dir: str
    name: str
    job: JobInput
    future: Future
    _files: FigureFiles | None = None

    def done(self) -> bool:
        return self._files is not None or self.future.done()

    def result(self) -> FigureFiles:
        """Wait for the job, store what it made in the cache, write the SVGs next to the page.
        If the worker processes broke (killed, or a script without a main guard), the job
        runs in this process instead: the same bytes either way."""
        if self._files is None:
            try:
                out = self.future.result()
            except BrokenExecutor:
                out = run_job(self.job)
            self._files = self.writer.write_files(self, out)
        return self._files

    def replace(self, files: FigureFiles) -> None:
        """Use ``files`` from now on (the same charts, specs moved to the chart data file)."""
        self._files = files

    def release(self) -> None:
        """Keep only what the page's markup needed (files, sizes), not the specs."""
        files = self.result()
        self._files = dataclasses.replace(
            files,
            wide=dataclasses.replace(files.wide, spec_json=None),
            compact=files.compact and dataclasses.replace(files.compact, spec_json=None),
        )
        self.future = _DONE
        self.job = _NO_JOB


def _layouts_of(files: FigureFiles) -> list[ChartImage]:
    return [i for i in (files.wide, files.compact) if i is not None]


@dataclass
class ChartWriter:
    """Builds and renders the charts of the pages (in the ``pool``'s workers) and writes their
    files into the docs tree; ``embed`` returns the figure at once, its files follow
    (``PendingChart.result``).

    ``inline_budget``: when a page's specs would add more than this (bytes of JSON) to it,
    they go into the page's chart data file instead (:meth:`finish_page`).
    """

    docs_dir: Path
    cache: RenderCache = field(default_factory=lambda: RenderCache(None))
    pool: ChartPool = field(default_factory=lambda: ChartPool(1))
    inline_budget: int = INLINE_BUDGET
    charts: list[PendingChart] = field(default_factory=list)

    def spec(self, make: Callable[..., Any], *args: Any) -> SpecCall:
        """``make(*args)`` (an Altair spec builder), built when the chart is rendered."""
        return SpecCall(make, args)

    def _job(self, layouts: Layouts) -> JobInput:
        """The job of one chart, with what the cache already holds filled in."""
        named = {k: (layouts, k) for k in ("wide", "compact", "full")}
        if isinstance(layouts, dict):
            named = {k: (v, None) for k, v in layouts.items() if v is not None}
        calls: list[SpecCall] = []
        for call, _ in named.values():
            if not any(call is c for c in calls):  # by identity: inputs need no __eq__
                calls.append(call)
        known = [self.cache.get(c.key()) for c in calls]
        texts = tuple(None if k is None else k.decode("utf-8") for k in known)
        position = {id(c): i for i, c in enumerate(calls)}
        rows = tuple((n, position[id(c)], k) for n, (c, k) in named.items())
        need = set()
        for name, index, key in rows:
            text = texts[index]
            layout = None if text is None else layout_json(text, key)
            if layout is None or (layout != "null" and self.cache.get(("svg", layout)) is None):
                need.add(name)
        return JobInput(tuple(zip(calls, texts, strict=True)), rows, frozenset(need))

    def _submit(self, job: JobInput) -> Future:
        complete = all(t is not None for _, t in job.calls) and not job.need_svg
        if complete:  # all from the cache: nothing for a worker to do
            return InProcess().submit(run_job, job)
        return self.pool.submit(run_job, job)

    def embed(
        self,
        page_dir: str,
        name: str,
        layouts: Layouts,
        *,
        title: str,
        caption: str,
        alt: TextAlternative,
    ) -> Figure:
        """Start rendering ``layouts`` (a builder of {"wide": spec, "compact": spec} or such a
        dict of builders) as ``name``.svg and ``name``-compact.svg next to the page in
        ``page_dir`` (a site-relative dir) and return the figure that embeds them
        (templates/macros.html.j2).

        ``title`` and ``caption`` are plain text; ``alt`` is the text alternative (a sentence
        and a table of the plotted numbers).
        """
        job = self._job(layouts)
        chart = PendingChart(self, page_dir, name, job, self._submit(job))
        self.charts.append(chart)
        if alt.table is not None:
            alt = dataclasses.replace(alt, table=shorten(alt.table, self.docs_dir, page_dir, name))
        return Figure(name, title, caption, chart, alt)

    def write_files(self, chart: PendingChart, out: JobOutput) -> FigureFiles:
        """Cache what the job made, write the SVGs next to the page, return the files."""
        for (call, known), text in zip(chart.job.calls, out.calls, strict=True):
            if known is None:
                self.cache.put(call.key(), text.encode("utf-8"))
        out_dir = self.docs_dir / chart.page_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        images: dict[str, ChartImage] = {}
        for layout, text in out.layouts.items():
            if text == "null":
                continue
            svg = out.svgs.get(layout)
            if svg is None:
                svg = self.cache.get(("svg", text))
                assert svg is not None, "an SVG the job was told was cached"
            else:
                self.cache.put(("svg", text), svg)
            suffix = "" if layout == "wide" else f"-{layout}"
            filename = f"{chart.name}{suffix}.svg"
            (out_dir / filename).write_bytes(svg)
            width, height = svg_size(svg)
            inline = json_for_html(json.loads(text)) if layout != "full" else None
            images[layout] = ChartImage(filename, width, height, inline)
        wide = images["wide"]
        return FigureFiles(wide, images.get("compact"), png_scale(wide.height), images.get("full"))

    def ready(self, start: int, end: int) -> bool:
        """Whether charts[start:end] are rendered."""
        return all(c.done() for c in self.charts[start:end])

    def finish_page(self, page_dir: str, start: int, end: int) -> None:
        """Before the page in ``page_dir`` with charts[start:end] is written: when it is a big
        analysis's (a chart shows only some of its rows, the full plot being an SVG) or their
        inline specs would make it heavier than ``inline_budget`` bytes, move the specs into
        the page's chart data file (charts.json) and point the figures there."""
        charts = self.charts[start:end]
        big = any(c.result().full is not None for c in charts)
        size = sum(len(i.spec_json or "") for c in charts for i in _layouts_of(c.result()))
        if not charts or (not big and size <= self.inline_budget):
            return
        data: dict[str, Any] = {}
        for chart in charts:
            files = chart.result()
            moved = []
            for image, suffix in ((files.wide, ""), (files.compact, "-compact")):
                if image is not None:
                    data[f"spec-{chart.name}{suffix}"] = json.loads(str(image.spec_json))
                    image = dataclasses.replace(image, spec_json=None, spec_src=CHART_DATA)
                moved.append(image)
            chart.replace(dataclasses.replace(files, wide=moved[0], compact=moved[1]))
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
        (self.docs_dir / page_dir / CHART_DATA).write_text(text, encoding="utf-8")

    def release(self, start: int, end: int) -> None:
        """Forget the specs of charts[start:end] (their page is written): builds stream."""
        for chart in self.charts[start:end]:
            chart.release()

    def close(self) -> None:
        """Resolve every chart (files written; the pool is its owner's to close)."""
        for chart in self.charts:
            chart.result()
