"""The certainty rating's vocabulary and result types: judgements, levels, rules, and the level
arithmetic (GRADE: Guyatt et al., J Clin Epidemiol 2011;64:383-94; prognostic factors start
high: Foroutan et al., J Clin Epidemiol 2020;121:62-70)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from evreg.data.formats import fmt_ratio as ratio_text  # the one formatter, re-exported
from evreg.data.validate.certainty import DOMAIN_LABELS, DOWNGRADE_DOMAINS, UPGRADE_DOMAINS
from evreg.review.results import LEVELS, Certainty, Judgement, Target

__all__ = [
    "DOMAINS",
    "LEVELS",
    "NO_EVIDENCE",
    "UPGRADES",
    "Certainty",
    "Judgement",
    "Rule",
    "combine",
    "levels",
    "rated_down",
    "ratio_text",
]

DOMAINS = DOWNGRADE_DOMAINS
UPGRADES = UPGRADE_DOMAINS
START = "high"
NO_EVIDENCE = "no evidence"
RATED_DOWN = {"not serious": 0, "serious": 1, "very serious": 2, "not assessable": 0}
RATED_UP = {"none": 0, "large": 1, "very large": 2, "present": 1, "not assessable": 0}


@dataclass(frozen=True)
class Rule:
    """One rule of the rating as the Methods page lists it: what it judges, how, and its
    source."""

    domain: str
    rule: str
    reference: str


def levels(j: Judgement) -> int:
    """Levels a judgement rates down (a domain) or up (a reason to rate up)."""
    return RATED_DOWN.get(j.judgement, RATED_UP.get(j.judgement, 0))


def rated_down(j: Judgement) -> bool:
    """True when a domain's judgement is serious or very serious."""
    return RATED_DOWN.get(j.judgement, 0) > 0


def _levels_words(n: int) -> str:
    return "one level" if n == 1 else f"{n} levels"


STARTS = {
    "high": "cohort studies of a prognostic factor",
    "low": "observational studies of an aetiological question",
}


def _summary(level: str, down: Mapping[str, int], up: Mapping[str, int], start: str) -> str:
    """ "Starts high; rated down one level for risk of bias, 2 levels for imprecision: very
    low." """
    parts = []
    if down:
        parts.append(
            "rated down "
            + ", ".join(f"{_levels_words(n)} for {DOMAIN_LABELS[d]}" for d, n in down.items())
        )
    if up:
        parts.append(
            "rated up "
            + ", ".join(f"{_levels_words(n)} for {DOMAIN_LABELS[u]}" for u, n in up.items())
        )
    how = "; ".join(parts) if parts else "not rated down or up"
    return f"Starts {start} ({STARTS[start]}); {how}: {level}."


def combine(
    domains: Mapping[str, Judgement],
    upgrades: Mapping[str, Judgement],
    pooled: bool,
    target: Target | None = None,
) -> Certainty:
    """The level: the start (high, 4, for a prognostic factor; low, 2, for an aetiological
    question from observational studies), minus the levels each domain rates down, plus the
    levels rated up, within very low (1) and high (4); "no evidence" when nothing is pooled
    (GRADE Handbook 5.1; Balshem et al. 2011; Foroutan et al. 2020)."""
    start = target.start if target is not None else START
    down = {d: levels(j) for d, j in domains.items() if RATED_DOWN.get(j.judgement, 0)}
    up = {u: levels(j) for u, j in upgrades.items() if RATED_UP.get(j.judgement, 0)}
    n = LEVELS.index(start) + 1 - sum(down.values()) + sum(up.values())
    level = LEVELS[max(1, min(len(LEVELS), n)) - 1] if pooled else NO_EVIDENCE
    summary = (
        _summary(level, down, up, start)
        if pooled
        else "No study has a usable estimate yet: nothing to rate (no evidence)."
    )
    return Certainty(
        level=level,
        domains=dict(domains),
        upgrades=dict(upgrades),
        rated_down=sum(down.values()),
        rated_up=sum(up.values()),
        summary=summary,
        start=start,
        target=target,
    )
