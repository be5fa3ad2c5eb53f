"""Inconsistency from I², tau², the prediction interval and the direction of the study estimates
(GRADE guidelines 7, Guyatt et al., J Clin Epidemiol 2011;64:1294-302; I² ranges: Cochrane
Handbook 10.10.2; prediction interval: Handbook 10.10.4.3)."""

from __future__ import annotations

from evreg.data.formats import fmt_interval
from evreg.review.certainty.evidence import Evidence
from evreg.review.certainty.model import Judgement, Rule

I2_SERIOUS = 50.0  # substantial heterogeneity from here (Handbook 10.10.2: 50-90%)
I2_VERY_SERIOUS = 75.0  # considerable (Handbook 10.10.2: 75-100%)

RULE = Rule(
    "inconsistency",
    f"Not assessable with one study. Serious when I² > {I2_SERIOUS:.0f}% and either the 95% "
    "prediction interval includes 1 or the study estimates lie on both sides of 1; very serious "
    f"when I² > {I2_VERY_SERIOUS:.0f}% and some studies' CIs lie wholly on opposite sides of 1. "
    f"For a published result (no prediction interval or study estimates printed): serious when "
    f"the printed I² > {I2_SERIOUS:.0f}%.",
    "GRADE guidelines 7 (Guyatt et al., J Clin Epidemiol 2011;64:1294-302); Cochrane Handbook "
    "10.10.2 and 10.10.4.3",
)


def _heterogeneity(ev: Evidence, i2: float) -> str:
    """ "I² 78% (> 50%), tau² 0.21, PI 0.60 to 4.10" (what is available)."""
    side = ">" if i2 > I2_SERIOUS else "≤"
    parts = [f"I² {i2:.0f}% ({side} {I2_SERIOUS:.0f}%)"]
    if ev.tau2 is not None and not ev.printed:
        parts.append(f"tau² {ev.tau2:.3g}")
    if ev.pi_lower is not None and ev.pi_upper is not None:
        parts.append(f"PI {fmt_interval(ev.pi_lower, ev.pi_upper)}")
    return ", ".join(parts)


def judge(ev: Evidence) -> Judgement:
    """I² against its thresholds, with the prediction interval and the studies' directions."""
    if ev.k < 2:
        return Judgement("not assessable", "one study: consistency across studies cannot be judged")
    if ev.i2 is None:
        return Judgement("not assessable", "I² not available")
    het = _heterogeneity(ev, ev.i2)
    if ev.printed:
        if ev.i2 > I2_SERIOUS:
            return Judgement(
                "serious", f"printed {het}; prediction interval and study estimates not printed"
            )
        return Judgement("not serious", f"printed {het}")
    hrs = [s.hr for s in ev.studies if s.hr is not None]
    both_sides = any(h > 1 for h in hrs) and any(h < 1 for h in hrs)
    opposite = any(s.ci_upper is not None and s.ci_upper < 1 for s in ev.studies) and any(
        s.ci_lower is not None and s.ci_lower > 1 for s in ev.studies
    )
    pi_crosses = ev.pi_lower is not None and ev.pi_upper is not None
    pi_crosses = pi_crosses and ev.pi_lower <= 1 <= ev.pi_upper  # type: ignore[operator]
    if ev.i2 > I2_VERY_SERIOUS and opposite:
        return Judgement(
            "very serious",
            f"{het}; I² > {I2_VERY_SERIOUS:.0f}% and study CIs lie wholly on opposite sides of 1",
        )
    if ev.i2 > I2_SERIOUS and (pi_crosses or both_sides):
        why = "the PI includes 1" if pi_crosses else "study estimates lie on both sides of 1"
        return Judgement("serious", f"{het}; {why}")
    if ev.i2 > I2_SERIOUS:
        pi = " and the PI excludes 1" if ev.pi_lower is not None else ""
        return Judgement("not serious", f"{het}; but every study points the same way{pi}")
    return Judgement("not serious", het)
