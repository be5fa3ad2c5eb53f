"""How every output prints a number: the site, ``evreg pool``, certainty reasons, the audit and
pull-request comments all call these functions, so one value reads the same everywhere.

Ratios and CIs follow RevMan 5's layout ("1.62 [1.02, 2.60]": two decimals, three below 0.1);
P values follow one rule (:func:`pval`) whether in a sentence ("P = 0.003") or a table cell
("0.003"); a value that is unavailable is always :data:`MISSING`. Pure functions, no state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MISSING = "—"  # the one mark for a value that is unavailable (not estimable, not reported)
LARGE = 1e5  # from here on a number prints with 3 significant digits (1.23e+05)
SMALL = 1e-3  # and below this one (2.34e-05): three decimals would print 0.000
P_FLOOR = 0.00001  # RevMan prints smaller P values as "P < 0.00001"


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fmt_ratio(value: float | None, digits: int = 2) -> str:
    """A ratio as RevMan prints it: ``digits`` decimals, three below 0.1, 3 significant digits
    from 100,000 on and below 0.001; :data:`MISSING` when unavailable."""
    if not _finite(value):
        return MISSING
    if abs(value) >= LARGE or 0 < abs(value) < SMALL:
        return f"{value:.3g}"
    if 0 < abs(value) < 0.1:
        return f"{value:.3f}"
    return f"{value:.{digits}f}"


def fmt_ratios(values: Sequence[float]) -> list[str]:
    """:func:`fmt_ratio` for a whole column at C speed (100,000 studies in ``evreg pool``)."""
    values = [float(v) for v in values]
    if not values:
        return []
    out = (("%.2f\n" * len(values)) % tuple(values)).split("\n")[:-1]
    for i, v in enumerate(values):
        if not (0.1 <= abs(v) < LARGE):
            out[i] = fmt_ratio(v)
    return out


def bracket(lower: str, upper: str) -> str:
    """Two limits already written, in RevMan's brackets: ``[1.02, 2.60]`` (every interval on
    every output is written by this function)."""
    return f"[{lower}, {upper}]"


def fmt_interval(lower: float | None, upper: float | None) -> str:
    """A CI alone, as RevMan prints it: ``[1.02, 2.60]``."""
    return bracket(fmt_ratio(lower), fmt_ratio(upper))


def fmt_ci(estimate: float | None, lower: float | None, upper: float | None) -> str:
    """A ratio with its CI in RevMan's layout: ``1.62 [1.02, 2.60]``; :data:`MISSING` when
    there is no estimate."""
    if not _finite(estimate):
        return MISSING
    return f"{fmt_ratio(estimate)} {fmt_interval(lower, upper)}"


def pval(p: float | None) -> str:
    """A P value as RevMan prints it, for a table cell: "< 0.00001", then five decimals below
    0.001, three below 0.01, two otherwise; :data:`MISSING` when unavailable."""
    if not _finite(p):
        return MISSING
    if p < P_FLOOR:
        return f"< {P_FLOOR:.5f}"
    if p < 0.001:
        return f"{p:.5f}"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def printed_ci(estimate: Any, lower: Any, upper: Any) -> str:
    """A ratio and its CI as a source printed them, digits kept: ``1.28 [1.05, 1.56]``."""
    return f"{text(estimate)} {bracket(text(lower), text(upper))}"


def fmt_p(p: float | None) -> str:
    """A P value in a sentence: "P = 0.003", "P < 0.00001" (the rule of :func:`pval`)."""
    text = pval(p)
    return f"P {text}" if text.startswith("<") else f"P = {text}"


def fmt_chi2(q: float, df: int, p: float | None) -> str:
    """A chi-squared test as RevMan prints it: ``Chi² = 4.70, df = 1 (P = 0.03)``."""
    return f"Chi² = {q:.2f}, df = {df} ({fmt_p(p)})"


def fmt_heterogeneity(
    q: float | None, df: int | None, p: float | None, i2: float | None, tau2: float | None
) -> str:
    """RevMan's heterogeneity statistics: ``Tau² = 0.04; Chi² = 5.10, df = 3 (P = 0.16);
    I² = 41%`` (``tau2`` None: a fixed-effect model, no Tau²); "not applicable (fewer than
    two studies)" below two studies."""
    if df is None or df < 1 or not _finite(q):
        return "not applicable (fewer than two studies)"
    tau = f"Tau² = {tau2:.2f}; " if _finite(tau2) else ""
    return f"{tau}{fmt_chi2(q, df, p)}; I² = {fmt_pct(i2)}"


