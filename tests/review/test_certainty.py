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
from evreg.data.validate.certainty import UPGRADE_DOMAINS
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
    upgrades,
)
from evreg.review.certainty.evidence import MissingResult
from evreg.review.certainty.quips import QUIPS_DOMAINS, DomainRisk, StudyRisk
from evreg.review.plan import run_plan
from evreg.review.results import Target
from evreg.stats.power import schoenfeld_events

# A study judged at low risk in every QUIPS domain (risk of bias: test_risk_of_bias.py).
LOW_RISK = StudyRisk(tuple(DomainRisk(d, "low", "judged", "reviewer") for d in QUIPS_DOMAINS))


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
        quips=LOW_RISK,
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


# ---------------------------------------------------------------- inconsistency

BOTH_SIDES = (_study(0, hr=0.8, ci_lower=0.5, ci_upper=1.3), _study(1), _study(2))
OPPOSITE = (_study(0, hr=0.5, ci_lower=0.3, ci_upper=0.9), _study(1), _study(2))


@pytest.mark.parametrize(
    ("i2", "expected"),
    [(inconsistency.I2_SERIOUS - 0.1, "not serious"), (inconsistency.I2_SERIOUS, "not serious")]
    + [(inconsistency.I2_SERIOUS + 0.1, "serious")],
)
def test_estimates_either_side_of_1_are_serious_only_above_the_i2_threshold(
    i2: float, expected: str
) -> None:
    assert _verdict(inconsistency, _ev(3, i2=i2, studies=BOTH_SIDES)) == expected


def test_differences_in_size_on_one_side_of_the_target_are_not_serious_whatever_i2() -> None:
    judged = inconsistency.judge(_ev(3, i2=95.0, pi_lower=0.7, pi_upper=3.0))
    assert judged.judgement == "not serious" and "every point estimate above 1" in judged.reason


def test_the_prediction_interval_supports_only_from_5_studies() -> None:
    four = _ev(4, i2=60.0, pi_lower=0.9, pi_upper=3.0)
    assert _verdict(inconsistency, four) == "not serious"
    assert "PI" not in inconsistency.judge(four).reason
    five = _ev(inconsistency.PI_MIN_K, i2=60.0, pi_lower=0.9, pi_upper=3.0)
    judged = inconsistency.judge(five)
    assert judged.judgement == "serious" and "PI [0.90, 3.00]" in judged.reason
    clear = replace(five, pi_lower=1.01)
    assert _verdict(inconsistency, clear) == "not serious"


def test_sides_follow_the_target_for_an_important_association() -> None:
    important = Target("important_association", 0.8, 1.25)
    near = (_study(0, hr=1.1, ci_lower=0.9, ci_upper=1.4), _study(1), _study(2))
    assert _verdict(inconsistency, _ev(3, i2=60.0, studies=near)) == "not serious"  # all > 1
    judged = inconsistency.judge(_ev(3, i2=60.0, studies=near, target=important))
    assert judged.judgement == "serious" and "between the thresholds" in judged.reason


def test_very_serious_needs_considerable_i2_and_cis_on_opposite_sides() -> None:
    limit = inconsistency.I2_VERY_SERIOUS
    assert _verdict(inconsistency, _ev(3, i2=limit + 0.1, studies=OPPOSITE)) == "very serious"
    assert _verdict(inconsistency, _ev(3, i2=limit, studies=OPPOSITE)) == "serious"
    assert _verdict(inconsistency, _ev(3, i2=90.0, studies=BOTH_SIDES)) == "serious"


def test_one_study_and_printed_results() -> None:
    assert _verdict(inconsistency, _ev(1)) == "not assessable"
    printed = _ev(4, i2=inconsistency.I2_SERIOUS + 1, printed=True, studies=())
    judged = inconsistency.judge(printed)
    assert judged.judgement == "serious" and "not printed" in judged.reason
    assert _verdict(inconsistency, replace(printed, i2=inconsistency.I2_SERIOUS)) == "not serious"
    very = replace(printed, i2=inconsistency.I2_VERY_SERIOUS + 0.1)
    assert _verdict(inconsistency, very) == "very serious"
    assert _verdict(inconsistency, replace(very, i2=inconsistency.I2_VERY_SERIOUS)) == "serious"


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

