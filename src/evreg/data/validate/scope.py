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
from evreg.data.validate.finding import Finding, Rows, quote, register

TEMPLATES = register(
    {
        "orcid-invalid": "{value} {problem}",
        "review-study-has-version": (
            "{value} given, but in_review is true: the source review's studies were not added "
            "later (set in_review to false for a study the review did not include)"
        ),
        "review-study-assessor-missing": (
            "empty, but {domains} are given: say who assessed them (a name or ORCID iD); the "
            "review printed only its NOS totals"
        ),
        "review-only-field-given": (
            "{value} given, but {name} is what the source review reported; for a study the "
            "review did not include (in_review false), {instead}"
        ),
        "added-version-missing": (
            "empty, but in_review is false: an added study names the data version that first "
            "includes it (evreg add-study fills it in)"
        ),
        "added-nos-domain-missing": (
            "empty, but an added study (in_review false) needs the contributor's own "
            "Newcastle-Ottawa assessment of this domain"
        ),
        "added-assessor-missing": (
            "empty, but an added study (in_review false) needs who made the assessment: a name "
            "or ORCID iD"
        ),
        "included-as-unexpected": "{value} given, but screening_status is {status}",
        "exclusion-reason-missing": (
            "empty, but screening_status is excluded: give the reason (one of the schema's "
            "fixed list), as PRISMA reports exclusions by reason"
        ),
        "exclusion-reason-unexpected": "{value} given, but screening_status is {status}",
        "included-as-missing": (
            "empty, but screening_status is included: name the study_id it became"
        ),
        "included-as-review-study": (
            "{value} is one of the source review's studies; a screening record identified "
            "since the review becomes an added study (in_review false)"
        ),
        "included-as-repeated": "{value} is already the study of the record on line {first_line}",
        "in-review-count-exceeded": (
            "true for {marked} studies, but the source review reports {reported} included "
            "studies (datapackage.json review.prisma_counts_reported.studies_included); a study "
            "added since the review has in_review false"
        ),
    }
)


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
            yield Finding.coded(
                "orcid-invalid", file, line, ASSESSED_BY, value=quote(who), problem=problem
            )


def _review_study(file: str, line: int, row: dict) -> Iterator[Finding]:
    if row.get(ADDED_IN_VERSION, "").strip():
        value = row[ADDED_IN_VERSION]
        yield Finding.coded("review-study-has-version", file, line, ADDED_IN_VERSION, value=value)
    domains = [d for d in NOS_DOMAINS if row.get(d, "").strip()]
    if domains and not row.get(ASSESSED_BY, "").strip():
        given = ", ".join(domains)
        yield Finding.coded("review-study-assessor-missing", file, line, ASSESSED_BY, domains=given)


def _added_study(file: str, line: int, row: dict, review_only: dict[str, str]) -> Iterator[Finding]:
    for name, instead in review_only.items():
        if row.get(name, "").strip():
            said = {"value": quote(row[name]), "name": name, "instead": instead}
            yield Finding.coded("review-only-field-given", file, line, name, **said)
    if not row.get(ADDED_IN_VERSION, "").strip():
        yield Finding.coded("added-version-missing", file, line, ADDED_IN_VERSION)
    for name in (*NOS_DOMAINS, ASSESSED_BY):
        if not row.get(name, "").strip():
            code = "added-assessor-missing" if name == ASSESSED_BY else "added-nos-domain-missing"
            yield Finding.coded(code, file, line, name)


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
            yield Finding.coded(
                "included-as-unexpected",
                file,
                line,
                "included_as",
                value=quote(target),
                status=status,
            )
        if status == "excluded" and not reason:
            yield Finding.coded("exclusion-reason-missing", file, line, "exclusion_reason")
        elif status != "excluded" and reason:
            yield Finding.coded(
                "exclusion-reason-unexpected",
                file,
                line,
                "exclusion_reason",
                value=quote(reason),
                status=status,
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
        yield Finding.coded("included-as-missing", file, line, "included_as")
        return
    study = by_id.get(target)
    if study is None:
        yield Finding.coded(
            "unknown-study", file, line, "included_as", value=quote(target), studies=studies_file
        )
    elif in_review(study):
        yield Finding.coded("included-as-review-study", file, line, "included_as", value=target)
    if target in seen:
        yield Finding.coded(
            "included-as-repeated", file, line, "included_as", value=target, first_line=seen[target]
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
        counts = {"marked": len(marked), "reported": reported}
        yield Finding.coded("in-review-count-exceeded", file, marked[reported], IN_REVIEW, **counts)
