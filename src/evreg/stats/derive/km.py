"""Hazard ratio from two Kaplan-Meier curves: Guyot 2012 reconstruction, then a Cox model.

The Cox model (statsmodels ``PHReg``, Efron ties, as R ``survival::coxph``'s default) is
fitted to the reconstructed data of the non-reference group against the reference; the
log-rank test (statsmodels ``survdiff``, as R ``survdiff``) is reported beside it.
statsmodels is imported when a curve is reconstructed, so ``import evreg.stats`` stays light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from evreg.stats.derive.curves import Curve, check_at_risk, clean_curve
from evreg.stats.derive.guyot import GroupIPD, reconstruct
from evreg.stats.derive.result import LEVEL, DerivationError, DerivedEstimate


@dataclass(frozen=True)
class CurveInput:
    """One group's digitised curve as read (``where`` names its file) and its at-risk column."""

    label: str
    time: np.ndarray
    survival: np.ndarray
    where: str
    total_events: int | None = None
    lines: np.ndarray | None = None  # each point's line in its file (default: index + 2)


@dataclass(frozen=True)
class CoxFit:
    """A two-group Cox fit (group 1 vs 0) and the log-rank test on the same data."""

    log_hr: float
    se: float
    logrank_chisq: float
    logrank_p: float


def cox_two_groups(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> CoxFit:
    """Cox proportional hazards with Efron ties (statsmodels PHReg) and the log-rank test."""
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import survdiff

    fit = PHReg(time, group.reshape(-1, 1).astype(float), status=event, ties="efron").fit(
        disp=False
    )
    chisq, p = survdiff(time, event, group)
    return CoxFit(float(fit.params[0]), float(fit.bse[0]), float(chisq), float(p))


def _groups(
    curves: list[CurveInput], reference: str, at_risk_labels: list[str], where: str
) -> tuple[CurveInput, CurveInput]:
    labels = [c.label for c in curves]
    if len(curves) != 2 or len(set(labels)) != 2:
        raise DerivationError(f"give exactly two curves with different labels (got {labels})")
    if reference not in labels:
        raise DerivationError(f"reference {reference!r} is not a curve label ({', '.join(labels)})")
    missing = [label for label in labels if label not in at_risk_labels]
    if missing:
        raise DerivationError(
            f"{where}: no at-risk column for curve {missing[0]!r} "
            f"(columns: {', '.join(at_risk_labels) or 'none'})"
        )
    ref = next(c for c in curves if c.label == reference)
    other = next(c for c in curves if c.label != reference)
    return other, ref


def derive_km(
    curves: list[CurveInput],
    at_risk_time: np.ndarray,
    at_risk: dict[str, np.ndarray],
    at_risk_where: str,
    reference: str,
    inputs: dict[str, Any],
    level: float = LEVEL,
    at_risk_lines: np.ndarray | None = None,
) -> tuple[DerivedEstimate, dict[str, GroupIPD]]:
    """Guyot 2012 per group, then the Cox HR of the non-reference group vs the reference."""
    other, ref = _groups(curves, reference, list(at_risk), at_risk_where)
    notes: list[str] = []
    groups: dict[str, GroupIPD] = {}
    for c in (ref, other):
        curve: Curve = clean_curve(c.label, c.time, c.survival, c.where, c.lines)
        rt, rn, rnotes = check_at_risk(
            curve, at_risk_time, at_risk[c.label], at_risk_where, at_risk_lines
        )
        g = reconstruct(curve, rt, rn, c.total_events)
        if c.total_events is not None and g.events != c.total_events:
            notes.append(f"{c.label}: {g.events} events reconstructed, {c.total_events} printed")
        notes += [*curve.notes, *rnotes, *(f"{c.label}: {n}" for n in g.notes)]
        groups[c.label] = g
    for label, g in groups.items():
        if g.events == 0:
            raise DerivationError(f"curve {label!r}: no events reconstructed (a flat curve)")
    time = np.concatenate((groups[ref.label].time, groups[other.label].time))
    event = np.concatenate((groups[ref.label].event, groups[other.label].event))
    group = np.concatenate(
        (np.zeros(groups[ref.label].time.size), np.ones(groups[other.label].time.size))
    )
    fit = cox_two_groups(time, event, group)
    notes.append(
        f"Cox model (Efron ties) of {other.label} vs {ref.label} on the reconstructed data; "
        "unadjusted"
    )
    details = {
        "compared": f"{other.label} vs {ref.label}",
        "logrank_chisq": fit.logrank_chisq,
        "logrank_p": fit.logrank_p,
        "groups": {label: _group_summary(g) for label, g in groups.items()},
    }
    est = DerivedEstimate("km", fit.log_hr, fit.se, inputs, tuple(notes), level, details)
    if not math.isfinite(est.log_hr) or not math.isfinite(est.se):
        raise DerivationError("the Cox model did not converge on the reconstructed data")
    return est, groups


def _group_summary(g: GroupIPD) -> dict[str, Any]:
    return {
        "n": int(g.time.size),
        "events": g.events,
        "censored": g.censored,
        "at_risk": [
            {"time": float(t), "printed": int(p), "reconstructed": int(r)}
            for t, p, r in zip(g.risk_time, g.risk_printed, g.risk_reconstructed, strict=True)
        ],
    }
