"""Hazard ratios from printed statistics: Tierney et al. 2007 (Trials 8:16), after Parmar 1998.

Plain functions over numbers as printed; each returns a :class:`DerivedEstimate` whose
``inputs`` are what was given and whose ``notes`` say every assumption made.
"""

from __future__ import annotations

import math
from typing import Any

from evreg.stats.derive.result import LEVEL, DerivationError, DerivedEstimate
from evreg.stats.dist import norm_ppf

WORSE = ("high", "low")


def parse_p(p: Any, name: str = "p") -> tuple[float, tuple[str, ...]]:
    """A two-sided p as printed ("0.004", "<0.001", 0.03) -> (value, notes). Tierney 2007:
    a p printed as a bound ("< 0.001") is used at the bound, which understates the effect."""
    text = str(p).strip().replace(" ", "").lower().removeprefix("p")
    text = text.removeprefix("=")
    notes: tuple[str, ...] = ()
    if text.startswith(("<", "\u2264")):
        text = text[1:].removeprefix("=")
        notes = (
            f"{name} printed as a bound ({str(p).strip()}): the bound is used, which "
            "understates the effect (conservative, Tierney 2007)",
        )
    elif text.startswith((">", "\u2265")):
        raise DerivationError(f"{name} {str(p).strip()!r}: a lower bound on p gives no estimate")
    try:
        value = float(text)
    except ValueError:
        raise DerivationError(
            f"{name} {str(p).strip()!r} is not a number (e.g. 0.004 or <0.001)"
        ) from None
    if not 0.0 < value < 1.0:
        raise DerivationError(f"{name} {str(p).strip()}: a p-value must be between 0 and 1")
    return value, notes


def z_from_p(p: float) -> float:
    """|z| of a two-sided p-value: Phi^-1(1 - p/2)."""
    return float(norm_ppf(1.0 - p / 2.0))


