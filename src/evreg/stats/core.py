"""Core of :mod:`evreg.stats`: input conversion, pool(), PoolResult and the review's rule.

Pure numpy, no I/O. Inverse-variance fixed effect and random effects (tau2 by FE, DL,
REML, PM, ML, SJ, HE, EB), Wald or Hartung-Knapp-Sidik-Jonkman intervals, prediction interval,
heterogeneity, and the review's model rule. Numbers agree with R metafor 3.8 (``rma.uni``) to
relative 1e-6; see tests/stats/test_stats_metafor.py. Import from :mod:`evreg.stats`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from evreg.stats.dist import norm_ppf
from evreg.stats.engine import FIXED, RowFits, fit_rows
from evreg.stats.solvers import ALGORITHMS, CLOSED, ROOT
from evreg.stats.tau2 import METHODS, q_profile_ci

METHOD_NAMES = {
    "FE": "fixed effect (inverse variance)",
    "DL": "random effects, DerSimonian-Laird tau2",
    "REML": "random effects, restricted maximum-likelihood tau2",
    "PM": "random effects, Paule-Mandel tau2",
    "ML": "random effects, maximum-likelihood tau2",
    "SJ": "random effects, Sidik-Jonkman tau2",
    "HE": "random effects, Hedges tau2",
    "EB": "random effects, empirical Bayes tau2",
}


def _num(x: Any) -> float | None:
    """Python float, or None for NaN/inf/None (unavailable)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _exp(x: float | None) -> float | None:
    if x is None:
        return None
    try:
        return _num(math.exp(x))
    except OverflowError:
        return None


def to_plain(value: Any) -> Any:
    """JSON-ready copy: results via their to_dict(), tuples to lists, dict keys to str."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


class Serialisable:
    """Mixin for frozen result dataclasses: ``to_dict()`` over all fields, recursively."""

    def to_dict(self) -> dict[str, Any]:
        return {f: to_plain(getattr(self, f)) for f in self.__dataclass_fields__}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PoolResult:
    """One pooled analysis on the log scale, with its exponentiated summary and choices."""

    k: int
    method: str
    hksj: bool
    level: float
    log_estimate: float
    se: float
    log_ci_lower: float
    log_ci_upper: float
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    z: float | None
    p: float | None
    df: float | None
    tau2: float
    tau2_ci_lower: float | None
    tau2_ci_upper: float | None
    tau: float
    Q: float
    Q_df: int
    Q_p: float | None
    I2: float | None
    I2_tau: float | None
    H2: float | None
    H2_tau: float | None
    pi_lower: float | None
    pi_upper: float | None
    log_pi_lower: float | None
    log_pi_upper: float | None
    weights: tuple[float, ...]
    hksj_adhoc: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    tau2_algorithm: str | None = None  # what produced tau2 (None: FE, or k = 1)

    @property
    def significant(self) -> bool:
        """True when the CI excludes the null (ratio 1) at the result's level."""
        return self.log_ci_lower > 0 or self.log_ci_upper < 0

    @property
    def model(self) -> str:
        """ "fixed" for the FE method, "random" otherwise."""
        return "fixed" if self.method == FIXED else "random"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (tuples become lists, unavailable values None)."""
        out = asdict(self)
        out["weights"] = list(self.weights)
        out["notes"] = list(self.notes)
        out["significant"] = self.significant
        out["model"] = self.model
        return out


@dataclass(frozen=True)
class RuleChoice:
    """The primary model chosen by the review's rule and why."""

    model: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ci_to_se(
    ratio: Any, lower: Any, upper: Any, level: Any = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """log ratio and SE = (ln U - ln L) / (2 z_{1-alpha/2}) (Cochrane Handbook 6.3.2).

    ``level`` may be a scalar or one value per row. Raises ValueError for non-positive
    ratios, bounds not enclosing the ratio, or a level outside (0, 1).
    """
    r, lo, up = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (ratio, lower, upper))
    lev = np.broadcast_to(np.asarray(level, dtype=float), r.shape)
    bad = ~(np.isfinite(r) & np.isfinite(lo) & np.isfinite(up)) | (r <= 0) | (lo <= 0) | (up <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"row {i + 1}: ratio and CI bounds must be positive numbers")
    order = (lo > r) | (r > up) | (lo >= up)
    if order.any():
        i = int(np.flatnonzero(order)[0])
        raise ValueError(
            f"row {i + 1}: CI [{lo[i]:g}, {up[i]:g}] must satisfy lower < upper "
            f"and enclose {r[i]:g}"
        )
    check_level_array(lev)
    z = norm_ppf(1.0 - (1.0 - lev) / 2.0)
    return np.log(r), (np.log(up) - np.log(lo)) / (2.0 * z)


