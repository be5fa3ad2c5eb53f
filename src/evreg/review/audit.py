"""Audit of the source review: reproduction from the registry, consistency of its printed numbers.

Every printed number stands for the interval of values that round to it (1.28 means
[1.275, 1.285); "< 0.001" means [0, 0.001)). A check derives, by interval arithmetic, the set of
values one printed number can take given the others, and reports a finding only when the printed
value lies outside that set. Formula sources are cited on each function.

Public API: ``parse_printed``, ``p_interval_from_ci``, ``q_p_interval_from_i2``,
``rule_from_printed``, the row checks ``check_*``, ``reproduce``, ``audit_package`` and
``render_markdown``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from evreg.stats import dist as stats_dist

SEVERITIES = ("error", "warning", "note")
Row = Mapping[str, Any]

# Check names, in the order the Audit page lists them, with what each compares.
CHECKS: dict[str, str] = {
    "reproduction": "each published result recomputed from the registry's usable estimates with "
    "the review's model (fixed effect or DerSimonian-Laird random effects)",
    "p_vs_ci": "printed p against the z implied by the printed 95% CI (both bounds with rounding)",
    "hr_vs_ci": "printed HR against the geometric midpoint of the printed CI",
    "q_p_vs_i2": "printed Q-test p against the Q implied by the printed I2 and k "
    "(Q = df / (1 - I2))",
    "i2_zero_vs_q_p": "an I2 printed as 0 needs Q <= df / 0.995, hence Q-test p >= P(chi2_df > Q)",
    "model_vs_rule": "model used against the review's rule (fixed effect if I2 <= 50% and "
    "Q-test p >= 0.10, otherwise random effects)",
    "subgroup_k_sum": "the k's of a subgroup analysis' levels against the overall analysis' k",
    "subgroup_q_partition": "the levels' Q's (from printed I2 and Q p) against the overall Q: "
    "Q_total = sum of Q_within + Q_between >= sum of Q_within",
    "k_vs_study_table": "each analysis' k against the studies the review's study table lists for "
    "that biomarker and outcome",
    "subgroup_k_vs_study_table": "each subgroup level's k against the studies the study table "
    "assigns to that level",
    "identical_characteristics": "studies with identical reported N, age and sex",
    "n_vs_source": "N as the review reports it against N confirmed in the primary source",
    "totals_vs_abstract": "number of studies and patients (sum of N) against the review's "
    "reported counts",
    "two_study_direction": "for a k = 2 result with one estimate held: which model and direction "
    "of that estimate admit any second study reproducing the printed result",
}


@dataclass(frozen=True)
class AuditFinding:
    """One audit result: what was printed, what the other printed numbers allow, and how."""

    check: str
    severity: str
    analysis: str | None
    study_id: str | None
    printed: str
    expected: str
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- printed numbers


@dataclass(frozen=True)
class Printed:
    """A printed number as the interval of true values that round to it: [lower, upper)."""

    text: str
    lower: float
    upper: float
    lower_closed: bool = True
    upper_closed: bool = False

    def contains(self, x: float) -> bool:
        above = x >= self.lower if self.lower_closed else x > self.lower
        below = x <= self.upper if self.upper_closed else x < self.upper
        return above and below

    def overlaps(self, lo: float, hi: float) -> bool:
        """True if the closed interval [lo, hi] meets this one."""
        above = hi >= self.lower if self.lower_closed else hi > self.lower
        below = lo <= self.upper if self.upper_closed else lo < self.upper
        return above and below


def _clean(text: str) -> str:
    s = text.strip().replace("\u2264", "<=").replace("\u2265", ">=").replace("\u2212", "-")
    s = s.replace(" ", "").replace(",", ".")
    if s[:1] in "pP" and len(s) > 1 and s[1] in "=<>":
        s = s[1:]
    return s.lstrip("=")


def parse_printed(value: object) -> Printed | None:
    """Interval of values that round to a printed number; None if empty or unreadable.

    "1.28" -> [1.275, 1.285) (half a unit in the last printed digit, round half up);
    "< 0.001" -> [0, 0.001); "<= 0.05" -> [0, 0.05]; "> 0.99" -> (0.99, inf).
    """
    if value is None or isinstance(value, bool):
        return None
    text = value if isinstance(value, str) else repr(value)
    s = _clean(text)
    op = next((o for o in ("<=", ">=", "<", ">") if s.startswith(o)), "")
    try:
        d = Decimal(s[len(op):])
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    x = float(d)
    if op in ("<", "<="):
        return Printed(text, min(0.0, x), x, True, op == "<=")
    if op in (">", ">="):
        return Printed(text, x, math.inf, op == ">=", False)
    half = Decimal(5).scaleb(int(d.as_tuple().exponent) - 1)
    return Printed(text, float(d - half), float(d + half))


def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf"
    if x != 0 and abs(x) < 10 ** -(digits - 1):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}f}".rstrip("0").rstrip(".")


def _span(lo: float, hi: float) -> str:
    return f"[{_fmt(lo)}, {_fmt(hi)}]"


# --------------------------------------------------------------------------- interval arithmetic


def _two_sided_p(z: float) -> float:
    return float(2.0 * stats_dist.norm_sf(abs(z)))


def z_interval_from_ci(
    lower: Printed, upper: Printed, level: float = 0.95
) -> tuple[float, float] | None:
    """Range of z = ln(HR) / SE over every CI (L, U) that rounds to the printed bounds.

    ln(HR) = (ln L + ln U) / 2 and SE = (ln U - ln L) / (2 z_crit) (Cochrane Handbook 6.3.2), so
    z = z_crit (ln L + ln U) / (ln U - ln L), monotone in each bound: the extremes are corners.
    """
    if lower.lower <= 0 or not math.isfinite(upper.upper):
        return None
    crit = float(stats_dist.norm_ppf(0.5 + level / 2))
    zs = []
    for lo in (lower.lower, lower.upper):
        for hi in (upper.lower, upper.upper):
            a, b = math.log(lo), math.log(hi)
            if b <= a:
                return None
            zs.append(crit * (a + b) / (b - a))
    return min(zs), max(zs)


def p_interval_from_ci(
    lower: Printed, upper: Printed, level: float = 0.95
) -> tuple[float, float] | None:
    """Two-sided Wald p values consistent with a printed CI (Cochrane Handbook 6.3.2)."""
    zr = z_interval_from_ci(lower, upper, level)
    if zr is None:
        return None
    zlo, zhi = zr
    if zlo <= 0 <= zhi:
        return _two_sided_p(max(-zlo, zhi)), 1.0
    small, big = sorted((abs(zlo), abs(zhi)))
    return _two_sided_p(big), _two_sided_p(small)


def hr_interval_from_ci(lower: Printed, upper: Printed) -> tuple[float, float] | None:
    """Range of the CI's geometric midpoint sqrt(L U), which a pooled ratio equals exactly."""
    if lower.lower <= 0 or not math.isfinite(upper.upper):
        return None
    return math.sqrt(lower.lower * upper.lower), math.sqrt(lower.upper * upper.upper)


