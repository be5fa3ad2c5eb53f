"""Inconsistency judged where the studies' point estimates and CIs lie against the target's
threshold(s) and whether the CIs overlap; I² and, from k >= 5, the prediction interval as
support (GRADE guidelines 7, Guyatt et al., J Clin Epidemiol 2011;64:1294-302; judged against
the threshold: Core GRADE 3, Guyatt et al., BMJ 2025; I² ranges: Cochrane Handbook 10.10.2;
prediction interval: Handbook 10.10.4.3, IntHout et al., BMJ Open 2016;6:e010247)."""

from __future__ import annotations

from evreg.data.formats import fmt_interval
from evreg.review.certainty.evidence import Evidence, StudyEvidence
from evreg.review.certainty.model import Judgement, Rule, ratio_text
from evreg.review.certainty.target import IMPORTANT

I2_SERIOUS = 50.0  # substantial heterogeneity from here (Handbook 10.10.2: 50-90%)
I2_VERY_SERIOUS = 75.0  # considerable (Handbook 10.10.2: 75-100%)
PI_MIN_K = 5  # a prediction interval is shown as support from this many studies

RULE = Rule(
    "inconsistency",
    "Not assessable with one study. Where the studies lie against the target: on either side "
    "of 1 for an association, beyond or within the important thresholds for an important "
    "association. Very serious when some studies' CIs lie wholly on opposite sides of 1 (they "
    f"do not overlap) and I² > {I2_VERY_SERIOUS:.0f}%. Serious when I² > {I2_SERIOUS:.0f}% "
    "and either such CIs exist or the point estimates fall on different sides of the target; "
    f"or, from k ≥ {PI_MIN_K}, when I² > {I2_SERIOUS:.0f}% and the 95% prediction interval "
    "crosses the target's threshold. Differences in size only (every study on the same side) "
    "are not serious, whatever I²; with I² at or below "
    f"{I2_SERIOUS:.0f}% the spread is compatible with chance. "
    f"A published result (no study estimates printed): serious when the printed I² > "
    f"{I2_SERIOUS:.0f}%, very serious when > {I2_VERY_SERIOUS:.0f}%.",
    "GRADE guidelines 7 (Guyatt et al., J Clin Epidemiol 2011;64:1294-302); Core GRADE 3 "
    "(Guyatt et al., BMJ 2025); Cochrane Handbook 10.10.2 and 10.10.4.3",
)


def side(ev: Evidence, value: float) -> str:
    """Where a ratio lies against the target: "above"/"below" 1 (an association) or
    "beyond upper"/"within"/"beyond lower" (an important association)."""
    if ev.target.kind == IMPORTANT:
        if value >= ev.threshold_upper:
            return f"≥ {ratio_text(ev.threshold_upper)}"
        if value <= ev.threshold_lower:
            return f"≤ {ratio_text(ev.threshold_lower)}"
        return "between the thresholds"
    return "above 1" if value > 1 else "below 1" if value < 1 else "at 1"


def _heterogeneity(ev: Evidence) -> str:
    """ "I² 78%, tau² 0.21, PI 0.60 to 4.10" (what is available and used)."""
    parts = [f"I² {ev.i2:.0f}%"] if ev.i2 is not None else ["I² not available"]
    if ev.tau2 is not None and not ev.printed:
        parts.append(f"tau² {ev.tau2:.3g}")
    if ev.k >= PI_MIN_K and ev.pi_lower is not None and ev.pi_upper is not None:
        parts.append(f"PI {fmt_interval(ev.pi_lower, ev.pi_upper)}")
    return ", ".join(parts)


def _pi_crosses(ev: Evidence) -> bool:
    lo, up = ev.pi_lower, ev.pi_upper
    if ev.k < PI_MIN_K or lo is None or up is None:
        return False
    marks = (ev.threshold_lower, ev.threshold_upper) if ev.target.kind == IMPORTANT else (1.0,)
    return any(lo <= m <= up for m in marks)


def _printed(ev: Evidence, het: str) -> Judgement:
    i2 = ev.i2 or 0.0
    verdict = (
        "very serious" if i2 > I2_VERY_SERIOUS else "serious" if i2 > I2_SERIOUS else "not serious"
    )
    extra = "; study estimates not printed" if verdict != "not serious" else ""
    return Judgement(verdict, f"printed {het}{extra}")


def judge(ev: Evidence) -> Judgement:
    """Positions and overlap of the study CIs against the target; I² and the PI as support."""
    if ev.k < 2:
        return Judgement("not assessable", "one study: consistency across studies cannot be judged")
    het = _heterogeneity(ev)
    if ev.printed:
        return _printed(ev, het)
    rows: list[StudyEvidence] = [s for s in ev.studies if s.hr is not None]
    i2 = ev.i2 or 0.0
    opposite = any(s.ci_upper is not None and s.ci_upper < 1 for s in rows) and any(
        s.ci_lower is not None and s.ci_lower > 1 for s in rows
    )
    sides = sorted({side(ev, s.hr) for s in rows})  # type: ignore[arg-type]
    if opposite and i2 > I2_VERY_SERIOUS:
        return Judgement("very serious", f"study CIs lie wholly on opposite sides of 1; {het}")
    if (opposite or len(sides) > 1) and i2 > I2_SERIOUS:
        where = (
            "study CIs lie wholly on opposite sides of 1"
            if opposite
            else f"point estimates {' and '.join(sides)}"
        )
        return Judgement("serious", f"{where}, I² > {I2_SERIOUS:.0f}%; {het}")
    if i2 > I2_SERIOUS and _pi_crosses(ev):
        return Judgement("serious", f"{het}: the prediction interval crosses the target")
    where = (
        f"every point estimate {sides[0]}"
        if len(sides) == 1
        else f"point estimates {' and '.join(sides)}, I² ≤ {I2_SERIOUS:.0f}%"
    )
    return Judgement("not serious", f"{where}; {het}")
