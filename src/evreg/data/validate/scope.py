"""The source review's studies and the studies added since: review-only fields only for the
review's studies (read from the schema's ``evreg:reviewOnly``), the data version that added a
study, the contributor's own quality assessment with who made it; and the screening records
(awaiting, included as which added study, excluded with a reason)."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.scope import (
    ADDED_IN_VERSION,
    ASSESSED_BY,
    IN_REVIEW,
    NOS_DOMAINS,
    in_review,
    orcid_problem,
    review_only_fields,
)
from evreg.data.validate.finding import Finding, Rows, quote


def check_study_scope(file_rows: tuple[str, Rows], schema: dict) -> Iterator[Finding]:
    """Review-only fields empty for added studies; added_in_version exactly for added studies;
    an added study's NOS domains and who assessed them; a valid ORCID iD."""
    file, rows = file_rows
    review_only = review_only_fields(schema)
    for line, row in rows:
        if in_review(row):
            yield from _review_study(file, line, row)
        else:
            yield from _added_study(file, line, row, review_only)
        who = row.get(ASSESSED_BY, "").strip()
        problem = orcid_problem(who) if who else None
        if problem:
            yield Finding(file, line, ASSESSED_BY, f"{quote(who)} {problem}")


def _review_study(file: str, line: int, row: dict) -> Iterator[Finding]:
    if row.get(ADDED_IN_VERSION, "").strip():
        yield Finding(
            file,
            line,
            ADDED_IN_VERSION,
            f"{row[ADDED_IN_VERSION]} given, but in_review is true: the source review's studies "
            "were not added later (set in_review to false for a study the review did not include)",
        )
    domains = [d for d in NOS_DOMAINS if row.get(d, "").strip()]
    if domains and not row.get(ASSESSED_BY, "").strip():
        yield Finding(
            file,
            line,
            ASSESSED_BY,
            f"empty, but {', '.join(domains)} are given: say who assessed them (a name or ORCID "
            "iD); the review printed only its NOS totals",
        )


def _added_study(file: str, line: int, row: dict, review_only: dict[str, str]) -> Iterator[Finding]:
    for name, instead in review_only.items():
        if row.get(name, "").strip():
            yield Finding(
                file,
                line,
                name,
                f"{quote(row[name])} given, but {name} is what the source review reported; for a "
                f"study the review did not include (in_review false), {instead}",
            )
    if not row.get(ADDED_IN_VERSION, "").strip():
        yield Finding(
            file,
            line,
            ADDED_IN_VERSION,
            "empty, but in_review is false: an added study names the data version that first "
            "includes it (evreg add-study fills it in)",
        )
    for name in (*NOS_DOMAINS, ASSESSED_BY):
        if not row.get(name, "").strip():
            what = (
                "who made the assessment: a name or ORCID iD"
                if name == ASSESSED_BY
                else ("the contributor's own Newcastle-Ottawa assessment of this domain")
            )
            yield Finding(
                file,
                line,
                name,
                f"empty, but an added study (in_review false) needs {what}",
            )


def check_screening(cands: tuple[str, Rows], studies: tuple[str, Rows]) -> Iterator[Finding]:
    """included needs included_as naming an added study (once); excluded needs an
    exclusion_reason; neither is given for another status."""
    file, rows = cands
    by_id = {r.get("study_id"): r for _, r in studies[1]}
    seen: dict[str, int] = {}
    for line, row in rows:
        status = row.get("screening_status", "")
        target = row.get("included_as", "").strip()
        reason = row.get("exclusion_reason", "").strip()
        if status == "included":
            yield from _included(file, line, target, by_id, studies[0], seen)
        elif target:
            yield Finding(
                file,
                line,
                "included_as",
                f"{quote(target)} given, but screening_status is {status}",
            )
        if status == "excluded" and not reason:
            yield Finding(
                file,
                line,
                "exclusion_reason",
                "empty, but screening_status is excluded: give the reason (one of the schema's "
                "fixed list), as PRISMA reports exclusions by reason",
            )
        elif status != "excluded" and reason:
            yield Finding(
                file,
                line,
                "exclusion_reason",
                f"{quote(reason)} given, but screening_status is {status}",
            )


def _included(
    file: str,
    line: int,
    target: str,
    by_id: dict,
    studies_file: str,
    seen: dict[str, int],
) -> Iterator[Finding]:
    if not target:
        yield Finding(
            file,
            line,
            "included_as",
            "empty, but screening_status is included: name the study_id it became",
        )
        return
    study = by_id.get(target)
    if study is None:
        yield Finding(
            file, line, "included_as", f"{quote(target)} is not a study_id in {studies_file}"
        )
    elif in_review(study):
        yield Finding(
            file,
            line,
            "included_as",
            f"{target} is one of the source review's studies; a screening record identified "
            "since the review becomes an added study (in_review false)",
        )
    if target in seen:
        yield Finding(
            file,
            line,
            "included_as",
            f"{target} is already the study of the record on line {seen[target]}",
        )
    seen.setdefault(target, line)


def check_review_count(file_rows: tuple[str, Rows], descriptor: dict) -> Iterator[Finding]:
    """No more studies marked in_review than the source review reports it included
    (``review.prisma_counts_reported.studies_included`` in datapackage.json): an added study
    cannot be turned into one of the review's by editing the CSV."""
    file, rows = file_rows
    review = descriptor.get("review")
    counts = review.get("prisma_counts_reported") if isinstance(review, dict) else None
    reported = counts.get("studies_included") if isinstance(counts, dict) else None
    if not isinstance(reported, int) or isinstance(reported, bool):
        return
    marked = [line for line, row in rows if in_review(row)]
    if len(marked) > reported:
        yield Finding(
            file,
            marked[reported],
            IN_REVIEW,
            f"true for {len(marked)} studies, but the source review reports {reported} "
            "included studies (datapackage.json review.prisma_counts_reported"
            ".studies_included); a study added since the review has in_review false",
        )
