"""Absolute effects for the summary of findings: which printed baseline survival figures an
analysis uses, how each becomes a survival at its horizon, and the pooled hazard ratio applied
to it (formulas: :mod:`evreg.stats.absolute`; GRADE guidelines 27, Skoetz et al., J Clin
Epidemiol 2020;118:124-31; GRADE guidelines 28, Foroutan et al., J Clin Epidemiol
2020;121:62-70: users need "the absolute risk of the outcome(s) in those with and without the
prognostic factor")."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from evreg import stats
from evreg.data.formats import per_100, signed_per_100
from evreg.review.results import AbsoluteRow, AnalysisResult

RULE = (
    "For each analysis with a pooled hazard ratio, every printed baseline survival of the "
    "package (data/baseline_risks.csv) for the analysis's outcome that is either a whole trial "
    "arm or the low-marker group of the analysis's own biomarker, and whose value is printed (a"
    " median 'not reached' gives no baseline). A survival printed at a time point is used at "
    "that time; a median m becomes the survival at the horizon t under an exponential model, "
    "S(t) = 2^(-t/m). The high-marker group's survival is S_low^HR (proportional hazards), its "
    "interval from the hazard ratio's CI with the baseline taken as known; the difference is "
    "per 100 patients, high minus low. Baselines are listed largest printed group first (a "
    "group of unknown size last); the summary of findings shows the first. A whole arm includes"
    " high-marker patients, so its survival is below the low group's: it is a conservative "
    "stand-in for the low group's baseline, named as such."
)
REFERENCE = (
    "Skoetz et al., J Clin Epidemiol 2020;118:124-31 (GRADE 27); Foroutan et al., J Clin "
    "Epidemiol 2020;121:62-70 (GRADE 28); Collett, Modelling Survival Data in Medical "
    "Research, 3rd ed. 2015 (exponential model)"
)


def usable(baseline: Mapping[str, object], biomarker: str, outcome: str) -> bool:
    """Does a baseline apply to an analysis of ``biomarker`` and ``outcome`` (see RULE)?"""
    if baseline.get("outcome") != outcome or not _positive(baseline.get("value")):
        return False
    if baseline.get("group") == "low_marker":
        return baseline.get("biomarker") == biomarker
    return baseline.get("group") == "whole_arm"


def baseline_survival(baseline: Mapping[str, object]) -> tuple[float, float, str]:
    """(survival at the horizon as a fraction, the horizon in months, how it was obtained)."""
    value, horizon = float(baseline["value"]), float(baseline["horizon_months"])  # type: ignore[arg-type]
    if baseline.get("measure") == "median":
        months = f"{value:g}"
        return (
            stats.survival_from_median(value, horizon),
            horizon,
            f"median {months} months converted to {horizon:g}-month survival "
            "(exponential model, S(t) = 2^(-t/median))",
        )
    return value / 100.0, horizon, f"survival at {horizon:g} months as printed"


def _order(baseline: Mapping[str, object]) -> tuple[int, int, str]:
    n = baseline.get("n")
    size = n if isinstance(n, int) and not isinstance(n, bool) else None
    return (size is None, -(size or 0), str(baseline.get("baseline_id")))


def absolute_effects(
    a: AnalysisResult, baselines: Sequence[Mapping[str, object]]
) -> tuple[AbsoluteRow, ...]:
    """The pooled hazard ratio of ``a`` (primary model) at every baseline that applies."""
    res = a.primary_result
    if res is None or res.estimate is None or res.ci_lower is None or res.ci_upper is None:
        return ()
    rows = []
    chosen = [b for b in baselines if usable(b, a.biomarker, a.outcome)]
    for b in sorted(chosen, key=_order):
        low, horizon, how = baseline_survival(b)
        effect = stats.absolute_effect(low, res.estimate, res.ci_lower, res.ci_upper)
        rows.append(
            AbsoluteRow(
                baseline_id=str(b["baseline_id"]),
                horizon_months=horizon,
                survival_low=effect.survival_low,
                survival_high=effect.survival_high,
                survival_high_ci=effect.survival_high_ci,
                difference_per_100=effect.difference_per_100,
                difference_per_100_ci=effect.difference_per_100_ci,
                conversion=how,
            )
        )
    return tuple(rows)


def with_absolute_effects(
    analyses: Sequence[AnalysisResult], baselines: Sequence[Mapping[str, object]]
) -> tuple[AnalysisResult, ...]:
    """Every analysis with its ``absolute`` effects (see :func:`absolute_effects`)."""
    return tuple(dataclasses.replace(a, absolute=absolute_effects(a, baselines)) for a in analyses)


def effect_text(row: AbsoluteRow, outcome: str) -> str:
    """ "12-month OS: 67 vs 43 per 100 (difference −25, 95% CI −41 to −9)": the low group
    first, as GRADE's summary of findings puts the baseline first."""
    lo, up = row.difference_per_100_ci
    return (
        f"{row.horizon_months:g}-month {outcome}: {per_100(row.survival_low)} vs "
        f"{per_100(row.survival_high)} per 100 (difference "
        f"{signed_per_100(row.difference_per_100)}, 95% CI {signed_per_100(lo)} to "
        f"{signed_per_100(up)})"
    )


def headline(row: AbsoluteRow, outcome: str) -> str:
    """ "12-month OS: 67 vs 43 per 100": the survival of the low and high groups, for a line
    that links to the full statement (:func:`effect_text`)."""
    return (
        f"{row.horizon_months:g}-month {outcome}: {per_100(row.survival_low)} vs "
        f"{per_100(row.survival_high)} per 100"
    )


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0