def q_interval_from_i2(i2: Printed, df: int) -> tuple[float, float]:
    """Range of Cochran's Q consistent with a printed I2 (percent) at df = k - 1.

    I2 = max(0, (Q - df) / Q) (Higgins & Thompson 2002) gives Q = df / (1 - I2) for I2 > 0; an I2
    that may be 0 allows any Q in [0, df].
    """
    a = min(max(i2.lower, 0.0), 100.0) / 100.0
    b = min(max(i2.upper, 0.0), 100.0) / 100.0
    q_lo = 0.0 if a <= 0 else df / (1.0 - a) if a < 1 else math.inf
    q_hi = df / (1.0 - b) if b < 1 else math.inf
    return q_lo, q_hi


def q_p_interval_from_i2(i2: Printed, k: int) -> tuple[float, float]:
    """Q-test p values (chi-square, df = k - 1; Cochrane Handbook 10.10.2) consistent with I2."""
    df = k - 1
    q_lo, q_hi = q_interval_from_i2(i2, df)
    p_lo = 0.0 if math.isinf(q_hi) else float(stats_dist.chi2_sf(q_hi, df))
    p_hi = 1.0 if q_lo <= 0 else float(stats_dist.chi2_sf(q_lo, df))
    return p_lo, p_hi


def rule_from_printed(i2: Printed, q_p: Printed) -> str | None:
    """The review's rule on printed values: "fixed" if I2 <= 50% and Q p >= 0.10, "random" if
    I2 > 50% or Q p < 0.10 for every value the rounding allows, None if rounding leaves it open."""
    i2_low = i2.upper <= 50
    i2_high = i2.lower > 50 or (i2.lower == 50 and not i2.lower_closed)
    p_high = q_p.lower >= 0.10
    p_low = q_p.upper < 0.10 or (q_p.upper == 0.10 and not q_p.upper_closed)
    if i2_high or p_low:
        return "random"
    if i2_low and p_high:
        return "fixed"
    return None


# --------------------------------------------------------------------------- row helpers


