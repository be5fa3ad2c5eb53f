"""Publication bias and missing results: results the registry knows exist but cannot use (the
analysis' pending estimates) first, then GRADE 5's signals (small, uniformly positive studies),
funnel-based tests only as support from k >= 10 (GRADE guidelines 5, Guyatt et al., J Clin
Epidemiol 2011;64:1277-82; ROB-ME, Page et al., BMJ 2023;383:e076754; Cochrane Handbook
13.3.5.4; Egger et al., BMJ 1997;315:629-34)."""

from __future__ import annotations

from evreg.data.formats import fmt_ci, fmt_p, plural
from evreg.review.certainty.evidence import Evidence, MissingResult, labels_text
from evreg.review.certainty.model import Judgement, Rule
from evreg.stats.bias import MIN_K

EGGER_P = 0.10  # Egger et al. 1997: asymmetry at p < 0.10
SMALL_STUDY_N = 100  # "small": fewer patients than this (the registry's convention)
COMPARABLE = 0.5  # missing results "comparable" to those with data: at least half as many

RULE = Rule(
    "publication_bias",
    "Missing results first: the analysis' qualifying estimates that are pending (not found, "
    "incomplete) in studies with no usable estimate are results known to exist but missing. "
    f"Serious, naming them, when they could change the conclusion: at least {COMPARABLE:.0%} "
    "as many studies, or patients, as the studies with data (a study of unknown N counts "
    "by number only). Then GRADE 5's signals: every study small (N < "
    f"{SMALL_STUDY_N}, the registry's convention) and every one significant in the same "
    f"direction: serious (suspected). Funnel-based tests only as support from k ≥ {MIN_K}: "
    f"Egger's test p < {EGGER_P:.2f}, or trim-and-fill moving the pooled ratio across 1 or "
    "changing whether its CI excludes 1: serious. None of these: not serious (undetected), "
    "saying which checks were possible. A published result is judged by the signals only "
    "(the review printed no test), from the studies its table lists.",
    "GRADE guidelines 5 (Guyatt et al., J Clin Epidemiol 2011;64:1277-82); ROB-ME (Page et "
    "al., BMJ 2023;383:e076754); Kyzas et al., Eur J Cancer 2007;43:2559-79; Cochrane "
    "Handbook 13.3.5.4; Egger et al., BMJ 1997;315:629-34; Duval & Tweedie, Biometrics "
    "2000;56:455-63",
)


def _patients(rows: list[int | None]) -> int:
    return sum(n for n in rows if n is not None)


def missing_verdict(ev: Evidence) -> Judgement | None:
    """Known missing results against those with data (None when nothing is known missing)."""
    missing: tuple[MissingResult, ...] = ev.missing
    if not missing:
        return None
    named = labels_text([f"{m.label} ({m.status})" for m in missing])  # codes: shown as labels
    with_data = len(ev.studies) + ev.unidentified
    n_data = _patients([s.n for s in ev.studies])
    n_missing = _patients([m.n for m in missing])
    unknown = sum(1 for m in missing if m.n is None)
    size = f"{n_missing} patients" + (f" (N unknown for {unknown})" if unknown else "")
    what = (
        f"{plural(len(missing), 'missing result')}, {size}: {named}; "
        f"{with_data} with data, {n_data} patients"
    )
    if len(missing) >= COMPARABLE * with_data or (n_data and n_missing >= COMPARABLE * n_data):
        return Judgement("serious", f"{what}: enough to change the conclusion")
    return None if not with_data else Judgement("not serious", f"{what}: too few to change it")


def _small_and_positive(ev: Evidence) -> bool:
    """Every study small (N known, < SMALL_STUDY_N) and significant in the same direction."""
    if not ev.studies or ev.unidentified:
        return False
    small = all(s.n is not None and s.n < SMALL_STUDY_N for s in ev.studies)
    up = all(s.ci_lower is not None and s.ci_lower > 1 for s in ev.studies)
    down = all(s.ci_upper is not None and s.ci_upper < 1 for s in ev.studies)
    return small and (up or down)


def _tests(ev: Evidence) -> tuple[bool, str]:
    """k >= MIN_K: (asymmetry suspected, Egger's p and what trim-and-fill does)."""
    eg, tf = ev.egger, ev.trim_and_fill
    if eg is None or not eg.available or eg.p is None:
        return False, eg.reason if eg is not None else "Egger's test not computed"
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
    return eg.p < EGGER_P or changed, "; ".join(reasons)


def judge(ev: Evidence) -> Judgement:
    """Missing results, then the small-and-positive signal, then the tests (k >= MIN_K)."""
    known = missing_verdict(ev)
    if known is not None and known.judgement == "serious":
        return known
    parts = [known.reason] if known is not None else ["no known missing result"]
    if _small_and_positive(ev):
        n = len(ev.studies)
        return Judgement(
            "serious",
            "; ".join(
                [
                    *parts,
                    f"suspected: all {plural(n, 'study', 'studies')} small (N < "
                    f"{SMALL_STUDY_N}) and significant in the same direction",
                ]
            ),
        )
    parts.append("not every study small and significant in one direction")
    if ev.printed:
        parts.append("the review printed no test for small-study effects")
    elif ev.k >= MIN_K:
        asymmetric, tested = _tests(ev)
        if asymmetric:
            return Judgement("serious", "; ".join([*parts, tested]))
        parts.append(tested)
    else:
        parts.append(f"k = {ev.k} < {MIN_K}: too few studies for funnel-based tests")
    return Judgement("not serious", "; ".join(parts))
