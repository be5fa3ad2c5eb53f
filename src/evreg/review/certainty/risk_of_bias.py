"""Risk of bias from the studies' quality: the share of the evidence (by weight) from studies at
higher or unknown risk (Huguet et al., Syst Rev 2013;2:71, Table 4: serious when most evidence
is from studies at moderate or unclear risk, very serious when most is at high risk)."""

from __future__ import annotations

from evreg.review.certainty.evidence import Evidence, StudyEvidence, labels_text
from evreg.review.certainty.model import Judgement, Rule

HIGH_QUALITY_NOS = 7  # Newcastle-Ottawa Scale >= 7 of 9: high quality (the review's tool)
LOW_QUALITY_NOS = 4  # <= 4: low quality
MOST = 50.0  # "most evidence": more than half of the weight, in percent

RULE = Rule(
    "risk_of_bias",
    "Each study's risk from its Newcastle-Ottawa score as recorded (for a study added since, "
    f"the sum of its three domains): low (NOS ≥ "
    f"{HIGH_QUALITY_NOS} with comparability above 0 where recorded), higher (NOS below "
    f"{HIGH_QUALITY_NOS}, or comparability 0), high (NOS ≤ {LOW_QUALITY_NOS}), or unknown "
    "(no NOS: a concern, not a pass). Serious when more than "
    f"{MOST:.0f}% of the weight (the primary model's; each study equally for a published "
    f"result) is from studies at higher, high or unknown risk; very serious when more than "
    f"{MOST:.0f}% is from studies at high risk.",
    "Huguet et al., Syst Rev 2013;2:71 (Table 4); Wells et al., Newcastle-Ottawa Scale; "
    "Foroutan et al., J Clin Epidemiol 2020;121:62-70",
)


def study_risk(s: StudyEvidence) -> str:
    """ "low", "higher", "high" or "unknown" from a study's NOS total and comparability."""
    if s.nos is None:
        return "unknown"
    if s.nos <= LOW_QUALITY_NOS:
        return "high"
    if s.nos < HIGH_QUALITY_NOS or s.comparability == 0:
        return "higher"
    return "low"


WHY = {
    "unknown": "no NOS recorded",
    "higher": f"NOS below {HIGH_QUALITY_NOS} or comparability 0",
    "high": f"NOS ≤ {LOW_QUALITY_NOS}",
}


def judge(ev: Evidence) -> Judgement:
    """Weighted share of studies at higher, high or unknown risk against MOST (Huguet 2013)."""
    total = sum(s.weight for s in ev.studies)
    unit = total / len(ev.studies) if ev.studies else 1.0
    total += ev.unidentified * unit  # unnamed studies count equally, quality unknown
    if total <= 0:
        return Judgement("not assessable", "no study behind the result can be named")
    risks = [(s, study_risk(s)) for s in ev.studies]
    concern = sum(s.weight for s, r in risks if r != "low") + ev.unidentified * unit
    high = sum(s.weight for s, r in risks if r == "high")
    share, share_high = 100 * concern / total, 100 * high / total
    parts = [
        f"{WHY[kind]}: {labels_text([s.label for s, r in risks if r == kind])}"
        for kind in ("high", "higher", "unknown")
        if any(r == kind for _, r in risks)
    ]
    if ev.unidentified:
        parts.append(f"{ev.unidentified} not named in the study table, quality unknown")
    detail = f" ({'; '.join(parts)})" if parts else ""
    if share_high > MOST:
        return Judgement("very serious", f"{_share(ev, share_high, high)} at high risk{detail}")
    if share > MOST:
        return Judgement(
            "serious", f"{_share(ev, share, concern)} at higher or unknown risk{detail}"
        )
    rest = f"; the rest: {'; '.join(parts)}" if parts else ""
    low = _share(ev, 100 - share, total - concern)
    return Judgement("not serious", f"{low} at low risk (NOS ≥ {HIGH_QUALITY_NOS}){rest}")


def _share(ev: Evidence, percent: float, weight: float) -> str:
    """ "62% of the weight from studies" or, for a published result, "3 of 6 studies" """
    if ev.printed:
        return f"{round(weight)} of {len(ev.studies) + ev.unidentified} studies"
    return f"{percent:.0f}% of the weight from studies"
