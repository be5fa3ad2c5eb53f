"""Normal, chi-squared and Student t distribution functions in numpy and the standard library.

scipy.special costs ~140 ms to import (more than all of ``evreg pool``'s work on 100,000
studies), so the few functions the engine needs are computed here: the normal from
``math.erfc`` and ``statistics.NormalDist`` (Wichura 1988, AS 241), chi-squared from the
regularised incomplete gamma function and t from the regularised incomplete beta function
(series and continued fractions as in Press et al., Numerical Recipes 3rd ed., 6.2 and 6.4,
with the prefactors in Temme's form so that large degrees of freedom lose no digits), and
the quantiles by safeguarded Newton steps on the log tail. Agreement with scipy.special is
tested to 1e-12 relative (tests/stats/test_dist.py). Inputs broadcast like numpy ufuncs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Any

import numpy as np

Array = Any  # float or numpy array
EPS = 1e-16
TINY = 1e-300
MAX_TERMS = 1_000_000  # bound on series terms / fraction steps (about 100 sqrt(a) are used)
LOG_2PI = math.log(2.0 * math.pi)
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
_erfc = np.frompyfunc(math.erfc, 1, 1)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)
_inv_cdf = np.frompyfunc(NormalDist().inv_cdf, 1, 1)


def _out(x: np.ndarray) -> Array:
    """numpy float64 scalar for 0-d results (as scipy's ufuncs), else the array."""
    return x[()] if x.ndim == 0 else x


def _floats(*args: Array) -> list[np.ndarray]:
    return [np.array(a, dtype=float) for a in np.broadcast_arrays(*args)]


def norm_sf(x: Array) -> Array:
    """Standard normal upper tail P(Z > x) = erfc(x / sqrt 2) / 2."""
    (z,) = _floats(x)
    return _out(0.5 * np.asarray(_erfc(z / math.sqrt(2.0)), dtype=float))


def norm_ppf(p: Array) -> Array:
    """Standard normal quantile (-inf at 0, inf at 1, NaN outside [0, 1])."""
    (q,) = _floats(p)
    out = np.full(q.shape, np.nan)
    inside = (q > 0) & (q < 1)
    out[inside] = np.asarray(_inv_cdf(q[inside]), dtype=float)
    out[q == 0], out[q == 1] = -np.inf, np.inf
    return _out(out)


def _stirlerr(a: np.ndarray) -> np.ndarray:
    """lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2), by its series for a >= 10."""
    large = a >= 10
    inv = 1.0 / np.where(large, a, 10.0)
    series = sum(c * inv ** (2 * i + 1) for i, c in enumerate(_STIRLING))
    safe = np.where(large, 10.0, a)
    lgamma = np.asarray(_lgamma(safe), dtype=float)
    direct = lgamma - ((safe - 0.5) * np.log(safe) - safe + 0.5 * LOG_2PI)
    return np.where(large, series, direct)


def _log_gamma_ratio(a: np.ndarray, b: float) -> np.ndarray:
    """lgamma(a + b) - lgamma(a) without cancellation for large a."""
    return (a - 0.5) * np.log1p(b / a) + b * np.log(a + b) - b + _stirlerr(a + b) - _stirlerr(a)


def _log_gamma_front(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log(x^a e^-x / Gamma(a)) in Temme's form a (log1p(t) - t) + log(a / 2 pi) / 2 -
    stirlerr(a), t = (x - a) / a, so that large a loses no digits."""
    t = (x - a) / a
    with np.errstate(divide="ignore"):  # x = 0: log 0 = -inf, the factor is 0
        log_ratio = np.where(t < -0.5, np.log(x / a), np.log1p(t))  # log(x / a)
    return a * (log_ratio - t) + 0.5 * np.log(a) - 0.5 * LOG_2PI - _stirlerr(a)


def _gamma_series(a: np.ndarray, x: np.ndarray, block: int = 64) -> np.ndarray:
    """P(a, x) by its power series x^a e^-x / Gamma(a) sum_n x^n / (a (a+1) ... (a+n)),
    summed ``block`` terms at a time (cumulative products) until a block adds nothing."""
    steps = np.arange(1.0, block + 1.0)
    term = 1.0 / a
    total = term.copy()
    offset = 0.0
    active = np.flatnonzero(np.ones(a.shape, dtype=bool))
    while active.size and offset < MAX_TERMS:
        ratios = x[active, None] / (a[active, None] + offset + steps)
        terms = term[active, None] * np.cumprod(ratios, axis=1)
        total[active] += terms.sum(axis=1)
        term[active] = terms[:, -1]
        offset += block
        active = active[terms[:, -1] > total[active] * EPS]
    total[active] = np.nan
    return total * np.exp(_log_gamma_front(a, x))


def _gamma_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by its continued fraction, modified Lentz (x >= a + 1)."""
    b = x + 1.0 - a
    c = np.full(a.shape, 1.0 / TINY)
    d = 1.0 / b
    h = d.copy()
    active = np.ones(a.shape, dtype=bool)
    for i in range(1, MAX_TERMS):
        if not active.any():
            break
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < TINY, TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < TINY, TINY, c)
        d = 1.0 / d
        delta = np.where(active, d * c, 1.0)
        h *= delta
        active &= np.abs(delta - 1.0) > EPS
    return np.where(active, np.nan, np.exp(_log_gamma_front(a, x)) * h)


def gamma_q(a: Array, x: Array) -> np.ndarray:
    """Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a)."""
    a, x = _floats(a, x)
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (x >= 0) & np.isfinite(a)
    out[ok & (x == 0)] = 1.0
    out[ok & np.isposinf(x)] = 0.0
    ok &= (x > 0) & np.isfinite(x)
    low = ok & (x < a + 1.0)
    high = ok & ~low
    with np.errstate(over="ignore", invalid="ignore"):  # e.g. x = 1e308: the front is 0
        negligible = high & (
            _log_gamma_front(np.where(high, a, 1.0), np.where(high, x, 1.0)) < -800
        )
    high &= ~negligible
    out[negligible] = 0.0
    out[low] = 1.0 - _gamma_series(a[low], x[low])
    out[high] = _gamma_fraction(a[high], x[high])
    return out


def gamma_p(a: Array, x: Array) -> np.ndarray:
    """Regularised lower incomplete gamma P(a, x) = 1 - Q(a, x), accurate when small."""
    a, x = _floats(a, x)
    out = 1.0 - gamma_q(a, x)
    low = (a > 0) & (x > 0) & np.isfinite(x) & (x < a + 1.0)
    out[low] = _gamma_series(a[low], x[low])
    return out


def chi2_sf(x: Array, df: Array) -> Array:
    """Chi-squared upper tail P(X > x) = Q(df / 2, x / 2)."""
    x, df = _floats(x, df)
    return _out(gamma_q(df / 2.0, np.maximum(x, 0.0) / 2.0))


def _distinct(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], p: Array, df: Array) -> Array:
    """fn(p, df) computed once per distinct (p, df) pair: row-batched callers repeat them."""
    p, df = _floats(p, df)
    pairs, inverse = np.unique(
        np.stack([p.ravel(), df.ravel()], axis=1), axis=0, return_inverse=True
    )
    return _out(fn(pairs[:, 0], pairs[:, 1])[inverse.ravel()].reshape(p.shape))


