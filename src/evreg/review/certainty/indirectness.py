"""Indirectness from the plan checks ``evreg validate`` runs (evreg.data.validate.plan): pooled
estimates that mix time points or exposures answer the question less directly (GRADE guidelines
8, Guyatt et al., J Clin Epidemiol 2011;64:1303-10; Huguet et al., Syst Rev 2013;2:71)."""

from __future__ import annotations

from evreg.review.certainty.evidence import Evidence
from evreg.review.certainty.model import Judgement, Rule
from evreg.review.certainty.risk_of_bias import MOST

RULE = Rule(
    "indirectness",
    "Serious when the pooled estimates mix time points (baseline, on treatment, unknown) or "
    "exposures (marker level high vs low, change, unknown): the warnings evreg validate gives "
    "for the plan, applied to the estimates actually pooled (for a published result: every "
    "estimate of the review's studies that qualifies). Both kinds concern the same element of "
    "the question (how the prognostic factor was measured), so together they stay serious. "
    "A published result most of whose studies the study table does not name is serious too "
    "(whether they answer the question cannot be checked). "
    "Cut-offs (each study's own) and populations (every study meets the review's eligibility) "
    "are not compared by the computation; a reviewer's row can rate them.",
    "GRADE guidelines 8 (Guyatt et al., J Clin Epidemiol 2011;64:1303-10); Huguet et al., "
    "Syst Rev 2013;2:71; evreg validate (plan checks)",
)


def judge(ev: Evidence) -> Judgement:
    """Serious for any mix of time points or exposures among the pooled estimates."""
    unnamed = (
        f"; {ev.unidentified} of {ev.k} studies not named in the study table (estimates unknown)"
        if ev.unidentified
        else ""
    )
    if ev.k and 100 * ev.unidentified / ev.k > MOST:
        return Judgement(
            "serious",
            f"{ev.unidentified} of the {ev.k} studies not named in the study table: whether "
            "they measured the factor as the question asks cannot be checked",
        )
    if not ev.mixes:
        what = "one estimate" if ev.k == 1 else "the pooled estimates"
        return Judgement(
            "not serious", f"{what}: no mix of time points or exposures (evreg validate){unnamed}"
        )
    detail = " and ".join(f"{m.what} ({m.detail_in_words})" for m in ev.mixes)
    return Judgement("serious", f"pools estimates that mix {detail}{unnamed}")
