"""Publication bias: Egger's test and trim-and-fill where k >= 10; below that, suspected only
when every study is small and every one is significant in the same direction, else not
assessable, stated as such (GRADE guidelines 5, Guyatt et al., J Clin Epidemiol
2011;64:1277-82; Cochrane Handbook 13.3.5.4; Egger et al., BMJ 1997;315:629-34)."""

from __future__ import annotations

from evreg.data.formats import fmt_ci, fmt_p
from evreg.review.certainty.evidence import Evidence
from evreg.review.certainty.model import Judgement, Rule
from evreg.stats.bias import MIN_K

EGGER_P = 0.10  # Egger et al. 1997: asymmetry at p < 0.10
SMALL_STUDY_N = 100  # "small": fewer patients than this (the registry's convention)

RULE = Rule(
    "publication_bias",
    f"k ≥ {MIN_K}: serious when Egger's test gives p < {EGGER_P:.2f}, or trim-and-fill moves the "
    f"pooled ratio across 1 or changes whether its CI excludes 1. k < {MIN_K}: the tests cannot "
    f"tell chance from asymmetry, so not assessable, unless every study is small (N < "
    f"{SMALL_STUDY_N}, the registry's convention) and every one significant in the same "
    "direction: serious (suspected). A published result is not assessable (the review printed "
    "no test, and its study estimates are not in the data).",
    "GRADE guidelines 5 (Guyatt et al., J Clin Epidemiol 2011;64:1277-82); Cochrane Handbook "
    "13.3.5.4; Egger et al., BMJ 1997;315:629-34; Duval & Tweedie, Biometrics 2000;56:455-63",
)


def _small_and_positive(ev: Evidence) -> bool:
    """Every study small (N known, < SMALL_STUDY_N) and significant in the same direction."""
    if not ev.studies or ev.unidentified:
        return False
    small = all(s.n is not None and s.n < SMALL_STUDY_N for s in ev.studies)
    up = all(s.ci_lower is not None and s.ci_lower > 1 for s in ev.studies)
    down = all(s.ci_upper is not None and s.ci_upper < 1 for s in ev.studies)
    return small and (up or down)


def _tests(ev: Evidence) -> Judgement:
    """k >= MIN_K: Egger's p and what trim-and-fill does to the conclusion."""
    eg, tf = ev.egger, ev.trim_and_fill
    if eg is None or not eg.available or eg.p is None:
        why = eg.reason if eg is not None else "Egger's test not computed"
        return Judgement("not assessable", why)
    reasons = [f"Egger {fmt_p(eg.p)}" + (f" (< {EGGER_P:.2f})" if eg.p < EGGER_P else "")]
    changed = False
    if tf is not None and tf.available and tf.pooled is not None and ev.estimate is not None:
        filled = tf.pooled
        moved = filled.estimate is not None and (filled.estimate - 1) * (ev.estimate - 1) < 0
        changed = moved or filled.significant == ev.includes_one
        reasons.append(
            f"trim-and-fill adds {tf.k0}: "
            f"{fmt_ci(filled.estimate, filled.ci_lower, filled.ci_upper)}"
            + (", which changes the conclusion" if changed else ", same conclusion")
        )
    serious = eg.p < EGGER_P or changed
    return Judgement("serious" if serious else "not serious", "; ".join(reasons))


def judge(ev: Evidence) -> Judgement:
    """The tests where k >= MIN_K; below, only the all-small-and-positive pattern."""
    if ev.printed:
        return Judgement(
            "not assessable",
            f"printed k = {ev.k}; the review printed no test for small-study effects",
        )
    if ev.k >= MIN_K:
        return _tests(ev)
    if _small_and_positive(ev):
        return Judgement(
            "serious",
            f"suspected: all {ev.k} stud{'y' if ev.k == 1 else 'ies'} small (N < {SMALL_STUDY_N})"
            " and significant in the same direction",
        )
    return Judgement(
        "not assessable",
        f"k = {ev.k} < {MIN_K}: too few studies to test for small-study effects; not every "
        "study small and significant in one direction",
    )