def chi2_isf(q: Array, df: Array) -> Array:
    """x with P(X > x) = q (solved on whichever tail is below 1/2, so no digits are lost)."""
    return _distinct(lambda q, df: _chi2_quantile(np.minimum(q, 1 - q), df, q <= 0.5, q), q, df)


def chi2_ppf(p: Array, df: Array) -> Array:
    """x with P(X <= x) = p."""
    return _distinct(lambda p, df: _chi2_quantile(np.minimum(p, 1 - p), df, p > 0.5, 1 - p), p, df)


def _chi2_quantile(
    tail: np.ndarray, df: np.ndarray, upper: np.ndarray, edge: np.ndarray
) -> np.ndarray:
    """x whose upper (or lower) tail probability is ``tail`` <= 1/2; ``edge`` is the upper
    tail probability asked for, for the limits 0 (x = inf) and 1 (x = 0)."""
    out = np.where(df > 0, np.where(edge == 0, np.inf, np.where(edge == 1, 0.0, np.nan)), np.nan)
    for side in (True, False):
        ok = (tail > 0) & (df > 0) & np.isfinite(df) & (upper == side)
        function = _chi2_upper if side else _chi2_lower
        out[ok] = _invert(function, _chi2_pdf, tail[ok], _start(tail[ok], df[ok], side), df[ok])
    return out


