"""Domain checks of the rows: an estimate's status against the numbers it gives, one row per
estimate key, estimates of known studies, and the studies' own counts (NOS, sex, N)."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.package import split_list
from evreg.data.validate.finding import Finding, Rows, quote
from evreg.data.validate.numbers import NUMBERS


def check_status(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """extracted: hr, CI, source_url, source_location; not_found: no numbers; any number has
    a source and location; CI level stated."""
    file, rows = file_rows
    needed = (*NUMBERS, "source_url", "source_location")
    for line, row in rows:
        status = row.get("status", "")
        given = [n for n in NUMBERS if row.get(n, "").strip()]
        if status == "extracted":
            for name in needed:
                if not row.get(name, "").strip():
                    yield Finding(
                        file,
                        line,
                        name,
                        "empty, but status is extracted: an extracted estimate needs hr, "
                        "ci_lower, ci_upper, source_url and source_location (or status incomplete)",
                    )
        elif status == "derived":
            for name in (*NUMBERS[:3], "source_url"):
                if not row.get(name, "").strip():
                    yield Finding(
                        file,
                        line,
                        name,
                        "empty, but status is derived: evreg add-study writes the derived hr and "
                        "CI (evreg derive prints them) beside the source_url",
                    )
        elif status == "not_found":
            for name in given:
                yield Finding(
                    file,
                    line,
                    name,
                    f"{row[name]} given, but status is not_found: a not_found row has no numbers "
                    "(use incomplete or extracted)",
                )
        elif status == "incomplete":
            yield from _check_incomplete(file, line, row, given)
        if row.get("ci_lower", "").strip() and not row.get("ci_level", "").strip():
            yield Finding(
                file,
                line,
                "ci_level",
                "empty, but a CI is given: read as 0.95; write the level of the printed CI",
                "warning",
            )


def _check_incomplete(file: str, line: int, row: dict, given: list[str]) -> Iterator[Finding]:
    if not given and not row.get("p_as_printed", "").strip():
        yield Finding(
            file,
            line,
            "status",
            "incomplete, but no hr, CI or p is given (use not_found)",
            "warning",
        )
        return
    for name in ("source_url", "source_location"):
        if not row.get(name, "").strip():
            yield Finding(
                file, line, name, "empty, but the row gives numbers: every number needs its source"
            )


def check_estimate_keys(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """One row per study x biomarker x outcome x exposure x time point x model x cohort."""
    file, rows = file_rows
    keys = ("study_id", "biomarker", "outcome", "exposure", "timepoint", "model", "cohort")
    seen: dict[tuple, int] = {}
    for line, row in rows:
        key = tuple(row.get(k, "").strip().lower() for k in keys)
        if key in seen:
            yield Finding(
                file,
                line,
                "estimate_id",
                f"same study, biomarker, outcome, exposure, time point, model and cohort as line "
                f"{seen[key]}: one row per combination",
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
            yield Finding(
                file,
                line,
                "study_id",
                f"{quote(row.get('study_id', ''))} is not a study_id in {studies[0]}",
            )
        elif study.get("biomarker") and row.get("biomarker") != study.get("biomarker"):
            yield Finding(
                file,
                line,
                "biomarker",
                f"{row.get('biomarker')} differs from the study's biomarker "
                f"{study.get('biomarker')} in {studies[0]}",
                "warning",
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
            yield Finding(
                file,
                line,
                "n",
                f"n {key[0]}, age {key[1]}, male {key[2]} and female {key[3]} are identical to "
                f"{first_id} (line {first_line}): the same cohort counted twice, or a copying "
                "error?",
                "warning",
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
            yield Finding(
                file,
                line,
                "nos_score",
                f"{total} does not equal the sum of its domain scores ({sum(known)})",
            )
        n, male, female = (_int(row.get(k)) for k in ("n", "male", "female"))
        which = "n"
        if n is None:  # an added study: its N is the one printed in the primary source
            n, which = _int(row.get("n_confirmed")), "n_confirmed"
        if None not in (n, male, female) and male + female != n:
            yield Finding(
                file,
                line,
                which,
                f"male {male} + female {female} = {male + female}, not {which} {n}",
                "warning",
            )
        confirmed = _int(row.get("n_confirmed"))
        if n is not None and confirmed is not None and confirmed != n:
            yield Finding(
                file,
                line,
                "n_confirmed",
                f"{confirmed} confirmed in the source differs from n {n} reported by the review",
                "warning",
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
                yield Finding(
                    file,
                    line,
                    "outcomes_used_by_review",
                    f"the review used {outcome} from {row.get('study_id')}, but {est[0]} has no "
                    f"row for it; add one (status not_found) so it shows as pending",
                    "warning",
                )
