"""Certainty of the evidence (GRADE for prognostic factors): each rule at its boundaries on
constructed bodies of evidence, the level arithmetic, and the 37-study example rated from its
real numbers (checked by hand in the docstring)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from fixtures.sites import EXAMPLE

from evreg import stats
from evreg.data.package import load_package
from evreg.data.validate.plan import estimate_mixes
from evreg.review.certainty import (
    DOMAINS,
    LEVELS,
    RULES,
    Evidence,
    Judgement,
    StudyEvidence,
    combine,
    imprecision,
    inconsistency,
    indirectness,
    publication_bias,
    rate_evidence,
    risk_of_bias,
    upgrades,
)
from evreg.review.plan import run_plan


def _study(i: int, **cells) -> StudyEvidence:
    base = dict(
        study_id=f"s{i}",
        label=f"Study {i}",
        weight=1.0,
        n=200,
        nos=8,
        comparability=2,
        hr=1.5,
        ci_lower=1.1,
        ci_upper=2.0,
    )
    return StudyEvidence(**(base | cells))


def _ev(k: int = 3, **cells) -> Evidence:
    """A body of evidence with nothing to rate down unless ``cells`` say otherwise."""
    base = dict(
        k=k,
        estimate=1.5,
        ci_lower=1.2,
        ci_upper=1.9,
        i2=0.0,
        tau2=0.0,
        studies=tuple(_study(i) for i in range(k)),
    )
    return Evidence(**(base | cells))


def _verdict(rule, ev: Evidence) -> str:
    return rule.judge(ev).judgement


# ---------------------------------------------------------------- risk of bias


def test_risk_of_bias_serious_only_when_more_than_half_the_weight_is_at_higher_risk() -> None:
    half = (_study(0, weight=50.0, nos=6), _study(1, weight=50.0))
    assert _verdict(risk_of_bias, _ev(2, studies=half)) == "not serious"  # 50% is not "most"
    over = (_study(0, weight=50.1, nos=6), _study(1, weight=49.9))
    judged = risk_of_bias.judge(_ev(2, studies=over))
    assert judged.judgement == "serious" and judged.reason.startswith("50% of the weight")
    assert "Study 0" in judged.reason


def test_unknown_quality_and_comparability_zero_are_concerns_not_passes() -> None:
    unknown = (_study(0, weight=60.0, nos=None), _study(1, weight=40.0))
    assert _verdict(risk_of_bias, _ev(2, studies=unknown)) == "serious"
    no_comparability = (_study(0, weight=60.0, nos=8, comparability=0), _study(1, weight=40.0))
    assert _verdict(risk_of_bias, _ev(2, studies=no_comparability)) == "serious"
    low = risk_of_bias.LOW_QUALITY_NOS
    very = (_study(0, weight=51.0, nos=low), _study(1, weight=49.0))
    assert _verdict(risk_of_bias, _ev(2, studies=very)) == "very serious"
    just_above = (_study(0, weight=51.0, nos=low + 1), _study(1, weight=49.0))
    assert _verdict(risk_of_bias, _ev(2, studies=just_above)) == "serious"


def test_studies_a_published_k_counts_but_no_table_names_are_of_unknown_quality() -> None:
    named = (_study(0), _study(1))
    assert _verdict(risk_of_bias, _ev(2, studies=named, printed=True)) == "not serious"
    judged = risk_of_bias.judge(_ev(5, studies=named, unidentified=3, printed=True))
    assert judged.judgement == "serious" and judged.reason.startswith("3 of 5 studies")


# ---------------------------------------------------------------- inconsistency

BOTH_SIDES = (_study(0, hr=0.8, ci_lower=0.5, ci_upper=1.3), _study(1), _study(2))


@pytest.mark.parametrize(
    ("i2", "expected"),
    [(inconsistency.I2_SERIOUS - 0.1, "not serious"), (inconsistency.I2_SERIOUS, "not serious")]
    + [(inconsistency.I2_SERIOUS + 0.1, "serious")],
)
def test_i2_just_below_at_and_above_its_threshold(i2: float, expected: str) -> None:
    ev = _ev(3, i2=i2, pi_lower=0.7, pi_upper=3.0)
    assert _verdict(inconsistency, ev) == expected


def test_high_i2_with_every_study_one_way_and_a_pi_above_1_is_not_serious() -> None:
    ev = _ev(3, i2=70.0, pi_lower=1.05, pi_upper=2.5)
    judged = inconsistency.judge(ev)
    assert judged.judgement == "not serious" and "same way" in judged.reason
    assert _verdict(inconsistency, replace(ev, studies=BOTH_SIDES)) == "serious"
    assert "PI [0.70, 3.00]" in inconsistency.judge(_ev(3, i2=60, pi_lower=0.7, pi_upper=3)).reason


def test_very_serious_needs_considerable_i2_and_cis_on_opposite_sides() -> None:
    opposite = (_study(0, hr=0.5, ci_lower=0.3, ci_upper=0.9), _study(1), _study(2))
    limit = inconsistency.I2_VERY_SERIOUS
    assert _verdict(inconsistency, _ev(3, i2=limit + 0.1, studies=opposite)) == "very serious"
    assert _verdict(inconsistency, _ev(3, i2=limit, studies=opposite)) == "serious"
    overlapping = (_study(0, hr=0.8, ci_lower=0.5, ci_upper=1.3), _study(1), _study(2))
    assert _verdict(inconsistency, _ev(3, i2=90.0, studies=overlapping)) == "serious"


def test_one_study_and_printed_results() -> None:
    assert _verdict(inconsistency, _ev(1)) == "not assessable"
    printed = _ev(4, i2=inconsistency.I2_SERIOUS + 1, printed=True, studies=())
    judged = inconsistency.judge(printed)
    assert judged.judgement == "serious" and "not printed" in judged.reason
    assert _verdict(inconsistency, replace(printed, i2=inconsistency.I2_SERIOUS)) == "not serious"


# ---------------------------------------------------------------- indirectness


def _estimate(i: int, timepoint: str = "baseline", comparison: str = "high_vs_low") -> dict:
    return {
        "estimate_id": f"e{i}",
        "study_id": f"s{i}",
        "timepoint": timepoint,
        "comparison": comparison,
    }


def test_indirectness_is_the_validators_mix_warning_on_the_pooled_estimates() -> None:
    same = [_estimate(0), _estimate(1, comparison="low_vs_high")]  # one family: level
    assert estimate_mixes(same) == []
    assert _verdict(indirectness, _ev(2, mixes=())) == "not serious"
    mixed = [_estimate(0), _estimate(1, timepoint="on_treatment")]
    judged = indirectness.judge(_ev(2, mixes=tuple(estimate_mixes(mixed))))
    assert judged.judgement == "serious" and "time points (baseline: e0; on treatment: e1)" in (
        judged.reason
    )
    both = [_estimate(0), _estimate(1, timepoint="unknown", comparison="unknown")]
    assert len(estimate_mixes(both)) == 2
    assert _verdict(indirectness, _ev(2, mixes=tuple(estimate_mixes(both)))) == "serious"


# ---------------------------------------------------------------- imprecision

OIS = imprecision.OIS_PATIENTS


def _sized(k: int, total: int, **cells) -> Evidence:
    each = [total // k] * k
    each[0] += total - sum(each)
    return _ev(k, studies=tuple(_study(i, n=n) for i, n in enumerate(each)), **cells)


def test_a_ci_touching_1_is_imprecise_and_one_just_above_is_not() -> None:
    assert _verdict(imprecision, _sized(3, OIS, ci_lower=1.0, ci_upper=1.9)) == "serious"
    assert _verdict(imprecision, _sized(3, OIS, ci_lower=1.01, ci_upper=1.9)) == "not serious"
    assert _verdict(imprecision, _sized(3, OIS, ci_lower=0.8, ci_upper=1.0)) == "serious"


def test_optimal_information_size_at_its_boundary_and_unknown_n() -> None:
    assert _verdict(imprecision, _sized(3, OIS)) == "not serious"
    judged = imprecision.judge(_sized(3, OIS - 1))
    assert judged.judgement == "serious" and f"{OIS - 1} patients < {OIS}" in judged.reason
    unknown = _ev(3, studies=(_study(0, n=None), _study(1, n=50), _study(2, n=50)))
    judged = imprecision.judge(unknown)
    assert judged.judgement == "not serious" and "N unknown for 1 of 3" in judged.reason


def test_one_study_is_never_not_serious() -> None:
    judged = imprecision.judge(_sized(1, 5000, ci_lower=1.3, ci_upper=1.5))
    assert judged.judgement == "serious" and "one study" in judged.reason
    assert _verdict(imprecision, _sized(1, OIS - 1, ci_lower=1.3, ci_upper=1.5)) == "very serious"


def test_a_ci_spanning_both_important_ratios_is_very_serious() -> None:
    lo, up = imprecision.THRESHOLD_LOWER, imprecision.THRESHOLD_UPPER
    assert _verdict(imprecision, _sized(3, OIS, ci_lower=lo - 0.01, ci_upper=up + 0.01)) == (
        "very serious"
    )
    assert _verdict(imprecision, _sized(3, OIS, ci_lower=lo, ci_upper=up + 0.5)) == "serious"
    plan = _sized(3, OIS, ci_lower=0.85, ci_upper=1.2, threshold_lower=0.9, threshold_upper=1.1)
    assert _verdict(imprecision, plan) == "very serious"  # the plan's own thresholds


# ---------------------------------------------------------------- publication bias


def _asymmetric(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Small studies with larger effects: Egger's slope far from 0 (p far below 0.10)."""
    sei = np.linspace(0.08, 0.5, k)
    yi = 0.05 + 1.5 * sei + np.where(np.arange(k) % 2, 0.02, -0.02)
    return yi, sei


