"""``evreg search``: run the review's PubMed query for a publication-date window, keep what is
new as screening records awaiting assessment, and record the search in the search history.

Data flow: the package's ``review.search.pubmed_query`` and the window (``since`` defaults to
the last search's ``until``, or to the source review's search end) -> PubMed via E-utilities
(:mod:`evreg.living.pubmed`) -> each record matched against the studies and screening records
(:mod:`evreg.living.dedupe`) -> new records appended to ``candidates.csv`` (status
``awaiting``, the next minor data version, this search's id) and one row to
``search_history.csv`` -> the package copy validated -> both files replaced together
(:func:`evreg.living.files.replace_atomically`), or nothing written. A failed request, a
malformed answer or a new validation error writes nothing; a malformed record is skipped with
a warning naming its PMID.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evreg.data.package import load_package
from evreg.errors import EvregError
from evreg.living.checked import write_checked
from evreg.living.dedupe import Known, family_name, known_rows
from evreg.living.eutils import Eutils
from evreg.living.files import appended_bytes, csv_style, read_bytes
from evreg.living.pubmed import DATABASE, PubmedRecord, search_pubmed
from evreg.living.versions import bump_version

HISTORY = "search_history"
CANDIDATES = "candidates"
BY_HAND = "by hand"


@dataclass(frozen=True)
class SearchResult:
    """What a search found and did; ``written`` lists the files changed (none on a dry run)."""

    search_id: str
    database: str
    query: str
    since: str
    until: str
    records_returned: int
    new: tuple[dict[str, str], ...]
    known: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]
    history: dict[str, str]
    dry_run: bool
    written: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "search_id": self.search_id,
            "database": self.database,
            "query": self.query,
            "since": self.since,
            "until": self.until,
            "records_returned": self.records_returned,
            "new_records": len(self.new),
            "new": list(self.new),
            "known": [{"pmid": p, "matched": why} for p, why in self.known],
            "warnings": list(self.warnings),
            "history": self.history,
            "dry_run": self.dry_run,
            "written": list(self.written),
        }


def run_by_default() -> str:
    """The GitHub Actions run's URL when run by a workflow, else "by hand"."""
    run, repo = os.environ.get("GITHUB_RUN_ID", ""), os.environ.get("GITHUB_REPOSITORY", "")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    if re.fullmatch(r"[0-9]+", run) and re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return BY_HAND


