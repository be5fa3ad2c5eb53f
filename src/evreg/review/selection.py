"""Which estimate a study contributes: the one selection rule that the plan
(:func:`evreg.review.plan.select_estimates`) and the audit's reproduction
(:mod:`evreg.review.audit.reproduction`) both apply, so they pool the same numbers.

An estimate is *usable* when it is extracted (or derived by evreg from printed statistics or
curves) and has a ratio and both CI bounds. Among a
study's usable qualifying estimates the preferred one comes first in the plan's model order
(the analysis' ``models``, e.g. multivariable before univariable), then by cohort (whole
before training, unknown, validation), then in file order. Works on typed rows and on the
printed (text) rows the audit reads, where an empty cell is "".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evreg.data.package import split_list

MODEL_PREFERENCE_DEFAULT = ("multivariable", "univariable", "unknown")
COHORT_PREFERENCE = ("whole", "training", "unknown", "validation")
POOLED_FIELDS = ("hr", "ci_lower", "ci_upper")  # what pooling needs from a source

Row = Mapping[str, Any]


USABLE_STATUSES = ("extracted", "derived")  # derived: computed by evreg from printed inputs


def usable(est: Row) -> bool:
    """Extracted (or derived), with a ratio and both CI bounds (None or "" is empty)."""
    return est.get("status") in USABLE_STATUSES and all(
        est.get(f) not in (None, "") for f in POOLED_FIELDS
    )


def model_order(analysis: Row) -> tuple[str, ...]:
    """The plan's model order for an analysis row (its ``models`` list, else the default)."""
    return split_list(analysis.get("models")) or MODEL_PREFERENCE_DEFAULT


def preference_key(est: Row, models: Sequence[str]) -> tuple[int, int]:
    """Sort key: the plan's model order first, then the cohort order (unlisted values last)."""
    model = est.get("model")
    model_rank = models.index(model) if model in models else len(models)
    cohort = est.get("cohort")
    cohort_rank = (
        COHORT_PREFERENCE.index(cohort) if cohort in COHORT_PREFERENCE else len(COHORT_PREFERENCE)
    )
    return model_rank, cohort_rank


def by_study(estimates: Sequence[Row]) -> dict[str, list[Row]]:
    """Estimates grouped by study, studies and estimates in file order."""
    out: dict[str, list[Row]] = {}
    for est in estimates:
        out.setdefault(str(est.get("study_id")), []).append(est)
    return out


def preferred(ests: Sequence[Row], models: Sequence[str]) -> Row | None:
    """A study's preferred usable estimate (None when it has none); ties keep file order."""
    candidates = [e for e in ests if usable(e)]
    return min(candidates, key=lambda e: preference_key(e, models)) if candidates else None


def select(estimates: Sequence[Row], models: Sequence[str]) -> list[Row]:
    """One preferred usable estimate per study, studies in file order."""
    picks = (preferred(ests, models) for ests in by_study(estimates).values())
    return [p for p in picks if p is not None]
