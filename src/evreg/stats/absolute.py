"""Absolute effects of a hazard ratio on survival at a time point: plain functions, no I/O.

Under proportional hazards the survival of the high-marker group at time t is the low-marker
group's survival raised to the hazard ratio, S_high(t) = S_low(t) ** HR (Skoetz et al., GRADE
guidelines 27, J Clin Epidemiol 2020;118:124-31); a median survival m becomes the survival at t
under an exponential model, S(t) = 2 ** (-t / m) (constant hazard ln 2 / m; Collett, Modelling
Survival Data in Medical Research, 3rd ed. 2015, section 5.1). The baseline is taken as known:
the interval of the difference is the hazard ratio's, as GRADE's summary-of-findings tables give
it (GRADE guidelines 27; GRADEpro).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evreg.stats.core import Serialisable


@dataclass(frozen=True)
class AbsoluteEffect(Serialisable):
    """Survival at one time point in the low and high groups (fractions), the high group's
    interval from the hazard ratio's CI, and the difference per 100 patients (high minus low:
    negative means fewer alive or event-free) with its interval."""

    survival_low: float
    survival_high: float
    survival_high_ci: tuple[float, float]
    difference_per_100: float
    difference_per_100_ci: tuple[float, float]


def survival_from_median(median: float, t: float) -> float:
    """Survival at ``t`` from a median survival ``median`` (same unit) under an exponential
    model: 2 ** (-t / median) (Collett 2015, section 5.1)."""
    if not (median > 0 and t >= 0 and math.isfinite(median) and math.isfinite(t)):
        raise ValueError("median must be positive and t non-negative")
    return 2.0 ** (-t / median)


def survival_high(survival_low: float, hr: float) -> float:
    """S_high = S_low ** HR under proportional hazards (Skoetz et al., GRADE 27, 2020)."""
    if not (0.0 <= survival_low <= 1.0) or not (hr > 0 and math.isfinite(hr)):
        raise ValueError("survival must lie in [0, 1] and the hazard ratio be positive")
    return survival_low**hr


def absolute_effect(
    survival_low: float, hr: float, ci_lower: float, ci_upper: float
) -> AbsoluteEffect:
    """The absolute effect of ``hr`` (CI ``ci_lower``-``ci_upper``) at a baseline survival
    ``survival_low``: S_low ** HR and 100 x (S_high - S_low), each with the interval from the
    hazard ratio's limits (GRADE guidelines 27, Skoetz et al. 2020)."""
    high = survival_high(survival_low, hr)
    bounds = sorted((survival_high(survival_low, ci_upper), survival_high(survival_low, ci_lower)))
    lo, up = bounds
    return AbsoluteEffect(
        survival_low=survival_low,
        survival_high=high,
        survival_high_ci=(lo, up),
        difference_per_100=100.0 * (high - survival_low),
        difference_per_100_ci=(100.0 * (lo - survival_low), 100.0 * (up - survival_low)),
    )
