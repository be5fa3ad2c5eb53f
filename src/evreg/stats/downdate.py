"""Leave-one-out for FE and DL in O(k): the k sub-analyses from sums over all studies.

Fixed-effect sums and Cochran's Q of each sub-analysis are the full sums minus the omitted
study's term (closed-form downdates), which gives the DerSimonian-Laird tau2 of every row at
once. The random-effects sums sum_j c_j / (v_j + tau2_i) at each row's own tau2 are one
smooth function of tau2, evaluated exactly at a few Chebyshev nodes and interpolated
(barycentric formula; Berrut & Trefethen 2004, SIAM Review 46:501) on pieces short enough
that the error is below double precision (Trefethen 2013, Approximation Theory and
Approximation Practice, Theorem 8.2). A row whose omitted study carries more than half of
the weight, where a downdate would lose digits, is refitted directly.
"""

from __future__ import annotations

import numpy as np

from evreg.stats.engine import FIXED, RowFits, RowSums, fit_rows, heterogeneity_stats, summarise
from evreg.stats.solvers import CLOSED, NONE

Array = np.ndarray
EXACT_POINTS = 64  # up to this many distinct tau2 values: sum directly
NODES = 24  # per piece; with (b + s) <= 2 (a + s) the error is about 5.8^-24 of the sum
MAX_PIECES = 60  # beyond that range of tau2 (2^60-fold), sum directly


def direct_sums(v: Array, values: Array, points: Array) -> Array:
    """sum_j values[j, :] / (v_j + t) for each t in ``points``: (len(points), columns)."""
    out = np.empty((points.size, values.shape[1]))
    block = max(1, 2_000_000 // max(1, v.size))
    for start in range(0, points.size, block):
        t = points[start : start + block]
        out[start : start + block] = (1.0 / (v[None, :] + t[:, None])) @ values
    return out


def _pieces(low: float, high: float, shift: float) -> list[tuple[float, float]]:
    """[low, high] cut so that each piece [a, b] has b + shift <= 2 (a + shift)."""
    edges = [low]
    while edges[-1] < high:
        edges.append(min(high, 2.0 * (edges[-1] + shift) - shift))
    return list(zip(edges[:-1], edges[1:], strict=True)) or [(low, high)]


def _barycentric(nodes: Array, values: Array, x: Array) -> Array:
    """Polynomial through (nodes, values) at x; nodes are Chebyshev points of the 2nd kind."""
    weights = np.ones(nodes.size)
    weights[1::2] = -1.0
    weights[[0, -1]] *= 0.5
    diff = x[:, None] - nodes[None, :]
    hit = diff == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(hit, 0.0, weights / diff)
    out = (terms @ values) / terms.sum(axis=1)[:, None]
    rows, cols = np.nonzero(hit)
    out[rows] = values[cols]
    return out


def resolvent_sums(v: Array, values: Array, points: Array) -> Array:
    """sum_j values[j, :] / (v_j + t) for each t >= 0 in ``points``, in O((n + m) NODES)
    operations per piece of the range of t (exact when there are few distinct t)."""
    unique, inverse = np.unique(points, return_inverse=True)
    shift = float(v.min())
    spread = (float(unique[-1]) + shift) / (float(unique[0]) + shift)
    if unique.size <= EXACT_POINTS or not np.isfinite(spread) or spread > 2.0**MAX_PIECES:
        return direct_sums(v, values, unique)[inverse]
    out = np.empty((points.size, values.shape[1]))
    nodes01 = 0.5 * (1.0 - np.cos(np.pi * np.arange(NODES) / (NODES - 1)))
    for a, b in _pieces(float(unique[0]), float(unique[-1]), shift):
        sel = (points >= a) & (points <= b)
        nodes = a + (b - a) * nodes01
        out[sel] = _barycentric(nodes, direct_sums(v, values, nodes), points[sel])
    return out


def leave_one_out_fits(
    y: Array, v: Array, method: str, hksj: bool, hksj_adhoc: bool, level: float
) -> RowFits:
    """Row i: the FE or DL analysis without study i (as fit_rows with mask ~eye), in O(k)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # heavy rows are refitted below
        sums, own = _downdated_sums(y, v, method)
        fits = summarise(sums, method, hksj, hksj_adhoc, level)
    w = 1.0 / v
    heavy = np.flatnonzero((w > 0.5 * w.sum()) | (own > 0.5 * (sums.total + own)))
    return _refit(fits, heavy, y, v, method, hksj, hksj_adhoc, level)


def _downdated_sums(y: Array, v: Array, method: str) -> tuple[RowSums, Array]:
    """Per-row sums of the k leave-one-out analyses and each omitted study's RE weight."""
    k = y.size
    w = 1.0 / v
    centre = float((w * y).sum() / w.sum())
    yc = y - centre  # centred: the downdated sums lose no digits
    s0 = w.sum() - w
    s1 = (w * yc).sum() - w * yc
    s2 = (w * yc**2).sum() - w * yc**2
    trace_p = s0 - ((w**2).sum() - w**2) / s0
    df = np.full(k, k - 2.0)
    q = np.where(df > 0, np.maximum(s2 - s1**2 / s0, 0.0), 0.0)
    tau2 = np.zeros(k)
    if method != FIXED:
        ok = (df > 0) & (trace_p > 0)
        tau2 = np.where(ok, np.maximum((q - df) / np.where(ok, trace_p, 1.0), 0.0), 0.0)
    terms = np.column_stack([np.ones(k), yc, yc**2])
    own = terms / (v + tau2)[:, None]
    r = resolvent_sums(v, terms, tau2) - own
    mu = r[:, 1] / r[:, 0]
    sums = RowSums(
        k=np.full(k, k - 1.0),
        tau2=tau2,
        codes=np.full(k, CLOSED if method != FIXED and k > 2 else NONE),
        estimate=mu + centre,
        total=r[:, 0],
        rss=np.maximum(r[:, 2] - r[:, 1] * mu, 0.0),
        het=heterogeneity_stats(q, df, trace_p),
        weights=np.zeros((k, 0)),
    )
    return sums, own[:, 0]


def _refit(
    fits: RowFits,
    rows: Array,
    y: Array,
    v: Array,
    method: str,
    hksj: bool,
    hksj_adhoc: bool,
    level: float,
) -> RowFits:
    """``fits`` with the given leave-one-out rows recomputed directly from masked sums."""
    if rows.size == 0:
        return fits
    mask = np.ones((rows.size, y.size), dtype=bool)
    mask[np.arange(rows.size), rows] = False
    exact = fit_rows(y, v, mask, method, hksj, hksj_adhoc, level)
    out = {}
    for name, value in vars(fits).items():
        if name != "weights":
            value = value.copy()
            value[rows] = getattr(exact, name)
        out[name] = value
    return RowFits(**out)
