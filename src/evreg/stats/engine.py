"""Vectorised inverse-variance engine: many meta-analyses (rows of a masked array) at once.

Each row of ``mask`` selects the studies of one meta-analysis, so a single pooled analysis
(one row), leave-one-out (k rows), cumulative (k rows) and subgroups share one code path.
Formulas follow metafor's ``rma.uni`` (Viechtbauer 2010, J Stat Softw 36(3)) and the Cochrane
Handbook chapter 10; tau-squared estimators are in :mod:`evreg.stats.tau2`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from evreg.stats.dist import chi2_sf, norm_ppf, norm_sf, t_ppf, t_sf
from evreg.stats.solvers import NONE
from evreg.stats.tau2 import estimate_tau2

FIXED = "FE"


@dataclass(frozen=True)
class RowFits:
    """Per-row results (1-D arrays of length m); NaN marks a value that is unavailable."""

    k: np.ndarray
    tau2: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    stat: np.ndarray
    p: np.ndarray
    df: np.ndarray
    Q: np.ndarray
    Q_df: np.ndarray
    Q_p: np.ndarray
    I2: np.ndarray
    I2_tau: np.ndarray
    H2: np.ndarray
    H2_tau: np.ndarray
    pi_lower: np.ndarray
    pi_upper: np.ndarray
    weights: np.ndarray  # (m, n) percent; 0 where masked out
    tau2_algorithm: np.ndarray  # solvers code per row: what produced tau2


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with NaN where b == 0 (callers turn NaN into "unavailable")."""
    out = np.full(np.broadcast(a, b).shape, np.nan)
    np.divide(a, b, out=out, where=b != 0)
    return out