def _chi2_upper(x: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, float]:
    return gamma_q(df / 2.0, x / 2.0), -1.0


def _chi2_lower(x: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, float]:
    return gamma_p(df / 2.0, x / 2.0), 1.0


def _chi2_pdf(x: np.ndarray, df: np.ndarray) -> np.ndarray:
    a, half = df / 2.0, np.maximum(x, TINY) / 2.0
    return 0.5 * np.exp(_log_gamma_front(a, half)) / half


def _beta_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Continued fraction of I_x(a, b), modified Lentz (Numerical Recipes betacf)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones(a.shape)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < TINY, TINY, d)
    h = d.copy()
    active = np.ones(a.shape, dtype=bool)
    for m in range(1, MAX_TERMS):
        if not active.any():
            break
        for aa in (
            m * (b - m) * x / ((qam + 2 * m) * (a + 2 * m)),
            -(a + m) * (qab + m) * x / ((a + 2 * m) * (qap + 2 * m)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / np.where(np.abs(d) < TINY, TINY, d)
            c = 1.0 + aa / c
            c = np.where(np.abs(c) < TINY, TINY, c)
            delta = np.where(active, d * c, 1.0)
            h *= delta
        active &= np.abs(delta - 1.0) > EPS
    return np.where(active, np.nan, h)


def t_sf(x: Array, df: Array) -> Array:
    """Student t upper tail P(T > x) = I_{df / (df + x^2)}(df / 2, 1/2) / 2 for x >= 0."""
    x, df = _floats(x, df)
    out = np.full(x.shape, np.nan)
    ok = (df > 0) & ~np.isnan(x)
    out[ok & np.isinf(x)] = np.where(x[ok & np.isinf(x)] > 0, 0.0, 1.0)
    ok &= np.isfinite(x)
    t, nu = np.abs(x[ok]), df[ok]
    a = nu / 2.0
    with np.errstate(divide="ignore"):  # t = 0: log u = -inf, the front factor is 0
        log_u = 2.0 * np.log(t) - np.log(nu)  # u = t^2 / df, kept in logs (no overflow)
    log_1u = np.logaddexp(0.0, log_u)  # log(1 + u)
    front = np.exp(
        -a * log_1u + 0.5 * (log_u - log_1u) - math.lgamma(0.5) + _log_gamma_ratio(a, 0.5)
    )
    xs, ys = np.exp(-log_1u), np.exp(log_u - log_1u)  # x = 1 / (1 + u) and 1 - x
    direct = xs < (a + 1.0) / (a + 2.5)
    half = np.empty(t.shape)
    half[direct] = 0.5 * front[direct] * _beta_fraction(a[direct], 0.5, xs[direct]) / a[direct]
    rev = ~direct
    half[rev] = 0.5 - front[rev] * _beta_fraction(np.full(rev.sum(), 0.5), a[rev], ys[rev])
    out[ok] = np.where(x[ok] >= 0, half, 1.0 - half)
    return _out(out)


def _t_pdf(x: np.ndarray, df: np.ndarray) -> np.ndarray:
    a = df / 2.0
    log_c = _log_gamma_ratio(a, 0.5) - 0.5 * np.log(df * math.pi)
    with np.errstate(divide="ignore"):
        log_1u = np.logaddexp(0.0, 2.0 * np.log(np.abs(x)) - np.log(df))
    return np.exp(log_c - (a + 0.5) * log_1u)


def t_ppf(p: Array, df: Array) -> Array:
    """Student t quantile with df degrees of freedom."""
    return _distinct(_t_quantile, p, df)


def _t_quantile(p: np.ndarray, df: np.ndarray) -> np.ndarray:
    q = np.minimum(p, 1.0 - p)  # the tail beyond |t|
    ok = (q > 0) & (df > 0) & np.isfinite(df)
    size = np.where((q == 0) & (df > 0), np.inf, np.nan)
    size[ok] = _invert(_t_upper, _t_pdf, q[ok], _start(q[ok], df[ok], True, t=True), df[ok])
    size = np.where((q == 0.5) & (df > 0), 0.0, size)
    return np.where(p < 0.5, -size, size)


def _t_upper(x: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, float]:
    return np.asarray(t_sf(x, df)), -1.0


def _start(target: np.ndarray, df: np.ndarray, upper: bool, t: bool = False) -> np.ndarray:
    """Starting values: Cornish-Fisher for t (Abramowitz & Stegun 26.7.5), Wilson-Hilferty
    for chi-squared (A&S 26.4.17)."""
    z = np.asarray(norm_ppf(np.clip(1.0 - target if upper else target, 1e-300, 1 - 1e-16)))
    if t:
        g1 = (z**3 + z) / 4.0
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
        return np.maximum(z + g1 / df + g2 / df**2, 1e-8)
    c = 2.0 / (9.0 * df)
    return np.maximum(df * (1.0 - c + z * np.sqrt(c)) ** 3, 1e-8 * df)


Tail = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float]]