def _iso(value: str, what: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise EvregError(f"{what} {value!r}: expected a date YYYY-MM-DD", exit_code=2) from None


def default_since(history: tuple[dict, ...], review_search: dict) -> str:
    """Where the next search starts: the latest ``until`` of the history, else the start of
    the month the source review's search ended (``review.search.to``, YYYY-MM or a date)."""
    ends = sorted(str(h.get("until") or "") for h in history if h.get("until"))
    if ends:
        return ends[-1]
    end = str(review_search.get("to") or "")
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", end):
        end += "-01"
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", end):
        return end
    raise EvregError(
        "no search history and no review.search.to in datapackage.json: give --since", 2
    )


def _search_id(history: tuple[dict, ...], today: str) -> str:
    base = f"{DATABASE.lower()}-{today}"
    taken = {str(h.get("search_id")) for h in history}
    n = 1
    while (sid := base if n == 1 else f"{base}-{n}") in taken:
        n += 1
    return sid


def _candidate_id(record: PubmedRecord, taken: set[str]) -> str:
    """``family-year`` as study ids are made (a, b... appended when taken); PMID-based if the
    name has no letters."""
    name = family_name(record.first_author)
    base = (
        f"{name}-{record.year}" if re.match(r"[a-z]", name) else f"pmid{record.pmid}-{record.year}"
    )
    for suffix in ("", *"abcdefghijklmnopqrstuvwxyz"):
        if base + suffix not in taken:
            return base + suffix
    return f"pmid{record.pmid}-{record.year}"


def candidate_row(record: PubmedRecord, cid: str, version: str, search_id: str) -> dict[str, str]:
    """A screening record awaiting assessment, from a PubMed record."""
    return {
        "candidate_id": cid,
        "first_author": record.first_author,
        "year": str(record.year),
        "title": record.title,
        "journal": record.journal,
        "volume_issue": record.volume_issue,
        "doi": record.doi,
        "pmid": record.pmid,
        "screening_status": "awaiting",
        "identified_in_version": version,
        "search_id": search_id,
        "source_url": record.source_url,
        "notes": f"Found by {search_id} (PubMed summary); not yet assessed.",
    }


@dataclass(frozen=True)
class SearchRequest:
    """One search: the window (None: the defaults), who runs it, where, and the clock."""

    since: str | None = None
    until: str | None = None
    run_by: str = ""
    dry_run: bool = False
    today: str | None = None


def _window(loaded: Any, request: SearchRequest) -> tuple[str, str, str, str]:
    """(query, today, since, until) of the search; a clear error for a missing query or
    history resource, or a bad window."""
    review_search = loaded.review.get("search") or {}
    query = str(review_search.get("pubmed_query") or "").strip()
    if not query:
        raise EvregError("datapackage.json:review.search.pubmed_query: empty; nothing to search")
    if HISTORY not in loaded.tables:
        raise EvregError(f"datapackage.json:resources: no {HISTORY!r} resource to record in")
    today = request.today or dt.datetime.now(dt.UTC).date().isoformat()
    since = _iso(request.since or default_since(loaded.search_history, review_search), "--since")
    until = _iso(request.until or today, "--until")
    if since > until:
        raise EvregError(f"--since {since} is after --until {until}", exit_code=2)
    return query, today, since, until


def run_search(
    package: Path,
    request: SearchRequest,
    client: Eutils,
    progress: Callable[[str], None] = lambda _: None,
    **paging: int,
) -> SearchResult:
    """Search, deduplicate and (unless a dry run) write; see the module docstring."""
    loaded = load_package(package)
    query, today, since, until = _window(loaded, request)
    found = search_pubmed(client, query, since, until, progress, **paging)
    search_id = _search_id(loaded.search_history, today)
    studies, candidates = loaded.raw_tables["studies"], loaded.raw_tables[CANDIDATES]
    known = known_rows(
        (
            (loaded.resource_path("studies"), studies, "study_id"),
            (loaded.resource_path(CANDIDATES), candidates, "candidate_id"),
        )
    )
    taken = {r["study_id"] for r in studies} | {r["candidate_id"] for r in candidates}
    version = bump_version(loaded.version, "minor")
    new, matched = _sort_records(found.records, known, taken, version, search_id)
    row = {
        "search_id": search_id,
        "date_run": today,
        "database": DATABASE,
        "query": query,
        "since": since,
        "until": until,
        "records_returned": str(found.count),
        "new_records": str(len(new)),
        "run_by": request.run_by or run_by_default(),
    }
    result = SearchResult(
        search_id, DATABASE, query, since, until, found.count, tuple(new), tuple(matched),
        found.warnings, row, request.dry_run,
    )  # fmt: skip
    if request.dry_run:
        return result
    written = _write(package, loaded, new, row)
    return dataclasses.replace(result, written=written)


def _sort_records(
    records: tuple[PubmedRecord, ...], known: Known, taken: set[str], version: str, sid: str
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """(new screening rows, (PMID, how it is known) for the others); each new record is known
    to those after it (no record is added twice)."""
    new: list[dict[str, str]] = []
    matched: list[tuple[str, str]] = []
    for record in records:
        why = known.match(record)
        if why:
            matched.append((record.pmid, why))
            continue
        cid = _candidate_id(record, taken)
        taken.add(cid)
        row = candidate_row(record, cid, version, sid)
        known.add(row, f"this search's {cid}")
        new.append(row)
    return new, matched


def _write(package: Path, loaded: Any, new: list[dict[str, str]], row: dict) -> tuple[str, ...]:
    """Append the rows in each file's own style; both files are replaced, or neither."""
    root = package.parent
    paths = {name: root / loaded.resource_path(name) for name in (CANDIDATES, HISTORY)}
    originals = {path: read_bytes(path) for path in paths.values()}
    rows = {CANDIDATES: new, HISTORY: [row]}
    files = {
        path: originals[path] + appended_bytes(csv_style(originals[path], path), rows[name])
        for name, path in paths.items()
        if rows[name]
    }
    write_checked(package, files, originals, "the search's rows")
    return tuple(loaded.resource_path(name) for name in rows if rows[name])