def fmt_subgroup_differences(
    q: float | None, df: int | None, p: float | None, i2: float | None
) -> str:
    """RevMan's test for subgroup differences: ``Chi² = 1.15, df = 1 (P = 0.28), I² = 13%``;
    "not applicable (fewer than two subgroups with data)" otherwise."""
    if df is None or df < 1 or not _finite(q):
        return "not applicable (fewer than two subgroups with data)"
    return f"{fmt_chi2(q, df, p)}, I² = {fmt_pct(i2)}"


def fmt_test(statistic: str, value: float | None, p: float | None) -> str:
    """A test for the overall effect as RevMan prints it: ``Z = 3.07 (P = 0.002)`` (``t``
    with the Hartung-Knapp method); "not applicable" without a statistic."""
    if not _finite(value):
        return "not applicable"
    return f"{statistic} = {abs(value):.2f} ({fmt_p(p)})"


def fmt_level(level: float) -> str:
    """A confidence level as a percentage: 0.95 -> "95%", 0.9 -> "90%", 0.995 -> "99.5%"."""
    return f"{100 * level:.10g}%"


def ci_label(level: float) -> str:
    """The name of a CI at ``level``: "95% CI"."""
    return f"{fmt_level(level)} CI"


def ci_header(measure: str, level: float) -> str:
    """A column of ratios with their CIs, as RevMan heads it: "HR [95% CI]"."""
    return f"{measure} [{ci_label(level)}]"


def printed_as(level_as_printed: float | str | None, level: float) -> str:
    """ "printed as 90% CI" when a source printed its CI at another level than ``level``
    (the one shown), else ""."""
    if level_as_printed in (None, ""):
        return ""
    printed = float(level_as_printed)
    return "" if math.isclose(printed, level) else f"printed as {ci_label(printed)}"


def fmt_pct(value: float | None, digits: int = 0) -> str:
    """A percentage such as I²: ``45%``; :data:`MISSING` when unavailable."""
    return f"{value:.{digits}f}%" if _finite(value) else MISSING


def fmt_sig(value: float | None, digits: int = 4) -> str:
    """A computed value for a message: ``digits`` significant digits from 1 on, ``digits``
    decimals (trailing zeros dropped) below 1, e-notation when tiny, "inf" when infinite;
    :data:`MISSING` when unavailable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if math.isinf(value):
        return "inf"
    if value != 0 and abs(value) < 10 ** -(digits - 1):
        return f"{value:.{digits - 1}e}"
    if abs(value) >= 1:
        return f"{value:.{digits}g}"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def num(value: Any, digits: int = 2) -> str:
    """A number for a table cell: fixed decimals; :data:`MISSING` when unavailable."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def per_100(fraction: float) -> str:
    """A share as a whole number per 100 (absolute effects, GRADE's summary of findings):
    0.672 -> "67"."""
    return f"{round(100 * fraction):d}"


def signed_per_100(value: float) -> str:
    """A difference per 100, whole, with its sign: "−25", "+3", "0"."""
    n = round(value)
    return f"−{-n}" if n < 0 else (f"+{n}" if n > 0 else "0")


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 warning", "2 warnings" ("1 study", "3 studies" with ``many``)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def text(value: Any) -> str:
    """A value from the data as page text: None is empty."""
    return "" if value is None else str(value)
