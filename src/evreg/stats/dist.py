"""Distribution functions from scipy.special (cheap to import, unlike scipy.stats).

Keeping scipy.stats and scipy.optimize out of evreg.stats lets ``evreg pool`` start quickly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

Array = Any  # float or numpy array


def norm_ppf(p: Array) -> Array:
    """Standard normal quantile."""
    return special.ndtri(p)


def norm_sf(x: Array) -> Array:
    """Standard normal upper tail P(Z > x)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def t_ppf(p: Array, df: Array) -> Array:
    """Student t quantile with df degrees of freedom."""
    return special.stdtrit(df, p)


def t_sf(x: Array, df: Array) -> Array:
    """Student t upper tail P(T > x)."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def chi2_sf(x: Array, df: Array) -> Array:
    """Chi-squared upper tail P(X > x)."""
    return special.chdtrc(df, x)


def chi2_isf(q: Array, df: Array) -> Array:
    """x with P(X > x) = q."""
    return special.chdtri(df, q)


def chi2_ppf(p: Array, df: Array) -> Array:
    """x with P(X <= x) = p."""
    return special.chdtri(df, 1.0 - np.asarray(p, dtype=float))
