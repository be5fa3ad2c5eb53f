"""Subgroup analyses against their overall analysis: the levels' k's add up to the overall k, and
the levels' Q's (from printed I2 and Q p) fit inside the overall Q."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from evreg.data.formats import fmt_sig as fmt
from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.printed import q_interval_from_i2
from evreg.review.audit.rows import Row, finding, k_of, norm_level, parent_rows, parsed
from evreg.stats import dist as stats_dist


def _levels_with_parent(
    published: Sequence[Row], analyses: Sequence[Row]
) -> Iterator[tuple[list[Row], Row | None]]:
    """Each subgroup analysis' level rows (in file order) with its parent's overall row."""
    parents = parent_rows(published, analyses)
    levels: dict[str, list[Row]] = {}
    for row in published:
        if norm_level(row.get("subgroup_level")) is not None:
            levels.setdefault(row.get("analysis_id"), []).append(row)
    for aid, rows in levels.items():
        yield rows, parents.get(aid)


def check_subgroup_k_sum(published: Sequence[Row], analyses: Sequence[Row]) -> list[AuditFinding]:
    """Subgroup levels' k's against the overall k of the parent analysis."""
    out = []
    for rows, parent in _levels_with_parent(published, analyses):
        ks = [k_of(r) for r in rows]
        if parent is None or k_of(parent) is None or None in ks:
            continue
        total, k_all = sum(ks), k_of(parent)
        if total != k_all:
            parts = " + ".join(str(k_of(r)) for r in rows)
            out.append(
                finding(
                    "subgroup_k_sum",
                    "error",
                    {**rows[0], "subgroup_level": None},
                    f"{parts} = {total} studies in the subgroups",
                    f"{k_all} studies, as in {parent.get('analysis_id')}",
                    f"the review reports {parts} = {total} studies in the subgroups "
                    f"but {k_all} in the main analysis {parent.get('analysis_id')}: "
                    f"{abs(k_all - total)} {'missing from' if total < k_all else 'more in'} the "
                    "subgroup analysis",
                )
            )
    return out


def q_interval(row: Row) -> tuple[float, float] | None:
    """Cochran's Q consistent with a row's printed I2 and Q-test p (their intersection, or their
    hull when they disagree, which q_p_vs_i2 reports)."""
    i2, qp = parsed(row, "i2_percent", "q_p_as_printed")
    k = k_of(row)
    if k is None or k < 2:
        return None
    df = k - 1
    spans = []
    if i2 is not None:
        spans.append(q_interval_from_i2(i2, df))
    if qp is not None:
        hi = math.inf if qp.lower <= 0 else float(stats_dist.chi2_isf(qp.lower, df))
        spans.append((float(stats_dist.chi2_isf(min(qp.upper, 1.0), df)), hi))
    if not spans:
        return None
    lo, hi = max(s[0] for s in spans), min(s[1] for s in spans)
    if lo > hi:
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
    return lo, hi


def check_subgroup_q_partition(
    published: Sequence[Row], analyses: Sequence[Row]
) -> list[AuditFinding]:
    """Q_total = sum of Q_within + Q_between with Q_between >= 0 (Cochrane Handbook 10.11.3.1;
    fixed-effect weights, as RevMan's heterogeneity statistics), so when the levels partition
    the overall studies the within-level Q's cannot add up to more than the overall Q."""
    out = []
    for rows, parent in _levels_with_parent(published, analyses):
        if parent is None or sum(k_of(r) or 0 for r in rows) != k_of(parent):
            continue
        spans = [q_interval(r) or (0.0, math.inf) for r in rows]
        total = q_interval(parent)
        within = sum(lo for lo, _ in spans)
        if total is None or within <= total[1]:
            continue
        parts = " + ".join(
            f"{norm_level(r.get('subgroup_level'))} >= {fmt(lo)}"
            for r, (lo, _) in zip(rows, spans, strict=True)
        )
        out.append(
            finding(
                "subgroup_q_partition",
                "error",
                {**rows[0], "subgroup_level": None},
                f"Q within {parts} = {fmt(within)}",
                f"sum of Q within <= {fmt(total[1])}",
                f"from the printed I2 and Q p, the levels' Q's add up to at least {fmt(within)}, "
                f"more than the overall {parent.get('analysis_id')} Q (at most {fmt(total[1])}); "
                "Q_between would be negative",
            )
        )
    return out
