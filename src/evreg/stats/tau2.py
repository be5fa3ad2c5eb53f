"""Between-study variance (tau-squared) estimators, vectorised over rows of a masked array.

Intercept-only versions of metafor's ``rma.uni`` estimators (Viechtbauer 2005, J Educ Behav
Stat 30:261; Veroniki et al. 2016, Res Synth Methods 7:55), plus the Q-profile confidence
interval (Viechtbauer 2007, Stat Med 26:37). All functions take y, v of shape (n,) and a
boolean mask (m, n) selecting each row's studies; they return one tau2 per row, truncated at
zero as metafor does. The numerical drivers are in :mod:`evreg.stats.solvers`.
"""

from __future__ import annotations

import numpy as np

from evreg.stats.dist import chi2_isf, chi2_ppf
from evreg.stats.solvers import (
    CLOSED,
    NONE,
    ROOT,
    fisher_scoring,
    maximise,
    newton_root,
    tau2_grid,
)

METHODS = ("FE", "DL", "REML", "PM", "ML", "SJ", "HE", "EB")

Array = np.ndarray


def _sums(y: Array, v: Array, mask: Array, tau2: Array) -> tuple[Array, Array, Array]:
    """Weights 1/(v+tau2) (0 where masked), weighted mean, residuals."""
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    total = w.sum(axis=1)
    mu = (w * y).sum(axis=1) / total
    return w, total, y - mu[:, None]


def generalised_q(y: Array, v: Array, mask: Array, tau2: Array) -> Array:
    """Generalised Q: sum w_i(tau2) (y_i - mu(tau2))^2 (DerSimonian & Kacker 2007)."""
    w, _, r = _sums(y, v, mask, tau2)
    return (w * r**2).sum(axis=1)


def _count(mask: Array) -> Array:
    return mask.sum(axis=1).astype(float)


def tau2_dl(y: Array, v: Array, mask: Array) -> Array:
    """DerSimonian & Laird 1986: max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w))."""
    k = _count(mask)
    w, total, r = _sums(y, v, mask, np.zeros(mask.shape[0]))
    q = (w * r**2).sum(axis=1)
    c = total - (w**2).sum(axis=1) / total
    out = np.zeros_like(k)
    np.divide(q - (k - 1.0), c, out=out, where=(k > 1) & (c > 0))
    return np.maximum(out, 0.0)


def _unweighted(y: Array, mask: Array) -> tuple[Array, Array]:
    k = _count(mask)
    ybar = np.where(mask, y, 0.0).sum(axis=1) / k
    rss = np.where(mask, (y - ybar[:, None]) ** 2, 0.0).sum(axis=1)
    return k, rss


def _he_raw(y: Array, v: Array, mask: Array) -> Array:
    k, rss = _unweighted(y, mask)
    sum_v = np.where(mask, v, 0.0).sum(axis=1)
    out = np.zeros_like(k)
    np.divide(rss - (k - 1.0) / k * sum_v, k - 1.0, out=out, where=k > 1)
    return out


def tau2_he(y: Array, v: Array, mask: Array) -> Array:
    """Hedges 1983 (method of moments, unweighted): max(0, var(y) - mean(v))."""
    return np.maximum(_he_raw(y, v, mask), 0.0)


def tau2_sj(y: Array, v: Array, mask: Array) -> Array:
    """Sidik & Jonkman 2005: tau0 = sum (y-ybar)^2/k; tau2 = tau0 Q(tau0)/(k-1)."""
    k, rss = _unweighted(y, mask)
    tau0 = rss / k
    q = generalised_q(y, v, mask, tau0)
    out = np.zeros_like(k)
    np.divide(tau0 * q, k - 1.0, out=out, where=k > 1)
    return np.maximum(out, 0.0)


def _fisher_parts(y: Array, v: Array, mask: Array, tau2: Array, method: str) -> tuple[Array, Array]:
    """(Restricted) log-likelihood without the 2 pi constant and the Fisher-scoring step
    (Viechtbauer 2005): REML (Y'PPY - tr P) / tr(PP), ML (Y'PPY - sum w) / sum w^2."""
    w, total, r = _sums(y, v, mask, tau2)
    log_v = np.log(np.where(mask, v + tau2[:, None], 1.0)).sum(axis=1)
    w2 = (w**2).sum(axis=1)
    yppy = ((w * r) ** 2).sum(axis=1)
    ll = -0.5 * (log_v + (w * r**2).sum(axis=1))
    if method == "ML":
        return ll, (yppy - total) / w2
    tr_p = total - w2 / total
    tr_pp = w2 - 2.0 * (w**3).sum(axis=1) / total + (w2 / total) ** 2
    return ll - 0.5 * np.log(total), (yppy - tr_p) / tr_pp


GRID_CELLS = 2_000_000  # bound on the (n, columns) block of grid terms


