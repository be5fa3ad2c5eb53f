"""Build the evidence site: pages into a docs directory, then MkDocs (Material) into a site.

The steps have their own modules: :mod:`evreg.site.pages` writes hand-written pages
(``<package root>/site/*.md``), generated pages, chart files and the assets into a docs
directory; :mod:`evreg.site.exports` the data files and zips; :mod:`evreg.site.mkdocs_config`
the MkDocs config (the package's ``mkdocs.yml`` plus the generated navigation and the offline
settings this site relies on). Here, :func:`run_mkdocs` builds it and :func:`build_site` runs
the whole. Output is deterministic: everything is sorted, dates come from the data version
(``SOURCE_DATE_EPOCH``), and no clock time or absolute path is written.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from evreg.data.package import Package, with_release_status
from evreg.errors import EvregError
from evreg.review.plan import RegistryResults
from evreg.site.exports import source_date_epoch, write_site_zip
from evreg.site.mkdocs_config import write_config
from evreg.site.pages import BuildOptions, generate_docs


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
    options: BuildOptions | None = None,
) -> list[str]:
    """Generate docs in ``work/docs`` and build the site into ``out`` (which must not exist);
    ``options``: see :class:`~evreg.site.pages.BuildOptions`. The version shown is read from
    the package's git history (unreleased data say so: :mod:`evreg.data.history`)."""
    options = options or BuildOptions()
    package = with_release_status(package)
    with reproducible(package):
        docs = work / "docs"
        nav = generate_docs(package, results, docs, options)
        options.progress("mkdocs build")
        config = write_config(package, docs, out, nav, work / "mkdocs.yml")
        warnings = run_mkdocs(config)
        options.progress("zip of the site")
        write_site_zip(package, out)
        return warnings
