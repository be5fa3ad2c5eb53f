"""Consistency of one published result's printed numbers: p against the CI, the HR against the
CI's midpoint, the Q-test p against I2 and k, and the model against the review's own rule."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from evreg.data.formats import fmt_sig as fmt
from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.printed import (
    Printed,
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


def _outside(
    check: str, row: Row, name: str, printed: Printed, allowed: tuple[float, float], why: str
) -> AuditFinding:
    """An error: the printed ``name`` ("p 0.04") lies outside the interval ``allowed`` by the
    row's other printed numbers ("p in [0.001, 0.002)"); ``why`` derives that interval."""
    return finding(
        check, "error", row, f"{name} {printed.text}", f"{name} in {span(*allowed)}", why
    )


def _each_row(
    published: Iterable[Row],
    fields: tuple[str, ...],
    check_row: Callable[..., AuditFinding | None],
) -> list[AuditFinding]:
    """``check_row(row, *printed)`` on every row whose ``fields`` are all printed and readable;
    the findings it returns (None: the row's numbers agree)."""
    found = (check_row(row, *values) for row, values in each_printed(published, *fields))
    return [f for f in found if f is not None]


def _p_vs_ci(row: Row, lo: Printed, hi: Printed, p: Printed) -> AuditFinding | None:
    pr = p_interval_from_ci(lo, hi)
    if pr is None or p.overlaps(*pr):
        return None
    zr = z_interval_from_ci(lo, hi)
    assert zr is not None
    bounds = f"L in [{fmt(lo.lower)}, {fmt(lo.upper)}), U in [{fmt(hi.lower)}, {fmt(hi.upper)})"
    why = (
        f"{hr_text(row)} gives z = 1.96 (ln L + ln U) / (ln U - ln L) in {span(*zr)} over "
        f"{bounds}, so two-sided p in {span(*pr)}; printed p {p.text} is outside"
    )
    return _outside("p_vs_ci", row, "p", p, pr, why)


def _hr_vs_ci(row: Row, hr: Printed, lo: Printed, hi: Printed) -> AuditFinding | None:
    mid = hr_interval_from_ci(lo, hi)
    if mid is None or hr.overlaps(*mid):
        return None
    why = (
        f"a pooled HR is the geometric midpoint sqrt(L U) of its CI; {hr_text(row)} allows "
        f"{span(*mid)}, printed HR {hr.text} rounds from [{fmt(hr.lower)}, {fmt(hr.upper)})"
    )
    return _outside("hr_vs_ci", row, "HR", hr, mid, why)


def _q_p_vs_i2(row: Row, i2: Printed, qp: Printed) -> AuditFinding | None:
    k = k_of(row)
    if k is None or k < 2:
        return None
    pr = q_p_interval_from_i2(i2, k)
    if qp.overlaps(*pr):
        return None
    df = k - 1
    q_lo, q_hi = q_interval_from_i2(i2, df)
    if i2.lower <= 0:
        return finding(
            "i2_zero_vs_q_p",
            "error",
            row,
            f"I2 {i2.text}%, Q p {qp.text}",
            f"Q p >= {fmt(pr[0])}",
            f"I2 printed {i2.text}% (< {fmt(i2.upper)}%) needs Q < df / (1 - "
            f"{fmt(i2.upper / 100)}) = {fmt(q_hi)} with df = {df}, so Q p >= "
            f"P(chi2_{df} > {fmt(q_hi)}) = {fmt(pr[0])}; printed {qp.text}",
        )
    why = (
        f"I2 {i2.text}% (in [{fmt(i2.lower)}, {fmt(i2.upper)})) with k = {k} gives "
        f"Q = {df} / (1 - I2) in {span(q_lo, q_hi)} and Q p = P(chi2_{df} > Q) in "
        f"{span(*pr)}; printed {qp.text} is outside"
    )
    return _outside("q_p_vs_i2", row, "Q p", qp, pr, why)


def check_p_vs_ci(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed p against the Wald z backed out of the printed CI, both bounds with rounding."""
    return _each_row(published, ("ci_lower", "ci_upper", "p_as_printed"), _p_vs_ci)


def check_hr_vs_ci(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed pooled HR against the geometric midpoint of its printed CI."""
    return _each_row(published, ("hr", "ci_lower", "ci_upper"), _hr_vs_ci)


def check_q_p_vs_i2(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed Q-test p against the Q implied by printed I2 and k; separate check for I2 = 0."""
    return _each_row(published, ("i2_percent", "q_p_as_printed"), _q_p_vs_i2)


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
