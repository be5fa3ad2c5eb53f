"""evreg build: validate, run the analysis plan and build the static site.

Example::

    evreg build                                   # ./datapackage.json -> site_build/
    evreg build --package examples/hackshaw1998/datapackage.json --out /tmp/ets-site

The site is built in a temporary directory next to ``--out`` and swapped in only when
everything succeeded, so a failed build (invalid data, a MkDocs error) leaves ``--out``
exactly as it was. Progress is shown on a terminal; ``CI`` or a non-terminal stays quiet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from evreg.errors import EvregError

MARKER = ".evreg-site"


def add_package_argument(parser: argparse.ArgumentParser) -> None:
    """The --package option shared by build and serve."""
    parser.add_argument(
        "--package",
        default="datapackage.json",
        metavar="PATH",
        help="datapackage.json or its directory (default: ./datapackage.json)",
    )


EXAMPLES = """examples:
  evreg build                                    # ./datapackage.json -> site_build/
  evreg build --package examples/hackshaw1998/datapackage.json --out /tmp/ets-site
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLES
    add_package_argument(parser)
    parser.add_argument(
        "--out",
        default="site_build",
        metavar="DIR",
        help="output directory (default: site_build/); replaced only on success",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="render every chart afresh (default: reuse ~/.cache/evreg or "
        "$EVREG_CACHE_DIR; cached files are identical to fresh renders)",
    )


class Progress:
    """One-line progress on a terminal (stderr); silent in CI or when not a TTY."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.step = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        self.step += 1
        elapsed = time.monotonic() - self.start
        sys.stderr.write(f"\r\033[K[{elapsed:5.1f}s] {message}")
        sys.stderr.flush()

    def done(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
        print(message)


def _show_progress(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty() and not os.environ.get("CI")


def check_out_dir(out: Path) -> None:
    """Refuse to replace a non-empty directory that is not an evreg site."""
    if out.exists() and not out.is_dir():
        raise EvregError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise EvregError(
            f"{out}: not empty and not an evreg site (no {MARKER}); "
            "choose another --out or remove it"
        )


def swap_in(built: Path, out: Path) -> None:
    """Replace ``out`` with ``built`` (same parent directory): rename, rename, remove."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        out.rename(old)
    try:
        built.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def validation_errors(package_path: str) -> list[str]:
    """Error lines from evreg.validate (warnings are printed but do not stop the build)."""
    from evreg.validate import validate_package

    findings = validate_package(package_path)
    for f in findings:
        if f.severity != "error":
            print(str(f), file=sys.stderr)
    return [str(f) for f in findings if f.severity == "error"]


def build_to(
    package_path: str, out: Path, progress: Progress | None = None, use_cache: bool = True
) -> str:
    """Validate, run the plan and build the site into ``out`` (swapped in on success only).

    Returns a one-line summary. Raises EvregError on invalid data or a failed build, leaving
    ``out`` exactly as it was.
    """
    progress = progress or Progress(False)
    check_out_dir(out)
    progress("validating")
    errors = validation_errors(package_path)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        raise EvregError(f"{len(errors)} validation error(s); nothing built, {out} unchanged")
    from evreg.analyses import run_plan
    from evreg.package import load_package
    from evreg.site import build_site
    from evreg.site_charts import default_cache_dir

    package = load_package(package_path)
    progress("running the analysis plan")
    results = run_plan(package)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=parent))
    try:
        built = work / "site"
        cache = default_cache_dir() if use_cache else None
        warnings = build_site(package, results, built, work, progress, cache)
        (built / MARKER).write_text("built by evreg build; safe to replace\n", encoding="utf-8")
        swap_in(built, out.resolve())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for w in warnings:
        print(f"mkdocs warning: {w}", file=sys.stderr)
    return (
        f"built {out} from {package.descriptor.get('name', 'package')} {package.version}: "
        f"{len(results.analyses)} analyses, {len(package.studies)} studies"
    )


def run(args: argparse.Namespace) -> int:
    progress = Progress(_show_progress(args))
    summary = build_to(args.package, Path(args.out), progress, use_cache=not args.no_cache)
    progress.done(summary)
    return 0