def positive(value: Any, name: str, integer: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DerivationError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise DerivationError(f"{name} {value}: must be greater than 0")
    if integer and x != int(x):
        raise DerivationError(f"{name} {value}: must be a whole number")
    return x


def allocation_ratio(ratio: Any) -> float:
    """n_high / n_low: a number, or the two group sizes as printed ("45/75")."""
    text = str(ratio).strip()
    if "/" in text:
        high, _, low = text.partition("/")
        return positive(high, "ratio (high group)") / positive(low, "ratio (low group)")
    return positive(text, "ratio")


def _sign(worse: str) -> float:
    if worse not in WORSE:
        raise DerivationError(
            f"worse {worse!r}: must be 'high' or 'low' (the group that fares worse)"
        )
    return 1.0 if worse == "high" else -1.0


def from_logrank(
    *,
    events: Any,
    worse: str,
    p: Any = None,
    chisq: Any = None,
    ratio: Any = 1,
    level: float = LEVEL,
) -> DerivedEstimate:
    """Tierney 2007: V = E R / (1 + R)^2, z from the two-sided p or sqrt(chi2),
    ln HR = +-z / sqrt V, SE = 1 / sqrt V; positive when the high group fares worse.
    R = n_high / n_low (the allocation ratio), E the total number of events."""
    if (p is None) == (chisq is None):
        raise DerivationError("give the log-rank p or its chi-squared, not both and not neither")
    e = positive(events, "events", integer=True)
    r = allocation_ratio(ratio)
    sign = _sign(worse)
    inputs: dict[str, Any] = {}
    notes: list[str] = []
    if p is not None:
        pv, pnotes = parse_p(p)
        z = z_from_p(pv)
        inputs["p"] = str(p).strip()
        notes += pnotes
    else:
        try:
            x2 = float(chisq)
        except (TypeError, ValueError):
            raise DerivationError(f"chisq {chisq!r} is not a number") from None
        if not math.isfinite(x2) or x2 < 0:
            raise DerivationError(f"chisq {chisq}: a chi-squared statistic is 0 or more")
        z = math.sqrt(x2)
        inputs["chisq"] = x2
    inputs.update(events=int(e), ratio=str(ratio).strip() if "/" in str(ratio) else r, worse=worse)
    v = e * r / (1.0 + r) ** 2
    if r == 1:
        notes.append("equal allocation assumed (ratio 1): V = events / 4")
    notes.append(f"V = {v:.6g}; direction from 'worse: {worse}'")
    return DerivedEstimate(
        "logrank", sign * z / math.sqrt(v), 1.0 / math.sqrt(v), inputs, tuple(notes), level
    )


def from_o_minus_e(
    *, o_minus_e: Any, variance: Any, worse: str | None = None, level: float = LEVEL
) -> DerivedEstimate:
    """Tierney 2007: ln HR = (O - E) / V, SE = 1 / sqrt V, O - E for the high group. With
    ``worse``, |O - E| takes that direction (a contradicting sign is an error)."""
    try:
        oe = float(o_minus_e)
    except (TypeError, ValueError):
        raise DerivationError(f"o_minus_e {o_minus_e!r} is not a number") from None
    v = positive(variance, "variance")
    inputs: dict[str, Any] = {"o_minus_e": oe, "variance": v}
    notes = ["O\u2212E is the high group's (observed minus expected events)"]
    if worse is not None:
        sign = _sign(worse)
        if oe * sign < 0:
            raise DerivationError(
                f"o_minus_e {oe:g} says the high group fares {'better' if oe < 0 else 'worse'}, "
                f"but worse is {worse!r}"
            )
        oe = sign * abs(oe)
        inputs["worse"] = worse
        notes = [f"direction from 'worse: {worse}'"]
    return DerivedEstimate("oe", oe / v, 1.0 / math.sqrt(v), inputs, tuple(notes), level)


def from_hr_ci(*, hr: Any, ci_lower: Any, ci_upper: Any, level: float = LEVEL) -> DerivedEstimate:
    """Tierney 2007: SE = (ln U - ln L) / (2 z), the whole width, so that a CI printed
    asymmetric (rounded) about the HR on the log scale still gives one SE; the HR is kept."""
    h, lo, up = (
        positive(v, n) for v, n in ((hr, "hr"), (ci_lower, "ci_lower"), (ci_upper, "ci_upper"))
    )
    if not lo <= h <= up or lo >= up:
        raise DerivationError(f"ci_lower {lo:g} to ci_upper {up:g} must enclose hr {h:g}")
    z = float(norm_ppf(1.0 - (1.0 - level) / 2.0))
    se = (math.log(up) - math.log(lo)) / (2.0 * z)
    upper_half, lower_half = math.log(up) - math.log(h), math.log(h) - math.log(lo)
    notes = ["SE from the whole CI width on the log scale (Tierney 2007)"]
    if abs(upper_half - lower_half) > 0.1 * (upper_half + lower_half) / 2:
        notes.append(
            f"the CI is asymmetric about the HR on the log scale (upper half {upper_half:.3f}, "
            f"lower half {lower_half:.3f}): check the printed numbers"
        )
    inputs = {"hr": h, "ci_lower": lo, "ci_upper": up, "level": level}
    return DerivedEstimate("ci", math.log(h), se, inputs, tuple(notes), level)


def from_hr_p(*, hr: Any, p: Any, level: float = LEVEL) -> DerivedEstimate:
    """Tierney 2007: SE = |ln HR| / z with z from the two-sided p of the HR's (Wald) test."""
    h = positive(hr, "hr")
    pv, notes = parse_p(p)
    if h == 1:
        raise DerivationError("hr 1: a p-value gives no SE when ln HR is 0")
    se = abs(math.log(h)) / z_from_p(pv)
    inputs = {"hr": h, "p": str(p).strip()}
    notes = (*notes, "SE from the HR and its two-sided p (Tierney 2007)")
    return DerivedEstimate("p", math.log(h), se, inputs, notes, level)
