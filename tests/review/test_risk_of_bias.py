"""Risk of bias with QUIPS: each computed prompt in its domain, reviewers' judgements over
prompts, the study's worst domain, the body of evidence's weighted shares at their boundaries,
and the risk_of_bias resource through a package the test builds (fixtures.synthetic)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.synthetic import add_resource

from evreg.data.package import load_package
from evreg.data.validate import validate_package
from evreg.review.certainty import Evidence, StudyEvidence, risk_of_bias
from evreg.review.certainty.quips import QUIPS_DOMAINS, assess, judged_rows, prompts
from evreg.review.plan import run_plan

COHORT = {"study_id": "s", "design": "retrospective cohort study", "source_checked": "full text"}
ESTIMATE = {"model": "multivariable", "cohort": "whole"}


@pytest.mark.parametrize(
    ("study", "estimate", "domain", "text"),
    [
        ({"cutoff_method": "data_roc"}, {}, "prognostic_factor_measurement", "same data"),
        ({"cutoff_method": "data_maxstat"}, {}, "prognostic_factor_measurement", "same data"),
        ({}, {"model": "univariable"}, "study_confounding", "univariable"),
        ({}, {"model": "unknown"}, "study_confounding", "not stated"),
        ({}, {"cohort": "unknown"}, "statistical_analysis", "cohort"),
        ({"source_checked": "abstract (partial)"}, {}, "statistical_analysis", "abstract only"),
        ({}, {"derivation_method": "tierney_p"}, "statistical_analysis", "tierney_p"),
        ({"design": "retrospective non-cohort study"}, {}, "study_participation", "non-cohort"),
        ({"design": "case-control study"}, {}, "study_participation", "case-control"),
    ],
)
def test_each_prompt_makes_its_domain_moderate(study, estimate, domain, text) -> None:
    risk = assess({**COHORT, **study}, [{**ESTIMATE, **estimate}], {})
    judged = {d.domain: d for d in risk.domains}
    assert judged[domain].risk == "moderate" and text in judged[domain].reason
    assert judged[domain].source == "prompt"
    assert risk.overall == "moderate"
    others = [d for d in QUIPS_DOMAINS if d != domain]
    assert all(judged[d].risk == "unknown" for d in others)


@pytest.mark.parametrize("method", ["prespecified", "external", "median", ""])
def test_no_prompt_for_a_cohort_with_a_cut_off_not_searched_for_in_its_data(method) -> None:
    assert prompts({**COHORT, "cutoff_method": method}, [ESTIMATE]) == {}
    assert prompts({**COHORT, "source_checked": "full text (abstract also read)"}, [ESTIMATE]) == {}


def test_no_judgement_at_all_is_unknown_risk_and_a_reviewer_decides_a_domain() -> None:
    assert assess(COHORT, [ESTIMATE], {}).overall == "unknown"
    low = {d: {"judgement": "low", "support": "s", "assessed_by": "R"} for d in QUIPS_DOMAINS}
    assert assess(COHORT, [ESTIMATE], low).overall == "low"
    # the reviewer's low wins over a prompt; a domain left unjudged stays unknown
    prompted = {**COHORT, "cutoff_method": "data_roc"}
    assert assess(prompted, [ESTIMATE], low).overall == "low"
    five = {d: r for d, r in low.items() if d != "study_attrition"}
    assert assess(prompted, [ESTIMATE], five).overall == "unknown"
    # worst domain: high > moderate > unknown > low
    high = {**low, "study_attrition": {"judgement": "high", "support": "40% lost"}}
    risk = assess(prompted, [ESTIMATE], high)
    assert risk.overall == "high" and [d.domain for d in risk.concerns()] == ["study_attrition"]
    moderate = {**five, "study_attrition": {"judgement": "moderate", "support": "x"}}
    assert assess(COHORT, [ESTIMATE], moderate).overall == "moderate"


def test_a_row_for_the_outcome_wins_over_a_row_for_every_outcome() -> None:
    rows = [
        {"study_id": "s", "outcome": None, "domain": "study_attrition", "judgement": "low"},
        {"study_id": "s", "outcome": "OS", "domain": "study_attrition", "judgement": "high"},
        {"study_id": "t", "outcome": None, "domain": "study_confounding", "judgement": "high"},
    ]
    assert judged_rows(rows, "s", "OS")["study_attrition"]["judgement"] == "high"
    assert judged_rows(rows, "s", "PFS")["study_attrition"]["judgement"] == "low"
    assert set(judged_rows(rows, "s", "PFS")) == {"study_attrition"}
    # whatever the order of the rows
    assert judged_rows(rows[::-1], "s", "OS")["study_attrition"]["judgement"] == "high"


def _risk(level: str):
    rows = {d: {"judgement": level, "support": "s"} for d in QUIPS_DOMAINS}
    return assess(COHORT, [ESTIMATE], rows)


def _study(i: int, level: str, weight_random: float, weight: float = 1.0, nos: int | None = 8):
    return StudyEvidence(
        f"s{i}", f"Study {i}", weight, 200, nos, quips=_risk(level), weight_random=weight_random
    )


def _ev(*studies: StudyEvidence, unidentified: int = 0, printed: bool = False) -> Evidence:
    k = len(studies) + unidentified
    return Evidence(k, 1.5, 1.2, 1.9, studies=studies, unidentified=unidentified, printed=printed)


def test_serious_from_half_the_random_effects_weight_at_moderate_or_unknown_risk() -> None:
    below = _ev(_study(0, "moderate", 49.9, weight=90.0), _study(1, "low", 50.1, weight=10.0))
    assert risk_of_bias.judge(below).judgement == "not serious"  # primary weights not used
    half = _ev(_study(0, "moderate", 50.0), _study(1, "low", 50.0))
    judged = risk_of_bias.judge(half)
    assert judged.judgement == "serious" and judged.reason.startswith("50% of the weight")
    assert "Study 0" in judged.reason
    no_one = StudyEvidence("s2", "Study 2", 1.0, 200, 9, quips=None, weight_random=50.0)
    assert risk_of_bias.judge(_ev(no_one, _study(1, "low", 50.0))).judgement == "serious"


def test_the_reason_names_each_domain_by_its_quips_name() -> None:
    prompted = assess({**COHORT, "source_checked": "abstract"}, [ESTIMATE], {})
    study = StudyEvidence("s0", "Study 0", 1.0, 200, None, quips=prompted, weight_random=60.0)
    reason = risk_of_bias.judge(_ev(study, _study(1, "low", 40.0))).reason
    assert "Study 0 (statistical analysis and reporting: extracted from the abstract only)" in (
        reason
    )
    assert not any(code in reason for code in QUIPS_DOMAINS)


def test_very_serious_only_when_more_than_half_is_at_high_risk() -> None:
    half = _ev(_study(0, "high", 50.0), _study(1, "low", 50.0))
    assert risk_of_bias.judge(half).judgement == "serious"
    most = _ev(_study(0, "high", 50.1), _study(1, "low", 49.9))
    assert risk_of_bias.judge(most).judgement == "very serious"


def test_the_reviews_nos_is_shown_not_used() -> None:
    judged = risk_of_bias.judge(_ev(_study(0, "low", 1.0, nos=2), _study(1, "low", 1.0, nos=3)))
    assert judged.judgement == "not serious"
    assert "NOS" in judged.reason and "Study 0 2" in judged.reason


def test_studies_a_published_k_counts_but_no_table_names_are_at_unknown_risk() -> None:
    named = (_study(0, "low", 1.0), _study(1, "low", 1.0))
    assert risk_of_bias.judge(_ev(*named, unidentified=1, printed=True)).judgement == "not serious"
    judged = risk_of_bias.judge(_ev(*named, unidentified=2, printed=True))
    assert judged.judgement == "serious" and judged.reason.startswith("2 of 4 studies")


def _rows(study_id: str, judgement: str = "low", outcome: str = "") -> list[dict[str, str]]:
    return [
        {
            "study_id": study_id,
            "outcome": outcome,
            "domain": d,
            "judgement": judgement,
            "support": "Full text: consecutive patients, complete follow-up (Table 1)",
            "assessed_by": "A Reviewer",
            "data_version": "1.0.0",
        }
        for d in QUIPS_DOMAINS
    ]


def _rob(pkg: Path, analysis_id: str = "il6-pfs"):
    return run_plan(load_package(pkg)).get(analysis_id).certainty.domains["risk_of_bias"]


def test_reviewers_quips_rows_in_the_package_decide_the_studies_risk(package_copy: Path) -> None:
    # no resource, no judgement: every study at unknown or prompted risk
    assert _rob(package_copy).judgement == "serious"
    add_resource(package_copy, "risk_of_bias", _rows("alpha-2020") + _rows("beta-2021"))
    assert not [f for f in validate_package(package_copy) if f.severity == "error"]
    judged = _rob(package_copy)
    assert judged.judgement == "not serious", judged.reason
    # a row for OS only does not reach PFS; one high domain for PFS does
    rows = _rows("alpha-2020") + _rows("beta-2021", "high", outcome="OS")[:1]
    add_resource(package_copy, "risk_of_bias", rows + _rows("beta-2021")[1:])
    assert "unknown risk: Beta 2021" in _rob(package_copy).reason  # PFS participation unjudged
    high = _rows("alpha-2020") + _rows("beta-2021", "high", outcome="PFS")
    add_resource(package_copy, "risk_of_bias", high)
    assert "high risk: Beta 2021" in _rob(package_copy).reason
    both = _rows("alpha-2020", "high") + _rows("beta-2021", "high", outcome="PFS")
    add_resource(package_copy, "risk_of_bias", both)
    assert _rob(package_copy).judgement == "very serious"


def test_the_risk_of_bias_resource_is_validated(package_copy: Path) -> None:
    bad = _rows("alpha-2020")[:2]
    bad[0] |= {"study_id": "nobody-2020"}
    bad[1] |= {"outcome": "DFS"}
    bad.append(dict(_rows("alpha-2020")[2]))
    bad.append(dict(_rows("alpha-2020")[2]))
    bad.append({**_rows("alpha-2020")[3], "domain": "nos", "judgement": "unclear"})
    add_resource(package_copy, "risk_of_bias", bad)
    found = {(f.row, f.field) for f in validate_package(package_copy) if f.severity == "error"}
    assert {(2, "study_id"), (3, "outcome"), (5, "domain"), (6, "domain")} <= found
    assert (6, "judgement") in found
