"""Tierney 2007's formulas (evreg.stats.derive) against an independent computation with
scipy, to 1e-6, and the refusals of inputs no formula can use."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from evreg.stats.derive import (
    DerivationError,
    from_hr_ci,
    from_hr_p,
    from_logrank,
    from_o_minus_e,
    parse_p,
)

TOL = 1e-6


def tierney_logrank(z: float, events: int, ratio: float, sign: int) -> tuple[float, float]:
    """Independent: V = O_total R / (1 + R)^2; O - E = z sqrt V; ln HR = (O - E) / V."""
    v = events * ratio / (1 + ratio) ** 2
    o_minus_e = sign * z * math.sqrt(v)
    return o_minus_e / v, 1 / math.sqrt(v)


@pytest.mark.parametrize(
    ("p", "events", "ratio", "worse"),
    [("0.004", 80, 1, "high"), ("0.03", 41, 1.5, "low"), ("0.5", 200, 0.8, "high")],
)
def test_logrank_from_p(p: str, events: int, ratio: float, worse: str) -> None:
    est = from_logrank(p=p, events=events, ratio=ratio, worse=worse)
    z = norm.isf(float(p) / 2)
    log_hr, se = tierney_logrank(z, events, ratio, 1 if worse == "high" else -1)
    assert est.log_hr == pytest.approx(log_hr, abs=TOL)
    assert est.se == pytest.approx(se, abs=TOL)
    assert est.ci_lower == pytest.approx(math.exp(log_hr - norm.isf(0.025) * se), abs=TOL)
    assert est.ci_upper == pytest.approx(math.exp(log_hr + norm.isf(0.025) * se), abs=TOL)
    assert est.inputs["p"] == p and est.method == "logrank"


def test_logrank_from_chisq() -> None:
    """A chi-squared as printed (25.42), 96 events, allocation 1.2 (numbers for the test)."""
    est = from_logrank(chisq="25.42", events=96, ratio=1.2, worse="high")
    log_hr, se = tierney_logrank(math.sqrt(25.42), 96, 1.2, 1)
    assert (est.log_hr, est.se) == pytest.approx((log_hr, se), abs=TOL)
    assert est.hr > 1  # the high group fares worse: HR above 1


def test_o_minus_e_and_direction() -> None:
    est = from_o_minus_e(o_minus_e="-8.5", variance="19.2")
    assert est.log_hr == pytest.approx(-8.5 / 19.2, abs=TOL)
    assert est.se == pytest.approx(1 / math.sqrt(19.2), abs=TOL)
    low = from_o_minus_e(o_minus_e="8.5", variance="19.2", worse="high")
    assert low.log_hr == pytest.approx(8.5 / 19.2, abs=TOL)
    with pytest.raises(DerivationError, match="o_minus_e .* but worse is 'low'"):
        from_o_minus_e(o_minus_e="8.5", variance="19.2", worse="low")


def test_se_from_ci_uses_the_whole_width_and_flags_asymmetry() -> None:
    est = from_hr_ci(hr="1.85", ci_lower="1.21", ci_upper="2.83")
    assert est.se == pytest.approx(
        (math.log(2.83) - math.log(1.21)) / (2 * norm.isf(0.025)), abs=TOL
    )
    assert est.log_hr == pytest.approx(math.log(1.85), abs=TOL) and est.method == "ci"
    skew = from_hr_ci(hr="1.3", ci_lower="1.21", ci_upper="2.83")
    assert any("asymmetric" in n for n in skew.notes)
    assert not any("asymmetric" in n for n in est.notes)


def test_se_from_p() -> None:
    est = from_hr_p(hr="0.62", p="0.01")
    assert est.se == pytest.approx(abs(math.log(0.62)) / norm.isf(0.005), abs=TOL)
    assert est.method == "p"


def test_p_printed_as_a_bound_is_used_at_the_bound_with_a_note() -> None:
    value, notes = parse_p("P < 0.001")
    assert value == 0.001 and "conservative" in notes[0]
    est = from_logrank(p="<0.001", events=80, worse="high")
    assert est.log_hr == pytest.approx(tierney_logrank(norm.isf(0.0005), 80, 1, 1)[0], abs=TOL)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": "0", "events": 80, "worse": "high"}, "p 0: a p-value must be between 0 and 1"),
        ({"p": "1", "events": 80, "worse": "high"}, "p 1: a p-value must be between 0 and 1"),
        ({"p": "1.5", "events": 80, "worse": "high"}, "p 1.5"),
        ({"p": ">0.05", "events": 80, "worse": "high"}, "lower bound"),
        ({"p": "abc", "events": 80, "worse": "high"}, "not a number"),
        ({"p": "0.01", "events": 0, "worse": "high"}, "events 0: must be greater than 0"),
        ({"p": "0.01", "events": 12.5, "worse": "high"}, "whole number"),
        ({"p": "0.01", "events": 80, "ratio": 0, "worse": "high"}, "ratio 0"),
        ({"p": "0.01", "events": 80, "worse": "both"}, "worse 'both'"),
        ({"chisq": "-1", "events": 80, "worse": "high"}, "chisq -1"),
        ({"p": "0.01", "chisq": "4", "events": 80, "worse": "high"}, "not both"),
    ],
)
def test_bad_logrank_inputs_are_refused_naming_the_input(kwargs: dict, message: str) -> None:
    with pytest.raises(DerivationError, match=message):
        from_logrank(**kwargs)


def test_bad_ci_inputs() -> None:
    with pytest.raises(DerivationError, match="must enclose hr"):
        from_hr_ci(hr="2.9", ci_lower="1.21", ci_upper="2.83")
    with pytest.raises(DerivationError, match="hr 1: a p-value gives no SE"):
        from_hr_p(hr="1", p="0.5")
    with pytest.raises(DerivationError, match="variance 0"):
        from_o_minus_e(o_minus_e="1", variance="0")


def test_method_labels_are_the_schema_labels() -> None:
    """One label per method: the derivations schema's enumLabels are the code's labels."""
    import json
    from pathlib import Path

    from evreg.stats.derive import METHOD_LABELS

    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "derivations.json").read_text()
    )
    method = next(f for f in schema["fields"] if f["name"] == "method")
    assert method["enumLabels"] == METHOD_LABELS
    assert method["constraints"]["enum"] == list(METHOD_LABELS)
