"""Imprecision from the CI against no association and against the plan's important ratios, the
total number of patients (optimal information size) and the number of studies (GRADE
guidelines 6, Guyatt et al., J Clin Epidemiol 2011;64:1283-93; GRADE guidance 34, Zeng et al.,
J Clin Epidemiol 2022;150:216-24)."""

from __future__ import annotations

from evreg.review.certainty.evidence import THRESHOLD_LOWER, THRESHOLD_UPPER, Evidence
from evreg.review.certainty.model import Judgement, Rule, ratio_text

OIS_PATIENTS = 400  # optimal information size rule of thumb (GRADE guidelines 6)

RULE = Rule(
    "imprecision",
    "Counts three concerns: the 95% CI includes 1 (touching counts); fewer than "
    f"{OIS_PATIENTS} patients in the pooled studies (each study's N as its primary source "
    "confirms it, else as the review reports it; for a published result, as the review "
    "reports it; the optimal information size rule of thumb, checked only when every "
    "study's N is known); "
    "a single study (never 'not serious'). One concern: serious; two or more, or a CI that "
    "includes both an important ratio below 1 and one above 1 (the plan's thresholds, default "
    f"{THRESHOLD_LOWER:g} and {THRESHOLD_UPPER:g}): very serious.",
    "GRADE guidelines 6 (Guyatt et al., J Clin Epidemiol 2011;64:1283-93); GRADE guidance 34 "
    "(Zeng et al., J Clin Epidemiol 2022;150:216-24)",
)


def _patients(ev: Evidence) -> tuple[int, int]:
    """(patients in the studies with a known N, studies whose N is unknown)."""
    known = [s.n for s in ev.studies if s.n is not None]
    return sum(known), len(ev.studies) - len(known) + ev.unidentified


def judge(ev: Evidence) -> Judgement:
    """CI against 1 and the thresholds, total N against OIS_PATIENTS, one study; the reason
    always starts with the CI."""
    ci = ev.ci_text()
    lower, upper = ev.threshold_lower, ev.threshold_upper
    wide = (
        ev.ci_lower is not None
        and ev.ci_upper is not None
        and ev.ci_lower < lower
        and ev.ci_upper > upper
    )
    n, unknown = _patients(ev)
    count = int(ev.includes_one)
    parts = [f"{ci} {'includes' if ev.includes_one else 'excludes'} 1"]
    if wide:
        parts[0] += f", and both {ratio_text(lower)} and {ratio_text(upper)} (important either way)"
    if unknown:
        total = len(ev.studies) + ev.unidentified
        parts.append(
            f"N unknown for {unknown} of {total} studies (optimal information size not checked)"
        )
    elif n < OIS_PATIENTS:
        count += 1
        parts.append(f"{n} patients < {OIS_PATIENTS} (optimal information size)")
    else:
        parts.append(f"{n} patients ≥ {OIS_PATIENTS}")
    if ev.k == 1:
        count += 1
        parts.append("one study")
    verdict = "very serious" if wide or count >= 2 else "serious" if count else "not serious"
    return Judgement(verdict, "; ".join(parts))
