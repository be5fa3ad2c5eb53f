"""Every number with its source, every pending row with its reason: the rules the data tests
check on the package, enforced here so that whatever ``evreg validate`` accepts keeps them
(one gate): a row of estimates or published results that gives a number names where it is
printed; an estimate that is not extracted says why; an added study names its own paper; a
review study's characteristics say where the review prints them."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.scope import in_review, review_only_fields
from evreg.data.validate.finding import Finding, Rows, register
from evreg.data.validate.numbers import NUMBERS

TEMPLATES = register(
    {
        "number-source-missing": (
            "empty, but the row gives {given}: every number names where it is printed"
        ),
        "pending-reason-missing": (
            "empty, but status is {status}: say why (in notes or extraction_check); the site "
            "shows the reason beside the pending row"
        ),
        "added-source-missing": (
            "empty, but in_review is false: an added study names where its own paper is (a DOI "
            "or PubMed address)"
        ),
        "review-source-location-missing": (
            "empty, but the row gives what the source review printed: say where (e.g. Table I)"
        ),
    }
)

PRINTED = (*NUMBERS, "p_as_printed")
# Rows of these statuses are held to their sources by domain.check_status already.
STATUS_CHECKED = ("extracted", "incomplete")
# Estimates with a usable hazard ratio (evreg.review.selection.USABLE_STATUSES, which the data
# stage cannot import): every other one is pending and says why.
USABLE = ("extracted", "derived")


def check_number_sources(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """A row that gives hr, a CI bound or p names source_url and source_location."""
    file, rows = file_rows
    for line, row in rows:
        if row.get("status", "") in STATUS_CHECKED:
            continue
        given = [n for n in PRINTED if row.get(n, "").strip()]
        if not given:
            continue
        for name in ("source_url", "source_location"):
            if not row.get(name, "").strip():
                said = ", ".join(given)
                yield Finding.coded("number-source-missing", file, line, name, given=said)


def check_pending_reason(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """A pending estimate (not extracted or derived) says why, in notes or extraction_check."""
    file, rows = file_rows
    for line, row in rows:
        status = row.get("status", "")
        said = row.get("notes", "").strip() or row.get("extraction_check", "").strip()
        if status and status not in USABLE and not said:
            yield Finding.coded("pending-reason-missing", file, line, "notes", status=status)


def check_study_sources(file_rows: tuple[str, Rows], schema: dict) -> Iterator[Finding]:
    """An added study names its own paper (source_url); a review study that gives
    review-only characteristics says where the review prints them (review_source_location)."""
    file, rows = file_rows
    review_only = review_only_fields(schema)
    for line, row in rows:
        if not in_review(row):
            if not row.get("source_url", "").strip():
                yield Finding.coded("added-source-missing", file, line, "source_url")
        elif (
            any(row.get(f, "").strip() for f in review_only)
            and not row.get("review_source_location", "").strip()
        ):
            field = "review_source_location"
            yield Finding.coded("review-source-location-missing", file, line, field)
