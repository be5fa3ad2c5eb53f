"""Build the site into an output directory atomically: validate, run the plan, generate, swap in.

The site is built in a temporary directory next to the output and swapped in only when
everything succeeded, so a failed build (invalid data, a MkDocs error) leaves the output
exactly as it was; a non-empty directory that is not an evreg site is never replaced.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from evreg.data.formats import plural
from evreg.errors import EvregError

if TYPE_CHECKING:
    from evreg.site.chartjobs import ChartPool

MARKER = ".evreg-site"
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


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


def validation_findings(package_path: str) -> tuple[list[str], list[str]]:
    """(error lines, warning lines) from evreg.data.validate; warnings do not stop a build."""
    from evreg.data.validate import validate_package

    findings = validate_package(package_path)
    errors = [str(f) for f in findings if f.severity == "error"]
    return errors, [str(f) for f in findings if f.severity != "error"]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def report_warnings(
    warnings: list[str], source: str, verbose: bool, say: Callable[[str], None] = _stderr
) -> None:
    """Every warning with ``verbose``; else one line saying how many and where to see them."""
    if verbose:
        for line in warnings:
            say(line)
    elif warnings:
        say(f"{plural(len(warnings), 'warning')}: {source}")


def build_to(
    package_path: str,
    out: Path,
    progress: Progress | None = None,
    use_cache: bool = True,
    verbose: bool = False,
    workers: int | None = None,
) -> str:
    """Validate, run the plan and build the site into ``out`` (swapped in on success only);
    ``workers`` processes render the charts (None: $EVREG_WORKERS or one per CPU).

    Returns a one-line summary. Raises EvregError on invalid data or a failed build, leaving
    ``out`` exactly as it was. Errors are printed in full; warnings (the data's and MkDocs')
    as one line each unless ``verbose``.
    """
    progress = progress or _quiet
    check_out_dir(out)
    from evreg.site.charts import default_cache_dir

    cache = default_cache_dir() if use_cache else None
    pool = chart_pool(cache, workers)
    try:
        return _build(package_path, out, progress, cache, verbose, pool)
    finally:
        pool.close()


def chart_pool(cache: Path | None, workers: int | None = None) -> ChartPool:
    """The chart workers of a build (None: $EVREG_WORKERS or one per CPU), made ready while
    the data is validated: all of them at once when there is no cache yet (every chart will
    be rendered), else only the fork server they start from. The caller closes it."""
    from evreg.site.chartjobs import ChartPool, default_workers

    pool = ChartPool(default_workers() if workers is None else workers)
    if cache is None or not cache.is_dir() or not any(cache.iterdir()):
        pool.start()
    else:
        pool.prestart()
    return pool


def _build(
    package_path: str,
    out: Path,
    progress: Progress,
    cache: Path | None,
    verbose: bool,
    pool: ChartPool,
) -> str:
    """build_to's work once the chart workers are starting."""
    progress("validating")
    errors, data_warnings = validation_findings(package_path)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        report_warnings(data_warnings, "`evreg validate` lists them", verbose)
        raise EvregError(
            f"{plural(len(errors), 'validation error')}; nothing built, {out} unchanged"
        )
    from evreg.data.package import load_package
    from evreg.review.plan import run_plan
    from evreg.site.build import build_site

    package = load_package(package_path)
    progress("running the analysis plan")
    results = run_plan(package)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=parent))
    try:
        built = work / "site"
        warnings = build_site(package, results, built, work, progress, cache, pool)
        (built / MARKER).write_text("built by evreg build; safe to replace\n", encoding="utf-8")
        swap_in(built, out.resolve())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say = getattr(progress, "note", _stderr)  # a terminal's progress line is cleared first
    report_warnings(data_warnings, "`evreg validate` lists them", verbose, say)
    mkdocs = [f"mkdocs warning: {w}" for w in warnings]
    report_warnings(mkdocs, "from MkDocs; `evreg build --verbose` lists them", verbose, say)
    return (
        f"built {out} from {package.descriptor.get('name', 'package')} {package.version}: "
        f"{len(results.analyses)} analyses, {len(package.studies)} studies"
    )
