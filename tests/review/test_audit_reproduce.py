"""Reproduction of published results from constructed estimates (pooled here by hand formulas).

The expected pooled values are computed in this file with the textbook inverse-variance and
DerSimonian-Laird formulas (Cochrane Handbook 10.3 / 10.10.4), independently of evreg.stats.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from evreg.review import audit

Z95 = sps.norm.ppf(0.975)

ANALYSES = [
    {
        "analysis_id": "m-pfs",
        "biomarker": "M",
        "outcome": "PFS",
        "subgroup_variable": None,
        "parent_analysis": None,
        "random_method": "DL",
    },
    {
        "analysis_id": "m-pfs-hbv",
        "biomarker": "M",
        "outcome": "PFS",
        "subgroup_variable": "hbv_all_patients",
        "parent_analysis": "m-pfs",
        "random_method": "DL",
    },
]


def study(sid: str, hbv: bool | None = None) -> dict:
    return {
        "study_id": sid,
        "biomarker": "M",
        "outcomes_used_by_review": "PFS;OS",
        "hbv_all_patients": hbv,
    }


def est(
    sid: str,
    hr: str | None,
    lo: str | None,
    hi: str | None,
    comparison: str = "high_vs_low",
    status: str = "extracted",
    suffix: str = "",
) -> dict:
    return {
        "estimate_id": f"{sid}-pfs{suffix}",
        "study_id": sid,
        "hr": hr,
        "ci_lower": lo,
        "ci_upper": hi,
        "ci_level": 0.95,
        "comparison": comparison,
        "status": status,
    }


def hand_pool(cis: list[tuple[float, float, float]], random: bool) -> dict:
    y = np.log([c[0] for c in cis])
    se = (np.log([c[2] for c in cis]) - np.log([c[1] for c in cis])) / (2 * Z95)
    w = 1 / se**2
    mu_f = (w * y).sum() / w.sum()
    q = float((w * (y - mu_f) ** 2).sum())
    df = len(y) - 1
    tau2 = max(0.0, (q - df) / (w.sum() - (w**2).sum() / w.sum())) if random and df else 0.0
    ws = 1 / (se**2 + tau2)
    mu = (ws * y).sum() / ws.sum()
    s = 1 / math.sqrt(ws.sum())
    return {
        "hr": math.exp(mu),
        "lo": math.exp(mu - Z95 * s),
        "hi": math.exp(mu + Z95 * s),
        "p": 2 * sps.norm.sf(abs(mu / s)),
        "i2": max(0.0, (q - df) / q) * 100 if q else 0.0,
        "qp": sps.chi2.sf(q, df),
    }


def published(
    pooled: dict,
    k: int,
    model: str | None,
    analysis: str = "m-pfs",
    level: str | None = None,
    result_id: str = "m-pfs",
) -> dict:
    p = "< 0.001" if pooled["p"] < 0.001 else f"{pooled['p']:.3f}"
    return {
        "result_id": result_id,
        "analysis_id": analysis,
        "subgroup_level": level,
        "k": k,
        "model": model,
        "hr": f"{pooled['hr']:.2f}",
        "ci_lower": f"{pooled['lo']:.2f}",
        "ci_upper": f"{pooled['hi']:.2f}",
        "p_as_printed": p,
        "i2_percent": f"{pooled['i2']:.0f}",
        "q_p_as_printed": f"{pooled['qp']:.2f}",
    }


CIS = [(1.62, 1.02, 2.60), (2.00, 1.25, 3.20), (1.35, 0.90, 2.03)]
HETERO = [(0.70, 0.50, 0.98), (2.40, 1.70, 3.39), (1.30, 1.00, 1.69)]


def estimates_for(cis: list[tuple[float, float, float]]) -> list[dict]:
    return [est(f"s{i}", f"{h:.2f}", f"{lo:.2f}", f"{hi:.2f}") for i, (h, lo, hi) in enumerate(cis)]


def run(pub: list[dict], ests: list[dict], studies: list[dict] | None = None):
    studies = studies or [study(e["study_id"]) for e in ests]
    qualifying = {"m-pfs": ests, "m-pfs-hbv": ests}
    return audit.reproduce_rows(pub, ANALYSES, studies, qualifying)


def test_fixed_effect_result_reproduced() -> None:
    pooled = hand_pool(CIS, random=False)
    (r,) = run([published(pooled, 3, "fixed")], estimates_for(CIS))
    assert (r.verdict, r.k_available, r.k_published, r.model) == ("reproduced", 3, 3, "fixed")
    assert r.differences == ()
    assert r.recomputed["hr"] == pytest.approx(pooled["hr"], rel=1e-9)
    (f,) = audit.reproduction_findings([r])
    assert (f.check, f.severity) == ("reproduction", "note") and "reproduced" in f.message


def test_random_effects_result_reproduced_and_fixed_differs() -> None:
    pooled = hand_pool(HETERO, random=True)
    assert pooled["i2"] > 50  # heterogeneous by construction
    (r,) = run([published(pooled, 3, "random")], estimates_for(HETERO))
    assert r.verdict == "reproduced" and r.recomputed["method"] == "DL"
    (wrong,) = run([published(hand_pool(HETERO, random=False), 3, "random")], estimates_for(HETERO))
    assert wrong.verdict == "differs"
    assert any(d.startswith("ci_lower printed") for d in wrong.differences)


def test_shifted_hr_differs_by_the_stated_amount() -> None:
    pooled = hand_pool(CIS, random=False)
    pub = published(pooled, 3, "fixed") | {"hr": f"{pooled['hr'] + 0.05:.2f}"}
    (r,) = run([pub], estimates_for(CIS))
    assert r.verdict == "differs"
    (d,) = [d for d in r.differences if d.startswith("hr ")]
    printed = float(pub["hr"])
    assert f"difference {pooled['hr'] - printed:+.4g}" in d
    (f,) = audit.reproduction_findings([r])
    assert f.severity == "error" and "differs" in f.message


@pytest.mark.parametrize(
    ("hr", "reproduced"), [("1.2751", True), ("1.2749", False), ("1.2849", True), ("1.2851", False)]
)
def test_rounding_boundary_of_reproduction(hr: str, reproduced: bool) -> None:
    """Printed 1.28 means [1.275, 1.285): a single study's HR just inside or outside it."""
    h = float(hr)
    ests = [est("a", hr, f"{h / 1.5:.6f}", f"{h * 1.5:.6f}")]  # symmetric CI on the log scale
    pub = {
        "result_id": "m-pfs",
        "analysis_id": "m-pfs",
        "subgroup_level": None,
        "k": 1,
        "model": "fixed",
        "hr": "1.28",
        "ci_lower": None,
        "ci_upper": None,
    }
    (r,) = run([pub], ests)
    assert r.verdict == ("reproduced" if reproduced else "differs")
    assert any(d.startswith("hr printed 1.28") for d in r.differences) is not reproduced


