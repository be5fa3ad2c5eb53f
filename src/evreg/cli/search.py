"""``evreg search``: search PubMed for new records since the last search.

Example::

    evreg search --dry-run                      # what would be added, nothing written
    evreg search                                # since the last search's end, until today
    evreg search --since 2026-01-01 --until 2026-12-01 --format json
    evreg search --endpoint http://127.0.0.1:8080/   # a local stand-in for E-utilities

Runs the package's ``review.search.pubmed_query`` through NCBI E-utilities (esearch, then
esummary) for records published in the window, at most 3 requests a second (10 with
``NCBI_API_KEY`` set; ``NCBI_EMAIL`` is sent as NCBI asks). Records matching a study or a
screening record (PMID, DOI, or title + first author + year) are left out; the others are
appended to data/candidates.csv as awaiting assessment, and the search to
data/search_history.csv. If any request fails, nothing is written (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg search``."""
    from evreg.living.eutils import EUTILS_BASE

    options.document(
        parser,
        "example: evreg search --dry-run --since 2026-01-01\n"
        "A failed request to E-utilities also exits 1, nothing written.",
    )
    options.add_date(
        parser,
        "--since",
        "first publication date searched (default: the last search's end, from "
        "data/search_history.csv; else the source review's search end)",
    )
    options.add_date(parser, "--until", "last publication date searched (default: today, UTC)")
    options.add_value(parser, "--endpoint", "URL", f"E-utilities base URL (default: {EUTILS_BASE})")
    options.add_value(
        parser,
        "--run-by",
        "WHO",
        "who runs the search, for the history (default: the GitHub Actions run's URL in a "
        "workflow, else 'by hand')",
    )
    options.add_dry_run(parser, "print what would be added; write nothing")
    options.add_value(
        parser,
        "--summary",
        "FILE.md",
        "also write a markdown summary (for a pull-request comment) to FILE.md",
    )
    options.package_and_format(
        parser,
        text="a summary, one line per new record, warnings on stderr",
        json="the search, its new records, the records already known and the warnings",
    )


def run(args: argparse.Namespace) -> int:
    """Search and print; 0 when the search ran (whatever it found), 1 on failure."""
    from evreg.cli.progress import Progress
    from evreg.living.add_study import descriptor_file
    from evreg.living.eutils import Eutils
    from evreg.living.search import SearchRequest, run_search

    progress = Progress(sys.stderr.isatty())
    request = SearchRequest(
        since=args.since, until=args.until, run_by=args.run_by or "", dry_run=args.dry_run
    )
    result = run_search(
        descriptor_file(args.package), request, Eutils.from_env(args.endpoint), progress
    )
    if progress.enabled:
        sys.stderr.write("\r\033[K")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    from evreg.living.search_report import search_markdown, search_text

    if args.summary:
        Path(args.summary).write_text(search_markdown(result), encoding="utf-8")
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(search_text(result))
    return 0
