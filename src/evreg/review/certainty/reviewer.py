"""Reviewers' judgements (the package's ``certainty`` resource) that know what they judged.

Each row names its analysis, domain and (optionally) one of the review's published results, and
records the data version and the ids of the estimates it was made on. A row applies while the
body of evidence it rates is pooled from exactly those estimates; when the pooled set changes
(a study added, an estimate corrected away), it is not applied: the domain shows the computed
judgement, ``reviewer_stale`` is true and the reviewer's words are kept as "made on other
studies (version X)". A judgement is about a body of evidence, so new evidence needs a new
judgement (GRADE Handbook 5; Schünemann et al. 2013; living guidance: Akl et al., J Clin
Epidemiol 2017;91:47-53). Rows without estimate ids (written before they were recorded) apply
as before; ``evreg validate`` warns about them and about stale rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evreg.data.package import Package, split_list
from evreg.data.validate import Finding
from evreg.review.results import AnalysisResult, Judgement

Rows = dict[str, Mapping[str, object]]

RULE_TEXT = (
    "A reviewer's row in the certainty resource (written by evreg certainty judge) records the "
    "data version and the estimates pooled when it was made, and may target one of the "
    "review's published results. It replaces the computed judgement of its domain only while "
    "the same estimates are pooled; when the pooled set changes, the computed judgement is "
    "shown, flagged, with the reviewer's words as made on other studies (version X), and "
    "evreg validate warns until someone judges again."
)
RULE_REFERENCE = (
    "GRADE Handbook 5 (Schünemann et al. 2013); Akl et al., J Clin Epidemiol 2017;91:47-53 "
    "(living systematic reviews)"
)


def reviewer_rows(package: Package) -> dict[tuple[str, str], Rows]:
    """The certainty rows by (analysis id, result id or "") and then by domain."""
    out: dict[tuple[str, str], Rows] = {}
    for row in package.tables.get("certainty", ()):
        key = (str(row.get("analysis_id")), str(row.get("result_id") or ""))
        out.setdefault(key, {})[str(row.get("domain"))] = row
    return out


def judged_ids(row: Mapping[str, object]) -> tuple[str, ...] | None:
    """The estimate ids a row was made on (None when the row does not record them)."""
    ids = split_list(str(row.get("estimate_ids") or ""))
    return ids or None


def is_stale(row: Mapping[str, object], current: Sequence[str]) -> bool:
    """True when the row records the estimates it was made on and they are not the ones
    pooled now."""
    ids = judged_ids(row)
    return ids is not None and set(ids) != set(current)


def applied(
    computed: Judgement, row: Mapping[str, object] | None, current: Sequence[str]
) -> Judgement:
    """The domain's judgement: the reviewer's when their row is current (the computed one
    kept beside it), else the computed one, flagged stale with the reviewer's words."""
    if row is None:
        return computed
    who = str(row.get("assessed_by") or "") or None
    if is_stale(row, current):
        version = str(row.get("data_version") or "unknown")
        note = (
            f"made on other studies (version {version}): {row.get('judgement')}, "
            f"{row.get('reason') or ''} ({who or 'reviewer not named'})"
        )
        return Judgement(
            computed.judgement,
            computed.reason,
            computed.source,
            computed.assessed_by,
            computed.computed,
            computed.computed_reason,
            reviewer_stale=True,
            reviewer_note=note,
        )
    return Judgement(
        judgement=str(row.get("judgement")),
        reason=str(row.get("reason") or ""),
        source="reviewer",
        assessed_by=who,
        computed=computed.judgement,
        computed_reason=computed.reason,
    )


def pooled_ids(a: AnalysisResult, result_id: str = "") -> tuple[str, ...]:
    """The estimates a judgement is made on: those the analysis pools now (all eligible
    studies), or for one of the review's published results, those of the review's studies."""
    if result_id:
        return tuple(a.review_view.estimate_ids)
    return tuple(u.estimate_id for u in a.used)


@dataclass(frozen=True)
class StaleRow:
    """A certainty row that no longer applies (or cannot tell), for ``evreg validate``: the
    finding's code and values (templates: evreg.data.validate.certainty)."""

    line: int | None
    analysis_id: str
    domain: str
    code: str
    values: tuple[tuple[str, str], ...] = ()


def stale_rows(package: Package, analyses: Sequence[AnalysisResult]) -> list[StaleRow]:
    """Rows whose estimates are no longer the pooled set, and rows that do not record them."""
    by_id = {a.analysis_id: a for a in analyses}
    lines = package.row_lines.get("certainty", ())
    out = []
    for i, row in enumerate(package.tables.get("certainty", ())):
        aid, domain = str(row.get("analysis_id")), str(row.get("domain"))
        a = by_id.get(aid)
        if a is None:
            continue
        line = lines[i] if i < len(lines) else None
        current = pooled_ids(a, str(row.get("result_id") or ""))
        if judged_ids(row) is None:
            out.append(StaleRow(line, aid, domain, "certainty-estimates-unrecorded"))
        elif is_stale(row, current):
            version = str(row.get("data_version") or "unknown")
            said = (("version", version), ("pooled", ", ".join(current) or "none"))
            out.append(StaleRow(line, aid, domain, "certainty-stale", said))
    return out


def stale_findings(package: Package, analyses: Sequence[AnalysisResult]) -> list[Finding]:
    """Warnings for ``evreg validate``: certainty rows made on other studies than those pooled
    now, and rows that do not record their estimates."""
    file = package.resource_path("certainty")
    return [
        Finding.coded(
            s.code,
            file,
            s.line,
            "estimate_ids",
            analysis=s.analysis_id,
            domain=s.domain,
            **dict(s.values),
        )
        for s in stale_rows(package, analyses)
    ]