def _with_tests(k: int) -> Evidence:
    yi, sei = _asymmetric(k)
    res = stats.pool(yi, sei, "DL")
    return _ev(
        k,
        estimate=res.estimate,
        ci_lower=res.ci_lower,
        ci_upper=res.ci_upper,
        studies=tuple(_study(i, n=300) for i in range(k)),
        egger=stats.egger(yi, sei, min_k=3),
        trim_and_fill=stats.trim_and_fill(yi, sei, "DL", min_k=3),
    )


def test_publication_bias_tested_from_k_10_and_not_at_k_9() -> None:
    nine, ten = _with_tests(9), _with_tests(10)
    assert nine.egger.p < publication_bias.EGGER_P and ten.egger.p < publication_bias.EGGER_P
    judged = publication_bias.judge(nine)
    assert judged.judgement == "not assessable" and "k = 9 < 10" in judged.reason
    judged = publication_bias.judge(ten)
    assert judged.judgement == "serious" and "Egger P " in judged.reason


def test_egger_p_at_its_threshold_and_trim_and_fill_changing_the_conclusion() -> None:
    ten = _with_tests(10)
    at = replace(ten, egger=replace(ten.egger, p=publication_bias.EGGER_P), trim_and_fill=None)
    assert _verdict(publication_bias, at) == "not serious"
    below = replace(at, egger=replace(ten.egger, p=publication_bias.EGGER_P - 0.0001))
    assert _verdict(publication_bias, below) == "serious"
    null = stats.pool([0.0, 0.02], [0.2, 0.2], "DL")  # a filled result whose CI includes 1
    filled = stats.TrimFillResult(True, "computed", 3, 1.0, "left", (), (), null)
    judged = publication_bias.judge(replace(at, trim_and_fill=filled))
    assert judged.judgement == "serious" and "changes the conclusion" in judged.reason


