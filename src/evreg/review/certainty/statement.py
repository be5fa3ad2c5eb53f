"""The finding in one plain-language sentence, from the rating itself: its size against the
declared target and its certainty (GRADE guidelines 26, Santesso et al., J Clin Epidemiol
2020;119:126-35: high "is associated with", moderate "probably", low "may", very low "the
evidence is very uncertain"; wording never tied to statistical significance)."""

from __future__ import annotations

from dataclasses import dataclass

from evreg.review.certainty.model import NO_EVIDENCE, Rule
from evreg.review.certainty.target import IMPORTANT, plan_target
from evreg.review.results import Certainty

VERBS = {
    "high": "is associated with",
    "moderate": "is probably associated with",
    "low": "may be associated with",
}
VERY_UNCERTAIN = (
    "The evidence is very uncertain about the association between {subject} and {outcome}."
)
NOTHING = "No evidence yet: no study has a usable estimate."
LEVEL_WORDS = (*VERBS, "very low")

RULE = Rule(
    "statement",
    "One sentence per result, from its rating: the pooled ratio's size against the target "
    "(beyond an important threshold: the association in words, e.g. 'shorter overall "
    "survival'; between the thresholds: 'slightly shorter ...' when the target is an "
    "association, 'little or no difference' when it is an important association) worded by "
    "the certainty "
    "(high: 'is associated with'; moderate: 'is probably associated with'; low: 'may be "
    "associated with'; very low: 'the evidence is very uncertain about the association'). "
    "The wording never depends on the p value alone; a single study's result is worded the "
    "same way, because the rating has already judged what one study can show.",
    "GRADE guidelines 26 (Santesso et al., J Clin Epidemiol 2020;119:126-35)",
)


@dataclass(frozen=True)
class Wording:
    """How one analysis is named in sentences: the factor ("high IL-6"), the association each
    way ("shorter overall survival", "longer overall survival") and the outcome's name."""

    subject: str
    higher: str
    lower: str
    outcome: str


def size_words(estimate: float, c: Certainty, w: Wording) -> str:
    """The association's size against the target: the direction in words beyond an important
    threshold; between them, "slightly ..." (target: an association) or "little or no
    difference in ..." (target: an important association)."""
    t = c.target if c.target is not None else plan_target({})
    if estimate >= t.upper:
        return w.higher
    if estimate <= t.lower:
        return w.lower
    if t.kind == IMPORTANT or estimate == 1:
        return f"little or no difference in {w.outcome}"
    return f"slightly {w.higher if estimate > 1 else w.lower}"


def statement(estimate: float | None, c: Certainty | None, w: Wording) -> str:
    """The sentence for one rated result (GRADE 26)."""
    if estimate is None or c is None or c.level == NO_EVIDENCE or c.level not in LEVEL_WORDS:
        return NOTHING
    if c.level == "very low":
        return VERY_UNCERTAIN.format(subject=w.subject, outcome=w.outcome)
    subject = w.subject[:1].upper() + w.subject[1:]
    return f"{subject} {VERBS[c.level]} {size_words(estimate, c, w)}."
