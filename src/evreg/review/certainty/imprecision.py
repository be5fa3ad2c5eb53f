"""Imprecision from the CI against no association and against the plan's important ratios, the
total number of patients (optimal information size) and the number of studies (GRADE
guidelines 6, Guyatt et al., J Clin Epidemiol 2011;64:1283-93; GRADE guidance 34, Zeng et al.,
J Clin Epidemiol 2022;150:216-24)."""

from __future__ import annotations

from evreg.review.certainty.evidence import Evidence
from evreg.review.certainty.model import Judgement, Rule, ratio_text

OIS_PATIENTS = 400  # optimal information size rule of thumb (GRADE guidelines 6)

RULE = Rule(
    "imprecision",
    "Counts three concerns: the 95% CI includes 1 (touching counts); fewer than "
    f"{OIS_PATIENTS} patients in the pooled studies (N as recorded for each study; the "
    "optimal information size rule of thumb, checked only when every study's N is known); "
    "a single study (never 'not serious'). One concern: serious; two or more, or a CI that "
    "includes both an important ratio below 1 and one above 1 (the plan's thresholds, default "
    "0.75 and 1.25): very serious.",
    "GRADE guidelines 6 (Guyatt et al., J Clin Epidemiol 2011;64:1283-93); GRADE guidance 34 "
    "(Zeng et al., J Clin Epidemiol 2022;150:216-24)",
    {"ois_patients": OIS_PATIENTS, "threshold_lower": 0.75, "threshold_upper": 1.25},
)


def _patients(ev: Evidence) -> tuple[int, int]:
    """(patients in the studies with a known N, studies whose N is unknown)."""
    known = [s.n for s in ev.studies if s.n is not None]
    return sum(known), len(ev.studies) - len(known) + ev.unidentified


def judge(ev: Evidence) -> Judgement:
    """CI against 1 and the thresholds, total N against OIS_PATIENTS, one study."""
    ci = ev.ci_text()
    lower, upper = ev.threshold_lower, ev.threshold_upper
    wide = (
        ev.ci_lower is not None
        and ev.ci_upper is not None
        and ev.ci_lower < lower
        and ev.ci_upper > upper
    )
    n, unknown = _patients(ev)
    concerns = []
    if ev.includes_one:
        concerns.append(f"{ci} includes 1")
    if unknown == 0 and n < OIS_PATIENTS:
        concerns.append(f"{n} patients < {OIS_PATIENTS} (optimal information size)")
    if ev.k == 1:
        concerns.append("one study")
    if wide:
        return Judgement(
            "very serious",
            f"{ci} includes both {ratio_text(lower)} and {ratio_text(upper)} "
            "(important association either way)" + "".join(f"; {c}" for c in concerns[1:]),
        )
    size = (
        f"N unknown for {unknown} of {len(ev.studies) + ev.unidentified} studies "
        "(optimal information size not checked)"
        if unknown
        else f"{n} patients"
    )
    if not concerns:
        enough = size if unknown else f"{size} ≥ {OIS_PATIENTS}"
        return Judgement("not serious", f"{ci} excludes 1; {enough}")
    verdict = "very serious" if len(concerns) >= 2 else "serious"
    if unknown:
        concerns.append(size)
    return Judgement(verdict, "; ".join(concerns))