def test_below_10_studies_only_all_small_and_positive_is_suspected() -> None:
    small = tuple(_study(i, n=publication_bias.SMALL_STUDY_N - 1) for i in range(4))
    judged = publication_bias.judge(_ev(4, studies=small))
    assert judged.judgement == "serious" and judged.reason.startswith("suspected")
    one_not_small = (*small[:3], _study(3, n=publication_bias.SMALL_STUDY_N))
    assert _verdict(publication_bias, _ev(4, studies=one_not_small)) == "not assessable"
    one_null = (*small[:3], _study(3, n=50, ci_lower=0.9))
    assert _verdict(publication_bias, _ev(4, studies=one_null)) == "not assessable"


# ---------------------------------------------------------------- rating up and the level


def _domains(**down: str) -> dict[str, Judgement]:
    return {d: Judgement(down.get(d, "not serious"), "r") for d in DOMAINS}


def test_large_effect_at_its_thresholds_and_only_when_nothing_is_rated_down() -> None:
    def large(est: float) -> str:
        ev = _ev(2, estimate=est, ci_lower=est * 0.8, ci_upper=est * 1.2)
        return upgrades.large_effect(ev, _domains()).judgement

    assert large(upgrades.LARGE) == "large"
    assert large(upgrades.LARGE - 0.01) == "none"
    assert large(1 / upgrades.LARGE) == "large"
    assert large(upgrades.VERY_LARGE) == "very large"
    ev = _ev(2, estimate=3.0, ci_lower=2.0, ci_upper=4.0)
    assert upgrades.large_effect(ev, _domains(indirectness="serious")).judgement == "none"
    assert upgrades.large_effect(replace(ev, k=1), _domains()).judgement == "none"
    assert upgrades.large_effect(replace(ev, ci_lower=0.9), _domains()).judgement == "none"
    assert upgrades.dose_response(ev).judgement == "not assessable"


