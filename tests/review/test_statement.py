"""GRADE 26 statements from the rating: size against the declared target, worded by the
certainty; never by the p value alone (built Certainty objects, no package)."""

from __future__ import annotations

import pytest

from evreg.review.certainty.model import combine
from evreg.review.certainty.statement import NOTHING, Wording, statement
from evreg.review.results import Judgement, Target

WORDS = Wording("high X", "shorter survival", "longer survival", "survival")
ASSOCIATION = Target("association", 0.8, 1.25)
IMPORTANT = Target("important_association", 0.8, 1.25)
NONE = {u: Judgement("none", "r") for u in ("large_effect", "dose_response")}


def _rated(down: int, target: Target = ASSOCIATION):
    domains = {
        "imprecision": Judgement(("not serious", "serious", "very serious")[min(down, 2)], "r")
    }
    if down > 2:
        domains["risk_of_bias"] = Judgement("serious", "r")
    return combine(domains, NONE, True, target)


@pytest.mark.parametrize(
    ("down", "verb"),
    [(0, "is associated with"), (1, "is probably associated with"), (2, "may be associated with")],
)
def test_wording_by_certainty(down: int, verb: str) -> None:
    assert statement(1.6, _rated(down), WORDS) == f"High X {verb} shorter survival."


def test_very_low_and_nothing() -> None:
    assert statement(1.6, _rated(3), WORDS) == (
        "The evidence is very uncertain about the association between high X and survival."
    )
    assert statement(None, _rated(0), WORDS) == NOTHING
    assert statement(1.6, None, WORDS) == NOTHING


def test_size_against_the_thresholds_at_their_boundaries() -> None:
    high = _rated(0)
    assert statement(1.25, high, WORDS).endswith(" shorter survival.")
    assert statement(1.24, high, WORDS).endswith(" slightly shorter survival.")
    assert statement(0.8, high, WORDS).endswith(" longer survival.")
    assert statement(0.81, high, WORDS).endswith(" slightly longer survival.")
    assert statement(1.0, high, WORDS).endswith(" little or no difference in survival.")
    important = _rated(0, IMPORTANT)
    assert statement(1.24, important, WORDS).endswith(" little or no difference in survival.")
    assert statement(1.25, important, WORDS).endswith(" shorter survival.")
    own = _rated(0, Target("association", 0.5, 2.0))
    assert statement(1.9, own, WORDS).endswith(" slightly shorter survival.")
