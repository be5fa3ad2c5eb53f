"""Build the site into an output directory atomically: validate, run the plan, generate, swap in.

The site is built in a temporary directory next to the output and swapped in only when
everything succeeded, so a failed, interrupted or killed build (invalid data, a MkDocs error,
SIGTERM, SIGKILL) leaves the output exactly as it was; a non-empty directory that is not an
evreg site is never replaced. Builds into the same folder take turns (a lock on the output's
parent folder itself, so no lock file is left beside the site); each first removes what killed
builds left behind.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from evreg.data.formats import plural
from evreg.data.writes import locked, signals_raise, step
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


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where
    the system or file system cannot."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        step()
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(b))


def _old_copy(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def swap_in(built: Path, out: Path) -> None:
    """Replace ``out`` with ``built`` (same parent directory) so that ``out`` is always a
    whole site: the old one until the new one is in place. Directories are exchanged in one
    atomic step where the system can; elsewhere ``out`` is renamed aside first and restored
    by the next build if this one is killed in between (:func:`clean_stale`)."""
    if not out.exists():
        built.rename(out)
        step()
        return
    if _exchange(built, out):
        shutil.rmtree(built, ignore_errors=True)  # the old site, now at built's name
        return
    old = _old_copy(out)
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    step()
    try:
        built.rename(out)
        step()
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def clean_stale(out: Path) -> None:
    """Under the build lock: restore a site renamed aside by a killed build, and remove the
    build folders and old copies that killed builds left (``.<out>.build-*``, ``.<out>.old*``)."""
    old = _old_copy(out)
    if old.is_dir() and not out.exists():
        old.rename(out)
        step()
    for entry in out.parent.glob(f".{out.name}.*"):
        if entry.is_dir() and entry.name.startswith((f".{out.name}.build-", f".{out.name}.old")):
            shutil.rmtree(entry, ignore_errors=True)


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
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    with locked(out.parent, f"the site {out}"), signals_raise():
        clean_stale(out)  # what a killed build left, now that no other build runs here
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
    from evreg.site.pages import BuildOptions

    package = load_package(package_path)
    progress("running the analysis plan")
    results = run_plan(package)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        built = work / "site"
        warnings = build_site(package, results, built, work, BuildOptions(progress, cache, pool))
        (built / MARKER).write_text("built by evreg build; safe to replace\n", encoding="utf-8")
        step()  # the new site is whole; the old one is still in place
        swap_in(built, out)
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
