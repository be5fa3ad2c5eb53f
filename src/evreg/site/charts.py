"""Charts in pages: an SVG image first, the interactive Vega view when scripts run, PNG and
SVG downloads (vl-convert), and a text alternative.

A chart has a wide layout and, for forest plots and the PRISMA diagram, a compact one for
narrow screens. Both are rendered at build time to SVG next to the page and shown with
``<picture>`` (so the chart shows from ``file://``, without JavaScript, in print and in feed
readers); the page also carries both specs as inline JSON (escaped for HTML), which the
vendored Vega bundle (``vl_convert.javascript_bundle()``) draws in place of the image.

Building specs (Altair) and rendering them (vl-convert) dominate the build, so results are
kept in a content-addressed cache (``~/.cache/evreg``, or ``$EVREG_CACHE_DIR``): the key is a
SHA-256 of the plot function, its inputs, the library versions and the chart code, so a cached
file is exactly what a fresh render would produce.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from evreg.site.html import json_for_html
from evreg.site.viewmodel import ChartImage, Figure, TextAlternative

MAX_PNG_PIXELS = 12_000  # taller charts get SVG only (PNG rasters that size are unusable)
BUNDLE_PATH = "assets/javascripts/vega-bundle.js"


def vega_versions() -> dict[str, str]:
    """Versions of the vendored JavaScript libraries."""
    import vl_convert as vlc

    return {
        "Vega": vlc.get_vega_version(),
        "Vega-Lite": vlc.get_vegalite_versions()[-1],
        "Vega-Embed": vlc.get_vega_embed_version(),
    }


@functools.lru_cache(maxsize=1)
def _versions_key() -> str:
    """Library versions and a hash of the chart code, so a code change invalidates the cache."""
    names = ("evreg", "altair", "vl-convert-python")
    here = Path(__file__).parent
    code = hashlib.sha256()
    for module in ("formats.py", "layout.py", "plots.py", "compact.py", "forest.py", "charts.py"):
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

    def get_or_make(self, parts: tuple, make: Callable[[], bytes]) -> bytes:
        if self.directory is None:
            return make()
        key = hashlib.sha256(repr((_versions_key(),) + parts).encode("utf-8")).hexdigest()
        path = self.directory / key[:2] / key
        try:
            return path.read_bytes()
        except OSError:
            pass
        data = make()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)  # atomic: concurrent builds never see half a file
        except OSError:
            pass  # a read-only cache is not an error
        return data


def vega_bundle(cache: RenderCache | None = None) -> str:
    """The Vega, Vega-Lite and Vega-Embed bundle from vl-convert (defines window.vegaEmbed)."""
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


def _max_height(spec: Any) -> int:
    if isinstance(spec, dict):
        own = spec.get("height") if isinstance(spec.get("height"), int | float) else 0
        return int(max([own] + [_max_height(v) for v in spec.values()]))
    if isinstance(spec, list):
        return max([_max_height(v) for v in spec] + [0])
    return 0


@dataclass
class ChartWriter:
    """Writes chart files into the docs tree and returns the figure that embeds each chart."""

    docs_dir: Path
    cache: RenderCache = field(default_factory=lambda: RenderCache(None))
    png_scale: float = 2.0
    written: list[str] = field(default_factory=list)

    def spec(self, make: Callable[..., dict], *args: Any) -> dict:
        """``make(*args)`` (an Altair spec builder), cached by its name and inputs' repr."""
        parts = ("spec", make.__module__, make.__qualname__, repr(args))
        data = self.cache.get_or_make(
            parts, lambda: json.dumps(make(*args), sort_keys=True).encode()
        )
        return json.loads(data)

    def _svg(self, out_dir: Path, filename: str, spec: dict) -> tuple[bytes, ChartImage]:
        """Render ``spec`` to ``filename`` (SVG) in ``out_dir``; the SVG and its image."""
        import vl_convert as vlc

        spec_json = json.dumps(spec, sort_keys=True)
        svg = self.cache.get_or_make(("svg", spec_json), lambda: vlc.vegalite_to_svg(spec).encode())
        (out_dir / filename).write_bytes(svg)
        width, height = svg_size(svg)
        return svg, ChartImage(filename, width, height, json_for_html(spec))

    def _png(self, out_dir: Path, name: str, spec: dict, svg: bytes) -> bool:
        """Write ``name``.png unless the chart is too tall for a useful raster."""
        import vl_convert as vlc

        height = _max_height(spec)
        scale = self.png_scale if height * self.png_scale <= MAX_PNG_PIXELS else 1.0
        if height * scale > MAX_PNG_PIXELS:
            return False
        spec_json = json.dumps(spec, sort_keys=True)
        data = self.cache.get_or_make(
            ("png", spec_json, scale), lambda: vlc.svg_to_png(svg.decode(), scale=scale)
        )
        (out_dir / f"{name}.png").write_bytes(data)
        return True

    def embed(
        self,
        page_dir: str,
        name: str,
        layouts: dict[str, dict],
        *,
        title: str,
        caption: str,
        alt: TextAlternative,
    ) -> Figure:
        """Write ``layouts["wide"]`` as ``name``.svg and .png and ``layouts["compact"]`` (if
        any) as ``name``-compact.svg next to the page in ``page_dir`` (a site-relative dir)
        and return the figure that embeds them (templates/macros.html.j2).

        ``title`` and ``caption`` are plain text; ``alt`` is the text alternative (a sentence
        and a table of the plotted numbers).
        """
        out_dir = self.docs_dir / page_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        svg, wide = self._svg(out_dir, f"{name}.svg", layouts["wide"])
        compact = None
        if layouts.get("compact") is not None:
            compact = self._svg(out_dir, f"{name}-compact.svg", layouts["compact"])[1]
        png = self._png(out_dir, name, layouts["wide"], svg)
        self.written.append(f"{page_dir}/{name}")
        return Figure(name, title, caption, wide, png, alt, compact)
