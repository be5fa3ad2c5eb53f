"""Consistency of one published result's printed numbers: p against the CI, the HR against the
CI's midpoint, the Q-test p against I2 and k, and the model against the review's own rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evreg.data.formats import fmt_sig as fmt
from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.printed import (
    hr_interval_from_ci,
    p_interval_from_ci,
    q_interval_from_i2,
    q_p_interval_from_i2,
    rule_from_printed,
    span,
    z_interval_from_ci,
)
from evreg.review.audit.rows import (
    Row,
    each_printed,
    finding,
    hr_text,
    k_of,
    parent_rows,
    parsed,
)
from evreg.stats.rule import RULE_TEXT


def check_p_vs_ci(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed p against the Wald z backed out of the printed CI, both bounds with rounding."""
    out = []
    for row, (lo, hi, p) in each_printed(published, "ci_lower", "ci_upper", "p_as_printed"):
        pr = p_interval_from_ci(lo, hi)
        if pr is None or p.overlaps(*pr):
            continue
        zr = z_interval_from_ci(lo, hi)
        assert zr is not None
        out.append(
            finding(
                "p_vs_ci",
                "error",
                row,
                f"p {p.text}",
                f"p in {span(*pr)}",
                f"{hr_text(row)} gives z = 1.96 (ln L + ln U) / (ln U - ln L) in {span(*zr)} over "
                f"L in [{fmt(lo.lower)}, {fmt(lo.upper)}), U in [{fmt(hi.lower)}, {fmt(hi.upper)}),"
                f" so two-sided p in {span(*pr)}; printed p {p.text} is outside",
            )
        )
    return out


def check_hr_vs_ci(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed pooled HR against the geometric midpoint of its printed CI."""
    out = []
    for row, (hr, lo, hi) in each_printed(published, "hr", "ci_lower", "ci_upper"):
        mid = hr_interval_from_ci(lo, hi)
        if mid is None or hr.overlaps(*mid):
            continue
        out.append(
            finding(
                "hr_vs_ci",
                "error",
                row,
                f"HR {hr.text}",
                f"HR in {span(*mid)}",
                f"a pooled HR is the geometric midpoint sqrt(L U) of its CI; {hr_text(row)} allows "
                f"{span(*mid)}, printed HR {hr.text} rounds from [{fmt(hr.lower)}, "
                f"{fmt(hr.upper)})",
            )
        )
    return out


def check_q_p_vs_i2(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed Q-test p against the Q implied by printed I2 and k; separate check for I2 = 0."""
    out = []
    for row, (i2, qp) in each_printed(published, "i2_percent", "q_p_as_printed"):
        k = k_of(row)
        if k is None or k < 2:
            continue
        pr = q_p_interval_from_i2(i2, k)
        if qp.overlaps(*pr):
            continue
        df = k - 1
        q_lo, q_hi = q_interval_from_i2(i2, df)
        if i2.lower <= 0:
            out.append(
                finding(
                    "i2_zero_vs_q_p",
                    "error",
                    row,
                    f"I2 {i2.text}%, Q p {qp.text}",
                    f"Q p >= {fmt(pr[0])}",
                    f"I2 printed {i2.text}% (< {fmt(i2.upper)}%) needs Q < df / (1 - "
                    f"{fmt(i2.upper / 100)}) = {fmt(q_hi)} with df = {df}, so Q p >= "
                    f"P(chi2_{df} > {fmt(q_hi)}) = {fmt(pr[0])}; printed {qp.text}",
                )
            )
            continue
        out.append(
            finding(
                "q_p_vs_i2",
                "error",
                row,
                f"Q p {qp.text}",
                f"Q p in {span(*pr)}",
                f"I2 {i2.text}% (in [{fmt(i2.lower)}, {fmt(i2.upper)})) with k = {k} gives "
                f"Q = {df} / (1 - I2) in {span(q_lo, q_hi)} and Q p = P(chi2_{df} > Q) in "
                f"{span(*pr)}; printed {qp.text} is outside",
            )
        )
    return out


def check_model_vs_rule(
    published: Sequence[Row], analyses: Sequence[Row] = ()
) -> list[AuditFinding]:
    """The model the review printed (or, for a subgroup, its parent's) against its own rule."""
    out = []
    parents = parent_rows(published, analyses)
    for row in published:
        i2, qp = parsed(row, "i2_percent", "q_p_as_printed")
        model = (row.get("model") or "").strip().lower()
        if not model and row.get("analysis_id") in parents:
            continue  # a subgroup prints no model; RevMan uses the overall analysis' model
        if i2 is None or qp is None or model not in ("fixed", "random"):
            continue
        rule = rule_from_printed(i2, qp)
        basis = f"I2 {i2.text}%, Q p {qp.text}"
        if rule is None:
            out.append(
                finding(
                    "model_vs_rule",
                    "note",
                    row,
                    f"{model} ({basis})",
                    "fixed or random",
                    f"the rounding of {basis} leaves the rule ({RULE_TEXT}) "
                    f"undecided; the review used {model}",
                )
            )
        elif rule != model:
            out.append(
                finding(
                    "model_vs_rule",
                    "warning",
                    row,
                    f"{model} ({basis})",
                    rule,
                    f"the review's rule ({RULE_TEXT}) gives "
                    f"{rule} for {basis}; the review used {model}",
                )
            )
    return out
