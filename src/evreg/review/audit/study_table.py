"""The published results and the study table against each other: k per analysis and per
subgroup level, identical characteristics, N as the source confirms it, and the review's totals."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.rows import Row, finding, k_of, norm_level, review_studies, study_ids


def _with_listed(
    published: Sequence[Row], analyses: Sequence[Row], studies: Sequence[Row]
) -> Iterator[tuple[Row, Row, int, list[Row]]]:
    """Each published row that prints k, with its analysis, that k and the studies the review's
    table lists for the analysis' biomarker and outcome."""
    by_id = {a.get("analysis_id"): a for a in analyses}
    for row in published:
        a, k = by_id.get(row.get("analysis_id")), k_of(row)
        if a is not None and k is not None:
            yield row, a, k, review_studies(studies, a.get("biomarker"), a.get("outcome"))


def check_k_vs_study_table(
    published: Sequence[Row], analyses: Sequence[Row], studies: Sequence[Row]
) -> list[AuditFinding]:
    """Each overall analysis' k against the studies listed for its biomarker and outcome."""
    out = []
    for row, a, k, listed in _with_listed(published, analyses, studies):
        if norm_level(row.get("subgroup_level")) is not None:
            continue
        if len(listed) != k:
            out.append(
                finding(
                    "k_vs_study_table",
                    "error",
                    row,
                    f"k = {k}",
                    f"k = {len(listed)}",
                    f"the study table lists {len(listed)} {a.get('biomarker')} studies with "
                    f"{a.get('outcome')} among the outcomes the review used ({study_ids(listed)}); "
                    f"the analysis prints k = {k}",
                )
            )
    return out


def check_subgroup_k_vs_study_table(
    published: Sequence[Row], analyses: Sequence[Row], studies: Sequence[Row]
) -> list[AuditFinding]:
    """A level's k must lie between the studies known at that level and those plus unknowns."""
    out = []
    for row, a, k, listed in _with_listed(published, analyses, studies):
        level, var = norm_level(row.get("subgroup_level")), a.get("subgroup_variable")
        if level is None or not var:
            continue
        known = [s for s in listed if norm_level(s.get(var)) == level]
        unknown = [s for s in listed if norm_level(s.get(var)) is None]
        if len(known) <= k <= len(known) + len(unknown):
            continue
        out.append(
            finding(
                "subgroup_k_vs_study_table",
                "error",
                row,
                f"k = {k}",
                f"k in [{len(known)}, {len(known) + len(unknown)}]",
                f"the study table gives {var} = {level} for {len(known)} of the listed studies "
                f"({study_ids(known)}) and leaves it unknown for {len(unknown)}",
            )
        )
    return out


def _characteristics(study: Row) -> tuple[str, ...] | None:
    values = tuple(str(study.get(f) or "").strip() for f in ("n", "age", "male", "female"))
    return None if "" in values else values


def check_identical_characteristics(studies: Sequence[Row]) -> list[AuditFinding]:
    """Studies whose reported N, age, male and female counts are all identical."""
    seen: dict[tuple[str, ...], Row] = {}
    out = []
    for s in studies:
        key = _characteristics(s)
        if key is None:
            continue
        if key not in seen:
            seen[key] = s
            continue
        first = seen[key]
        shown = f"N {key[0]}, age {key[1]}, male {key[2]}, female {key[3]}"
        out.append(
            finding(
                "identical_characteristics",
                "warning",
                None,
                shown,
                f"characteristics differing from {first.get('study_id')}",
                f"{s.get('study_id')} has the same reported N, age and sex as "
                f"{first.get('study_id')} ({shown}): a copying error or an overlapping cohort",
                study_id=str(s.get("study_id")),
            )
        )
    return out


def check_n_vs_source(studies: Sequence[Row]) -> list[AuditFinding]:
    """N as the review reports it against N confirmed in the primary source (where known)."""
    out = []
    for s in studies:
        n, conf = s.get("n"), s.get("n_confirmed")
        if n in (None, "") or conf in (None, "") or str(n) == str(conf):
            continue
        out.append(
            finding(
                "n_vs_source",
                "warning",
                None,
                f"N {n}",
                f"N {conf}",
                f"{s.get('study_id')}: the review reports N = {n}, the primary source N = {conf}",
                study_id=str(s.get("study_id")),
            )
        )
    return out


def check_totals(studies: Sequence[Row], counts: Mapping[str, Any] | None) -> list[AuditFinding]:
    """Number of studies and sum of N in the study table against the review's reported counts."""
    if not counts:
        return [
            finding(
                "totals_vs_abstract",
                "note",
                None,
                "not recorded",
                "review counts",
                "the package records no reported study/patient counts of the review",
            )
        ]
    out = []
    n_missing = [s for s in studies if s.get("n") in (None, "")]
    total_n = sum(int(s["n"]) for s in studies if s.get("n") not in (None, ""))
    pairs = [
        ("studies_included", len(studies), "studies in the study table"),
        ("patients_included", total_n, "patients (sum of N in the study table)"),
    ]
    for key, have, what in pairs:
        reported = counts.get(key)
        if reported in (None, "") or int(reported) == have:
            continue
        incomplete = key == "patients_included" and n_missing
        out.append(
            finding(
                "totals_vs_abstract",
                "note" if incomplete else "error",
                None,
                f"{key} {reported}",
                f"{have}",
                f"the review reports {reported} {key.split('_')[0]}; the table holds {have} {what}"
                + (f" ({len(n_missing)} studies without N)" if incomplete else ""),
            )
        )
    return out
