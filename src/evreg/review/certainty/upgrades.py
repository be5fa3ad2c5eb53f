"""The reasons to rate up: a large association and a dose-response gradient, only for rigorous
evidence (no serious risk of bias or imprecision, adjusted estimates, cut-offs set in advance
or externally) and only when rating up can change the level (GRADE guidelines 9, Guyatt et al.,
J Clin Epidemiol 2011;64:1311-6; Foroutan et al., J Clin Epidemiol 2020;121:62-70; on
data-derived cut-offs, Altman et al., J Natl Cancer Inst 1994;86:829-35)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from evreg.review.certainty.evidence import Evidence, labels_text
from evreg.review.certainty.model import (
    DOMAIN_LABELS,
    LEVELS,
    Judgement,
    Rule,
    levels,
    rated_down,
    ratio_text,
)

LARGE = 2.0  # ratio >= 2 (or <= 0.5): large
VERY_LARGE = 5.0  # ratio >= 5 (or <= 0.2): very large
RIGOUR_DOMAINS = ("risk_of_bias", "imprecision")

LARGE_EFFECT = Rule(
    "large_effect",
    f"Large (rate up one level) when the pooled ratio is ≥ {LARGE:g} or ≤ {1 / LARGE:g}, very "
    f"large (two levels) when ≥ {VERY_LARGE:g} or ≤ {1 / VERY_LARGE:g}, with a CI that excludes "
    "1, from at least two studies, and only for rigorous evidence: neither risk of bias nor "
    "imprecision rated down, every estimate adjusted (multivariable), and no cut-off derived "
    "from the same data (data-derived 'optimal' cut-offs overestimate associations). A "
    "computed rating up that cannot change the level (nothing rated down from the start) is "
    "not counted. A reviewer's rating up is checked against the same conditions and not "
    "applied when they fail (the reason says which).",
    "GRADE guidelines 9 (Guyatt et al., J Clin Epidemiol 2011;64:1311-6); Foroutan et al., "
    "J Clin Epidemiol 2020;121:62-70; Altman et al., J Natl Cancer Inst 1994;86:829-35",
)
DOSE_RESPONSE = Rule(
    "dose_response",
    "Not assessable from the data: the registry records high vs low only, with no exposure "
    "levels to show a gradient; a reviewer's row can judge it (checked as for a large "
    "association).",
    "GRADE guidelines 9 (Guyatt et al., J Clin Epidemiol 2011;64:1311-6); Huguet et al., "
    "Syst Rev 2013;2:71",
)


def rigour(ev: Evidence, domains: Mapping[str, Judgement]) -> str | None:
    """Why the evidence is not rigorous enough to rate up (None when it is)."""
    down = [DOMAIN_LABELS[d] for d in RIGOUR_DOMAINS if d in domains and rated_down(domains[d])]
    if down:
        return f"rated down for {' and '.join(down)}"
    unadjusted = [s.label for s in ev.studies if s.adjusted is not True]
    if ev.unidentified or unadjusted:
        who = labels_text(unadjusted) or f"{ev.unidentified} unnamed"
        return f"not every estimate shown to be adjusted ({who})"
    derived = [s.label for s in ev.studies if s.cutoff_data_derived is not False]
    if derived:
        return f"cut-off not shown to be set in advance or externally ({labels_text(derived)})"
    return None


def large_effect(ev: Evidence, domains: Mapping[str, Judgement]) -> Judgement:
    """Large or very large association, from two or more studies, rigorous evidence only."""
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
    why = rigour(ev, domains)
    if why is not None:
        return Judgement("none", f"{what}, but {why}: GRADE rates up only rigorous evidence")
    if size >= VERY_LARGE:
        return Judgement("very large", f"{what} (≥ {VERY_LARGE:g} either way), {ev.ci_text()}")
    return Judgement("large", f"{what} (≥ {LARGE:g} either way), {ev.ci_text()}")


def dose_response(ev: Evidence) -> Judgement:
    """Not assessable: high vs low only."""
    return Judgement("not assessable", "high vs low only: no exposure levels to show a gradient")


def checked(
    ups: Mapping[str, Judgement], domains: Mapping[str, Judgement], ev: Evidence
) -> dict[str, Judgement]:
    """Each rating up as counted: a reviewer's only when the evidence is rigorous (else
    "none", the reviewer's kept as the reason); a computed one only when it can change the
    level (something rated down from the start)."""
    down = sum(levels(j) for j in domains.values())
    start = LEVELS.index(ev.target.start) + 1
    out = {}
    for u, j in ups.items():
        if not levels(j):
            out[u] = j
        elif j.source == "reviewer" and (why := rigour(ev, domains)) is not None:
            reason = f"reviewer's '{j.judgement}' not applied: {why} ({j.reason})"
            out[u] = dataclasses.replace(j, judgement="none", reason=reason)
        elif j.source != "reviewer" and down == 0 and start == len(LEVELS):
            reason = f"{j.reason}; not counted: nothing rated down, the rating stays at the start"
            out[u] = dataclasses.replace(j, judgement="none", reason=reason)
        else:
            out[u] = j
    return out
