"""Risk of bias of a body of evidence from its studies' QUIPS assessments (:mod:`.quips`): the
share of the random-effects weight at moderate or unknown risk, and at high risk (Huguet et al.,
Syst Rev 2013;2:71, Table 4: serious "when most evidence is from studies with moderate or
unclear risk of bias", very serious when most is at high risk; Hayden et al., Ann Intern Med
2013;158:280-6; Foroutan et al., GRADE guidelines 28, J Clin Epidemiol 2020;121:62-70). The
review's Newcastle-Ottawa score is shown beside it as the review's own score, not used: summary
scores hide which bias a study has (Cochrane Handbook, section 7.6.3, on quality scales)."""

from __future__ import annotations

from evreg.review.certainty.evidence import Evidence, StudyEvidence, labels_text
from evreg.review.certainty.model import Judgement, Rule
from evreg.review.certainty.quips import QUIPS_DOMAINS, REFERENCE, StudyRisk

MOST = 50.0  # "most evidence": half of the weight or more, in percent
CONCERN = ("unknown", "moderate", "high")

RULE = Rule(
    "risk_of_bias",
    "Each study is judged for the outcome with QUIPS's six domains (study participation, "
    "attrition, prognostic factor measurement, outcome measurement, study confounding, "
    "statistical analysis and reporting): a reviewer's row in the risk_of_bias resource decides "
    "a domain; where no one has judged, computed prompts make a domain at least moderate — a "
    "cut-off derived from the same data (prognostic factor measurement); a univariable or "
    "unstated model (confounding); an unstated cohort, extraction from an abstract only, or a "
    "ratio the registry derived (statistical analysis and reporting); a design other than a "
    "cohort (participation). A domain neither judged nor prompted is at unknown risk, a "
    "concern. A study's risk is its worst domain. Serious when studies at moderate, unknown or "
    f"high risk carry {MOST:.0f}% or more of the random-effects weight (each study equally for "
    f"a published result; studies not named count as unknown); very serious when more than "
    f"{MOST:.0f}% is at high risk. The review's Newcastle-Ottawa score is shown as its own score.",
    REFERENCE + "; Foroutan et al., J Clin Epidemiol 2020;121:62-70",
)


def study_risk(s: StudyEvidence) -> str:
    """A study's overall QUIPS risk: low, moderate, high or unknown (no assessment)."""
    return s.quips.overall if s.quips is not None else "unknown"


def _weight(s: StudyEvidence) -> float:
    return s.weight_random if s.weight_random is not None else s.weight


def _why(s: StudyEvidence) -> str:
    """ "Du 2024 (prognostic factor measurement: cut-off derived ...; ...)" """
    risk: StudyRisk | None = s.quips
    if risk is None or risk.overall == "unknown":
        return s.label
    concerns = (f"{QUIPS_DOMAINS[d.domain]}: {d.reason}" for d in risk.concerns())
    return f"{s.label} ({'; '.join(concerns)})"


def _nos(ev: Evidence) -> str:
    scored = [f"{s.label} {s.nos}" for s in ev.studies if s.nos is not None]
    return f"; the review's NOS score (its own, not used): {labels_text(scored)}" if scored else ""


def judge(ev: Evidence) -> Judgement:
    """Weighted shares at moderate/unknown/high and at high risk against MOST (Huguet 2013)."""
    weights = [_weight(s) for s in ev.studies]
    unit = sum(weights) / len(weights) if weights else 1.0
    total = sum(weights) + ev.unidentified * unit
    if total <= 0:
        return Judgement("not assessable", "no study behind the result can be named")
    risks = [(s, w, study_risk(s)) for s, w in zip(ev.studies, weights, strict=True)]
    concern = sum(w for _, w, r in risks if r in CONCERN) + ev.unidentified * unit
    high = sum(w for _, w, r in risks if r == "high")
    parts = [
        f"{kind} risk: " + "; ".join(_why(s) for s, _, r in risks if r == kind)
        for kind in ("high", "moderate", "unknown")
        if any(r == kind for _, _, r in risks)
    ]
    if ev.unidentified:
        parts.append(f"{ev.unidentified} not named in the study table, risk unknown")
    detail = f" ({'; '.join(parts)}){_nos(ev)}"
    share, share_high = 100 * concern / total, 100 * high / total
    if share_high > MOST:
        return Judgement("very serious", f"{_share(ev, share_high, high)} at high risk{detail}")
    if share >= MOST:
        what = f"{_share(ev, share, concern)} at moderate, unknown or high risk"
        return Judgement("serious", what + detail)
    low = _share(ev, 100 - share, total - concern)
    rest = f"; the rest: {'; '.join(parts)}" if parts else ""
    return Judgement("not serious", f"{low} at low risk in every QUIPS domain{rest}{_nos(ev)}")


def _share(ev: Evidence, percent: float, weight: float) -> str:
    """ "62% of the weight from studies" or, for a published result, "3 of 6 studies" """
    if ev.printed:
        return f"{round(weight)} of {len(ev.studies) + ev.unidentified} studies"
    return f"{percent:.0f}% of the weight from studies"