def ci_from_se(log_ratio: Any, se: Any, level: Any = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """A ratio's CI at ``level`` from its log ratio and SE: exp(y -/+ z_{1-alpha/2} SE)
    (Cochrane Handbook 6.3.2; how RevMan's generic inverse variance shows each study)."""
    y, s = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (log_ratio, se))
    z = norm_ppf(0.5 + np.asarray(check_level_array(level), dtype=float) / 2.0)
    with np.errstate(over="ignore"):
        return np.exp(y - z * s), np.exp(y + z * s)


def check_level_array(level: Any) -> np.ndarray:
    """Confidence level(s) in (0, 1), or ValueError."""
    lev = np.asarray(level, dtype=float)
    if ((lev <= 0) | (lev >= 1) | ~np.isfinite(lev)).any():
        raise ValueError("CI level must be between 0 and 1 (e.g. 0.95)")
    return lev


# The package's comparison values (schemas/estimates.json): printed high vs low, or printed the
# other way round and harmonised by code (the one list; the schema's enum is tested against it).
AS_PRINTED = ("high_vs_low", "increase_vs_decrease")
FLIPPED = ("low_vs_high", "decrease_vs_increase")


def harmonise(
    ratio: Any, lower: Any, upper: Any, comparison: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Express every ratio as high vs low: :data:`FLIPPED` rows (``low_vs_high``,
    ``decrease_vs_increase``) become 1/ratio with bounds 1/upper, 1/lower (Cochrane Handbook
    6.3.2 / 10.4)."""
    r, lo, up = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (ratio, lower, upper))
    comp = np.broadcast_to(np.asarray(comparison, dtype=object), r.shape)
    flip = np.isin(comp.astype(str), FLIPPED)
    return (
        np.where(flip, 1.0 / r, r),
        np.where(flip, 1.0 / up, lo),
        np.where(flip, 1.0 / lo, up),
    )


def check_inputs(yi: Any, sei: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate log effects and SEs: equal length, k >= 1, finite, SE > 0, and within what
    double precision can pool; returns (y, v). Raises ValueError naming the study."""
    y = np.atleast_1d(np.asarray(yi, dtype=float))
    s = np.atleast_1d(np.asarray(sei, dtype=float))
    if y.ndim != 1 or y.shape != s.shape:
        raise ValueError("yi and sei must be 1-D arrays of the same length")
    if y.size == 0:
        raise ValueError("no studies to pool (k = 0)")
    problem = input_problem(y, s)
    if problem is not None:
        row, message = problem
        raise ValueError(message if row is None else f"study {row + 1}: {message}")
    return y, s**2


def input_problem(y: np.ndarray, s: np.ndarray) -> tuple[int | None, str] | None:
    """The first input the engine cannot pool: (row or None for the whole table, why).

    Besides non-finite values and SE <= 0: SEs whose weights' cubes (REML's tr PP) or
    weighted squared residuals would overflow double precision (no warning, no infinity).
    """
    bad = ~np.isfinite(y)
    if bad.any():
        return int(np.flatnonzero(bad)[0]), "log effect is not a finite number"
    bad = ~np.isfinite(s) | (s <= 0)
    if bad.any():
        return int(np.flatnonzero(bad)[0]), "standard error must be a positive finite number"
    big = np.finfo(float).max / (4.0 * y.size)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        v = s**2
        w = 1.0 / v
        weighted = w.max() ** 2 * np.ptp(y) ** 2
    bad = ~np.isfinite(v) | ~(v > 0) | ~(w < big ** (1.0 / 3.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return i, (
            f"standard error {s[i]:g} is too small or too large for double-precision "
            "arithmetic (between about 1e-50 and 1e150 can be pooled)"
        )
    if not weighted < big:
        return None, (
            "log effects too far apart for double-precision arithmetic "
            "(their range, squared and weighted, overflows)"
        )
    return None


def check_method(method: str) -> str:
    """Upper-cased method name, or ValueError listing the choices."""
    m = str(method).upper()
    if m not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return m


def check_level(level: float) -> float:
    """The confidence level as a float in (0, 1), or ValueError."""
    value = float(level)
    if not 0.0 < value < 1.0:
        raise ValueError(f"level {level!r} must be between 0 and 1 (e.g. 0.95)")
    return value


def tau2_note(method: str, code: int) -> str:
    """Which algorithm produced tau2, in a few plain words ("" when none ran)."""
    if code == CLOSED:
        return f"tau2 ({method}): closed form"
    if code == ROOT:
        same = " (the EB equation, identical to Paule-Mandel)" if method == "EB" else ""
        return f"tau2 ({method}): root of generalised Q = k-1 by bracketed Newton{same}"
    if code in ALGORITHMS:
        kind = "restricted likelihood" if method == "REML" else "likelihood"
        return f"tau2 ({method}): maximum of the {kind} by {ALGORITHMS[code]}"
    return ""


def method_notes(method: str, k: int, hksj: bool, hksj_adhoc: bool, level: float) -> list[str]:
    """Plain-language statement of every choice behind a result."""
    pct = f"{100 * level:g}%"
    notes = [f"model: {METHOD_NAMES[method]}; inverse-variance weights"]
    if k == 1:
        notes.append(
            "k = 1: the result is the single study itself (no pooling, tau2 = 0, "
            "no heterogeneity statistics)"
        )
        if hksj or hksj_adhoc:
            notes.append(f"{pct} CI and test: Wald z (HKSJ needs k >= 2)")
        return notes
    if hksj or hksj_adhoc:
        trunc = (
            "ad hoc truncation: HKSJ variance not allowed below the Wald variance"
            if hksj_adhoc
            else "untruncated (metafor test='knha')"
        )
        notes.append(
            f"{pct} CI and test: Hartung-Knapp-Sidik-Jonkman, t with k-1 = {k - 1} df, " + trunc
        )
    else:
        notes.append(f"{pct} CI and test: Wald, normal (z) distribution")
    notes.append(
        "heterogeneity: Cochran's Q with FE weights, df = k-1; I2 = max(0, (Q-df)/Q) "
        "(Higgins & Thompson 2002); H2 = Q/df"
    )
    if method != FIXED:
        notes.append("I2_tau, H2_tau: tau2-based, with metafor's typical within-study variance")
        notes.append(f"tau2 {pct} CI: Q-profile (Viechtbauer 2007)")
        if k >= 3:
            notes.append(
                f"{pct} prediction interval: t with k-2 = {k - 2} df, "
                "sqrt(tau2 + SE^2) (Higgins 2009; Cochrane Handbook 10.10.4.3)"
            )
        else:
            notes.append("prediction interval: not given for k < 3")
    else:
        notes.append("tau2 assumed 0 (fixed effect); no prediction interval")
    return notes


def _row_notes(
    fits: RowFits, row: int, method: str, hksj: bool, hksj_adhoc: bool, level: float
) -> list[str]:
    """The method's notes, the tau2 algorithm's and a zero HKSJ variance's, for one row."""
    notes = method_notes(method, int(fits.k[row]), hksj, hksj_adhoc, level)
    code = int(fits.tau2_algorithm[row])
    if method != FIXED and tau2_note(method, code):
        notes.append(tau2_note(method, code))
    if fits.se[row] == 0:
        notes.append(
            "HKSJ variance is zero (identical estimates): the CI has zero width and "
            "no test statistic or p-value is defined"
        )
    return notes


def result_from_row(
    fits: RowFits,
    row: int,
    method: str,
    hksj: bool,
    hksj_adhoc: bool,
    level: float,
    tau2_ci: tuple[float | None, float | None] = (None, None),
    extra_notes: tuple[str, ...] = (),
) -> PoolResult:
    """Build a PoolResult from row ``row`` of vectorised fits."""
    k = int(fits.k[row])
    log_est = float(fits.estimate[row])
    lo, up = float(fits.ci_lower[row]), float(fits.ci_upper[row])
    use_t = (hksj or hksj_adhoc) and k > 1
    notes = _row_notes(fits, row, method, hksj, hksj_adhoc, level)
    code = int(fits.tau2_algorithm[row])
    mask = fits.weights[row] > 0
    tau2 = float(fits.tau2[row])
    pil, piu = _num(fits.pi_lower[row]), _num(fits.pi_upper[row])
    return PoolResult(
        k=k,
        method=method,
        hksj=use_t,
        level=level,
        log_estimate=log_est,
        se=float(fits.se[row]),
        log_ci_lower=lo,
        log_ci_upper=up,
        estimate=_exp(log_est),
        ci_lower=_exp(lo),
        ci_upper=_exp(up),
        z=_num(fits.stat[row]),
        p=_num(fits.p[row]),
        df=_num(fits.df[row]) if use_t else None,
        tau2=tau2,
        tau2_ci_lower=tau2_ci[0],
        tau2_ci_upper=tau2_ci[1],
        tau=math.sqrt(tau2),
        Q=float(fits.Q[row]),
        Q_df=int(fits.Q_df[row]),
        Q_p=_num(fits.Q_p[row]),
        I2=_num(fits.I2[row]),
        I2_tau=_num(fits.I2_tau[row]),
        H2=_num(fits.H2[row]),
        H2_tau=_num(fits.H2_tau[row]),
        pi_lower=_exp(pil),
        pi_upper=_exp(piu),
        log_pi_lower=pil,
        log_pi_upper=piu,
        weights=tuple(fits.weights[row][mask].tolist()),
        hksj_adhoc=bool(hksj_adhoc and use_t),
        notes=tuple(notes) + tuple(extra_notes),
        tau2_algorithm=ALGORITHMS.get(code) if method != FIXED else None,
    )


def pool(
    yi: Any,
    sei: Any,
    method: str = "DL",
    hksj: bool = False,
    hksj_adhoc: bool = False,
    level: float = 0.95,
) -> PoolResult:
    """Inverse-variance meta-analysis of log ratios (Cochrane Handbook 10.3; metafor rma.uni).

    ``hksj`` uses Hartung-Knapp-Sidik-Jonkman (t, k-1 df, untruncated); ``hksj_adhoc`` adds
    the ad hoc truncation (implies HKSJ). k = 0 raises ValueError; k = 1 returns the study.
    """
    method = check_method(method)
    y, v = check_inputs(yi, sei)
    level = check_level(level)
    fits = fit_rows(y, v, np.ones((1, y.size), dtype=bool), method, hksj, hksj_adhoc, level)
    ci: tuple[float | None, float | None] = (None, None)
    if method != FIXED and y.size >= 2:
        ci = q_profile_ci(y, v, level)
    return result_from_row(fits, 0, method, hksj, hksj_adhoc, level, ci)
