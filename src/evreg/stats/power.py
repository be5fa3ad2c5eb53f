"""Information size for a hazard ratio: the number of events a two-group comparison needs to
detect a given hazard ratio (Schoenfeld, Biometrika 1981;68:316-9; Biometrics 1983;39:499-503),
the optimal information size GRADE checks against (GRADE guidance 34, Zeng et al., J Clin
Epidemiol 2022;150:216-24)."""

from __future__ import annotations

import math

from evreg.stats.dist import norm_ppf

ALPHA = 0.05  # two-sided
POWER = 0.80
EQUAL_SHARE = 0.5  # 1:1 allocation


def schoenfeld_events(
    hr: float, alpha: float = ALPHA, power: float = POWER, share: float = EQUAL_SHARE
) -> int:
    """Events D = (z[1-alpha/2] + z[power])^2 / (p (1 - p) (ln HR)^2), rounded up; ``share``
    (p) is the proportion of patients in one group (Schoenfeld 1983, eq. 2)."""
    if not (hr > 0 and hr != 1):
        raise ValueError(f"hazard ratio must be positive and not 1, got {hr!r}")
    if not 0 < share < 1:
        raise ValueError(f"share must lie between 0 and 1, got {share!r}")
    z = float(norm_ppf(1 - alpha / 2)) + float(norm_ppf(power))
    return math.ceil(z**2 / (share * (1 - share) * math.log(hr) ** 2))
