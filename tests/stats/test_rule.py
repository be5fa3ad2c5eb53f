"""The review's model rule (evreg.stats.rule), defined once: its boundaries, as the plan and
the audit apply them, and the texts generated from it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evreg import stats
from evreg.review.audit import CHECKS
from evreg.review.audit.printed import Printed, rule_from_printed
from evreg.stats.rule import I2_MAX, Q_P_MIN, RULE_TEXT, fixed_by_rule, review_rule


def test_thresholds_are_inclusive() -> None:
    """Fixed effect at I² = 50% exactly and at Q p = 0.10 exactly (I² ≤ 50%, Q p ≥ 0.10)."""
    assert (I2_MAX, Q_P_MIN) == (50.0, 0.10)
    assert fixed_by_rule(50.0, 0.10)
    assert not fixed_by_rule(50.000001, 0.5) and not fixed_by_rule(0.0, 0.099999)


@pytest.mark.parametrize(
    ("i2", "q_p", "model"),
    [(50.0, 0.10, "fixed"), (49.9, 0.5, "fixed"), (50.1, 0.5, "random"), (10.0, 0.09, "random")],
)
def test_the_plans_rule_at_the_boundaries(i2, q_p, model) -> None:
    fixed = replace(stats.pool([0.1, 0.3, 0.2], [0.1, 0.2, 0.15], "FE"), I2=i2, Q_p=q_p)
    choice = review_rule(fixed)
    assert choice.model == model and stats.review_rule is review_rule
    assert choice.reason.endswith("fixed effect" if model == "fixed" else "random effects")


def test_the_audits_rule_on_printed_values_at_the_boundaries() -> None:
    """Printed intervals whose bounds sit on the thresholds: closed bounds decide."""
    at_most_50 = Printed("<= 50", 40.0, 50.0, True, True)
    above_50 = Printed("> 50", 50.0, 60.0, False, False)
    p_at_least = Printed(">= 0.10", 0.10, 0.5, True, False)
    p_below = Printed("< 0.10", 0.05, 0.10, True, False)
    assert rule_from_printed(at_most_50, p_at_least) == "fixed"
    assert rule_from_printed(above_50, p_at_least) == "random"
    assert rule_from_printed(at_most_50, p_below) == "random"


def test_texts_are_generated_from_the_rule() -> None:
    assert RULE_TEXT == "fixed effect if I² ≤ 50% and Q p ≥ 0.10, else random effects"
    assert RULE_TEXT in CHECKS["model_vs_rule"]
