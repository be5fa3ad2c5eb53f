"""Between-study variance (tau-squared) estimators, vectorised over rows of a masked array.

Intercept-only versions of metafor's ``rma.uni`` estimators (Viechtbauer 2005, J Educ Behav
Stat 30:261; Veroniki et al. 2016, Res Synth Methods 7:55), plus the Q-profile confidence
interval (Viechtbauer 2007, Stat Med 26:37). All functions take y, v broadcast to (m, n) and a
boolean mask (m, n); they return one tau2 per row, truncated at zero as metafor does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from evreg.stats.dist import chi2_isf, chi2_ppf

METHODS = ("FE", "DL", "REML", "PM", "ML", "SJ", "HE", "EB")
TOL = 1e-12  # matches metafor control=list(threshold=1e-12)
MAXITER = 1000

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


def _score_reml(w: Array, total: Array, r: Array, k: Array) -> Array:
    """REML Fisher-scoring step: (Y'PPY - tr P) / tr(PP) for an intercept-only model."""
    w2 = (w**2).sum(axis=1)
    w3 = (w**3).sum(axis=1)
    ypy = ((w * r) ** 2).sum(axis=1)
    tr_p = total - w2 / total
    tr_pp = w2 - 2.0 * w3 / total + (w2 / total) ** 2
    return (ypy - tr_p) / tr_pp


def _score_ml(w: Array, total: Array, r: Array, k: Array) -> Array:
    """ML Fisher-scoring step: (Y'PPY - sum w) / sum w^2."""
    return (((w * r) ** 2).sum(axis=1) - total) / (w**2).sum(axis=1)


def _score_eb(w: Array, total: Array, r: Array, k: Array) -> Array:
    """Empirical Bayes (Morris 1983) step: (k/(k-1) Y'PY - k) / sum w."""
    return ((w * r**2).sum(axis=1) * k / (k - 1.0) - k) / total


SCORES: dict[str, Callable[[Array, Array, Array, Array], Array]] = {
    "REML": _score_reml,
    "ML": _score_ml,
    "EB": _score_eb,
}


def _halve_until_nonnegative(tau2: Array, adj: Array) -> Array:
    """metafor's step halving: while tau2 + adj < 0, adj <- adj / 2."""
    for _ in range(1100):
        bad = tau2 + adj < 0
        if not bad.any():
            break
        adj = np.where(bad, adj / 2.0, adj)
    return np.maximum(tau2 + adj, 0.0)


def tau2_fisher(y: Array, v: Array, mask: Array, method: str) -> Array:
    """ML / REML / EB by Fisher scoring from the Hedges start, as metafor (rma.uni)."""
    score = SCORES[method]
    k = _count(mask)
    tau2 = tau2_he(y, v, mask)
    active = k > 1
    for _ in range(MAXITER):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        ys, vs, ms, ks, ts = y[idx], v[idx], mask[idx], k[idx], tau2[idx]
        w, total, r = _sums(ys, vs, ms, ts)
        with np.errstate(divide="ignore", invalid="ignore"):  # degenerate rows: no step
            adj = np.nan_to_num(score(w, total, r, ks), nan=0.0, posinf=0.0, neginf=0.0)
        new = _halve_until_nonnegative(ts, adj)
        tau2[idx] = new
        active[idx] = np.abs(new - ts) > TOL * np.maximum(1.0, np.abs(new))
    tau2 = np.where(k > 1, tau2, 0.0)
    if method in ("ML", "REML"):
        # metafor's ll0check: Fisher scoring may stop at a local maximum; if the
        # likelihood at tau2 = 0 is higher, tau2 = 0 is the estimate.
        stuck = (tau2 > TOL) & (
            _loglik(y, v, mask, np.zeros_like(tau2), method) - _loglik(y, v, mask, tau2, method)
            > TOL
        )
        tau2 = np.where(stuck, 0.0, tau2)
    return tau2


def _loglik(y: Array, v: Array, mask: Array, tau2: Array, method: str) -> Array:
    """(Restricted) log-likelihood of the random-effects model without the 2*pi constant."""
    w, total, r = _sums(y, v, mask, tau2)
    log_v = np.where(mask, np.log(np.where(mask, v + tau2[:, None], 1.0)), 0.0).sum(axis=1)
    ll = -0.5 * (log_v + (w * r**2).sum(axis=1))
    return ll - 0.5 * np.log(total) if method == "REML" else ll


def q_root(y: Array, v: Array, mask: Array, target: Array) -> Array:
    """Per row, the tau2 >= 0 at which generalised Q equals ``target`` (0 if Q(0) <= target).

    Q(tau2) is decreasing and convex, so Newton's method started at 0 increases monotonically
    to the root (used for Paule-Mandel and the Q-profile CI).
    """
    tau2 = np.zeros(mask.shape[0])
    active = (_count(mask) > 1) & (generalised_q(y, v, mask, tau2) > target)
    for _ in range(MAXITER):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        ts = tau2[idx]
        w, _, r = _sums(y[idx], v[idx], mask[idx], ts)
        f = (w * r**2).sum(axis=1) - target[idx]
        deriv = ((w * r) ** 2).sum(axis=1)  # minus dQ/dtau2
        step = np.divide(f, deriv, out=np.zeros_like(f), where=deriv > 0)
        new = np.maximum(ts + step, 0.0)
        tau2[idx] = new
        active[idx] = np.abs(new - ts) > TOL * np.maximum(1.0, np.abs(new))
    return tau2


def tau2_pm(y: Array, v: Array, mask: Array) -> Array:
    """Paule & Mandel 1982: the tau2 at which generalised Q equals k - 1 (0 if Q(0) < k-1)."""
    return q_root(y, v, mask, _count(mask) - 1.0)


def estimate_tau2(y: Array, v: Array, mask: Array, method: str) -> Array:
    """Dispatch on method name (metafor's ``method=`` argument); FE gives zeros."""
    if method == "FE":
        return np.zeros(mask.shape[0])
    if method == "DL":
        return tau2_dl(y, v, mask)
    if method == "HE":
        return tau2_he(y, v, mask)
    if method == "SJ":
        return tau2_sj(y, v, mask)
    if method == "PM":
        return tau2_pm(y, v, mask)
    if method in SCORES:
        return tau2_fisher(y, v, mask, method)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def q_profile_ci(y: Array, v: Array, level: float = 0.95) -> tuple[float, float]:
    """Q-profile CI for tau2 (Viechtbauer 2007; metafor confint.rma.uni); needs k >= 2.

    Bounds solve Q_gen(tau2) = chi2 quantiles with k-1 df; a bound is 0 when Q_gen(0) is
    already below its quantile.
    """
    k = y.shape[0]
    alpha = 1.0 - level
    targets = np.array([chi2_isf(alpha / 2.0, k - 1), chi2_ppf(alpha / 2.0, k - 1)])
    mask = np.ones((2, k), dtype=bool)
    lower, upper = q_root(
        np.broadcast_to(y, mask.shape), np.broadcast_to(v, mask.shape), mask, targets
    )
    return float(lower), float(upper)
