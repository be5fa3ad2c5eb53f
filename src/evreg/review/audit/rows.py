"""Helpers every audit check shares: reading a row's printed numbers, its label and k, the
parent analysis' overall row, the studies the review's table lists, and making a finding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evreg.data.formats import printed_ci
from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.printed import Printed, parse_printed

Row = Mapping[str, Any]


def norm_level(value: object) -> str | None:
    """A subgroup level as lower-case text (booleans as true/false); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def _label(row: Row) -> str:
    level = norm_level(row.get("subgroup_level"))
    return f"{row.get('analysis_id')}" + (f" (subgroup level {level})" if level else "")


def k_of(row: Row) -> int | None:
    """A row's k as an integer; None when empty or unreadable."""
    try:
        return int(row["k"]) if row.get("k") not in (None, "") else None
    except (TypeError, ValueError):
        return None


def hr_text(row: Row) -> str:
    """The row's ratio and CI as printed: HR 1.28 [1.05, 1.56]."""
    return "HR " + printed_ci(row.get("hr"), row.get("ci_lower"), row.get("ci_upper"))


def finding(
    check: str,
    severity: str,
    row: Row | None,
    printed: str,
    expected: str,
    message: str,
    study_id: str | None = None,
) -> AuditFinding:
    """An AuditFinding whose message starts with the row's analysis (and subgroup level)."""
    analysis = None if row is None else row.get("analysis_id")
    label = "" if row is None else f"{_label(row)}: "
    level = None if row is None else norm_level(row.get("subgroup_level"))
    return AuditFinding(
        check, severity, analysis, study_id, printed, expected, label + message, level
    )


def parsed(row: Row, *fields: str) -> list[Printed | None]:
    """The printed intervals of a row's ``fields`` (None where empty or unreadable)."""
    return [parse_printed(row.get(f)) for f in fields]


def each_printed(published: Iterable[Row], *fields: str) -> Iterable[tuple[Row, list[Printed]]]:
    """The rows whose ``fields`` are all printed and readable, with the parsed values."""
    for row in published:
        values = parsed(row, *fields)
        if None not in values:
            yield row, values  # type: ignore[misc]


def parent_rows(published: Sequence[Row], analyses: Sequence[Row]) -> dict[str, Row]:
    """analysis_id -> the overall published row (no subgroup level) of its parent analysis."""
    overall = {
        r.get("analysis_id"): r for r in published if norm_level(r.get("subgroup_level")) is None
    }
    parents = {}
    for a in analyses:
        parent = a.get("parent_analysis") or None
        if parent in overall:
            parents[a.get("analysis_id")] = overall[parent]
    return parents


def review_studies(studies: Sequence[Row], biomarker: object, outcome: object) -> list[Row]:
    """Studies the review's table lists for a biomarker and outcome (outcomes_used_by_review)."""
    chosen = []
    for s in studies:
        used = [o.strip() for o in str(s.get("outcomes_used_by_review") or "").split(";")]
        if s.get("biomarker") == biomarker and outcome in used:
            chosen.append(s)
    return chosen


def study_ids(rows: Iterable[Row]) -> str:
    """The rows' study ids, comma-separated ("none" for no row)."""
    return ", ".join(str(r.get("study_id")) for r in rows) or "none"
