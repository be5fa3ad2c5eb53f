"""The reasons to rate up: a large association and a dose-response gradient (GRADE guidelines 9,
Guyatt et al., J Clin Epidemiol 2011;64:1311-6; Huguet et al., Syst Rev 2013;2:71)."""

from __future__ import annotations

from collections.abc import Mapping

from evreg.review.certainty.evidence import Evidence
from evreg.review.certainty.model import Judgement, Rule, rated_down, ratio_text

LARGE = 2.0  # ratio >= 2 (or <= 0.5): large
VERY_LARGE = 5.0  # ratio >= 5 (or <= 0.2): very large

LARGE_EFFECT = Rule(
    "large_effect",
    f"Large (rate up one level) when the pooled ratio is ≥ {LARGE:g} or ≤ {1 / LARGE:g}, very "
    f"large (two levels) when ≥ {VERY_LARGE:g} or ≤ {1 / VERY_LARGE:g}, with a CI that excludes "
    "1, from at least two studies, and only when no domain is rated down (GRADE rates up "
    "methodologically rigorous evidence). Evidence on a prognostic factor starts high, so a "
    "computed rating up never lifts it above high; a reviewer's row can rate up evidence that "
    "was rated down.",
    "GRADE guidelines 9 (Guyatt et al., J Clin Epidemiol 2011;64:1311-6); Foroutan et al., "
    "J Clin Epidemiol 2020;121:62-70",
)
DOSE_RESPONSE = Rule(
    "dose_response",
    "Not assessable from the data: the registry records high vs low only, with no exposure "
    "levels to show a gradient; a reviewer's row can judge it.",
    "GRADE guidelines 9 (Guyatt et al., J Clin Epidemiol 2011;64:1311-6); Huguet et al., "
    "Syst Rev 2013;2:71",
)


def large_effect(ev: Evidence, domains: Mapping[str, Judgement]) -> Judgement:
    """Large or very large association, from two or more studies, none rated down."""
    est = ev.estimate
    if est is None or est <= 0:
        return Judgement("not assessable", "no pooled ratio")
    size = max(est, 1 / est)
    what = f"ratio {ratio_text(est)}"
    if size < LARGE:
        return Judgement("none", f"{what}: below {LARGE:g} (and above {1 / LARGE:g})")
    if ev.includes_one:
        return Judgement("none", f"{what}, but the {ev.ci_text()} includes 1")
    if ev.k < 2:
        return Judgement(
            "none", f"{what} from one study: rating up needs consistent evidence from two or more"
        )
    down = [d.replace("_", " ") for d, j in domains.items() if rated_down(j)]
    if down:
        return Judgement(
            "none",
            f"{what}, but rated down for {', '.join(down)}: GRADE rates up only "
            "evidence that is not rated down",
        )
    if size >= VERY_LARGE:
        return Judgement("very large", f"{what} (≥ {VERY_LARGE:g} either way), {ev.ci_text()}")
    return Judgement("large", f"{what} (≥ {LARGE:g} either way), {ev.ci_text()}")


def dose_response(ev: Evidence) -> Judgement:
    """Not assessable: high vs low only."""
    return Judgement("not assessable", "high vs low only: no exposure levels to show a gradient")
