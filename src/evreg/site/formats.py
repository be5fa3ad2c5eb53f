"""How numbers are printed on pages and charts: ratios, CIs and P values as RevMan prints them,
table cells with fixed decimals and a dash when a number is unavailable."""

from __future__ import annotations

import math
from typing import Any


def fmt_ratio(value: float | None, digits: int = 2) -> str:
    """A ratio as RevMan prints it (two decimals; more below 0.1)."""
    if value is None or not math.isfinite(value):
        return "—"
    if 0 < abs(value) < 0.1:
        return f"{value:.3f}"
    return f"{value:.{digits}f}"


def fmt_ci(estimate: float | None, lower: float | None, upper: float | None) -> str:
    """ "1.62 [1.02, 2.60]" (RevMan's layout)."""
    if estimate is None:
        return "not estimable"
    return f"{fmt_ratio(estimate)} [{fmt_ratio(lower)}, {fmt_ratio(upper)}]"


def fmt_p(p: float | None) -> str:
    """P value as RevMan prints it: "P < 0.00001" or three decimals, two when >= 0.01."""
    if p is None or not math.isfinite(p):
        return "P not available"
    if p < 0.00001:
        return "P < 0.00001"
    if p < 0.001:
        return f"P = {p:.5f}"
    return f"P = {p:.3f}" if p < 0.01 else f"P = {p:.2f}"


def num(value: Any, digits: int = 2) -> str:
    """A number for a table cell: fixed decimals; '—' when unavailable."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def pval(p: float | None) -> str:
    """P value for tables: '< 0.001' below 0.001, three decimals otherwise."""
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 warning", "2 warnings" ("1 study", "3 studies" with ``many``)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def text(value: Any) -> str:
    """A value from the data as page text: None is empty."""
    return "" if value is None else str(value)