def _grid_parts(y: Array, v: Array, mask: Array, grid: Array, method: str) -> tuple[Array, Array]:
    """_fisher_parts at every grid point for every row, as sums over masked studies: one
    matrix product per block of grid points instead of one pass per (row, point)."""
    yc = y - y.mean()  # the likelihood is shift-invariant; centring limits cancellation
    ones = mask.astype(float)
    block = max(1, GRID_CELLS // (8 * y.size))
    parts = []
    for start in range(0, grid.size, block):
        g = grid[start : start + block]
        w = 1.0 / (v[:, None] + g[None, :])
        w2 = w**2
        cols = (w, w * yc[:, None], w * yc[:, None] ** 2, w2, w2 * yc[:, None])
        cols += (w2 * yc[:, None] ** 2, w2 * w, np.log(v[:, None] + g[None, :]))
        parts.append((ones @ np.concatenate(cols, axis=1)).reshape(mask.shape[0], 8, g.size))
    s0, s1, s2, t0, t1, t2, u0, log_v = np.moveaxis(np.concatenate(parts, axis=2), 1, 0)
    mu = s1 / s0
    yppy = t2 - 2.0 * mu * t1 + mu**2 * t0
    ll = -0.5 * (log_v + s2 - s1 * mu)
    if method == "ML":
        return ll, (yppy - s0) / t0
    tr_p = s0 - t0 / s0
    tr_pp = t0 - 2.0 * u0 / s0 + (t0 / s0) ** 2
    return ll - 0.5 * np.log(s0), (yppy - tr_p) / tr_pp


def tau2_ml_reml(y: Array, v: Array, mask: Array, method: str) -> tuple[Array, Array]:
    """ML / REML tau2 per row and the algorithm that found it (see solvers.maximise):
    Fisher scoring from the Hedges start as metafor rma.uni, made safe by step-halving,
    the check at tau2 = 0 and a grid-guarded Brent fallback."""
    k = _count(mask)

    def evaluate(rows: Array, tau2: Array) -> tuple[Array, Array]:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _fisher_parts(y, v, mask[rows], tau2, method)

    def grid_evaluate(rows: Array, points: Array) -> tuple[Array, Array]:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _grid_parts(y, v, mask[rows], points, method)

    tau2, code = maximise(evaluate, grid_evaluate, tau2_grid(v, y), tau2_he(y, v, mask), k > 1)
    return np.where(k > 1, tau2, 0.0), code


def q_root(y: Array, v: Array, mask: Array, target: Array) -> Array:
    """Per row, the tau2 >= 0 at which generalised Q equals ``target`` (0 if Q(0) <= target).

    Q(tau2) decreases, so the root is bracketed by 0 and RSS / target - min v (Q(tau2) <=
    sum (y - ybar)^2 / (v + tau2)); Newton's method from 0 stays inside the bracket (used for
    Paule-Mandel, empirical Bayes and the Q-profile CI).
    """
    m = mask.shape[0]
    active = (_count(mask) > 1) & (generalised_q(y, v, mask, np.zeros(m)) > target)
    _, rss = _unweighted(y, mask)
    v_min = np.where(mask, v, np.inf).min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi = np.where(active, np.maximum(rss / target - v_min, 0.0) * (1 + 1e-6) + 1e-300, 0.0)

    def evaluate(rows: Array, tau2: Array) -> tuple[Array, Array]:
        w, _, r = _sums(y, v, mask[rows], tau2)
        return (w * r**2).sum(axis=1) - target[rows], ((w * r) ** 2).sum(axis=1)

    return newton_root(evaluate, np.zeros(m), hi, active)


def tau2_pm(y: Array, v: Array, mask: Array) -> Array:
    """Paule & Mandel 1982: the tau2 at which generalised Q equals k - 1 (0 if Q(0) < k-1)."""
    return q_root(y, v, mask, _count(mask) - 1.0)


def tau2_eb(y: Array, v: Array, mask: Array) -> tuple[Array, Array]:
    """Empirical Bayes (Morris 1983) as metafor: scoring steps (k/(k-1) Q - k) / sum w from
    the Hedges start, halved when |k/(k-1) Q - k| does not shrink; rows where that fails get
    the bracketed root of the same equation, Q = k - 1 (identical to Paule-Mandel)."""
    k = _count(mask)

    def evaluate(rows: Array, tau2: Array) -> tuple[Array, Array]:
        w, total, r = _sums(y, v, mask[rows], tau2)
        kr = k[rows]
        g = (w * r**2).sum(axis=1) * kr / (kr - 1.0) - kr
        return -np.abs(g), g / total

    with np.errstate(divide="ignore", invalid="ignore"):
        tau2, code = fisher_scoring(evaluate, tau2_he(y, v, mask), k > 1)
    failed = np.flatnonzero((code == NONE) & (k > 1))
    if failed.size:
        tau2[failed], code[failed] = tau2_pm(y, v, mask[failed]), ROOT
    return np.where(k > 1, tau2, 0.0), code


CLOSED_FORM = {"DL": tau2_dl, "HE": tau2_he, "SJ": tau2_sj}


def estimate_tau2(y: Array, v: Array, mask: Array, method: str) -> tuple[Array, Array]:
    """tau2 per row by metafor's ``method=`` and the algorithm code per row (solvers).

    y, v: (n,) effects and variances; mask: (m, n). FE gives zeros; one-study rows give 0.
    """
    m = mask.shape[0]
    several = _count(mask) > 1
    if method == "FE":
        return np.zeros(m), np.full(m, NONE)
    if method in CLOSED_FORM:
        return CLOSED_FORM[method](y, v, mask), np.where(several, CLOSED, NONE)
    if method == "PM":
        return tau2_pm(y, v, mask), np.where(several, ROOT, NONE)
    if method == "EB":
        return tau2_eb(y, v, mask)
    if method in ("ML", "REML"):
        return tau2_ml_reml(y, v, mask, method)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def q_profile_ci(y: Array, v: Array, level: float = 0.95) -> tuple[float, float]:
    """Q-profile CI for tau2 (Viechtbauer 2007; metafor confint.rma.uni); needs k >= 2.

    Bounds solve Q_gen(tau2) = chi2 quantiles with k-1 df; a bound is 0 when Q_gen(0) is
    already below its quantile.
    """
    k = y.shape[0]
    alpha = 1.0 - level
    targets = np.array([chi2_isf(alpha / 2.0, k - 1), chi2_ppf(alpha / 2.0, k - 1)])
    lower, upper = q_root(y, v, np.ones((2, k), dtype=bool), targets)
    return float(lower), float(upper)
