"""Leave-one-out, cumulative and subgroup meta-analysis (Cochrane Handbook 10.11, 10.14).

Leave-one-out and cumulative analyses fit all their sub-analyses at once as rows of a masked
(m, k) array (see :mod:`evreg.stats.engine`), so leave-one-out REML at k = 1,000 is a handful
of vectorised Fisher-scoring iterations rather than 1,000 separate fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evreg.stats.core import (
    PoolResult,
    Serialisable,
    _exp,
    _num,
    check_inputs,
    check_level,
    check_method,
    pool,
    result_from_row,
)
from evreg.stats.dist import chi2_sf
from evreg.stats.downdate import leave_one_out_fits
from evreg.stats.engine import FIXED, RowFits, fit_masks, fit_rows
from evreg.stats.metareg import tau2_regression
from evreg.stats.solvers import ALGORITHMS, NONE

DOWNDATED = ("FE", "DL")  # leave-one-out in O(k) (evreg.stats.downdate)


@dataclass(frozen=True)
class SensitivityRow(Serialisable):
    """Shared fields of one sub-analysis (log-scale values and their exponentiated forms)."""

    k: int
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    p: float | None
    I2: float | None
    I2_tau: float | None
    tau2: float
    Q: float
    Q_p: float | None
    H2: float | None
    log_estimate: float
    se: float
    log_ci_lower: float
    log_ci_upper: float


@dataclass(frozen=True)
class LeaveOneOutRow(SensitivityRow):
    """The analysis with study ``omitted`` left out, and whether conclusions flip."""

    omitted: str = ""
    significance_flip: bool = False
    direction_flip: bool = False


@dataclass(frozen=True)
class CumulativeRow(SensitivityRow):
    """The analysis of the first ``k`` studies in the given order, ending with ``added``."""

    added: str = ""


def _row_fields(fits: RowFits, i: int) -> dict[str, Any]:
    est = float(fits.estimate[i])
    lo, up = float(fits.ci_lower[i]), float(fits.ci_upper[i])
    return {
        "k": int(fits.k[i]),
        "estimate": _exp(est),
        "ci_lower": _exp(lo),
        "ci_upper": _exp(up),
        "p": _num(fits.p[i]),
        "I2": _num(fits.I2[i]),
        "I2_tau": _num(fits.I2_tau[i]),
        "tau2": float(fits.tau2[i]),
        "Q": float(fits.Q[i]),
        "Q_p": _num(fits.Q_p[i]),
        "H2": _num(fits.H2[i]),
        "log_estimate": est,
        "se": float(fits.se[i]),
        "log_ci_lower": lo,
        "log_ci_upper": up,
    }


def algorithm_notes(fits: RowFits) -> list[str]:
    """Which algorithms produced tau2 in the sub-analyses, with how many of them each."""
    codes, counts = np.unique(fits.tau2_algorithm, return_counts=True)
    pairs = zip(codes.tolist(), counts.tolist(), strict=True)
    used = [f"{ALGORITHMS[c]} ({n})" for c, n in pairs if c in ALGORITHMS]
    return [f"tau2 in the sub-analyses: {'; '.join(used)}"] if used else []


def _labels(labels: Sequence[Any] | None, k: int) -> list[str]:
    if labels is None:
        return [f"Study {i + 1}" for i in range(k)]
    out = [str(x) for x in labels]
    if len(out) != k:
        raise ValueError(f"{len(out)} labels given for {k} studies")
    return out


@dataclass(frozen=True)
class LeaveOneOutResult(Serialisable):
    """Leave-one-out analysis: the full analysis and one row per omitted study, input order."""

    method: str
    hksj: bool
    level: float
    overall: PoolResult
    rows: tuple[LeaveOneOutRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def leave_one_out(
    yi: Any,
    sei: Any,
    method: str = "DL",
    hksj: bool = False,
    labels: Sequence[Any] | None = None,
    hksj_adhoc: bool = False,
    level: float = 0.95,
) -> LeaveOneOutResult:
    """Every statistic with each study omitted in turn (metafor leave1out; Handbook 10.14).

    Flags rows whose significance at ``level`` or direction (sign of the log ratio) differs
    from the analysis of all studies. Needs k >= 2 for any row.
    """
    method = check_method(method)
    y, v = check_inputs(yi, sei)
    names = _labels(labels, y.size)
    overall = pool(y, np.sqrt(v), method, hksj, hksj_adhoc, level)
    notes = [f"each study omitted in turn; re-estimated with the same method ({method})"]
    if y.size < 2:
        notes.append("k = 1: nothing left to pool when the study is omitted")
        return LeaveOneOutResult(method, hksj or hksj_adhoc, level, overall, (), tuple(notes))

    def omit(start: int, stop: int) -> np.ndarray:
        rows = np.ones((stop - start, y.size), dtype=bool)
        rows[np.arange(stop - start), np.arange(start, stop)] = False
        return rows

    if method in DOWNDATED:
        fits = leave_one_out_fits(y, v, method, hksj, hksj_adhoc, level)
        notes.append(f"{method}: sub-analyses by closed-form downdates of the full sums, O(k)")
    else:
        fits = fit_masks(y, v, omit, y.size, method, hksj, hksj_adhoc, level)
    notes += algorithm_notes(fits)
    sig = overall.significant
    sign = np.sign(overall.log_estimate)
    rows = []
    for i, name in enumerate(names):
        f = _row_fields(fits, i)
        row_sig = f["log_ci_lower"] > 0 or f["log_ci_upper"] < 0
        row_sign = np.sign(f["log_estimate"])
        rows.append(
            LeaveOneOutRow(
                **f,
                omitted=name,
                significance_flip=bool(row_sig != sig),
                direction_flip=bool(sign != 0 and row_sign != 0 and row_sign != sign),
            )
        )
    return LeaveOneOutResult(method, hksj or hksj_adhoc, level, overall, tuple(rows), tuple(notes))


@dataclass(frozen=True)
class CumulativeResult(Serialisable):
    """Cumulative meta-analysis: row j pools the first j studies in the given order."""

    method: str
    hksj: bool
    level: float
    rows: tuple[CumulativeRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def cumulative(
    yi: Any,
    sei: Any,
    method: str = "DL",
    order_labels: Sequence[Any] | None = None,
    hksj: bool = False,
    hksj_adhoc: bool = False,
    level: float = 0.95,
    order: Sequence[Any] | None = None,
) -> CumulativeResult:
    """Cumulative meta-analysis (metafor cumul; Cochrane Handbook 10.14).

    Studies are added in input order (``order_labels`` names them), or sorted stably by
    ``order`` (e.g. publication year) when given.
    """
    method = check_method(method)
    y, v = check_inputs(yi, sei)
    level = check_level(level)
    names = _labels(order_labels, y.size)
    notes = [f"studies added one at a time; each step re-estimated with {method}"]
    if order is not None:
        keys = list(order)
        if len(keys) != y.size:
            raise ValueError(f"{len(keys)} order values given for {y.size} studies")
        idx = sorted(range(y.size), key=lambda i: keys[i])
        y, v, names = y[idx], v[idx], [names[i] for i in idx]
        notes.append("order: sorted by the given key (ties keep input order)")
    else:
        notes.append("order: as given")

    def first(start: int, stop: int) -> np.ndarray:
        return np.arange(y.size)[None, :] <= np.arange(start, stop)[:, None]

    fits = fit_masks(y, v, first, y.size, method, hksj, hksj_adhoc, level)
    notes += algorithm_notes(fits)
    rows = tuple(CumulativeRow(**_row_fields(fits, i), added=names[i]) for i in range(y.size))
    return CumulativeResult(method, hksj or hksj_adhoc, level, rows, tuple(notes))


@dataclass(frozen=True)
class SubgroupResult(Serialisable):
    """Per-level analyses and the test for subgroup differences (Cochrane Handbook 10.11.3)."""

    method: str
    hksj: bool
    common_tau2: bool
    groups: dict[str, PoolResult]
    Q_between: float | None
    Q_between_df: int
    Q_between_p: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def q_between(log_estimates: np.ndarray, ses: np.ndarray) -> tuple[float, int, float | None]:
    """Q on subgroup estimates with inverse-variance weights, df = levels - 1 (as meta/RevMan)."""
    w = 1.0 / ses**2
    mu = float((w * log_estimates).sum() / w.sum())
    q = float((w * (log_estimates - mu) ** 2).sum())
    df = log_estimates.size - 1
    return q, df, (_num(chi2_sf(q, df)) if df > 0 else None)


def _group_index(groups: Sequence[Any], k: int) -> dict[str, np.ndarray]:
    keys = ["" if g is None else str(g) for g in groups]
    if len(keys) != k:
        raise ValueError(f"{len(keys)} group values given for {k} studies")
    levels: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        levels.setdefault(key, []).append(i)
    return {key: np.array(ix) for key, ix in levels.items()}


def subgroups(
    yi: Any,
    sei: Any,
    groups: Sequence[Any],
    method: str = "DL",
    hksj: bool = False,
    common_tau2: bool = False,
    hksj_adhoc: bool = False,
    level: float = 0.95,
) -> SubgroupResult:
    """Pool each level (first-appearance order) and test for subgroup differences.

    Default: separate tau2 per level, Q_between on the level estimates and their SEs
    (RevMan, meta). ``common_tau2``: one tau2 from the model with level indicators
    (metafor rma(mods = ~ factor(group))), Q_between its Wald test of equal means.
    """
    method = check_method(method)
    y, v = check_inputs(yi, sei)
    level = check_level(level)
    index = _group_index(groups, y.size)
    notes = ["levels in order of first appearance; a one-study level is that study"]
    if common_tau2:
        if hksj or hksj_adhoc:
            raise ValueError("common_tau2 with HKSJ is not supported; use separate tau2")
        result = _common_tau2_groups(y, v, index, method, level)
        notes.append(
            f"common tau2 = {result[0]:.6g} ({method}) from the model with level "
            "indicators; Q_between is the Wald test of equal level means"
        )
        pooled = result[1]
    else:
        pooled = {
            key: pool(y[ix], np.sqrt(v[ix]), method, hksj, hksj_adhoc, level)
            for key, ix in index.items()
        }
        notes.append(
            f"separate tau2 per level ({method}); Q_between on the level estimates "
            "with inverse-variance weights, df = levels - 1 (RevMan, meta)"
        )
    est = np.array([g.log_estimate for g in pooled.values()])
    se = np.array([g.se for g in pooled.values()])
    if len(pooled) < 2 or not (se > 0).all():
        notes.append("fewer than two levels (or a zero SE): no test for subgroup differences")
        return SubgroupResult(
            method,
            hksj or hksj_adhoc,
            common_tau2,
            pooled,
            None,
            max(len(pooled) - 1, 0),
            None,
            tuple(notes),
        )
    q, df, p = q_between(est, se)
    return SubgroupResult(method, hksj or hksj_adhoc, common_tau2, pooled, q, df, p, tuple(notes))


def _common_tau2_groups(
    y: np.ndarray, v: np.ndarray, index: dict[str, np.ndarray], method: str, level: float
) -> tuple[float, dict[str, PoolResult]]:
    """Pool each level with the residual tau2 of the subgroup (cell-means) model."""
    design = np.zeros((y.size, len(index)))
    mask = np.zeros((len(index), y.size), dtype=bool)
    for j, ix in enumerate(index.values()):
        design[ix, j] = 1.0
        mask[j, ix] = True
    tau2, code = (0.0, NONE) if method == FIXED else tau2_regression(y, v, design, method)
    fits = fit_rows(
        y, v, mask, method, level=level, tau2=np.full(len(index), tau2), tau2_algorithm=code
    )
    note = (
        f"tau2 = {tau2:.6g} is common to all levels ({method}, from the model with level "
        "indicators)",
    )
    return tau2, {
        key: result_from_row(fits, j, method, False, False, level, extra_notes=note)
        for j, key in enumerate(index)
    }
