"""Small-study effects: Egger's regression test and trim-and-fill (Cochrane Handbook 13.3.5).

Both are computed only for k >= 10 (Handbook 13.3.5.4); below that the result says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evreg.stats.core import PoolResult, Serialisable, _num, check_inputs, check_method, pool
from evreg.stats.dist import t_sf
from evreg.stats.engine import FIXED
from evreg.stats.metareg import tau2_regression

MIN_K = 10


@dataclass(frozen=True)
class EggerResult(Serialisable):
    """Egger's test as metafor regtest(model="lm", predictor="sei"): slope on SE, t, k-2 df."""

    available: bool
    reason: str
    k: int
    bias: float | None = None
    se: float | None = None
    t: float | None = None
    df: int | None = None
    p: float | None = None
    limit_estimate: float | None = None


def _too_few(k: int, what: str) -> str:
    return (
        f"k = {k} < {MIN_K}: {what} not computed (too few studies for the test to "
        "distinguish chance from asymmetry; Cochrane Handbook 13.3.5.4)"
    )


def egger(yi: Any, sei: Any, min_k: int = MIN_K) -> EggerResult:
    """Weighted regression y_i = b0 + b1 se_i, weights 1/se_i^2, multiplicative error
    (Egger et al. 1997, BMJ 315:629; Sterne & Egger 2005); bias = b1, its t and p (k-2 df)."""
    y, v = check_inputs(yi, sei)
    k = y.size
    if k < max(min_k, 3):
        return EggerResult(False, _too_few(k, "Egger's test"), k)
    s = np.sqrt(v)
    w = 1.0 / v
    x = np.column_stack([np.ones(k), s])
    a_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = a_inv @ (x.T @ (w * y))
    resid = y - x @ beta
    sigma2 = float((w * resid**2).sum()) / (k - 2)
    se = float(np.sqrt(sigma2 * a_inv[1, 1]))
    if se == 0:
        return EggerResult(False, "residual variance is zero: Egger's test undefined", k)
    t = float(beta[1]) / se
    p = float(2.0 * t_sf(abs(t), k - 2))
    return EggerResult(
        True,
        "weighted regression of log ratio on SE (metafor regtest, model='lm', predictor='sei')",
        k,
        float(beta[1]),
        se,
        t,
        k - 2,
        _num(p),
        float(beta[0]),
    )


@dataclass(frozen=True)
class TrimFillResult(Serialisable):
    """Trim-and-fill (Duval & Tweedie 2000, L0 estimator), as metafor trimfill."""

    available: bool
    reason: str
    k0: int | None = None
    se_k0: float | None = None
    side: str | None = None
    filled_yi: tuple[float, ...] = ()
    filled_sei: tuple[float, ...] = ()
    pooled: PoolResult | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _side(y: np.ndarray, v: np.ndarray, method: str) -> str:
    """metafor: fit y ~ sqrt(v) with the same method; missing on the left if slope >= 0."""
    x = np.column_stack([np.ones(y.size), np.sqrt(v)])
    tau2 = 0.0 if method == FIXED else tau2_regression(y, v, x, method)[0]
    w = 1.0 / (v + tau2)
    beta = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * y))
    return "right" if beta[1] < 0 else "left"


def _l0(yc: np.ndarray) -> tuple[float, float]:
    """L0 and its SE from the signed ranks of centred estimates (Duval & Tweedie 2000)."""
    k = yc.size
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)
    sr = float(ranks[yc > 0].sum())
    k0 = (4.0 * sr - k * (k + 1)) / (2.0 * k - 1.0)
    var_sr = (
        k * (k + 1) * (2 * k + 1)
        + 10 * k0**3
        + 27 * k0**2
        + 17 * k0
        - 18 * k * k0**2
        - 18 * k * k0
        + 6 * k**2 * k0
    ) / 24.0
    return k0, 4.0 * np.sqrt(max(var_sr, 0.0)) / (2.0 * k - 1.0)


def trim_and_fill(
    yi: Any, sei: Any, method: str = "DL", min_k: int = MIN_K, maxiter: int = 100
) -> TrimFillResult:
    """Trim-and-fill with the L0 estimator, side chosen as metafor (trimfill.rma.uni)."""
    method = check_method(method)
    y, v = check_inputs(yi, sei)
    k = y.size
    if k < max(min_k, 3):
        return TrimFillResult(False, _too_few(k, "trim-and-fill"))
    side = _side(y, v, method)
    ys = -y if side == "right" else y
    order = np.argsort(ys, kind="stable")
    ys, vs = ys[order], v[order]
    k0, previous, beta, se_k0 = 0, -1, 0.0, 0.0
    for _ in range(maxiter):
        if k0 == previous:
            break
        previous = k0
        beta = pool(ys[: k - k0], np.sqrt(vs[: k - k0]), method).log_estimate
        raw, se_k0 = _l0(ys - beta)
        k0 = max(0, int(np.round(raw)))
    else:
        return TrimFillResult(False, f"trim-and-fill did not converge in {maxiter} iterations")
    filled = 2.0 * beta - ys[k - k0 :]
    filled_v = vs[k - k0 :]
    if side == "right":
        filled = -filled
    notes = (
        f"L0 estimator; missing studies sought on the {side} (metafor's rule: sign of "
        f"the slope on sqrt(v) in a {method} meta-regression)",
        f"{k0} filled by mirroring the most extreme studies about the trimmed estimate",
    )
    pooled = pool(np.concatenate([y, filled]), np.sqrt(np.concatenate([v, filled_v])), method)
    return TrimFillResult(
        True,
        "computed",
        k0,
        float(max(se_k0, 0.0)),
        side,
        tuple(float(x) for x in filled),
        tuple(float(x) for x in np.sqrt(filled_v)),
        pooled,
        notes,
    )
