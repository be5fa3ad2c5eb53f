"""The review's model rule, defined once: fixed effect if I² ≤ 50% and the Q-test p ≥ 0.10,
else random effects (Hu & Qiu 2026, Methods; Cochrane Handbook 10.10.2 for the thresholds'
reading). The plan (:func:`review_rule`), the audit's check on printed values, the Methods page
and every message use these constants and :data:`RULE_TEXT`."""

from __future__ import annotations

from evreg.stats.core import PoolResult, RuleChoice

I2_MAX = 50.0  # % : fixed effect needs I² at or below this
Q_P_MIN = 0.10  # and the Q-test p at or above this
RULE_TEXT = f"fixed effect if I² ≤ {I2_MAX:g}% and Q p ≥ {Q_P_MIN:.2f}, else random effects"


def i2_allows_fixed(i2: float) -> bool:
    """I² (%) at or below the rule's threshold."""
    return i2 <= I2_MAX


def q_p_allows_fixed(q_p: float) -> bool:
    """Q-test p at or above the rule's threshold."""
    return q_p >= Q_P_MIN


def fixed_by_rule(i2: float, q_p: float) -> bool:
    """True when the rule picks fixed effect for this I² (%) and Q-test p."""
    return i2_allows_fixed(i2) and q_p_allows_fixed(q_p)


def review_rule(fixed: PoolResult) -> RuleChoice:
    """The review's rule on a fixed-effect result, with the reason in words."""
    if fixed.k < 2 or fixed.I2 is None or fixed.Q_p is None:
        return RuleChoice(
            "fixed",
            f"k = {fixed.k}: heterogeneity cannot be assessed; fixed effect (the single study)",
        )
    i2, qp = fixed.I2, fixed.Q_p
    if fixed_by_rule(i2, qp):
        return RuleChoice(
            "fixed",
            f"I2 = {i2:.1f}% <= {I2_MAX:g}% and Q p = {qp:.3g} >= {Q_P_MIN:.2f}: fixed effect",
        )
    why = []
    if not i2_allows_fixed(i2):
        why.append(f"I2 = {i2:.1f}% > {I2_MAX:g}%")
    if not q_p_allows_fixed(qp):
        why.append(f"Q p = {qp:.3g} < {Q_P_MIN:.2f}")
    return RuleChoice("random", " and ".join(why) + ": random effects")