def weighted_mean(y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise inverse-variance weighted mean and total weight (Cochrane Handbook 10.3.1)."""
    total = w.sum(axis=1)
    return (w * y).sum(axis=1) / total, total


def heterogeneity(y: np.ndarray, v: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Cochran's Q, I2 (Higgins & Thompson 2002) and H2 from fixed-effect weights, per row."""
    w = np.where(mask, 1.0 / v, 0.0)
    mu, total = weighted_mean(y, w)
    k = mask.sum(axis=1)
    q = np.where(k > 1, (w * (y - mu[:, None]) ** 2).sum(axis=1), 0.0)
    return heterogeneity_stats(q, k - 1.0, total - (w**2).sum(axis=1) / total)


def heterogeneity_stats(
    q: np.ndarray, df: np.ndarray, trace_p: np.ndarray
) -> dict[str, np.ndarray]:
    """Q p-value, I2 = max(0, (Q - df) / Q) and H2 = Q / df (Higgins & Thompson 2002), and
    metafor's typical within-study variance df / tr(P) of the FE model, per row."""
    with np.errstate(invalid="ignore", divide="ignore"):
        q_p = np.where(df > 0, chi2_sf(q, np.maximum(df, 1)), np.nan)
    i2 = np.where((df > 0) & (q > 0), 100.0 * np.maximum(0.0, _safe_div(q - df, q)), np.nan)
    i2 = np.where((df > 0) & (q <= 0), 0.0, i2)
    h2 = np.where(df > 0, _safe_div(q, df), np.nan)
    typical_v = np.where(df > 0, _safe_div(df, trace_p), np.nan)
    return {"Q": q, "Q_df": df, "Q_p": q_p, "I2": i2, "H2": h2, "typical_v": typical_v}


def i2_percent(q: float | None, df: int | None) -> float | None:
    """I² = max(0, (Q - df) / Q) in percent for one Q (Higgins & Thompson 2002), as
    :func:`heterogeneity_stats` computes it; None below df 1 or without Q."""
    if q is None or df is None or df < 1:
        return None
    i2 = heterogeneity_stats(np.array([float(q)]), np.array([float(df)]), np.ones(1))["I2"]
    return float(i2[0])


def _critical(level: float, df: np.ndarray | None) -> np.ndarray | float:
    alpha = 1.0 - level
    if df is None:
        return float(norm_ppf(1.0 - alpha / 2.0))
    return t_ppf(1.0 - alpha / 2.0, np.maximum(df, 1.0))


def _p_value(stat: np.ndarray, df: np.ndarray | None) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if df is None:
            return 2.0 * norm_sf(np.abs(stat))
        return 2.0 * t_sf(np.abs(stat), np.maximum(df, 1.0))


@dataclass(frozen=True)
class RowSums:
    """What a fit needs per row, however it was computed (masked sums or downdates)."""

    k: np.ndarray
    tau2: np.ndarray
    codes: np.ndarray  # solvers code: what produced tau2
    estimate: np.ndarray
    total: np.ndarray  # sum of weights 1 / (v + tau2)
    rss: np.ndarray  # sum w (y - estimate)^2, for HKSJ
    het: dict[str, np.ndarray]  # heterogeneity_stats
    weights: np.ndarray  # (m, n) percent, or (m, 0) when not kept


def fit_rows(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    method: str,
    hksj: bool = False,
    hksj_adhoc: bool = False,
    level: float = 0.95,
    tau2: np.ndarray | None = None,
    tau2_algorithm: int = NONE,
) -> RowFits:
    """Fit one intercept-only model per row of ``mask`` (metafor rma.uni, test z/knha/adhoc).

    y, v: (n,) effect sizes and sampling variances; mask: (m, n) booleans; ``tau2`` (m,)
    fixes tau2 per row instead of estimating it (common-tau2 subgroups; ``tau2_algorithm``
    says how it was found).
    """
    yy = np.broadcast_to(y, mask.shape)
    vv = np.broadcast_to(v, mask.shape)
    het = heterogeneity(yy, vv, mask)
    if tau2 is None:
        tau2, codes = estimate_tau2(y, v, mask, method)
    else:
        codes = np.full(mask.shape[0], tau2_algorithm)
    w = np.where(mask, 1.0 / (vv + tau2[:, None]), 0.0)
    mu, total = weighted_mean(yy, w)
    rss = (w * (yy - mu[:, None]) ** 2).sum(axis=1)
    k = mask.sum(axis=1).astype(float)
    sums = RowSums(k, tau2, codes, mu, total, rss, het, 100.0 * w / total[:, None])
    return summarise(sums, method, hksj, hksj_adhoc, level)


def summarise(
    sums: RowSums, method: str, hksj: bool = False, hksj_adhoc: bool = False, level: float = 0.95
) -> RowFits:
    """Tests, intervals and tau2-based heterogeneity from per-row sums (metafor rma.uni)."""
    k, tau2, mu = sums.k, sums.tau2, sums.estimate
    se = np.sqrt(1.0 / sums.total)
    df = np.full_like(k, np.nan)
    if hksj or hksj_adhoc:
        # Hartung & Knapp 2001; Sidik & Jonkman 2002; metafor test="knha" / "adhoc".
        # A one-study row has no residual df: it keeps the Wald SE and z, as metafor.
        s2w = np.where(sums.rss <= np.finfo(float).eps, 0.0, _safe_div(sums.rss, k - 1.0))
        if hksj_adhoc:
            s2w = np.maximum(s2w, 1.0)
        se = np.where(k > 1, se * np.sqrt(s2w), se)
        df = np.where(k > 1, k - 1.0, np.nan)
    use_t = np.isfinite(df)
    crit = np.where(use_t, _critical(level, df), _critical(level, None))
    stat = _safe_div(mu, se)
    p = np.where(use_t, _p_value(stat, df), _p_value(stat, None))
    pi_lower, pi_upper = _prediction_interval(mu, se, tau2, k, level, method)
    i2_tau, h2_tau = _tau2_heterogeneity(tau2, sums.het["typical_v"], method)
    het = sums.het
    return RowFits(
        k=k,
        tau2=tau2,
        estimate=mu,
        se=se,
        ci_lower=mu - crit * se,
        ci_upper=mu + crit * se,
        stat=stat,
        p=p,
        df=df,
        Q=het["Q"],
        Q_df=het["Q_df"],
        Q_p=het["Q_p"],
        I2=het["I2"],
        I2_tau=i2_tau,
        H2=het["H2"],
        H2_tau=h2_tau,
        pi_lower=pi_lower,
        pi_upper=pi_upper,
        weights=sums.weights,
        tau2_algorithm=sums.codes,
    )


def _tau2_heterogeneity(
    tau2: np.ndarray, typical: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """I2 = tau2 / (typical v + tau2) and H2 = 1 + tau2 / typical v (metafor), NaN for FE."""
    if method == FIXED:
        nan = np.full_like(tau2, np.nan)
        return nan, nan
    known = np.isfinite(typical)
    with np.errstate(invalid="ignore"):
        i2_tau = np.where(known, 100.0 * _safe_div(tau2, typical + tau2), np.nan)
        h2_tau = np.where(known, 1.0 + _safe_div(tau2, typical), np.nan)
    i2_tau = np.where(tau2 == 0, np.where(known, 0.0, np.nan), i2_tau)
    h2_tau = np.where(tau2 == 0, np.where(known, 1.0, np.nan), h2_tau)
    return i2_tau, h2_tau


def _prediction_interval(
    mu: np.ndarray, se: np.ndarray, tau2: np.ndarray, k: np.ndarray, level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """mu +/- t(k-2) sqrt(tau2 + SE^2), k >= 3 (Higgins 2009; Cochrane Handbook 10.10.4.3)."""
    if method == FIXED:
        nan = np.full_like(mu, np.nan)
        return nan, nan
    crit = t_ppf(1.0 - (1.0 - level) / 2.0, np.maximum(k - 2.0, 1.0))
    half = crit * np.sqrt(tau2 + se**2)
    ok = k >= 3
    return np.where(ok, mu - half, np.nan), np.where(ok, mu + half, np.nan)


CHUNK_CELLS = 4_000_000  # rows per chunk so that one (rows, n) float array stays ~32 MB


def fit_masks(
    y: np.ndarray,
    v: np.ndarray,
    masks: Callable[[int, int], np.ndarray],
    m: int,
    method: str,
    hksj: bool = False,
    hksj_adhoc: bool = False,
    level: float = 0.95,
) -> RowFits:
    """fit_rows over m rows built chunk by chunk by ``masks(start, stop)``, bounding memory
    for leave-one-out and cumulative analyses of large k (weights are not kept)."""
    step = max(1, CHUNK_CELLS // max(1, y.size))
    parts = []
    for start in range(0, m, step):
        fits = fit_rows(y, v, masks(start, min(m, start + step)), method, hksj, hksj_adhoc, level)
        parts.append(dict(vars(fits), weights=np.zeros((fits.k.size, 0))))
    return RowFits(**{f.name: np.concatenate([p[f.name] for p in parts]) for f in fields(RowFits)})