def test_low_vs_high_estimates_are_harmonised() -> None:
    # 2.00 (1.25 to 3.20) high vs low == 0.50 (0.3125 to 0.80) low vs high, exactly
    cis = [(2.00, 1.25, 3.20), (1.50, 1.10, 2.05)]
    pooled = hand_pool(cis, random=False)
    ests = [est("a", "0.50", "0.3125", "0.80", "low_vs_high"), est("b", "1.50", "1.10", "2.05")]
    (r,) = run([published(pooled, 2, "fixed")], ests)
    assert r.verdict == "reproduced"


def test_missing_estimates_cannot_be_reproduced_yet() -> None:
    ests = [
        est("a", "1.62", "1.02", "2.60"),
        est("b", "5.80", None, None, status="incomplete"),
        est("c", None, None, None, status="not_found"),
    ]
    studies = [study("a"), study("b"), study("c"), study("d")]
    pub = {
        "result_id": "m-pfs",
        "analysis_id": "m-pfs",
        "subgroup_level": None,
        "k": 4,
        "model": "fixed",
        "hr": "1.91",
        "ci_lower": "1.40",
        "ci_upper": "2.60",
        "p_as_printed": "< 0.001",
        "i2_percent": "25",
        "q_p_as_printed": "0.26",
    }
    (r,) = run([pub], ests, studies)
    assert (r.verdict, r.k_available, r.used) == ("cannot be reproduced yet", 1, ("a-pfs",))
    assert r.missing == (
        "b-pfs: incomplete (no CI)",
        "c-pfs: not_found",
        "d: no qualifying estimate row",
    )
    assert r.recomputed["hr"] == pytest.approx(1.62)
    (f,) = audit.reproduction_findings([r])
    assert f.severity == "note" and "1 of 4" in f.message and "d: no qualifying" in f.message


def test_no_usable_estimate() -> None:
    pub = {
        "result_id": "m-pfs",
        "analysis_id": "m-pfs",
        "subgroup_level": None,
        "k": 1,
        "model": "fixed",
        "hr": "1.20",
        "ci_lower": "0.90",
        "ci_upper": "1.60",
    }
    (r,) = run([pub], [est("a", None, None, None, status="not_found")])
    assert r.verdict == "cannot be reproduced yet" and r.recomputed is None


def test_more_estimates_than_the_review_differs() -> None:
    pooled = hand_pool(CIS[:2], random=False)
    (r,) = run([published(pooled, 2, "fixed")], estimates_for(CIS))
    assert (r.verdict, r.k_available) == ("differs", 3)


def test_one_estimate_per_study() -> None:
    pooled = hand_pool(CIS[:1], random=False)
    ests = [est("a", "1.62", "1.02", "2.60"), est("a", "3.00", "2.00", "4.50", suffix="-b")]
    (r,) = run([published(pooled, 1, "fixed")], ests)
    assert (r.k_available, r.used, r.verdict) == (1, ("a-pfs",), "reproduced")


