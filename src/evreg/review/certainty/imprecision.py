"""Imprecision by GRADE guidance 34: the 95% CI against the declared target's thresholds, then,
when the CI is clear of them, the optimal information size in events (Zeng et al., J Clin
Epidemiol 2022;150:216-24; GRADE guidelines 6, Guyatt et al., J Clin Epidemiol
2011;64:1283-93; events for a hazard ratio: Schoenfeld, Biometrics 1983;39:499-503)."""

from __future__ import annotations

from evreg.review.certainty.evidence import Evidence
from evreg.review.certainty.model import Judgement, Rule, ratio_text
from evreg.review.certainty.target import IMPORTANT
from evreg.stats.power import ALPHA, POWER, schoenfeld_events

RULE = Rule(
    "imprecision",
    "Against the target (see What is rated). Target an association: the 95% CI includes 1 "
    "(touching counts): serious; it also reaches the important threshold on the other side of "
    "1 from the estimate (important either way): very serious. Target an important "
    "association: the CI crosses the threshold the estimate lies beyond: serious; it crosses 1 "
    "as well (or, for an estimate between the thresholds, both thresholds): very serious. A CI "
    "clear of the thresholds: the optimal information size (OIS), in events, for the hazard "
    f"ratio at the upper threshold (Schoenfeld; two-sided α {ALPHA:g}, power {POWER:g}, 1:1, as "
    "no allocation is recorded): serious when the pooled studies' events fall short of it, or "
    "when events are not printed for every study and even every patient having an event "
    "would not reach it; when events are not printed but the patients could reach it, the OIS "
    "cannot be shown to be met: serious too (GRADE 34 asks for the check; a check that "
    "cannot be done is a concern, not a pass). GRADE 34 suggests considering two levels "
    "when the information is far below the OIS; the computed rule rates one level and a "
    "reviewer may judge two. Statistical significance and the number of studies are not "
    "criteria.",
    "GRADE guidance 34 (Zeng et al., J Clin Epidemiol 2022;150:216-24); GRADE guidelines 6 "
    "(Guyatt et al., J Clin Epidemiol 2011;64:1283-93); Schoenfeld, Biometrics "
    "1983;39:499-503",
)


def _crosses(lo: float, up: float, t: float) -> bool:
    """The CI includes ``t`` (touching counts)."""
    return lo <= t <= up


def ci_verdict(ev: Evidence) -> tuple[int, str]:
    """(levels, reason) from the CI against the target's thresholds alone."""
    lo, up, est = ev.ci_lower, ev.ci_upper, ev.estimate
    lower, upper = ev.threshold_lower, ev.threshold_upper
    ci = ev.ci_text()
    if lo is None or up is None or est is None:
        return 2, f"{ci}: no confidence interval to judge"
    if ev.target.kind == IMPORTANT:
        if lower < est < upper:
            n = _crosses(lo, up, lower) + _crosses(lo, up, upper)
            return n, f"{ci}, estimate between {ratio_text(lower)} and {ratio_text(upper)}" + (
                f": the CI crosses {'both thresholds' if n == 2 else 'a threshold'}" if n else ""
            )
        near = upper if est >= upper else lower
        if not _crosses(lo, up, near):
            return 0, f"{ci} clear of {ratio_text(near)} (important)"
        if _crosses(lo, up, 1.0):
            return 2, f"{ci} crosses both {ratio_text(near)} (important) and 1 (no association)"
        return 1, f"{ci} crosses {ratio_text(near)} (important)"
    if not _crosses(lo, up, 1.0):
        return 0, f"{ci} excludes 1"
    far = lower if est >= 1 else upper
    if _crosses(lo, up, far):
        return 2, (
            f"{ci} includes 1 and reaches {ratio_text(far)}: important associations either way"
        )
    return 1, f"{ci} includes 1"


def information_size(ev: Evidence) -> tuple[int, str]:
    """(levels, reason) from the events against the optimal information size."""
    ois = schoenfeld_events(ev.threshold_upper)
    what = f"OIS {ois} events (ratio {ratio_text(ev.threshold_upper)})"
    studies = ev.studies
    unknown = [s.label for s in studies if s.events is None] + (
        [f"{ev.unidentified} unnamed"] if ev.unidentified else []
    )
    known = sum(s.events for s in studies if s.events is not None)
    if not unknown:
        if known >= ois:
            return 0, f"{known} events ≥ {what}"
        return 1, f"{known} events < {what}"
    ceiling = [s.events if s.events is not None else s.n_analysed or s.n for s in studies]
    named = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
    if None not in ceiling and not ev.unidentified and sum(ceiling) < ois:  # type: ignore[arg-type]
        return 1, (
            f"events not printed ({named}); even if all {sum(ceiling)} patients had an event, "  # type: ignore[arg-type]
            f"fewer than the {what}"
        )
    return 1, f"events not printed ({named}): the {what} cannot be shown to be met"


def judge(ev: Evidence) -> Judgement:
    """The CI against the target; when clear, the events against the OIS (GRADE 34)."""
    levels, reason = ci_verdict(ev)
    if levels == 0:
        levels, size = information_size(ev)
        reason = f"{reason}; {size}"
    verdict = ("not serious", "serious", "very serious")[min(levels, 2)]
    return Judgement(verdict, reason)
