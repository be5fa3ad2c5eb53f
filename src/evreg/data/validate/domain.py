"""Domain checks of the rows: an estimate's status against the numbers it gives, one row per
estimate key, estimates of known studies, and the studies' own counts (NOS, sex, N)."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.package import split_list
from evreg.data.validate.finding import Finding, Rows, quote, register, warning
from evreg.data.validate.numbers import NUMBERS

# The fields a row of each status must give, and the code of the finding when one is empty.
STATUS_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "extracted": ((*NUMBERS, "source_url", "source_location"), "extracted-value-missing"),
    "derived": ((*NUMBERS, "source_url"), "derived-value-missing"),
}
TEMPLATES = register(
    {
        "extracted-value-missing": (
            "empty, but status is extracted: an extracted estimate needs hr, ci_lower, "
            "ci_upper, source_url and source_location (or status incomplete)"
        ),
        "derived-value-missing": (
            "empty, but status is derived: evreg add-study writes the derived hr and CI "
            "(evreg derive prints them) beside the source_url"
        ),
        "not-found-has-numbers": (
            "{value} given, but status is not_found: a not_found row has no numbers (use "
            "incomplete or extracted)"
        ),
        "ci-level-missing": warning(
            "empty, but a CI is given: read as 0.95; write the level of the printed CI"
        ),
        "incomplete-without-numbers": warning(
            "incomplete, but no hr, CI or p is given (use not_found)"
        ),
        "incomplete-source-missing": (
            "empty, but the row gives numbers: every number needs its source"
        ),
        "estimate-key-repeated": (
            "same study, biomarker, outcome, exposure, time point, model and cohort as line "
            "{first_line}: one row per combination"
        ),
        "biomarker-differs-from-study": warning(
            "{value} differs from the study's biomarker {study_biomarker} in {studies}"
        ),
        "same-cohort": warning(
            "n {n}, age {age}, male {male} and female {female} are identical to {first_id} "
            "(line {first_line}): the same cohort counted twice, or a copying error?"
        ),
        "nos-total-mismatch": "{total} does not equal the sum of its domain scores ({sum})",
        "sex-counts-mismatch": warning("male {male} + female {female} = {sum}, not {which} {n}"),
        "n-confirmed-differs": warning(
            "{confirmed} confirmed in the source differs from n {n} reported by the review"
        ),
        "outcome-without-estimate": warning(
            "the review used {outcome} from {study}, but {estimates} has no row for it; add one "
            "(status not_found) so it shows as pending"
        ),
    }
)


def check_status(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """extracted: hr, CI, source_url, source_location; derived: hr, CI, source_url; not_found:
    no numbers; any number has a source and location; CI level stated."""
    file, rows = file_rows
    for line, row in rows:
        status = row.get("status", "")
        given = [n for n in NUMBERS if row.get(n, "").strip()]
        if status in STATUS_NEEDS:
            needed, code = STATUS_NEEDS[status]
            for name in needed:
                if not row.get(name, "").strip():
                    yield Finding.coded(code, file, line, name)
        elif status == "not_found":
            for name in given:
                yield Finding.coded("not-found-has-numbers", file, line, name, value=row[name])
        elif status == "incomplete":
            yield from _check_incomplete(file, line, row, given)
        if row.get("ci_lower", "").strip() and not row.get("ci_level", "").strip():
            yield Finding.coded("ci-level-missing", file, line, "ci_level")


def _check_incomplete(file: str, line: int, row: dict, given: list[str]) -> Iterator[Finding]:
    if not given and not row.get("p_as_printed", "").strip():
        yield Finding.coded("incomplete-without-numbers", file, line, "status")
        return
    for name in ("source_url", "source_location"):
        if not row.get(name, "").strip():
            yield Finding.coded("incomplete-source-missing", file, line, name)


def check_estimate_keys(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """One row per study x biomarker x outcome x exposure x time point x model x cohort."""
    file, rows = file_rows
    keys = ("study_id", "biomarker", "outcome", "exposure", "timepoint", "model", "cohort")
    seen: dict[tuple, int] = {}
    for line, row in rows:
        key = tuple(row.get(k, "").strip().lower() for k in keys)
        if key in seen:
            yield Finding.coded(
                "estimate-key-repeated", file, line, "estimate_id", first_line=seen[key]
            )
        else:
            seen[key] = line


def check_estimate_study(est: tuple[str, Rows], studies: tuple[str, Rows]) -> Iterator[Finding]:
    """Every study_id exists; an estimate's biomarker matches its study's."""
    file, rows = est
    by_id = {row.get("study_id"): row for _, row in studies[1]}
    for line, row in rows:
        study = by_id.get(row.get("study_id"))
        if study is None:
            value = quote(row.get("study_id", ""))
            yield Finding.coded(
                "unknown-study", file, line, "study_id", value=value, studies=studies[0]
            )
        elif study.get("biomarker") and row.get("biomarker") != study.get("biomarker"):
            yield Finding.coded(
                "biomarker-differs-from-study",
                file,
                line,
                "biomarker",
                value=row.get("biomarker"),
                study_biomarker=study.get("biomarker"),
                studies=studies[0],
            )


def check_same_cohort(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """Two studies with identical reported N, age and sex: one cohort twice, or a copying error."""
    file, rows = file_rows
    keys = ("age", "male", "female")
    seen: dict[tuple, tuple[int, str]] = {}
    for line, row in rows:
        key = (_population(row), *(row.get(k, "").strip() for k in keys))
        if not all(key):
            continue
        if key in seen:
            first_line, first_id = seen[key]
            n, age, male, female = key
            cohort = {"n": n, "age": age, "male": male, "female": female}
            yield Finding.coded(
                "same-cohort", file, line, "n", first_id=first_id, first_line=first_line, **cohort
            )
        else:
            seen[key] = (line, row.get("study_id", ""))


def _population(row: dict) -> str:
    """N as the review reports it; for an added study (no review N) N in its primary source."""
    return (row.get("n") or "").strip() or (row.get("n_confirmed") or "").strip()


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def check_study_counts(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """NOS total = sum of its domains; male + female = n; confirmed n = reported n."""
    file, rows = file_rows
    for line, row in rows:
        total = _int(row.get("nos_score"))
        domains = [_int(row.get(k)) for k in ("nos_selection", "nos_comparability", "nos_outcome")]
        known = [d for d in domains if d is not None]
        if (
            total is not None
            and known
            and (sum(known) > total or (len(known) == 3 and sum(known) != total))
        ):
            yield Finding.coded(
                "nos-total-mismatch", file, line, "nos_score", total=total, sum=sum(known)
            )
        n, male, female = (_int(row.get(k)) for k in ("n", "male", "female"))
        which = "n"
        if n is None:  # an added study: its N is the one printed in the primary source
            n, which = _int(row.get("n_confirmed")), "n_confirmed"
        if None not in (n, male, female) and male + female != n:
            counts = {"male": male, "female": female, "sum": male + female}
            yield Finding.coded(
                "sex-counts-mismatch", file, line, which, which=which, n=n, **counts
            )
        confirmed = _int(row.get("n_confirmed"))
        if n is not None and confirmed is not None and confirmed != n:
            yield Finding.coded(
                "n-confirmed-differs", file, line, "n_confirmed", confirmed=confirmed, n=n
            )


def check_study_has_estimates(
    studies: tuple[str, Rows], est: tuple[str, Rows]
) -> Iterator[Finding]:
    """Each outcome the review used from a study has an estimate row (visible while pending)."""
    have = {(r.get("study_id"), r.get("outcome")) for _, r in est[1]}
    file, rows = studies
    for line, row in rows:
        for outcome in split_list(row.get("outcomes_used_by_review")):
            if (row.get("study_id"), outcome) not in have:
                yield Finding.coded(
                    "outcome-without-estimate",
                    file,
                    line,
                    "outcomes_used_by_review",
                    outcome=outcome,
                    study=row.get("study_id"),
                    estimates=est[0],
                )
