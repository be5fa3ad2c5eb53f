"""Printed numbers as intervals, and the interval arithmetic between them.

Every printed number stands for the interval of values that round to it (1.28 means
[1.275, 1.285); "< 0.001" means [0, 0.001)). From printed bounds the functions here derive the
set of values another printed number can take (z and p from a CI, the CI's midpoint, Q and the
Q-test p from I2, the review's model rule); formula sources are cited on each function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evreg.data.formats import bracket
from evreg.data.formats import fmt_sig as fmt
from evreg.stats import dist as stats_dist
from evreg.stats.rule import I2_MAX, Q_P_MIN, i2_allows_fixed, q_p_allows_fixed


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


def clean(text: str) -> str:
    """Printed text normalised for parsing: ASCII operators, no spaces, decimal point, no "p"."""
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
    s = clean(text)
    op = next((o for o in ("<=", ">=", "<", ">") if s.startswith(o)), "")
    try:
        d = Decimal(s[len(op) :])
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


def span(lo: float, hi: float) -> str:
    """An interval for a message: ``[lo, hi]``."""
    return bracket(fmt(lo), fmt(hi))


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
    """The review's rule (:mod:`evreg.stats.rule`) on printed values: "fixed" or "random" when
    every value the rounding allows gives it, None if rounding leaves it open."""
    i2_low = i2_allows_fixed(i2.upper)
    i2_high = not i2_allows_fixed(i2.lower) or (i2.lower == I2_MAX and not i2.lower_closed)
    p_high = q_p_allows_fixed(q_p.lower)
    p_low = not q_p_allows_fixed(q_p.upper) or (q_p.upper == Q_P_MIN and not q_p.upper_closed)
    if i2_high or p_low:
        return "random"
    if i2_low and p_high:
        return "fixed"
    return None