def test_level_starts_high_subtracts_and_stays_within_very_low_and_high() -> None:
    none = {u: Judgement("none", "r") for u in ("large_effect", "dose_response")}
    assert combine(_domains(), none, True).level == "high"
    assert combine(_domains(imprecision="serious"), none, True).level == "moderate"
    two = _domains(imprecision="very serious", risk_of_bias="serious")
    assert combine(two, none, True).level == "very low"
    everything = {d: Judgement("very serious", "r") for d in DOMAINS}
    rated = combine(everything, none, True)
    assert rated.level == "very low" and rated.rated_down == 10
    up = {**none, "large_effect": Judgement("large", "r")}
    assert combine(_domains(imprecision="serious"), up, True).level == "high"
    assert combine(_domains(), up, True).level == "high"  # never above high
    assert combine(_domains(), none, False).level == "no evidence"
    assert LEVELS == ("very low", "low", "moderate", "high")


def test_a_reviewer_judgement_replaces_the_computed_one_and_keeps_it_beside() -> None:
    ev = _sized(1, OIS - 1, ci_lower=1.3, ci_upper=1.9)  # one small study: very serious
    computed = rate_evidence(ev, {})
    row = {"judgement": "serious", "reason": "Large, well-run study.", "assessed_by": "A B"}
    reviewed = rate_evidence(ev, {"imprecision": row})
    j = reviewed.domains["imprecision"]
    assert (j.judgement, j.source, j.assessed_by) == ("serious", "reviewer", "A B")
    assert (j.computed, j.computed_reason) == (
        computed.domains["imprecision"].judgement,
        computed.domains["imprecision"].reason,
    )
    assert LEVELS.index(reviewed.level) == LEVELS.index(computed.level) + 1