def test_subgroup_levels_use_study_table_and_parent_model() -> None:
    true_cis = [(1.62, 1.02, 2.60), (2.00, 1.25, 3.20)]
    ests = estimates_for(true_cis + [(1.35, 0.90, 2.03)])
    studies = [study("s0", True), study("s1", True), study("s2", False), study("s3", None)]
    overall = published(hand_pool(CIS, random=True), 4, "random")
    sub = published(hand_pool(true_cis, random=True), 2, None, "m-pfs-hbv", "true", "m-pfs-hbv-t")
    _, r = run([overall, sub], ests, studies)
    assert (r.verdict, r.k_available, r.model) == ("reproduced", 2, "random")
    assert "overall analysis" in r.model_basis
    false_sub = published(hand_pool(CIS[2:], random=True), 2, None, "m-pfs-hbv", "false", "f")
    (_, f) = run([overall, false_sub], ests, studies)
    assert f.verdict == "cannot be reproduced yet"
    assert f.missing == ("hbv_all_patients unknown for s3",)


def test_model_from_rule_when_nothing_printed() -> None:
    pooled = hand_pool(HETERO, random=True)
    (r,) = run([published(pooled, 3, None)], estimates_for(HETERO))
    assert r.model == "random" and "rule" in r.model_basis and r.verdict == "reproduced"


# ----------------------------------------------------------------------------- two-study check


def two_study_row(pooled: dict) -> dict:
    return published(pooled, 2, None, "m-pfs-hbv", "true", "m-pfs-hbv-t")


def test_two_study_direction_finds_the_generating_combination() -> None:
    """Pool a low-vs-high study entered as printed with a second study by fixed effect: the check
    must find that combination possible, with the second study's HR in its implied range."""
    known = (0.60, 0.40, 0.90)  # printed low vs high, entered without harmonising
    other = (3.00, 1.50, 6.00)
    pooled = hand_pool([known, other], random=False)
    pub = two_study_row(pooled)
    ests = [est("a", "0.60", "0.40", "0.90", "low_vs_high")]
    studies = [study("a", True), study("b", True)]
    reps = run([pub], ests, studies)
    assert reps[0].k_available == 1 and reps[0].k_published == 2
    (f,) = audit.check_two_study_direction([pub], reps)
    assert f.check == "two_study_direction" and f.severity == "note"
    assert "fixed effect, as printed" in f.expected.split("; ")
    part = f.message.split("fixed effect, as printed: possible (second study HR about ")[1]
    lo, hi = (float(x) for x in part.split(",")[0].split(" to "))
    assert lo <= 3.0 <= hi


@pytest.mark.parametrize("comparison", ["low_vs_high", "decrease_vs_increase"])
def test_two_study_direction_tries_the_harmonised_direction(comparison: str) -> None:
    """A study printed the other way round (every value of evreg.stats.FLIPPED), pooled after
    harmonising: the check must try the harmonised direction and find it possible."""
    known = (1 / 0.60, 1 / 0.90, 1 / 0.40)  # printed 0.60 [0.40, 0.90], harmonised
    pooled = hand_pool([known, (3.00, 1.50, 6.00)], random=False)
    pub = two_study_row(pooled)
    reps = run([pub], [est("a", "0.60", "0.40", "0.90", comparison)], [study("a", True)])
    (f,) = audit.check_two_study_direction([pub], reps)
    assert "fixed effect, harmonised" in f.expected.split("; ")
    assert "[0.40, 0.90]" in f.message  # the estimate as printed, in RevMan's layout


def test_two_study_direction_impossible_when_ci_too_wide() -> None:
    """With I2 0, a pooled CI wider than the known study's own CI fits no second study."""
    pub = {
        "result_id": "m-pfs-hbv-t",
        "analysis_id": "m-pfs-hbv",
        "subgroup_level": "true",
        "k": 2,
        "model": None,
        "hr": "1.50",
        "ci_lower": "0.50",
        "ci_upper": "4.50",
        "p_as_printed": "0.47",
        "i2_percent": "0",
        "q_p_as_printed": "0.90",
    }
    ests = [est("a", "1.50", "1.40", "1.61")]
    reps = run([pub], ests, [study("a", True), study("b", True)])
    (f,) = audit.check_two_study_direction([pub], reps)
    assert f.expected == "none found"
    assert "harmonised" not in f.message  # a high-vs-low estimate has one direction only


def test_two_study_direction_needs_k2_and_one_estimate() -> None:
    pooled = hand_pool(CIS[:2], random=False)
    pub = two_study_row(pooled)
    reps = run([pub], estimates_for(CIS[:2]), [study("s0", True), study("s1", True)])
    assert reps[0].k_available == 2
    assert audit.check_two_study_direction([pub], reps) == []


def test_invalid_numbers_are_reported_not_raised() -> None:
    ests = [est("a", "1.62", "1.70", "2.60")]  # lower bound above the ratio
    pub = {
        "result_id": "m-pfs",
        "analysis_id": "m-pfs",
        "subgroup_level": None,
        "k": 1,
        "model": "fixed",
        "hr": "1.62",
        "ci_lower": "1.02",
        "ci_upper": "2.60",
    }
    (r,) = run([pub], ests)
    assert (r.verdict, r.k_available, r.recomputed) == ("cannot be reproduced yet", 0, None)
    assert "a-pfs: numbers cannot be pooled" in r.missing[-1]