OIS = schoenfeld_events(1.25)  # events for HR 1.25 at alpha 0.05, power 0.8, 1:1
IMPORTANT = Target("important_association", 0.8, 1.25)


def _events(k: int, total: int, **cells) -> Evidence:
    """k studies with ``total`` events between them (each with as many patients again)."""
    each = [total // k] * k
    each[0] += total - sum(each)
    rows = tuple(_study(i, n=2 * e, events=e) for i, e in enumerate(each))
    return _ev(k, studies=rows, **cells)


def test_schoenfeld_events_as_published() -> None:
    """Schoenfeld 1983 at alpha 0.05, power 0.8, 1:1: about 631 events for HR 1.25, 191 for
    1.5 and 386 for 1.33; an unequal allocation needs more."""
    assert (OIS, schoenfeld_events(1.5)) == (631, 191)
    assert schoenfeld_events(1.33) in (386, 387)  # 386.04, rounded up
    assert schoenfeld_events(0.8) == OIS
    assert schoenfeld_events(1.25, share=1 / 3) > OIS
    with pytest.raises(ValueError):
        schoenfeld_events(1.0)


def test_a_ci_touching_1_is_serious_and_one_just_above_is_not() -> None:
    assert _verdict(imprecision, _events(3, OIS, ci_lower=1.0, ci_upper=1.9)) == "serious"
    assert _verdict(imprecision, _events(3, OIS, ci_lower=1.01, ci_upper=1.9)) == "not serious"
    assert _verdict(imprecision, _events(3, OIS, ci_lower=0.81, ci_upper=1.0)) == "serious"


def test_crossing_1_and_the_important_threshold_on_the_other_side_is_very_serious() -> None:
    assert _verdict(imprecision, _events(3, OIS, ci_lower=0.8, ci_upper=1.9)) == "very serious"
    assert _verdict(imprecision, _events(3, OIS, ci_lower=0.81, ci_upper=1.9)) == "serious"
    below = _events(3, OIS, estimate=0.9, ci_lower=0.6, ci_upper=1.25)
    assert _verdict(imprecision, below) == "very serious"
    assert _verdict(imprecision, replace(below, ci_upper=1.24)) == "serious"
    own = _events(3, OIS, ci_lower=0.9, ci_upper=1.9, target=Target("association", 0.9, 1.1))
    assert _verdict(imprecision, own) == "very serious"  # the plan's own thresholds


def test_an_important_association_is_judged_against_its_threshold() -> None:
    clear = _events(3, OIS, estimate=1.6, ci_lower=1.25, ci_upper=2.0, target=IMPORTANT)
    assert _verdict(imprecision, clear) == "serious"  # touches 1.25
    assert _verdict(imprecision, replace(clear, ci_lower=1.26)) == "not serious"
    assert _verdict(imprecision, replace(clear, ci_lower=1.0)) == "very serious"  # and 1
    assert _verdict(imprecision, replace(clear, ci_lower=1.01)) == "serious"
    trivial = _events(3, OIS, estimate=1.0, ci_lower=0.85, ci_upper=1.2, target=IMPORTANT)
    assert _verdict(imprecision, trivial) == "not serious"
    assert _verdict(imprecision, replace(trivial, ci_upper=1.3)) == "serious"
    assert _verdict(imprecision, replace(trivial, ci_lower=0.7, ci_upper=1.3)) == "very serious"


def test_optimal_information_size_in_events_at_its_boundary() -> None:
    judged = imprecision.judge(_events(3, OIS))
    assert judged.judgement == "not serious" and f"{OIS} events ≥ OIS {OIS}" in judged.reason
    judged = imprecision.judge(_events(3, OIS - 1))
    assert judged.judgement == "serious" and f"{OIS - 1} events < OIS {OIS}" in judged.reason


def test_unknown_events_is_a_named_concern_never_a_pass() -> None:
    many = _ev(3, studies=tuple(_study(i, n=OIS, events=None) for i in range(3)))
    judged = imprecision.judge(many)
    assert judged.judgement == "serious" and "cannot be shown to be met" in judged.reason
    assert "Study 0, Study 1, Study 2" in judged.reason
    few = _ev(2, studies=(_study(0, n=OIS // 2, events=None), _study(1, n=OIS // 2 - 1)))
    judged = imprecision.judge(few)
    assert judged.judgement == "serious" and f"all {OIS - 2} patients" in judged.reason
    analysed = _ev(1, studies=(_study(0, n=5000, n_analysed=OIS - 1, events=None),))
    assert f"all {OIS - 1} patients" in imprecision.judge(analysed).reason


def test_one_study_is_not_a_criterion() -> None:
    assert _verdict(imprecision, _events(1, OIS, ci_lower=1.3, ci_upper=1.5)) == "not serious"


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
    assert judged.judgement == "not serious" and "k = 9 < 10" in judged.reason
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
    assert judged.judgement == "serious" and "suspected: all 4 studies small" in judged.reason
    one_not_small = (*small[:3], _study(3, n=publication_bias.SMALL_STUDY_N))
    judged = publication_bias.judge(_ev(4, studies=one_not_small))
    assert judged.judgement == "not serious" and "no known missing result" in judged.reason
    one_null = (*small[:3], _study(3, n=50, ci_lower=0.9))
    assert _verdict(publication_bias, _ev(4, studies=one_null)) == "not serious"


def _missing(*sizes: int | None) -> tuple[MissingResult, ...]:
    return tuple(
        MissingResult(f"m{i}", f"Missing {i}", "not_found", n) for i, n in enumerate(sizes)
    )


def test_known_missing_results_rate_down_when_they_could_change_the_conclusion() -> None:
    with_data = tuple(_study(i, n=100) for i in range(4))  # 4 studies, 400 patients
    half_patients = _ev(4, studies=with_data, missing=_missing(200))
    judged = publication_bias.judge(half_patients)
    assert judged.judgement == "serious" and "Missing 0 (not_found)" in judged.reason
    assert "1 missing result, 200 patients" in judged.reason
    assert _verdict(publication_bias, _ev(4, studies=with_data, missing=_missing(199))) == (
        "not serious"
    )
    half_count = _ev(4, studies=with_data, missing=_missing(1, 1))
    assert _verdict(publication_bias, half_count) == "serious"  # 2 of 4: comparable in number
    unknown_n = _ev(4, studies=with_data, missing=_missing(None))
    judged = publication_bias.judge(unknown_n)
    assert judged.judgement == "not serious" and "N unknown for 1" in judged.reason


# ---------------------------------------------------------------- rating up and the level


def _domains(**down: str) -> dict[str, Judgement]:
    return {d: Judgement(down.get(d, "not serious"), "r") for d in DOMAINS}


def _rigorous(k: int = 2, **cells) -> Evidence:
    rows = tuple(_study(i, adjusted=True, cutoff_data_derived=False, events=OIS) for i in range(k))
    return _ev(k, studies=rows, **cells)


def test_large_effect_at_its_thresholds() -> None:
    def large(est: float) -> str:
        ev = _rigorous(estimate=est, ci_lower=est * 0.8, ci_upper=est * 1.2)
        return upgrades.large_effect(ev, _domains()).judgement

    assert large(upgrades.LARGE) == "large"
    assert large(upgrades.LARGE - 0.01) == "none"
    assert large(1 / upgrades.LARGE) == "large"
    assert large(upgrades.VERY_LARGE) == "very large"
    ev = _rigorous(estimate=3.0, ci_lower=2.0, ci_upper=4.0)
    assert upgrades.large_effect(replace(ev, k=1), _domains()).judgement == "none"
    assert upgrades.large_effect(replace(ev, ci_lower=0.9), _domains()).judgement == "none"
    assert upgrades.dose_response(ev).judgement == "not assessable"


def test_rating_up_only_for_rigorous_evidence() -> None:
    ev = _rigorous(estimate=3.0, ci_lower=2.0, ci_upper=4.0)
    assert upgrades.large_effect(ev, _domains(indirectness="serious")).judgement == "large"
    for domain in ("risk_of_bias", "imprecision"):
        judged = upgrades.large_effect(ev, _domains(**{domain: "serious"}))
        assert judged.judgement == "none" and domain.replace("_", " ") in judged.reason
    unadjusted = replace(ev, studies=(*ev.studies[:1], replace(ev.studies[1], adjusted=False)))
    judged = upgrades.large_effect(unadjusted, _domains())
    assert judged.judgement == "none" and "adjusted (Study 1)" in judged.reason
    derived = replace(ev, studies=(ev.studies[0], replace(ev.studies[1], cutoff_data_derived=None)))
    judged = upgrades.large_effect(derived, _domains())
    assert judged.judgement == "none" and "set in advance" in judged.reason


def test_a_computed_rating_up_that_cannot_change_the_level_is_not_counted() -> None:
    ev = _rigorous(estimate=3.0, ci_lower=2.0, ci_upper=4.0)
    up = {"large_effect": Judgement("large", "r"), "dose_response": Judgement("none", "r")}
    kept = upgrades.checked(up, _domains(), ev)
    assert kept["large_effect"].judgement == "none" and "not counted" in kept["large_effect"].reason
    down = _domains(indirectness="serious")
    assert upgrades.checked(up, down, ev)["large_effect"].judgement == "large"
    aetiological = replace(ev, target=Target("association", 0.8, 1.25, "aetiological"))
    assert upgrades.checked(up, _domains(), aetiological)["large_effect"].judgement == "large"


def test_a_reviewers_rating_up_is_checked_against_the_same_conditions() -> None:
    ev = _rigorous(estimate=3.0, ci_lower=2.0, ci_upper=4.0)
    row = {"judgement": "large", "reason": "Big.", "assessed_by": "A B"}
    rated = rate_evidence(replace(ev, target=Target("association", 0.8, 1.25)), {})
    assert rated.level == "high"
    reviewed = rate_evidence(
        replace(ev, ci_lower=1.0, estimate=3.0), {"large_effect": row}
    )  # CI touching 1: imprecision serious, so not rigorous
    j = reviewed.upgrades["large_effect"]
    assert j.judgement == "none" and "not applied: rated down for imprecision" in j.reason
    assert reviewed.rated_up == 0


def test_level_starts_at_the_targets_start_and_stays_within_very_low_and_high() -> None:
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
    aetiology = Target("association", 0.8, 1.25, "aetiological")
    low = combine(_domains(), none, True, aetiology)
    assert (low.level, low.start) == ("low", "low") and low.summary.startswith("Starts low")
    assert combine(_domains(), up, True, aetiology).level == "moderate"
    assert combine(_domains(imprecision="serious"), none, True, aetiology).level == "very low"


def test_the_summary_names_the_domains_as_readers_see_them() -> None:
    none = {u: Judgement("none", "r") for u in UPGRADE_DOMAINS}
    up = {**none, "dose_response": Judgement("present", "r")}
    summary = combine(_domains(risk_of_bias="serious"), up, True).summary
    assert "for risk of bias" in summary and "for dose-response gradient" in summary


def test_a_reviewer_judgement_replaces_the_computed_one_and_keeps_it_beside() -> None:
    ev = _events(1, OIS - 1, ci_lower=0.79, ci_upper=1.9)  # very serious
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
      serious, although 6 of 37 odds ratios lie below 1 (the DL prediction interval, 0.93 to
      1.64, is support only with I² > 50%);
    - indirectness: every estimate has time point "unknown" and comparison high vs low (one
      exposure family), so no mix: not serious;
    - imprecision: the primary model is random effects (Q p = 0.095 < 0.10), OR 1.24 (1.13 to
      1.36): the CI excludes 1 (the target is an association), so the optimal information
      size: the printed cases (the events) sum to 4,626 >= 631 (Schoenfeld, ratio 1.25):
      not serious;
    - publication bias: no known missing result; k = 37 >= 10; Egger's slope 0.90, t = 2.38
      on 35 df, two-sided p = 0.023 < 0.10: serious, -1 (trim-and-fill fills 7 on the left:
      OR 1.19, 1.08 to 1.31, still excluding 1);
    - large effect: 1.24 < 2: none; dose-response: not assessable.

    The question is aetiological (does spousal smoking cause lung cancer), so observational
    evidence starts low (2): 2 - 1 - 1 = 0, floored at very low (1).
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
    assert "above 1 and below 1, I² ≤ 50%; I² 24%" in c.domains["inconsistency"].reason
    assert "4626 events ≥ OIS 631" in c.domains["imprecision"].reason
    assert "Egger P = 0.02 (< 0.10)" in c.domains["publication_bias"].reason
    assert (c.upgrades["large_effect"].judgement, c.upgrades["dose_response"].judgement) == (
        "none",
        "not assessable",
    )
    assert c.target.question == "aetiological" and c.start == "low"
    assert (c.rated_down, c.rated_up, c.level) == (2, 0, "very low")
