"""Domain checks of the numbers: hr, ci_lower, ci_upper finite and > 0 and in order; a CI
symmetric on the log scale and a p value consistent with the CI, within the printed rounding.

A value printed as ``1.62`` stands for anything in [1.615, 1.625], so a CI or p value is flagged
only if no values within the printed rounding make it consistent (Cochrane Handbook 6.3.2: SE
from a CI on the log scale).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from statistics import NormalDist

from evreg.data.text import clip
from evreg.data.validate.finding import Finding, Rows, quote, register, warning

NUMBERS = ("hr", "ci_lower", "ci_upper")

TEMPLATES = register(
    {
        "ratio-not-positive": "{value} must be a finite number above 0 (a ratio)",
        "ci-limit-missing": "empty, but {given} is given: give both limits or neither",
        "ci-excludes-estimate": "{value} is not {side} hr {hr}",
        "ci-limits-reversed": "{value} is not above ci_lower {lower}",
        "ci-not-symmetric": warning(
            "CI [{lower}, {upper}] is not symmetric around hr {hr} on the log scale ({below:.3f} "
            "below, {above:.3f} above) beyond what the printed rounding explains; check the "
            "numbers, their order and the CI level"
        ),
        "p-unreadable": warning(
            "{value} is not a p value evreg can read (expected e.g. 0.043 or < 0.001)"
        ),
        "p-not-probability": "{value} is not a probability (0 to 1)",
        "p-contradicts-ci": warning(
            "{value} does not match hr {hr} [{lower}, {upper}]: the CI implies p = {p} (between "
            "{p_low} and {p_high} given the printed rounding)"
        ),
    }
)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value


def _positive(value: Decimal) -> bool:
    """Finite and above 0, also once converted to a float."""
    return value.is_finite() and 0 < float(value) < math.inf


def _box(value: Decimal) -> tuple[float, float]:
    """The interval a printed number stands for: 1.62 -> (1.615, 1.625)."""
    half = Decimal(5).scaleb(value.as_tuple().exponent - 1)
    return float(value - half), float(value + half)


def check_numbers(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """hr, ci_lower, ci_upper finite and > 0, ci_lower < hr < ci_upper; CI symmetric on the
    log scale and p consistent with the CI, both within the printed rounding (warnings)."""
    file, rows = file_rows
    for line, row in rows:
        values = {}
        for name in NUMBERS:
            text = row.get(name, "").strip()
            value = _decimal(text) if text else None
            if text and value is not None and not _positive(value):
                yield Finding.coded(
                    "ratio-not-positive", file, line, name, value=clip(text, quoted=False)
                )
            elif value is not None:
                values[name] = value
        yield from _check_order(file, line, values, row)
        if len(values) == 3 and values["ci_lower"] < values["hr"] < values["ci_upper"]:
            yield from _check_symmetry(file, line, values)
            yield from _check_p(file, line, values, row)


def _check_order(file: str, line: int, v: dict[str, Decimal], row: dict) -> Iterator[Finding]:
    hr, lo, up = (v.get(n) for n in NUMBERS)
    if (row.get("ci_lower", "").strip() == "") != (row.get("ci_upper", "").strip() == ""):
        given, empty = (
            ("ci_lower", "ci_upper")
            if row.get("ci_lower", "").strip()
            else ("ci_upper", "ci_lower")
        )
        yield Finding.coded("ci-limit-missing", file, line, empty, given=given)
    for name, side, limit in (("ci_lower", "below", lo), ("ci_upper", "above", up)):
        if hr is None or limit is None or (limit < hr if side == "below" else limit > hr):
            continue
        values = {"value": row[name], "side": side, "hr": row["hr"]}
        yield Finding.coded("ci-excludes-estimate", file, line, name, **values)
    if hr is None and lo is not None and up is not None and not lo < up:
        yield Finding.coded(
            "ci-limits-reversed",
            file,
            line,
            "ci_upper",
            value=row["ci_upper"],
            lower=row["ci_lower"],
        )


def _check_symmetry(file: str, line: int, v: dict[str, Decimal]) -> Iterator[Finding]:
    """Wald CIs are symmetric on the log scale: ln(U) + ln(L) - 2 ln(HR) = 0 (Cochrane
    Handbook 6.3.2); flag when no values within the printed rounding achieve it."""
    (h0, h1), (l0, l1), (u0, u1) = (_box(v[n]) for n in NUMBERS)
    if min(h0, l0, u0) <= 0 or max(h1, l1, u1) == math.inf:
        return
    low = math.log(u0) + math.log(l0) - 2 * math.log(h1)
    high = math.log(u1) + math.log(l1) - 2 * math.log(h0)
    if low > 0 or high < 0:
        hr, lo, up = (float(v[n]) for n in NUMBERS)
        below, above = math.log(hr / lo), math.log(up / hr)
        yield Finding.coded(
            "ci-not-symmetric",
            file,
            line,
            "ci_upper",
            lower=v["ci_lower"],
            upper=v["ci_upper"],
            hr=v["hr"],
            below=below,
            above=above,
        )


P_PRINTED = re.compile(
    r"^\s*(?:p\s*)?(<=|>=|≤|≥|<|>|=)?\s*([0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)\s*$", re.I
)


def parse_p(text: str) -> tuple[float, float] | None:
    """The interval a printed p value stands for: '0.043' -> (0.0425, 0.0435), '< 0.01' ->
    (0, 0.01), '> 0.05' -> (0.05, 1); None if it is not a p value."""
    match = P_PRINTED.match(text)
    if not match:
        return None
    op, number = match.groups()
    value = Decimal(number)
    if op in ("<", "<=", "≤"):
        return 0.0, float(value)
    if op in (">", ">=", "≥"):
        return float(value), 1.0
    low, high = _box(value)
    return max(low, 0.0), min(high, 1.0)


def _check_p(file: str, line: int, v: dict[str, Decimal], row: dict) -> Iterator[Finding]:
    """Two-sided Wald p from the CI: SE = (ln U - ln L) / (2 z), p = 2 (1 - Phi(|ln HR| / SE))
    (Altman & Bland, BMJ 2011;343:d2304), over the printed rounding of HR and limits."""
    text = row.get("p_as_printed", "").strip()
    if not text:
        return
    printed = parse_p(text)
    if printed is None:
        yield Finding.coded("p-unreadable", file, line, "p_as_printed", value=quote(text))
        return
    if printed[0] > 1:
        yield Finding.coded("p-not-probability", file, line, "p_as_printed", value=text)
        return
    implied = _implied_p(v, _level(row))
    if implied is None:
        return
    p_mid, p_low, p_high = implied
    if p_high < printed[0] or p_low > printed[1]:
        yield Finding.coded(
            "p-contradicts-ci",
            file,
            line,
            "p_as_printed",
            value=text,
            hr=v["hr"],
            lower=v["ci_lower"],
            upper=v["ci_upper"],
            p=_fmt_p(p_mid),
            p_low=_fmt_p(p_low),
            p_high=_fmt_p(p_high),
        )


def _fmt_p(p: float) -> str:
    return "< 0.0001" if p < 0.0001 else f"{p:.2g}"


def _level(row: dict) -> float:
    value = _decimal(row.get("ci_level", "") or "0.95")
    return float(value) if value is not None and value.is_finite() and 0 < value < 1 else 0.95


def _implied_p(v: dict[str, Decimal], level: float) -> tuple[float, float, float] | None:
    z_crit = NormalDist().inv_cdf(1 - (1 - level) / 2)
    (h0, h1), (l0, l1), (u0, u1) = (_box(v[n]) for n in NUMBERS)
    if min(h0, l0) <= 0 or u0 <= l1 or max(h1, u1) == math.inf:
        return None
    hr, lo, up = (float(v[n]) for n in NUMBERS)
    se_mid = math.log(up / lo) / (2 * z_crit)
    se_min, se_max = math.log(u0 / l1) / (2 * z_crit), math.log(u1 / l0) / (2 * z_crit)
    log_h = sorted(abs(math.log(h)) for h in (h0, h1))
    z_min = 0.0 if h0 <= 1 <= h1 else log_h[0] / se_max
    z_max = log_h[1] / se_min

    def p(z: float) -> float:
        return 2 * (1 - NormalDist().cdf(z))

    return p(abs(math.log(hr)) / se_mid), p(z_max), p(z_min)