def _invert(
    tail: Tail,
    density: Callable[[np.ndarray, np.ndarray], np.ndarray],
    goal: np.ndarray,
    x: np.ndarray,
    df: np.ndarray,
) -> np.ndarray:
    """Solve tail(x, df) = goal for x > 0, where tail returns (value, sign of its slope) and
    the slope is sign * density(x, df): Newton steps in log x on log tail (fast in power-law
    and exponential tails alike), kept inside a bracket that bisection in log x shrinks
    whenever a step leaves it. An element stops when its step is a few ulp or its bracket is
    within 1e-13 (the tails' own accuracy), or 1e-9 after 30 steps (huge df)."""
    x = x.copy()
    lo, hi = np.zeros(goal.shape), np.full(goal.shape, np.inf)
    active = np.arange(goal.size)
    for iteration in range(200):
        if active.size == 0:
            break
        xa, nu, g = x[active], df[active], goal[active]
        value, sign = tail(xa, nu)
        left = sign * (value - g) < 0  # x is below the solution
        la, ha = np.where(left, xa, lo[active]), np.where(left, hi[active], xa)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = (np.log(g) - np.log(value)) * value / (sign * xa * density(xa, nu))
            new = xa * np.exp(np.clip(step, -50.0, 50.0))
            mid = np.where(
                np.isinf(ha), 16.0 * xa, np.where(la > 0, np.sqrt(la) * np.sqrt(ha), ha / 16)
            )
        new = np.where(~np.isfinite(new) | (new < la) | (new > ha), mid, new)
        lo[active], hi[active], x[active] = la, ha, new
        with np.errstate(invalid="ignore", divide="ignore"):
            width = np.where(np.isfinite(ha) & (ha > 0), (ha - la) / ha, np.inf)
        tight = width <= (1e-13 if iteration < 30 else 1e-9)
        done = (np.abs(new - xa) <= 16 * EPS * new) | tight | (value == g)
        active = active[~done]
    return x
