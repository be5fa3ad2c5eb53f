"""Residual tau2 of a meta-regression y = X beta + u + e (metafor rma.uni with ``mods``).

Used for trim-and-fill's side (slope on sqrt(v), as metafor) and common-tau2 subgroups. ML
and REML are found as in the intercept-only case (:func:`evreg.stats.solvers.maximise`,
including metafor's check of the likelihood at tau2 = 0); PM solves Y'PY = k - p, and EB
scores towards the same root, falling back to it.
O(k p^2) formulas for P = W - W X (X'WX)^-1 X'W, so no k-by-k matrix is formed
(Viechtbauer 2005; Raudenbush 2009 in The Handbook of Research Synthesis, ch. 16).
"""

from __future__ import annotations

import numpy as np

from evreg.stats import solvers
from evreg.stats.solvers import CLOSED, NONE, ROOT


def _wls(y: np.ndarray, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X'WX)^-1 and residuals of the weighted least-squares fit."""
    a_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = a_inv @ (x.T @ (w * y))
    return a_inv, y - x @ beta


def _traces(w: np.ndarray, x: np.ndarray, a_inv: np.ndarray) -> tuple[float, float]:
    """tr(P) and tr(PP) for weights w."""
    b2 = a_inv @ (x.T @ ((w**2)[:, None] * x))
    b3 = a_inv @ (x.T @ ((w**3)[:, None] * x))
    tr_p = float(w.sum() - np.trace(b2))
    tr_pp = float((w**2).sum() - 2.0 * np.trace(b3) + np.trace(b2 @ b2))
    return tr_p, tr_pp


def _rss(y: np.ndarray, v: np.ndarray, x: np.ndarray, tau2: float) -> tuple[float, float]:
    """Y'PY and Y'PPY at tau2."""
    w = 1.0 / (v + tau2)
    _, r = _wls(y, w, x)
    return float((w * r**2).sum()), float(((w * r) ** 2).sum())


def _moment(y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str) -> float:
    k, p = x.shape
    if method == "DL":
        w = 1.0 / v
        a_inv, r = _wls(y, w, x)
        return ((w * r**2).sum() - (k - p)) / _traces(w, x, a_inv)[0]
    ones = np.ones(k)
    xtx_inv, r = _wls(y, ones, x)
    tr_pv = v.sum() - np.trace(xtx_inv @ (x.T @ (v[:, None] * x)))
    he = float(((r**2).sum() - tr_pv) / (k - p))
    if method == "SJ":
        tau0 = float(np.var(y))
        return tau0 * _rss(y, v, x, tau0)[0] / (k - p)
    return he


def _parts(
    y: np.ndarray, v: np.ndarray, x: np.ndarray, tau2: float, method: str
) -> tuple[float, float]:
    """(Restricted) log-likelihood without constants and the Fisher-scoring step at tau2
    (Viechtbauer 2005): REML (Y'PPY - tr P) / tr(PP), ML (Y'PPY - sum w) / sum w^2."""
    w = 1.0 / (v + tau2)
    a_inv, r = _wls(y, w, x)
    ll = -0.5 * float(np.log(v + tau2).sum() + (w * r**2).sum())
    yppy = float(((w * r) ** 2).sum())
    if method == "ML":
        return ll, (yppy - float(w.sum())) / float((w**2).sum())
    tr_p, tr_pp = _traces(w, x, a_inv)
    ll -= 0.5 * float(np.linalg.slogdet(x.T @ (w[:, None] * x))[1])
    return ll, (yppy - tr_p) / tr_pp


def _maximise(y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str) -> tuple[float, int]:
    """ML / REML residual tau2 as solvers.maximise (one model as a one-row batch)."""

    def evaluate(rows: np.ndarray, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ll, step = _parts(y, v, x, float(tau2[0]), method)
        return np.array([ll]), np.array([step])

    def grid_evaluate(rows: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ll, step = np.array([_parts(y, v, x, float(t), method) for t in points]).T
        return ll[None, :], step[None, :]

    start = np.array([max(0.0, _moment(y, v, x, "HE"))])
    grid = solvers.tau2_grid(v, y, x.shape[1])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau2, code = solvers.maximise(evaluate, grid_evaluate, grid, start, np.array([True]))
    return float(tau2[0]), int(code[0])


def _pm(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    """Root of Y'PY = k - p (Paule-Mandel; also empirical Bayes), bracketed by 0 and
    RSS / (k - p) - min v since the intercept-only fit bounds Y'PY."""
    k, p = x.shape
    if _rss(y, v, x, 0.0)[0] <= k - p:
        return 0.0
    hi = max(float(((y - y.mean()) ** 2).sum()) / (k - p) - float(v.min()), 0.0) * (1 + 1e-6)

    def evaluate(rows: np.ndarray, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ypy, yppy = _rss(y, v, x, float(tau2[0]))
        return np.array([ypy - (k - p)]), np.array([yppy])

    return float(solvers.newton_root(evaluate, np.zeros(1), np.array([hi]), np.array([True]))[0])


def _eb(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> tuple[float, int]:
    """Empirical Bayes as metafor: steps (k/(k-p) Y'PY - k) / sum w, halved when they do not
    shrink; the bracketed root of Y'PY = k - p if that fails (as tau2.tau2_eb)."""
    k, p = x.shape

    def evaluate(rows: np.ndarray, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ypy, _ = _rss(y, v, x, float(tau2[0]))
        g = ypy * k / (k - p) - k
        return np.array([-abs(g)]), np.array([g / float((1.0 / (v + tau2[0])).sum())])

    start = np.array([max(0.0, _moment(y, v, x, "HE"))])
    tau2, code = solvers.fisher_scoring(evaluate, start, np.array([True]))
    if code[0] == NONE:
        return _pm(y, v, x), ROOT
    return float(tau2[0]), int(code[0])


def tau2_regression(y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str) -> tuple[float, int]:
    """Residual tau2 for design matrix x (k, p) by ``method`` (DL, HE, SJ, PM, ML, REML, EB)
    and the solvers code of the algorithm that produced it. x must contain an intercept."""
    if x.shape[0] <= x.shape[1]:
        return 0.0, NONE
    if method in ("DL", "HE", "SJ"):
        return max(0.0, float(_moment(y, v, x, method))), CLOSED
    if method == "PM":
        return _pm(y, v, x), ROOT
    if method == "EB":
        return _eb(y, v, x)
    if method in ("REML", "ML"):
        return _maximise(y, v, x, method)
    return 0.0, NONE