def test_nothing_pooled_is_no_evidence() -> None:
    rated = rate_evidence(Evidence(0, None, None, None), {})
    assert rated.level == "no evidence"
    assert all(j.judgement == "not assessable" for j in rated.domains.values())


def test_every_rule_names_its_domain_and_a_reference() -> None:
    names = [r.domain for r in RULES]
    assert set(DOMAINS) | {"large_effect", "dose_response"} <= set(names)
    assert all(r.rule and r.reference for r in RULES)


# ---------------------------------------------------------------- the 37-study example


def test_the_example_37_study_analysis_rated_from_its_real_numbers() -> None:
    """Hackshaw et al. 1997 (examples/hackshaw1998): 37 studies of spousal smoking and lung
    cancer, odds ratios as printed; the example data are fixed, so the rating is checked by hand:

    - risk of bias: no study has a Newcastle-Ottawa score recorded, so 100% of the weight is
      from studies of unknown quality (> 50%): serious, -1;
    - inconsistency: Q = 47.50 on 36 df, I² = (47.50 - 36) / 47.50 = 24.2% (<= 50%): not
      serious, although the DL prediction interval (0.93 to 1.64) includes 1 and 6 of 37
      odds ratios lie below 1;
    - indirectness: every estimate has time point "unknown" and comparison high vs low (one
      exposure family), so no mix: not serious;
    - imprecision: the primary model is random effects (Q p = 0.095 < 0.10), OR 1.24 (1.13 to
      1.36): the CI excludes 1 and neither reaches 0.75 nor spans 1.25 on both sides; no
      study records N (optimal information size not checked); k = 37: not serious;
    - publication bias: k = 37 >= 10; Egger's slope 0.90, t = 2.38 on 35 df, two-sided
      p = 0.023 < 0.10: serious, -1 (trim-and-fill fills 7 on the left: OR 1.19, 1.08 to
      1.31, still excluding 1);
    - large effect: 1.24 < 2: none; dose-response: not assessable.

    High (4) - 1 - 1 = 2: low.
    """
    results = run_plan(load_package(EXAMPLE / "datapackage.json"))
    a = results.get("ets-lung")
    fixed, random = a.fixed, a.random
    assert a.k_with_data == 37 and a.primary == "random"
    assert round(fixed.Q, 2) == 47.50 and fixed.Q_df == 36
    assert math.isclose(fixed.I2, 100 * (fixed.Q - 36) / fixed.Q)
    assert round(fixed.I2, 1) == 24.2 and round(fixed.Q_p, 3) == 0.095
    assert (round(random.pi_lower, 2), round(random.pi_upper, 2)) == (0.93, 1.64)
    assert sum(u.hr < 1 for u in a.used) == 6
    assert [round(x, 2) for x in (random.estimate, random.ci_lower, random.ci_upper)] == [
        1.24,
        1.13,
        1.36,
    ]
    assert (round(a.egger.bias, 2), round(a.egger.t, 2), a.egger.df) == (0.90, 2.38, 35)
    assert round(a.egger.p, 3) == 0.023
    tf = a.trim_and_fill
    assert (tf.k0, tf.side) == (7, "left") and round(tf.pooled.ci_lower, 2) == 1.08
    c = a.certainty
    assert {d: j.judgement for d, j in c.domains.items()} == {
        "risk_of_bias": "serious",
        "inconsistency": "not serious",
        "indirectness": "not serious",
        "imprecision": "not serious",
        "publication_bias": "serious",
    }
    assert c.domains["risk_of_bias"].reason.startswith("100% of the weight")
    assert "I² 24% (≤ 50%)" in c.domains["inconsistency"].reason
    assert "Egger P = 0.02 (< 0.10)" in c.domains["publication_bias"].reason
    assert (c.upgrades["large_effect"].judgement, c.upgrades["dose_response"].judgement) == (
        "none",
        "not assessable",
    )
    assert (c.rated_down, c.rated_up, c.level) == (2, 0, "low")
