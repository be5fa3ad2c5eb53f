"""Residual tau2 of a meta-regression y = X beta + u + e (metafor rma.uni with ``mods``).

Used for trim-and-fill's side (slope on sqrt(v), as metafor) and common-tau2 subgroups.
O(k p^2) formulas for P = W - W X (X'WX)^-1 X'W, so no k-by-k matrix is formed
(Viechtbauer 2005; Raudenbush 2009 in The Handbook of Research Synthesis, ch. 16).
"""

from __future__ import annotations

import numpy as np

from evreg.stats.tau2 import MAXITER, TOL


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


def _fisher(y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str) -> float:
    k, p = x.shape
    tau2 = max(0.0, _moment(y, v, x, "HE"))
    for _ in range(MAXITER):
        w = 1.0 / (v + tau2)
        a_inv, r = _wls(y, w, x)
        ypy, yppy = float((w * r**2).sum()), float(((w * r) ** 2).sum())
        if method == "REML":
            tr_p, tr_pp = _traces(w, x, a_inv)
            adj = (yppy - tr_p) / tr_pp
        elif method == "ML":
            adj = (yppy - w.sum()) / (w**2).sum()
        else:  # EB
            adj = (ypy * k / (k - p) - k) / w.sum()
        while tau2 + adj < 0:
            adj /= 2.0
        new = tau2 + adj
        if abs(new - tau2) <= TOL * max(1.0, new):
            return new
        tau2 = new
    return tau2


def _pm(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    k, p = x.shape
    tau2 = 0.0
    if _rss(y, v, x, 0.0)[0] <= k - p:
        return 0.0
    for _ in range(MAXITER):
        ypy, yppy = _rss(y, v, x, tau2)
        new = max(0.0, tau2 + (ypy - (k - p)) / yppy)
        if abs(new - tau2) <= TOL * max(1.0, new):
            return new
        tau2 = new
    return tau2


def tau2_regression(y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str) -> float:
    """Residual tau2 for design matrix x (k, p) by ``method`` (DL, HE, SJ, PM, ML, REML, EB)."""
    if x.shape[0] <= x.shape[1]:
        return 0.0
    if method in ("DL", "HE", "SJ"):
        return max(0.0, float(_moment(y, v, x, method)))
    if method == "PM":
        return _pm(y, v, x)
    if method in ("REML", "ML", "EB"):
        return _fisher(y, v, x, method)
    return 0.0
