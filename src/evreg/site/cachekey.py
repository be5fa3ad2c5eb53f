"""The code part of the chart cache's key: a SHA-256 of every source file that can change a
chart, with the versions of the libraries that make and render the specs.

Which files: all of ``evreg.site`` and every stage (``evreg.data``, ``evreg.review`` ...) or
top-level module it imports, found from its import lines (and the ``"evreg.x"`` names given
to ``importlib``), again for the stages so reached. A module added, split or moved is
covered without a list to keep up; a stage the site never imports (``evreg.cli``) is not.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import metadata
from pathlib import Path

ROOT_STAGE = "site"
LIBRARIES = ("altair", "vl-convert-python")  # vl-convert bundles Vega and Vega-Lite
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the installed evreg package


# "from evreg.x ..." / "import evreg.x" at the start of a line, or "evreg.x" quoted (importlib)
_IMPORTED = re.compile(r"""^[ \t]*(?:from|import)[ \t]+evreg\.(\w+)|["']evreg\.(\w+)""", re.M)


def _imported_stages(path: Path) -> list[str]:
    """The evreg stages (or top-level modules) a module imports (a regular expression, not
    a parse: 30 times faster, and a docstring that only names a stage does not count)."""
    return [a or b for a, b in _IMPORTED.findall(path.read_text(encoding="utf-8"))]


def _stage_files(package_dir: Path, stage: str) -> list[Path]:
    """The source files of one stage (a subpackage) or top-level module of evreg."""
    folder = package_dir / stage
    if folder.is_dir():
        return sorted(folder.rglob("*.py"))
    module = package_dir / f"{stage}.py"
    return [module] if module.is_file() else []


def code_files(package_dir: Path = PACKAGE_DIR, root: str = ROOT_STAGE) -> list[Path]:
    """Every file that can change a chart: ``root``'s stage and the stages it imports."""
    files = {package_dir / "__init__.py"}
    seen: set[str] = set()
    todo = [root]
    while todo:
        stage = todo.pop()
        if stage in seen:
            continue
        seen.add(stage)
        for path in _stage_files(package_dir, stage):
            files.add(path)
            todo += _imported_stages(path)
    return sorted(p for p in files if p.is_file())


def code_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the chart code's files (their paths and bytes)."""
    digest = hashlib.sha256()
    for path in code_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def versions_key() -> str:
    """Library versions and the chart code's digest: a change to either invalidates every
    cached chart."""
    versions = ";".join(f"{name}={metadata.version(name)}" for name in LIBRARIES)
    return f"{versions};code={code_digest()}"
