"""Hazard ratios derived from what papers print, as review authors derive them by hand.

Tierney et al. 2007 (Trials 8:16) for printed statistics: the log-rank p or chi-squared with
the number of events (:func:`from_logrank`), O-E and its variance (:func:`from_o_minus_e`),
the SE from a printed HR with its CI or p (:func:`from_hr_ci`, :func:`from_hr_p`); Guyot et al.
2012 (BMC Med Res Methodol 12:9) for Kaplan-Meier curves with numbers at risk
(:func:`derive_km`). Each returns a :class:`DerivedEstimate`: HR, CI, SE, method, the inputs as
given and notes. Pure numbers in, no I/O; reading files is :mod:`evreg.data.derivations`.
"""

from evreg.stats.derive.curves import Curve, check_at_risk, clean_curve
from evreg.stats.derive.guyot import GroupIPD, reconstruct
from evreg.stats.derive.km import CoxFit, CurveInput, cox_two_groups, derive_km
from evreg.stats.derive.result import (
    METHOD_LABELS,
    METHODS,
    DerivationError,
    DerivedEstimate,
)
from evreg.stats.derive.tierney import (
    from_hr_ci,
    from_hr_p,
    from_logrank,
    from_o_minus_e,
    parse_p,
    positive,
    z_from_p,
)

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "CoxFit",
    "Curve",
    "CurveInput",
    "DerivationError",
    "DerivedEstimate",
    "GroupIPD",
    "check_at_risk",
    "clean_curve",
    "cox_two_groups",
    "derive_km",
    "from_hr_ci",
    "from_hr_p",
    "from_logrank",
    "from_o_minus_e",
    "parse_p",
    "positive",
    "reconstruct",
    "z_from_p",
]
