"""What each rating is about: the target of the certainty rating, declared per analysis in the
plan (``target``, ``threshold_lower``, ``threshold_upper``, ``question``). GRADE rates
certainty that the true effect lies beyond a threshold or within a range, so the thresholds are
named (GRADE guidance 34, Zeng et al., J Clin Epidemiol 2022;150:216-24; Hultcrantz et al., J
Clin Epidemiol 2017;87:4-13); for a prognostic factor the subject is groups of patients with
different risks (Foroutan et al., GRADE guidelines 28, J Clin Epidemiol 2020;121:62-70)."""

from __future__ import annotations

from collections.abc import Mapping

from evreg.review.certainty.model import Rule, ratio_text
from evreg.review.results import Target

ASSOCIATION = "association"
IMPORTANT = "important_association"
KINDS = (ASSOCIATION, IMPORTANT)
PROGNOSTIC = "prognostic"
AETIOLOGICAL = "aetiological"
# Important ratios either side of 1 when the plan gives none: 1.25 (GRADE guidelines 6, Guyatt
# et al., J Clin Epidemiol 2011;64:1283-93, a rough guide) and its reciprocal 0.80, so that
# "important" means the same size of association either way on the ratio (log) scale.
THRESHOLD_UPPER = 1.25
THRESHOLD_LOWER = 1 / THRESHOLD_UPPER

RULE = Rule(
    "target",
    "Each analysis declares what its rating is about: an association (the ratio differs from "
    "1) or an important association (the ratio lies beyond the important thresholds). The "
    f"thresholds are the plan's, by default {ratio_text(THRESHOLD_LOWER)} and "
    f"{ratio_text(THRESHOLD_UPPER)} (reciprocals: the same size either way). Imprecision is "
    "judged against them and the statement is worded by them. A prognostic question starts at "
    "high certainty (cohort studies of a prognostic factor); an aetiological one (does an "
    "exposure cause the outcome) from observational studies starts at low.",
    "GRADE guidance 34 (Zeng et al., J Clin Epidemiol 2022;150:216-24); Foroutan et al., "
    "J Clin Epidemiol 2020;121:62-70; GRADE guidelines 3 (Balshem et al., J Clin Epidemiol "
    "2011;64:401-6); GRADE guidelines 6 (Guyatt et al., J Clin Epidemiol 2011;64:1283-93)",
)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def plan_target(plan_row: Mapping[str, object]) -> Target:
    """The analysis' declared target, with the defaults stated in :data:`RULE`."""
    lower, upper = (
        _number(plan_row.get("threshold_lower")),
        _number(plan_row.get("threshold_upper")),
    )
    kind = str(plan_row.get("target") or ASSOCIATION)
    question = str(plan_row.get("question") or PROGNOSTIC)
    return Target(
        kind=kind if kind in KINDS else ASSOCIATION,
        lower=lower if lower is not None else THRESHOLD_LOWER,
        upper=upper if upper is not None else THRESHOLD_UPPER,
        question=question if question in (PROGNOSTIC, AETIOLOGICAL) else PROGNOSTIC,
    )


def describe(target: Target) -> str:
    """ "an association (ratio ≠ 1; important below 0.80 or above 1.25)" """
    bounds = f"important below {ratio_text(target.lower)} or above {ratio_text(target.upper)}"
    if target.kind == IMPORTANT:
        return f"an important association (ratio beyond {ratio_text(target.lower)} or " + (
            f"{ratio_text(target.upper)})"
        )
    return f"an association (ratio ≠ 1; {bounds})"