def _level(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def _label(row: Row) -> str:
    level = _level(row.get("subgroup_level"))
    return f"{row.get('analysis_id')}" + (f" (subgroup level {level})" if level else "")


def _k(row: Row) -> int | None:
    try:
        return int(row["k"]) if row.get("k") not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _hr_text(row: Row) -> str:
    return f"HR {row.get('hr')} ({row.get('ci_lower')} to {row.get('ci_upper')})"


def _finding(check: str, severity: str, row: Row | None, printed: str, expected: str,
             message: str, study_id: str | None = None) -> AuditFinding:
    analysis = None if row is None else row.get("analysis_id")
    label = "" if row is None else f"{_label(row)}: "
    return AuditFinding(check, severity, analysis, study_id, printed, expected, label + message)


def _parsed(row: Row, *fields: str) -> list[Printed | None]:
    return [parse_printed(row.get(f)) for f in fields]


def _each_printed(published: Iterable[Row], *fields: str) -> Iterable[tuple[Row, list[Printed]]]:
    """The rows whose ``fields`` are all printed and readable, with the parsed values."""
    for row in published:
        values = _parsed(row, *fields)
        if None not in values:
            yield row, values  # type: ignore[misc]


# --------------------------------------------------------------------------- consistency checks


def check_p_vs_ci(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed p against the Wald z backed out of the printed CI, both bounds with rounding."""
    out = []
    for row, (lo, hi, p) in _each_printed(published, "ci_lower", "ci_upper", "p_as_printed"):
        pr = p_interval_from_ci(lo, hi)
        if pr is None or p.overlaps(*pr):
            continue
        zr = z_interval_from_ci(lo, hi)
        assert zr is not None
        out.append(_finding(
            "p_vs_ci", "error", row, f"p {p.text}", f"p in {_span(*pr)}",
            f"{_hr_text(row)} gives z = 1.96 (ln L + ln U) / (ln U - ln L) in {_span(*zr)} over "
            f"L in [{_fmt(lo.lower)}, {_fmt(lo.upper)}), U in [{_fmt(hi.lower)}, {_fmt(hi.upper)}),"
            f" so two-sided p in {_span(*pr)}; printed p {p.text} is outside",
        ))
    return out


def check_hr_vs_ci(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed pooled HR against the geometric midpoint of its printed CI."""
    out = []
    for row, (hr, lo, hi) in _each_printed(published, "hr", "ci_lower", "ci_upper"):
        mid = hr_interval_from_ci(lo, hi)
        if mid is None or hr.overlaps(*mid):
            continue
        out.append(_finding(
            "hr_vs_ci", "error", row, f"HR {hr.text}", f"HR in {_span(*mid)}",
            f"a pooled HR is the geometric midpoint sqrt(L U) of its CI; {_hr_text(row)} allows "
            f"{_span(*mid)}, printed HR {hr.text} rounds from [{_fmt(hr.lower)}, "
            f"{_fmt(hr.upper)})",
        ))
    return out


def check_q_p_vs_i2(published: Iterable[Row]) -> list[AuditFinding]:
    """Printed Q-test p against the Q implied by printed I2 and k; separate check for I2 = 0."""
    out = []
    for row, (i2, qp) in _each_printed(published, "i2_percent", "q_p_as_printed"):
        k = _k(row)
        if k is None or k < 2:
            continue
        pr = q_p_interval_from_i2(i2, k)
        if qp.overlaps(*pr):
            continue
        df = k - 1
        q_lo, q_hi = q_interval_from_i2(i2, df)
        if i2.lower <= 0:
            out.append(_finding(
                "i2_zero_vs_q_p", "error", row, f"I2 {i2.text}%, Q p {qp.text}",
                f"Q p >= {_fmt(pr[0])}",
                f"I2 printed {i2.text}% (< {_fmt(i2.upper)}%) needs Q < df / (1 - "
                f"{_fmt(i2.upper / 100)}) = {_fmt(q_hi)} with df = {df}, so Q p >= "
                f"P(chi2_{df} > {_fmt(q_hi)}) = {_fmt(pr[0])}; printed {qp.text}",
            ))
            continue
        out.append(_finding(
            "q_p_vs_i2", "error", row, f"Q p {qp.text}", f"Q p in {_span(*pr)}",
            f"I2 {i2.text}% (in [{_fmt(i2.lower)}, {_fmt(i2.upper)})) with k = {k} gives "
            f"Q = {df} / (1 - I2) in {_span(q_lo, q_hi)} and Q p = P(chi2_{df} > Q) in "
            f"{_span(*pr)}; printed {qp.text} is outside",
        ))
    return out


def _parent_rows(published: Sequence[Row], analyses: Sequence[Row]) -> dict[str, Row]:
    """analysis_id -> the overall published row (no subgroup level) of its parent analysis."""
    overall = {r.get("analysis_id"): r for r in published
               if _level(r.get("subgroup_level")) is None}
    parents = {}
    for a in analyses:
        parent = a.get("parent_analysis") or None
        if parent in overall:
            parents[a.get("analysis_id")] = overall[parent]
    return parents


def check_model_vs_rule(
    published: Sequence[Row], analyses: Sequence[Row] = ()
) -> list[AuditFinding]:
    """The model the review printed (or, for a subgroup, its parent's) against its own rule."""
    out = []
    parents = _parent_rows(published, analyses)
    for row in published:
        i2, qp = _parsed(row, "i2_percent", "q_p_as_printed")
        model = (row.get("model") or "").strip().lower()
        if not model and row.get("analysis_id") in parents:
            continue  # a subgroup prints no model; RevMan uses the overall analysis' model
        if i2 is None or qp is None or model not in ("fixed", "random"):
            continue
        rule = rule_from_printed(i2, qp)
        basis = f"I2 {i2.text}%, Q p {qp.text}"
        if rule is None:
            out.append(_finding(
                "model_vs_rule", "note", row, f"{model} ({basis})", "fixed or random",
                f"the rounding of {basis} leaves the rule (fixed if I2 <= 50% and Q p >= 0.10) "
                f"undecided; the review used {model}",
            ))
        elif rule != model:
            out.append(_finding(
                "model_vs_rule", "warning", row, f"{model} ({basis})", rule,
                f"the review's rule (fixed if I2 <= 50% and Q p >= 0.10, else random) gives "
                f"{rule} for {basis}; the review used {model}",
            ))
    return out


def check_subgroup_k_sum(published: Sequence[Row], analyses: Sequence[Row]) -> list[AuditFinding]:
    """Subgroup levels' k's against the overall k of the parent analysis."""
    parents = _parent_rows(published, analyses)
    levels: dict[str, list[Row]] = {}
    for row in published:
        if _level(row.get("subgroup_level")) is not None:
            levels.setdefault(row.get("analysis_id"), []).append(row)
    out = []
    for aid, rows in levels.items():
        parent = parents.get(aid)
        ks = [_k(r) for r in rows]
        if parent is None or _k(parent) is None or None in ks:
            continue
        total, k_all = sum(ks), _k(parent)
        if total != k_all:
            parts = " + ".join(f"{_level(r.get('subgroup_level'))} {_k(r)}" for r in rows)
            out.append(_finding(
                "subgroup_k_sum", "error", {**rows[0], "subgroup_level": None},
                f"k {parts} = {total}", f"k = {k_all} ({parent.get('analysis_id')})",
                f"the subgroup levels hold {parts} = {total} studies, the overall analysis "
                f"{parent.get('analysis_id')} k = {k_all}: {abs(k_all - total)} "
                f"{'missing from' if total < k_all else 'more in'} the subgroup analysis",
            ))
    return out


def q_interval(row: Row) -> tuple[float, float] | None:
    """Cochran's Q consistent with a row's printed I2 and Q-test p (their intersection, or their
    hull when they disagree, which q_p_vs_i2 reports)."""
    i2, qp = _parsed(row, "i2_percent", "q_p_as_printed")
    k = _k(row)
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
    parents = _parent_rows(published, analyses)
    levels: dict[str, list[Row]] = {}
    for row in published:
        if _level(row.get("subgroup_level")) is not None:
            levels.setdefault(row.get("analysis_id"), []).append(row)
    out = []
    for aid, rows in levels.items():
        parent = parents.get(aid)
        if parent is None or sum(_k(r) or 0 for r in rows) != _k(parent):
            continue
        spans = [q_interval(r) or (0.0, math.inf) for r in rows]
        total = q_interval(parent)
        within = sum(lo for lo, _ in spans)
        if total is None or within <= total[1]:
            continue
        parts = " + ".join(f"{_level(r.get('subgroup_level'))} >= {_fmt(lo)}"
                           for r, (lo, _) in zip(rows, spans, strict=True))
        out.append(_finding(
            "subgroup_q_partition", "error", {**rows[0], "subgroup_level": None},
            f"Q within {parts} = {_fmt(within)}", f"sum of Q within <= {_fmt(total[1])}",
            f"from the printed I2 and Q p, the levels' Q's add up to at least {_fmt(within)}, "
            f"more than the overall {parent.get('analysis_id')} Q (at most {_fmt(total[1])}); "
            "Q_between would be negative",
        ))
    return out


def _review_studies(studies: Sequence[Row], biomarker: object, outcome: object) -> list[Row]:
    """Studies the review's table lists for a biomarker and outcome (outcomes_used_by_review)."""
    chosen = []
    for s in studies:
        used = [o.strip() for o in str(s.get("outcomes_used_by_review") or "").split(";")]
        if s.get("biomarker") == biomarker and outcome in used:
            chosen.append(s)
    return chosen


def _ids(rows: Iterable[Row]) -> str:
    return ", ".join(str(r.get("study_id")) for r in rows) or "none"


def check_k_vs_study_table(
    published: Sequence[Row], analyses: Sequence[Row], studies: Sequence[Row]
) -> list[AuditFinding]:
    """Each overall analysis' k against the studies listed for its biomarker and outcome."""
    by_id = {a.get("analysis_id"): a for a in analyses}
    out = []
    for row in published:
        a = by_id.get(row.get("analysis_id"))
        k = _k(row)
        if a is None or k is None or _level(row.get("subgroup_level")) is not None:
            continue
        listed = _review_studies(studies, a.get("biomarker"), a.get("outcome"))
        if len(listed) != k:
            out.append(_finding(
                "k_vs_study_table", "error", row, f"k = {k}", f"k = {len(listed)}",
                f"the study table lists {len(listed)} {a.get('biomarker')} studies with "
                f"{a.get('outcome')} among the outcomes the review used ({_ids(listed)}); "
                f"the analysis prints k = {k}",
            ))
    return out


def check_subgroup_k_vs_study_table(
    published: Sequence[Row], analyses: Sequence[Row], studies: Sequence[Row]
) -> list[AuditFinding]:
    """A level's k must lie between the studies known at that level and those plus unknowns."""
    by_id = {a.get("analysis_id"): a for a in analyses}
    out = []
    for row in published:
        a = by_id.get(row.get("analysis_id"))
        level, k = _level(row.get("subgroup_level")), _k(row)
        var = None if a is None else a.get("subgroup_variable")
        if a is None or level is None or k is None or not var:
            continue
        listed = _review_studies(studies, a.get("biomarker"), a.get("outcome"))
        known = [s for s in listed if _level(s.get(var)) == level]
        unknown = [s for s in listed if _level(s.get(var)) is None]
        if len(known) <= k <= len(known) + len(unknown):
            continue
        out.append(_finding(
            "subgroup_k_vs_study_table", "error", row, f"k = {k}",
            f"k in [{len(known)}, {len(known) + len(unknown)}]",
            f"the study table gives {var} = {level} for {len(known)} of the listed studies "
            f"({_ids(known)}) and leaves it unknown for {len(unknown)}",
        ))
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
        out.append(_finding(
            "identical_characteristics", "warning", None, shown,
            f"characteristics differing from {first.get('study_id')}",
            f"{s.get('study_id')} has the same reported N, age and sex as "
            f"{first.get('study_id')} ({shown}): a copying error or an overlapping cohort",
            study_id=str(s.get("study_id")),
        ))
    return out


def check_n_vs_source(studies: Sequence[Row]) -> list[AuditFinding]:
    """N as the review reports it against N confirmed in the primary source (where known)."""
    out = []
    for s in studies:
        n, conf = s.get("n"), s.get("n_confirmed")
        if n in (None, "") or conf in (None, "") or str(n) == str(conf):
            continue
        out.append(_finding(
            "n_vs_source", "warning", None, f"N {n}", f"N {conf}",
            f"{s.get('study_id')}: the review reports N = {n}, the primary source N = {conf}",
            study_id=str(s.get("study_id")),
        ))
    return out


def check_totals(studies: Sequence[Row], counts: Mapping[str, Any] | None) -> list[AuditFinding]:
    """Number of studies and sum of N in the study table against the review's reported counts."""
    if not counts:
        return [_finding("totals_vs_abstract", "note", None, "not recorded", "review counts",
                         "the package records no reported study/patient counts of the review")]
    out = []
    n_missing = [s for s in studies if s.get("n") in (None, "")]
    total_n = sum(int(s["n"]) for s in studies if s.get("n") not in (None, ""))
    pairs = [("studies_included", len(studies), "studies in the study table"),
             ("patients_included", total_n, "patients (sum of N in the study table)")]
    for key, have, what in pairs:
        reported = counts.get(key)
        if reported in (None, "") or int(reported) == have:
            continue
        incomplete = key == "patients_included" and n_missing
        out.append(_finding(
            "totals_vs_abstract", "note" if incomplete else "error", None,
            f"{key} {reported}", f"{have}",
            f"the review reports {reported} {key.split('_')[0]}; the table holds {have} {what}"
            + (f" ({len(n_missing)} studies without N)" if incomplete else ""),
        ))
    return out


# --------------------------------------------------------------------------- reproduction


@dataclass(frozen=True)
class Reproduction:
    """One published result beside its recomputation from the registry's usable estimates."""

    result_id: str
    analysis: str
    subgroup_level: str | None
    k_published: int | None
    k_available: int
    model: str
    model_basis: str
    used: tuple[str, ...]
    inputs: tuple[dict[str, Any], ...]
    missing: tuple[str, ...]
    published: dict[str, Any]
    recomputed: dict[str, Any] | None
    verdict: str
    differences: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PUBLISHED_FIELDS = ("hr", "ci_lower", "ci_upper", "p_as_printed", "i2_percent", "q_p_as_printed")
RECOMPUTED_FIELDS = ("hr", "ci_lower", "ci_upper", "p", "i2_percent", "q_p")


def _usable(est: Row) -> bool:
    return est.get("status") == "extracted" and all(
        est.get(f) not in (None, "") for f in ("hr", "ci_lower", "ci_upper"))


def _missing_reason(study: Row, ests: Sequence[Row]) -> str:
    if not ests:
        return f"{study.get('study_id')}: no qualifying estimate row"
    return "; ".join(f"{e.get('estimate_id')}: {e.get('status')}"
                     + ("" if e.get("status") != "incomplete" else " (no CI)") for e in ests)


def _missing(studies: Sequence[Row], ests: Sequence[Row], used: set, var: str | None,
             level: str | None) -> tuple[str, ...]:
    """Why each study the review lists for this result has no usable estimate here."""
    known = [s for s in studies if not var or _level(s.get(var)) == level]
    unknown = [s for s in studies if var and _level(s.get(var)) is None]
    out = [_missing_reason(s, [e for e in ests if e.get("study_id") == s.get("study_id")])
           for s in known if s.get("study_id") not in used]
    if unknown:
        out.append(f"{var} unknown for {_ids(unknown)}")
    return tuple(out)


def _pool_inputs(inputs: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    from evreg import stats

    hr, lo, hi = (np.array([float(e[f]) for e in inputs]) for f in ("hr", "ci_lower", "ci_upper"))
    ratio, lower, upper = stats.harmonise(hr, lo, hi, [str(e["comparison"]) for e in inputs])
    levels = np.array([float(e.get("ci_level") or 0.95) for e in inputs])
    return stats.ci_to_se(ratio, lower, upper, levels)


def _choose_model(row: Row, parent: Row | None) -> tuple[str, str]:
    model = (row.get("model") or "").strip().lower()
    if model in ("fixed", "random"):
        return model, "as printed by the review"
    pmodel = "" if parent is None else (parent.get("model") or "").strip().lower()
    if pmodel in ("fixed", "random"):
        return pmodel, f"not printed; the overall analysis' model ({parent.get('analysis_id')})"
    return "", "not printed; the review's rule on the recomputed fixed-effect result"


def _recompute(inputs: Sequence[Row], model: str, random_method: str) -> tuple[dict, str]:
    from evreg import stats

    yi, sei = _pool_inputs(inputs)
    fixed = stats.pool(yi, sei, method="FE")
    basis = ""
    if not model:
        rule = stats.review_rule(fixed)
        model, basis = rule.model, f" ({rule.reason})"
    res = fixed if model == "fixed" else stats.pool(yi, sei, method=random_method or "DL")
    values: dict[str, Any] = {
        name: None if v is None else float(v)
        for name, v in zip(RECOMPUTED_FIELDS, (res.estimate, res.ci_lower, res.ci_upper, res.p,
                                               res.I2, res.Q_p), strict=True)}
    return values | {"model": model, "method": res.method}, basis


def _differences(published: Row, recomputed: Mapping[str, Any]) -> tuple[str, ...]:
    """Each recomputed value outside the rounding interval of its printed value, and by how much
    (for "< x" forms, against x)."""
    diffs = []
    for pf, rf in zip(PUBLISHED_FIELDS, RECOMPUTED_FIELDS, strict=True):
        printed, value = parse_printed(published.get(pf)), recomputed.get(rf)
        if printed is None or value is None or printed.contains(value):
            continue
        shown = float(Decimal(_clean(str(published.get(pf))).lstrip("<>=")))
        ratio = f", ratio {_fmt(value / shown)}" if pf in ("hr", "ci_lower", "ci_upper") else ""
        diffs.append(f"{pf} printed {published.get(pf)}, recomputed {_fmt(value)} "
                     f"(difference {value - shown:+.4g}{ratio})")
    return tuple(diffs)


def _verdict(k_pub: int | None, k_avail: int, diffs: Sequence[str]) -> str:
    if k_pub is not None and k_avail < k_pub:
        return "cannot be reproduced yet"
    if k_pub is not None and k_avail > k_pub:
        return "differs"
    return "differs" if diffs else "reproduced"


def reproduce_rows(
    published: Sequence[Row],
    analyses: Sequence[Row],
    studies: Sequence[Row],
    qualifying: Mapping[str, Sequence[Row]],
) -> tuple[Reproduction, ...]:
    """Recompute every published result from the usable qualifying estimates (pure function).

    ``qualifying`` maps analysis_id -> the estimates the plan admits (all statuses). A subgroup
    level uses the studies the study table assigns to it; studies with the level unknown are listed
    as missing. Model: as printed, else the parent analysis' printed model (RevMan pools subgroups
    with the overall model), else the review's rule.
    """
    by_id = {a.get("analysis_id"): a for a in analyses}
    parents = _parent_rows(published, analyses)
    by_study = {s.get("study_id"): s for s in studies}
    out = []
    for row in published:
        aid = row.get("analysis_id")
        a = by_id.get(aid, {})
        level = _level(row.get("subgroup_level"))
        var = a.get("subgroup_variable") or None if level else None
        ests = [e for e in qualifying.get(aid, ())
                if not var or _level(by_study.get(e.get("study_id"), {}).get(var)) == level]
        inputs, used_studies = [], set()
        for e in ests:
            if _usable(e) and e.get("study_id") not in used_studies:
                used_studies.add(e.get("study_id"))
                inputs.append({f: e.get(f) for f in ("estimate_id", "study_id", "hr", "ci_lower",
                                                     "ci_upper", "ci_level", "comparison")})
        listed = _review_studies(studies, a.get("biomarker"), a.get("outcome"))
        missing = _missing(listed, ests, used_studies, var, level)
        model, basis = _choose_model(row, parents.get(aid))
        recomputed, diffs = None, ()
        try:
            if inputs:
                recomputed, extra = _recompute(inputs, model, str(a.get("random_method") or "DL"))
                model, basis = recomputed["model"], basis + extra
                diffs = _differences(row, recomputed)
        except ValueError as exc:  # numbers `evreg validate` rejects: say so, pool nothing
            ids = ", ".join(str(i["estimate_id"]) for i in inputs)
            missing += (f"{ids}: numbers cannot be pooled ({exc}); run evreg validate",)
            inputs = []
        k_pub = _k(row)
        out.append(Reproduction(
            result_id=str(row.get("result_id") or aid), analysis=str(aid), subgroup_level=level,
            k_published=k_pub, k_available=len(inputs), model=model, model_basis=basis,
            used=tuple(str(i["estimate_id"]) for i in inputs), inputs=tuple(inputs),
            missing=missing, published={f: row.get(f) for f in ("k", "model", *PUBLISHED_FIELDS)},
            recomputed=recomputed, verdict=_verdict(k_pub, len(inputs), diffs), differences=diffs,
        ))
    return tuple(out)


def reproduce(package: Any) -> tuple[Reproduction, ...]:
    """Reproduction rows for every published result of a loaded package (see reproduce_rows)."""
    from evreg.data.package import qualifies

    analyses = package.analyses
    estimates = printed_rows(package, "estimates", ("hr", "ci_lower", "ci_upper"))
    qualifying = {a["analysis_id"]: [e for e in estimates if qualifies(e, a)] for a in analyses}
    return reproduce_rows(printed_published(package), analyses, package.studies, qualifying)


def _pooled_text(rec: Mapping[str, Any]) -> str:
    return f"HR {rec['hr']:.2f} ({rec['ci_lower']:.2f} to {rec['ci_upper']:.2f})"


def reproduction_findings(reproduction: Sequence[Reproduction]) -> list[AuditFinding]:
    """One finding per published result: reproduced (note), cannot yet (note), differs (error)."""
    out = []
    for r in reproduction:
        pub, rec = r.published, r.recomputed
        printed = f"HR {pub.get('hr')} ({pub.get('ci_lower')} to {pub.get('ci_upper')}), " \
                  f"k = {r.k_published}"
        what = f"{r.k_available} of {r.k_published} studies with a usable estimate"
        model = f"{r.model} effect, model {r.model_basis}"
        if r.verdict == "cannot be reproduced yet":
            expected = f"k = {r.k_published} usable estimates (registry: {r.k_available})"
            partial = "" if rec is None else f"; pooled from those held: {_pooled_text(rec)}"
            msg = f"cannot be reproduced yet: {what}{partial}; missing: " + "; ".join(r.missing)
        else:
            expected = f"{_pooled_text(rec or {})}, k = {r.k_available}" if rec else "n/a"
            detail = "; ".join(r.differences) or f"k {r.k_available} vs {r.k_published}"
            msg = (f"reproduced within rounding ({model}); {what}" if r.verdict == "reproduced"
                   else f"differs ({model}); {what}; {detail}")
        row = {"analysis_id": r.analysis, "subgroup_level": r.subgroup_level}
        severity = "error" if r.verdict == "differs" else "note"
        out.append(_finding("reproduction", severity, row, printed, expected, msg))
    return out


# --------------------------------------------------------------------------- two-study direction


def _two_study_hits(y1: float, v1: float, row: Row, method: str) -> np.ndarray:
    """Second studies (HR, SE) that, pooled with (y1, v1), give the printed result within rounding.

    Grid over Q (from the printed I2, Higgins & Thompson 2002), v2 and the side of y2; y2 follows
    from Q = (y1 - y2)^2 / (v1 + v2). Pooling: inverse variance, DL tau2 = (Q - 1)(v1 + v2) / 2
    for k = 2 (DerSimonian & Laird 1986). Returns rows (HR2, SE2); empty if none.
    """
    hr, lo, hi, i2 = _parsed(row, "hr", "ci_lower", "ci_upper", "i2_percent")
    q_lo, q_hi = q_interval_from_i2(i2, 1)
    q_hi = min(q_hi, 1e6)
    q = np.linspace(q_lo, q_hi, 61)[:, None, None]
    v2 = (v1 * np.geomspace(1e-4, 1e4, 6001))[None, :, None]
    y2 = y1 + np.array([1.0, -1.0])[None, None, :] * np.sqrt(q * (v1 + v2))
    tau2 = np.maximum(0.0, (q - 1) * (v1 + v2) / 2) if method != "FE" else 0.0 * q
    w1, w2 = 1 / (v1 + tau2), 1 / (v2 + tau2)
    mu, se = (w1 * y1 + w2 * y2) / (w1 + w2), 1 / np.sqrt(w1 + w2)
    crit = float(stats_dist.norm_ppf(0.975))
    ok = np.ones(np.broadcast_shapes(mu.shape, y2.shape), dtype=bool)
    for printed, value in ((hr, mu), (lo, mu - crit * se), (hi, mu + crit * se)):
        ev = np.exp(value)
        ok &= (ev >= printed.lower) & (ev < printed.upper)
    if not ok.any():
        return np.empty((0, 2))
    y2b, v2b = np.broadcast_to(y2, ok.shape)[ok], np.broadcast_to(v2, ok.shape)[ok]
    return np.column_stack([np.exp(y2b), np.sqrt(v2b)])


def check_two_study_direction(
    published: Sequence[Row], reproduction: Sequence[Reproduction]
) -> list[AuditFinding]:
    """For k = 2 results with one estimate held, which (model, direction) can reproduce them."""
    by_result = {str(r.get("result_id") or r.get("analysis_id")): r for r in published}
    out = []
    for rep in reproduction:
        row = by_result.get(rep.result_id)
        if row is None or rep.k_published != 2 or rep.k_available != 1:
            continue
        if None in _parsed(row, "hr", "ci_lower", "ci_upper", "i2_percent"):
            continue
        est = rep.inputs[0]
        h, lo, hi = float(est["hr"]), float(est["ci_lower"]), float(est["ci_upper"])
        level = float(est.get("ci_level") or 0.95)
        directions = {"as printed": (h, lo, hi)}
        if str(est.get("comparison")) in ("low_vs_high", "decrease_vs_increase"):
            directions["harmonised"] = (1 / h, 1 / hi, 1 / lo)
        crit = float(stats_dist.norm_ppf(0.5 + level / 2))
        verdicts, feasible = [], []
        for dname, (rh, rl, ru) in directions.items():
            y1, se1 = math.log(rh), (math.log(ru) - math.log(rl)) / (2 * crit)
            for method in ("FE", "DL"):
                hits = _two_study_hits(y1, se1 ** 2, row, method)
                combo = f"{'fixed effect' if method == 'FE' else 'DL random effects'}, {dname}"
                if len(hits):
                    feasible.append(combo)
                    verdicts.append(
                        f"{combo}: possible (second study HR about {_fmt(hits[:, 0].min(), 3)} to "
                        f"{_fmt(hits[:, 0].max(), 3)}, SE {_fmt(hits[:, 1].min(), 3)} to "
                        f"{_fmt(hits[:, 1].max(), 3)}; implied, not data)")
                else:
                    verdicts.append(f"{combo}: none")
        out.append(_finding(
            "two_study_direction", "note", row,
            f"{_hr_text(row)}, I2 {row.get('i2_percent')}%",
            "; ".join(feasible) or "none found",
            f"k = 2 with one estimate held ({est['estimate_id']}: {est['hr']} "
            f"({est['ci_lower']} to {est['ci_upper']}), "
            f"{est.get('comparison')}); a second study reproducing the printed HR, CI and I2 "
            f"within rounding (grid search over its HR and SE) exists for: " + "; ".join(verdicts),
        ))
    return out


# --------------------------------------------------------------------------- package entry point


def printed_rows(package: Any, name: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    """A table's typed rows with ``fields`` as printed (text keeping trailing zeros).

    Typed rows turn "1.50" into 1.5, which would widen its rounding interval; the package's raw
    tables keep the text. Falls back to the typed rows when no raw table is held.
    """
    typed = [dict(r) for r in package.tables[name]]
    raw = getattr(package, "raw_tables", {}).get(name) or ()
    if len(raw) != len(typed):
        return typed
    return [t | {f: r.get(f) or None for f in fields} for t, r in zip(typed, raw, strict=True)]


def printed_published(package: Any) -> list[dict[str, Any]]:
    """published_results rows with their numbers as printed."""
    return printed_rows(package, "published_results", PUBLISHED_FIELDS)


def review_counts(descriptor: Any) -> dict[str, Any] | None:
    """The review's reported counts: the first ``prisma_counts_reported`` object in the
    descriptor (searched depth-first)."""
    if isinstance(descriptor, Mapping):
        found = descriptor.get("prisma_counts_reported")
        if isinstance(found, Mapping):
            return dict(found)
        items: Iterable[Any] = descriptor.values()
    elif isinstance(descriptor, list):
        items = descriptor
    else:
        return None
    for value in items:
        found = review_counts(value)
        if found is not None:
            return found
    return None


def audit_rows(
    published: Sequence[Row],
    analyses: Sequence[Row],
    studies: Sequence[Row],
    counts: Mapping[str, Any] | None,
    reproduction: Sequence[Reproduction] = (),
) -> list[AuditFinding]:
    """Every check on plain rows (numbers in ``published`` as printed text), in CHECKS order."""
    findings = [
        *reproduction_findings(reproduction),
        *check_p_vs_ci(published),
        *check_hr_vs_ci(published),
        *check_q_p_vs_i2(published),
        *check_model_vs_rule(published, analyses),
        *check_subgroup_k_sum(published, analyses),
        *check_subgroup_q_partition(published, analyses),
        *check_k_vs_study_table(published, analyses, studies),
        *check_subgroup_k_vs_study_table(published, analyses, studies),
        *check_identical_characteristics(studies),
        *check_n_vs_source(studies),
        *check_totals(studies, counts),
        *check_two_study_direction(published, reproduction),
    ]
    order = list(CHECKS)
    return sorted(findings, key=lambda f: order.index(f.check))


def audit_package(package: Any, results: Any = None) -> list[AuditFinding]:
    """Audit a loaded package (evreg.data.package.Package).

    ``results``: the rows of ``reproduce(package)`` when already computed (the site computes them
    once for the findings and the page). Anything else (None, or the analyses' RegistryResults)
    makes the audit recompute them itself from the package with evreg.stats, so the audit never
    depends on how the site ran the plan.
    """
    given = isinstance(results, (list, tuple)) and all(isinstance(r, Reproduction)
                                                        for r in results)
    reproduction = tuple(results) if given else reproduce(package)
    return audit_rows(printed_published(package), package.analyses, package.studies,
                      review_counts(package.descriptor), reproduction)


# --------------------------------------------------------------------------- rendering

_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "\\`*_{}[]|~^$!"}


def md_escape(value: object) -> str:
    """Untrusted text for a markdown table cell: HTML-escaped, markdown syntax neutralised."""
    text = html.escape(" ".join(str("" if value is None else value).split()), quote=True)
    return "".join(_MD_SPECIAL.get(c, c) for c in text)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return lines


def _ci_text(hr: object, lo: object, hi: object) -> str:
    return f"{hr} ({lo} to {hi})"


def render_markdown(
    findings: Sequence[AuditFinding], reproduction: Sequence[Reproduction] = ()
) -> str:
    """The site's Audit page (markdown). Every value from data is escaped by md_escape."""
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    lines = [
        "# Audit of the source review", "",
        "Each published number is checked against the others printed with it and against the "
        "registry's evidence. A printed value stands for every value that rounds to it (1.28 "
        "means 1.275 up to 1.285); a finding means no such value fits.", "",
        f"**{counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes.**", "",
    ]
    if reproduction:
        lines += ["## Reproduction", ""]
        lines += _table(
            ["Result", "k available / published", "Published HR (95% CI)", "Model",
             "Recomputed HR (95% CI)", "Verdict", "Missing or different"],
            ([r.result_id, f"{r.k_available} / {r.k_published}",
              _ci_text(r.published.get("hr"), r.published.get("ci_lower"),
                       r.published.get("ci_upper")),
              r.model or "n/a",
              "" if r.recomputed is None else _pooled_text(r.recomputed)[3:],
              r.verdict, "; ".join(r.missing or r.differences)] for r in reproduction))
        lines.append("")
    elif any(f.check == "reproduction" for f in findings):
        lines += ["## Reproduction", ""]
        lines += _table(["Result", "Severity", "Published", "Recomputed or needed", "Verdict"],
                        ([f.analysis or "", f.severity, f.printed, f.expected, f.message]
                         for f in findings if f.check == "reproduction"))
        lines.append("")
    lines += ["## Findings", ""]
    shown = [f for f in findings if f.check != "reproduction"]
    if shown:
        lines += _table(["#", "Check", "Severity", "Analysis", "Study", "Printed", "Expected"],
                        ([i, f.check, f.severity, f.analysis or "", f.study_id or "", f.printed,
                          f.expected] for i, f in enumerate(shown, 1)))
        lines += ["", "### How each finding was computed", ""]
        lines += [f"{i}. **{md_escape(f.check)}**: {md_escape(f.message)}"
                  for i, f in enumerate(shown, 1)]
    else:
        lines.append("No inconsistency found.")
    lines += ["", "## Checks", ""]
    lines += _table(["Check", "What it compares", "Findings"],
                    ([name, desc, sum(f.check == name for f in findings)]
                     for name, desc in CHECKS.items()))
    return "\n".join(lines) + "\n"


def render_text(findings: Sequence[AuditFinding]) -> str:
    """Plain-text report: one line per finding."""
    lines = [f"{f.severity}: {f.check}: {f.message}. Printed {f.printed}; expected {f.expected}."
             for f in findings]
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    lines.append(f"{len(findings)} findings: {counts['error']} errors, {counts['warning']} "
                 f"warnings, {counts['note']} notes")
    return "\n".join(lines) + "\n"
