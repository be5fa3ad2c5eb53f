"""Helpers for the site tests: build each site once per session, serve it, crawl links.

Imported by tests/test_site*.py and tests/test_browser*.py (no tests here). Builds run the
real command (``evreg.cli.main(["build", ...])``): validation, the analysis plan, chart
rendering with vl-convert and MkDocs with Material.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import http.server
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from evreg.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hackshaw1998"
HOSTILE = '<script>alert("x")</script></script><img src=x onerror=alert(1)>&amp;'
_BUILT: dict[str, Path] = {}

# Chart cache for this test session only: the first build renders everything afresh, later
# builds reuse it (test_site checks that a --no-cache build is byte-identical).
if "EVREG_CACHE_DIR" not in os.environ:
    os.environ["EVREG_CACHE_DIR"] = tempfile.mkdtemp(prefix="evreg-test-cache-")
    atexit.register(shutil.rmtree, os.environ["EVREG_CACHE_DIR"], True)


def build(package: Path, out: Path, *extra: str) -> int:
    """Run ``evreg build --package PACKAGE --out OUT`` in-process; return the exit code."""
    return main(["build", "--package", str(package), "--out", str(out), "--quiet", *extra])


def copy_package(src: Path, dest: Path) -> Path:
    """Copy a package (descriptor, schemas, data, site pages, mkdocs.yml, changelog)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("datapackage.json", "mkdocs.yml", "CHANGELOG.md"):
        if (src / name).exists():
            shutil.copy2(src / name, dest / name)
    for name in ("schemas", "data", "site"):
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name, ignore=shutil.ignore_patterns("generated"))
    return dest


def hostile_package(dest: Path) -> Path:
    """A copy of the shipped package whose study, estimate and analysis texts are hostile."""
    pkg = copy_package(ROOT, dest)
    _replace_cell(pkg / "data" / "studies.csv", "title", "du-2024", "Du title " + HOSTILE)
    _replace_cell(pkg / "data" / "studies.csv", "first_author", "du-2024", "Du" + HOSTILE)
    _replace_cell(
        pkg / "data" / "studies.csv", "notes", "du-2024", "[click](javascript:alert(2)) " + HOSTILE
    )
    _replace_cell(pkg / "data" / "estimates.csv", "exposure", "du-2024-il6-pfs", "IL-6 " + HOSTILE)
    _replace_cell(pkg / "data" / "analyses.csv", "title", "il6-pfs", "IL-6 PFS " + HOSTILE)
    (pkg / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 1.0.0\n\n- added [link](javascript:alert(3)) " + HOSTILE + "\n",
        encoding="utf-8",
    )
    return pkg


def _replace_cell(path: Path, column: str, key: str, value: str) -> None:
    import csv
    import io

    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    col = rows[0].index(column)
    for row in rows[1:]:
        if row and row[0] == key:
            row[col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def built_site(name: str, factory) -> Path:
    """Build one of the named sites once per test session and return its directory."""
    if name in _BUILT:
        return _BUILT[name]
    base = factory.mktemp(f"site-{name}")
    if name == "main":
        package = ROOT / "datapackage.json"
    elif name == "example":
        package = EXAMPLE / "datapackage.json"
    elif name == "hostile":
        package = hostile_package(base / "pkg") / "datapackage.json"
    else:
        raise KeyError(name)
    out = base / "out"
    code = build(package, out)
    assert code == 0, f"evreg build of {name} failed with exit code {code}"
    _BUILT[name] = out
    return out


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)
            if key == "id" and value:
                self.ids.append(value)


def page_links(html_file: Path) -> tuple[list[str], list[str]]:
    """hrefs/srcs and element ids (in document order) of one HTML page."""
    parser = _Links()
    parser.feed(html_file.read_text(encoding="utf-8"))
    return parser.links, parser.ids


def resolve(site: Path, page: Path, href: str) -> Path | None:
    """The file an internal link points to (None for external links and bare anchors)."""
    parsed = urlparse(href)
    if parsed.scheme or parsed.netloc or href.startswith(("#", "mailto:", "data:")):
        return None
    parent = page.parent.relative_to(site).as_posix()
    page_url = "/" if parent == "." else f"/{parent}/"
    target = urlparse(urljoin(page_url, parsed.path)).path
    path = site / unquote(target).lstrip("/")
    return path / "index.html" if target.endswith("/") or path.is_dir() else path


def crawl(site: Path) -> tuple[set[Path], list[str]]:
    """Pages reachable from index.html by internal links, and broken links found."""
    seen: set[Path] = set()
    broken: list[str] = []
    todo = [site / "index.html"]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        links, _ = page_links(page)
        for href in links:
            target = resolve(site, page, href)
            if target is None:
                continue
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif target.suffix == ".html" and target not in seen:
                todo.append(target)
    return seen, broken


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve a directory on 127.0.0.1 (random port); yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|img|iframe|source|audio|video)[^>]+src=\"https?://|<link[^>]+href=\"https?://[^\"]+\"[^>]*rel=\"(?:stylesheet|preload|preconnect|icon)|"
    r"<link[^>]+rel=\"(?:stylesheet|preload|preconnect|icon)\"[^>]+href=\"https?://|@import\s+url\(\s*['\"]?https?://|fonts\.googleapis|fonts\.gstatic",
    re.IGNORECASE,
)
