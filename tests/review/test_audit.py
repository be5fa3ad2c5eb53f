"""Audit consistency checks on constructed rows: consistent, inconsistent and rounding boundaries.

Expected intervals are computed here independently (dense sampling over the rounding box, direct
chi-square formulas), never copied from the shipped review.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from evreg.review import audit
from evreg.review.audit import AuditFinding, parse_printed

Z95 = sps.norm.ppf(0.975)


def row(**kw: object) -> dict:
    base = {
        "result_id": "r1",
        "analysis_id": "a1",
        "subgroup_level": None,
        "k": 5,
        "model": "random",
        "hr": None,
        "ci_lower": None,
        "ci_upper": None,
        "p_as_printed": None,
        "i2_percent": None,
        "q_p_as_printed": None,
    }
    return base | kw


def checks(findings: list[AuditFinding]) -> list[str]:
    return [f.check for f in findings]


# ----------------------------------------------------------------------------- parse_printed


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("1.28", [1.275, 1.28, 1.2849999], [1.2749999, 1.285]),
        ("0.10", [0.095, 0.1049999], [0.0949999, 0.105]),
        ("81", [80.5, 81.4999], [80.4999, 81.5]),
        ("0", [0.0, 0.4999], [0.5]),
        ("< 0.001", [0.0, 0.000999], [0.001]),
        ("<0.05", [0.0, 0.0499], [0.05]),
        ("<= 0.05", [0.05], [0.0500001]),
        ("P = 0.21", [0.205, 0.2149], [0.215]),
        ("> 0.99", [0.9901, 5.0], [0.99]),
        ("2.5e-3", [0.00245, 0.002549], [0.00255]),
    ],
)
def test_parse_printed_rounding_interval(text: str, inside: list, outside: list) -> None:
    p = parse_printed(text)
    assert p is not None
    assert all(p.contains(x) for x in inside), (text, p)
    assert not any(p.contains(x) for x in outside), (text, p)


@pytest.mark.parametrize("text", [None, "", "n/a", "NS", "abc", True])
def test_parse_printed_unreadable_is_none(text: object) -> None:
    assert parse_printed(text) is None


def test_overlaps_respects_half_open_upper_bound() -> None:
    p = parse_printed("0.03")  # [0.025, 0.035)
    assert p.overlaps(0.02, 0.025)
    assert not p.overlaps(0.02, 0.0249999)
    assert p.overlaps(0.0349999, 0.05)
    assert not p.overlaps(0.035, 0.05)


# ----------------------------------------------------------------------------- p vs CI


def brute_p_range(lo: str, hi: str, n: int = 201) -> tuple[float, float]:
    """Two-sided p over a dense grid of CIs rounding to the printed bounds."""
    pl, pu = parse_printed(lo), parse_printed(hi)
    ls = np.log(np.linspace(pl.lower, pl.upper, n))[:, None]
    us = np.log(np.linspace(pu.lower, pu.upper, n))[None, :]
    z = ((ls + us) / 2) / ((us - ls) / (2 * Z95))
    p = 2 * sps.norm.sf(np.abs(z))
    return float(p.min()), float(p.max())


@pytest.mark.parametrize(
    ("lo", "hi"),
    [("1.12", "2.71"), ("0.61", "1.34"), ("0.3", "0.9"), ("0.98", "1.04"), ("1.001", "1.350")],
)
def test_p_interval_matches_dense_sampling(lo: str, hi: str) -> None:
    got = audit.p_interval_from_ci(parse_printed(lo), parse_printed(hi))
    want = brute_p_range(lo, hi)
    assert got[0] == pytest.approx(want[0], rel=1e-3, abs=1e-9)
    assert got[1] == pytest.approx(want[1], rel=1e-3, abs=1e-9)


def test_p_vs_ci_consistent_row_gives_no_finding() -> None:
    # HR 1.70 (1.20 to 2.41): z = ln(1.70) / SE; p computed here directly
    se = (math.log(2.41) - math.log(1.20)) / (2 * Z95)
    p = 2 * sps.norm.sf(math.log(math.sqrt(1.20 * 2.41)) / se)
    r = row(hr="1.70", ci_lower="1.20", ci_upper="2.41", p_as_printed=f"{p:.3f}")
    assert audit.check_p_vs_ci([r]) == []


def test_p_vs_ci_inconsistent_row_is_an_error_with_interval() -> None:
    r = row(hr="1.70", ci_lower="1.20", ci_upper="2.41", p_as_printed="0.20")
    (f,) = audit.check_p_vs_ci([r])
    assert (f.check, f.severity, f.analysis, f.printed) == ("p_vs_ci", "error", "a1", "p 0.20")
    lo, hi = brute_p_range("1.20", "2.41")
    assert f"{lo:.4f}"[:5] in f.expected and "outside" in f.message
    assert "HR 1.70 [1.20, 2.41] gives" in f.message  # the one CI layout (evreg.data.formats)


@pytest.mark.parametrize("form", ["< 0.001", "<0.001", "P < 0.001"])
def test_p_vs_ci_less_than_forms(form: str) -> None:
    # z about 5.6: p far below 0.001 -> consistent; "< 0.001" for a p of 0.2 is not
    strong = row(hr="2.00", ci_lower="1.57", ci_upper="2.55", p_as_printed=form)
    weak = row(hr="1.20", ci_lower="0.90", ci_upper="1.60", p_as_printed=form)
    assert audit.check_p_vs_ci([strong]) == []
    assert checks(audit.check_p_vs_ci([weak])) == ["p_vs_ci"]


def test_p_vs_ci_rounding_boundary() -> None:
    """A printed p just past the derived interval is flagged; one reaching into it is not."""
    lo_p, hi_p = brute_p_range("1.05", "1.90", n=401)
    ci = {"hr": "1.41", "ci_lower": "1.05", "ci_upper": "1.90"}
    # 4 decimals: printed x covers [x - 0.00005, x + 0.00005)
    above_out = f"{math.ceil((hi_p + 0.00006) * 1e4) / 1e4:.4f}"
    above_in = f"{math.floor((hi_p + 0.00004) * 1e4) / 1e4:.4f}"
    below_out = f"{math.floor((lo_p - 0.00006) * 1e4) / 1e4:.4f}"
    below_in = f"{math.ceil((lo_p - 0.00004) * 1e4) / 1e4:.4f}"
    for text, flagged in (
        (above_out, True),
        (above_in, False),
        (below_out, True),
        (below_in, False),
    ):
        found = audit.check_p_vs_ci([row(**ci, p_as_printed=text)])
        assert bool(found) is flagged, (text, lo_p, hi_p)


def test_p_vs_ci_ci_straddling_one_allows_p_one() -> None:
    r = row(hr="1.00", ci_lower="0.80", ci_upper="1.25", p_as_printed="0.99")
    assert audit.check_p_vs_ci([r]) == []


def test_p_vs_ci_skips_rows_without_numbers() -> None:
    zero_bound = row(hr="1.2", ci_lower="0.00", ci_upper="3", p_as_printed="0.5")
    assert audit.check_p_vs_ci([row(p_as_printed="0.2"), zero_bound]) == []


# ----------------------------------------------------------------------------- HR vs CI


@pytest.mark.parametrize(
    ("hr", "flagged"),
    [("2.00", False), ("2.01", False), ("2.02", True), ("1.99", False), ("1.98", True)],
)
def test_hr_vs_ci_geometric_midpoint_boundaries(hr: str, flagged: bool) -> None:
    # CI (1.00, 4.00): sqrt(L U) ranges over [sqrt(0.995 * 3.995), sqrt(1.005 * 4.005))
    assert math.sqrt(0.995 * 3.995) < 1.995 and math.sqrt(1.005 * 4.005) > 2.005
    found = audit.check_hr_vs_ci([row(hr=hr, ci_lower="1.00", ci_upper="4.00")])
    assert bool(found) is flagged
    if flagged:
        assert found[0].check == "hr_vs_ci" and found[0].severity == "error"


# ----------------------------------------------------------------------------- Q p vs I2


def brute_qp_range(i2: str, k: int) -> tuple[float, float]:
    p = parse_printed(i2)
    vals = np.linspace(max(p.lower, 0), min(p.upper, 100) - 1e-9, 2001) / 100
    q = (k - 1) / (1 - vals)
    ps = sps.chi2.sf(q, k - 1)
    return float(ps.min()), float(ps.max())


def test_q_p_vs_i2_consistent() -> None:
    # k = 5, Q = 10: I2 = (10 - 4) / 10 = 60%, p = P(chi2_4 > 10)
    p = sps.chi2.sf(10, 4)
    r = row(k=5, i2_percent="60", q_p_as_printed=f"{p:.2f}")
    assert audit.check_q_p_vs_i2([r]) == []


def test_q_p_vs_i2_inconsistent() -> None:
    (f,) = audit.check_q_p_vs_i2([row(k=5, i2_percent="60", q_p_as_printed="0.10")])
    assert (f.check, f.severity) == ("q_p_vs_i2", "error")
    lo, hi = brute_qp_range("60", 5)
    assert f.expected == f"Q p in [{lo:.4f}, {hi:.4f}]"


def test_q_p_vs_i2_rounding_boundary() -> None:
    lo, hi = brute_qp_range("60", 5)
    out_hi = f"{math.ceil((hi + 0.00006) * 1e4) / 1e4:.4f}"
    in_hi = f"{math.floor((hi + 0.00004) * 1e4) / 1e4:.4f}"
    out_lo = f"{math.floor((lo - 0.00006) * 1e4) / 1e4:.4f}"
    in_lo = f"{math.ceil((lo - 0.00004) * 1e4) / 1e4:.4f}"
    for text, flagged in ((out_hi, True), (in_hi, False), (out_lo, True), (in_lo, False)):
        found = audit.check_q_p_vs_i2([row(k=5, i2_percent="60", q_p_as_printed=text)])
        assert bool(found) is flagged, (text, lo, hi)


def test_q_p_vs_i2_less_than_form_and_k1() -> None:
    assert audit.check_q_p_vs_i2([row(k=6, i2_percent="85", q_p_as_printed="< 0.001")]) == []
    assert checks(audit.check_q_p_vs_i2([row(k=3, i2_percent="10", q_p_as_printed="< 0.001")])) == [
        "q_p_vs_i2"
    ]
    assert audit.check_q_p_vs_i2([row(k=1, i2_percent="50", q_p_as_printed="0.001")]) == []


@pytest.mark.parametrize(
    ("k", "qp", "flagged"),
    [
        (4, "0.39", False),
        (4, "0.38", True),
        (4, "0.70", False),
        (3, "0.37", False),
        (3, "0.36", True),
        (2, "0.32", False),
        (2, "0.31", True),
    ],
)
def test_i2_zero_needs_large_q_p(k: int, qp: str, flagged: bool) -> None:
    """I2 printed 0 (< 0.5%) needs Q < df / 0.995, so Q p > P(chi2_df > df / 0.995)."""
    threshold = sps.chi2.sf((k - 1) / 0.995, k - 1)
    printed = parse_printed(qp)
    assert flagged == bool(printed.upper <= threshold)  # the test's own expectation, by formula
    found = audit.check_q_p_vs_i2([row(k=k, i2_percent="0", q_p_as_printed=qp)])
    assert checks(found) == (["i2_zero_vs_q_p"] if flagged else [])
    if flagged:
        assert float(found[0].expected.split(">= ")[1]) == pytest.approx(threshold, abs=5e-5)


# ----------------------------------------------------------------------------- model vs rule


@pytest.mark.parametrize(
    ("i2", "qp", "model", "expect"),
    [
        ("30", "0.20", "fixed", None),
        ("30", "0.20", "random", "warning"),
        ("60", "0.20", "fixed", "warning"),
        ("60", "0.20", "random", None),
        ("20", "0.05", "fixed", "warning"),
        ("20", "< 0.001", "random", None),
        ("50", "0.20", "fixed", "note"),  # I2 50 means [49.5, 50.5): the rule is undecided
        ("49", "0.10", "fixed", "note"),  # Q p 0.10 means [0.095, 0.105)
        ("49", "0.11", "fixed", None),
        ("51", "0.11", "fixed", "warning"),
        ("49", "0.09", "fixed", "warning"),
    ],
)
def test_model_vs_rule(i2: str, qp: str, model: str, expect: str | None) -> None:
    found = audit.check_model_vs_rule([row(i2_percent=i2, q_p_as_printed=qp, model=model)])
    assert [f.severity for f in found] == ([expect] if expect else [])
    assert all(f.check == "model_vs_rule" for f in found)


def test_model_vs_rule_skips_subgroups_without_model() -> None:
    published = [
        row(analysis_id="p", model="random", i2_percent="70", q_p_as_printed="0.01"),
        row(
            analysis_id="s",
            subgroup_level="true",
            model=None,
            i2_percent="0",
            q_p_as_printed="0.80",
        ),
    ]
    analyses = [{"analysis_id": "p"}, {"analysis_id": "s", "parent_analysis": "p"}]
    assert audit.check_model_vs_rule(published, analyses) == []


# ----------------------------------------------------------------------------- k checks

ANALYSES = [
    {
        "analysis_id": "x-os",
        "biomarker": "X",
        "outcome": "OS",
        "subgroup_variable": None,
        "parent_analysis": None,
    },
    {
        "analysis_id": "x-os-hbv",
        "biomarker": "X",
        "outcome": "OS",
        "subgroup_variable": "hbv_all_patients",
        "parent_analysis": "x-os",
    },
]


def study(sid: str, outcomes: str = "PFS;OS", biomarker: str = "X", **kw: object) -> dict:
    return {
        "study_id": sid,
        "biomarker": biomarker,
        "outcomes_used_by_review": outcomes,
        "n": 50,
        "age": None,
        "male": None,
        "female": None,
        "n_confirmed": None,
    } | kw


def test_subgroup_k_sum() -> None:
    overall = row(analysis_id="x-os", k=7)
    ok = [
        overall,
        row(analysis_id="x-os-hbv", subgroup_level="true", k=3),
        row(analysis_id="x-os-hbv", subgroup_level="false", k=4),
    ]
    assert audit.check_subgroup_k_sum(ok, ANALYSES) == []
    bad = [
        overall,
        row(analysis_id="x-os-hbv", subgroup_level=True, k=2),
        row(analysis_id="x-os-hbv", subgroup_level=False, k=4),
    ]
    (f,) = audit.check_subgroup_k_sum(bad, ANALYSES)
    assert (f.check, f.severity, f.analysis) == ("subgroup_k_sum", "error", "x-os-hbv")
    assert f.printed == "2 + 4 = 6 studies in the subgroups"
    assert f.expected == "7 studies, as in x-os"
    assert "the review reports 2 + 4 = 6 studies in the subgroups but 7 in" in f.message


def test_k_vs_study_table() -> None:
    studies = [study("a"), study("b", "OS"), study("c", "PFS"), study("d", "OS", biomarker="Y")]
    assert audit.check_k_vs_study_table([row(analysis_id="x-os", k=2)], ANALYSES, studies) == []
    (f,) = audit.check_k_vs_study_table([row(analysis_id="x-os", k=3)], ANALYSES, studies)
    assert (f.check, f.printed, f.expected) == ("k_vs_study_table", "k = 3", "k = 2")
    assert "a, b" in f.message
    # subgroup rows are left to the subgroup checks
    sub = row(analysis_id="x-os-hbv", subgroup_level="true", k=9)
    assert audit.check_k_vs_study_table([sub], ANALYSES, studies) == []


@pytest.mark.parametrize(("k", "flagged"), [(1, True), (2, False), (3, False), (4, True)])
def test_subgroup_k_vs_study_table(k: int, flagged: bool) -> None:
    studies = [
        study("a", hbv_all_patients=True),
        study("b", hbv_all_patients=True),
        study("c", hbv_all_patients=None),
        study("d", hbv_all_patients=False),
    ]
    found = audit.check_subgroup_k_vs_study_table(
        [row(analysis_id="x-os-hbv", subgroup_level="true", k=k)], ANALYSES, studies
    )
    assert checks(found) == (["subgroup_k_vs_study_table"] if flagged else [])
    if flagged:
        assert found[0].expected == "k in [2, 3]"


# ----------------------------------------------------------------------------- study table


def test_identical_characteristics() -> None:
    same = {"n": 94, "age": "73 (66-78)", "male": 74, "female": 20}
    studies = [
        study("s1", **same),
        study("s2", **same | {"female": 21}),
        study("s3", **same),
        study("s4", **same | {"age": None}),
        study("s5", **same | {"age": None}),
    ]
    (f,) = audit.check_identical_characteristics(studies)
    assert (f.check, f.severity, f.study_id) == ("identical_characteristics", "warning", "s3")
    assert "s1" in f.message and "94" in f.printed


def test_n_vs_source() -> None:
    studies = [
        study("a", n=90, n_confirmed=96),
        study("b", n=50, n_confirmed=50),
        study("c", n=40, n_confirmed=None),
    ]
    (f,) = audit.check_n_vs_source(studies)
    assert (f.check, f.study_id, f.printed, f.expected) == ("n_vs_source", "a", "N 90", "N 96")


def test_totals() -> None:
    studies = [study("a", n=100), study("b", n=23)]
    assert audit.check_totals(studies, {"studies_included": 2, "patients_included": 123}) == []
    found = audit.check_totals(studies, {"studies_included": 3, "patients_included": 124})
    assert [(f.check, f.severity, f.printed, f.expected) for f in found] == [
        ("totals_vs_abstract", "error", "studies_included 3", "2"),
        ("totals_vs_abstract", "error", "patients_included 124", "123"),
    ]
    (missing_n,) = audit.check_totals(
        [study("a", n=100), study("b", n=None)], {"studies_included": 2, "patients_included": 150}
    )
    assert missing_n.severity == "note" and "1 studies without N" in missing_n.message
    (no_counts,) = audit.check_totals(studies, None)
    assert no_counts.severity == "note"


def test_review_counts_found_anywhere_in_descriptor() -> None:
    d = {"name": "x", "review": {"meta": [{"prisma_counts_reported": {"studies_included": 4}}]}}
    assert audit.review_counts(d) == {"studies_included": 4}
    assert audit.review_counts({"name": "x"}) is None


def test_finding_rejects_unknown_severity_and_serialises() -> None:
    with pytest.raises(ValueError):
        AuditFinding("c", "fatal", None, None, "", "", "")
    f = AuditFinding("c", "note", "a", None, "p", "e", "m")
    assert f.to_dict() == {
        "check": "c",
        "severity": "note",
        "analysis": "a",
        "study_id": None,
        "printed": "p",
        "expected": "e",
        "message": "m",
        "subgroup_level": None,
    }


def test_audit_rows_orders_findings_by_check() -> None:
    published = [
        row(
            analysis_id="x-os",
            k=3,
            hr="1.70",
            ci_lower="1.20",
            ci_upper="2.41",
            p_as_printed="0.20",
            i2_percent="60",
            q_p_as_printed="0.50",
        )
    ]
    found = audit.audit_rows(published, ANALYSES, [study("a")], None)
    order = list(audit.CHECKS)
    assert [order.index(c) for c in checks(found)] == sorted(order.index(c) for c in checks(found))
    assert {"p_vs_ci", "q_p_vs_i2", "k_vs_study_table", "totals_vs_abstract"} <= set(checks(found))


# ----------------------------------------------------------------------------- Q partition


def partition(i2_level: str, k_parent: int = 5) -> list[dict]:
    return [
        row(analysis_id="x-os", k=k_parent, i2_percent="20", q_p_as_printed=None),
        row(analysis_id="x-os-hbv", subgroup_level="true", k=2, i2_percent=i2_level),
        row(
            analysis_id="x-os-hbv",
            subgroup_level="false",
            k=3,
            i2_percent="0",
            q_p_as_printed="0.90",
        ),
    ]


def test_q_interval_intersects_i2_and_q_p() -> None:
    # k = 3: I2 0 allows Q in [0, 2 / 0.995); Q p 0.90 means Q in (chi2 isf 0.905, isf 0.895]
    lo, hi = audit.q_interval(row(k=3, i2_percent="0", q_p_as_printed="0.90"))
    assert lo == pytest.approx(-2 * math.log(0.905)) and hi == pytest.approx(-2 * math.log(0.895))
    lo, hi = audit.q_interval(row(k=4, i2_percent=None, q_p_as_printed="< 0.001"))
    assert lo == pytest.approx(sps.chi2.isf(0.001, 3)) and hi == math.inf
    assert audit.q_interval(row(k=1, i2_percent="0")) is None


def test_subgroup_q_partition() -> None:
    # overall Q < 4 / 0.795 = 5.031; level true I2 80 -> Q >= 1 / 0.205 = 4.878; false Q >= 0.1996
    assert 1 / 0.205 - 2 * math.log(0.905) > 4 / 0.795
    (f,) = audit.check_subgroup_q_partition(partition("80"), ANALYSES)
    assert (f.check, f.severity, f.analysis) == ("subgroup_q_partition", "error", "x-os-hbv")
    # level true I2 75 -> Q >= 3.92: 3.92 + 0.20 < 5.03, consistent
    assert audit.check_subgroup_q_partition(partition("75"), ANALYSES) == []
    # levels that do not partition the overall studies are not compared
    assert audit.check_subgroup_q_partition(partition("80", k_parent=6), ANALYSES) == []


def test_subgroup_q_partition_rounding_boundary() -> None:
    """Level Q from a 4-decimal Q p alone: flagged exactly when its smallest Q overshoots."""
    total_hi = 4 / (1 - 0.205)  # overall k = 5, I2 printed 20
    false_lo = -2 * math.log(0.905)  # k = 3, Q p printed 0.90
    p_star = sps.chi2.sf(total_hi - false_lo, 1)  # Q p whose Q fills the gap exactly
    flagged = f"{math.floor((p_star - 0.00006) * 1e4) / 1e4:.4f}"
    fine = f"{math.ceil((p_star - 0.00004) * 1e4) / 1e4:.4f}"
    for text, expect in ((flagged, True), (fine, False)):
        rows = partition("0")
        rows[1] = rows[1] | {"i2_percent": None, "q_p_as_printed": text}
        found = audit.check_subgroup_q_partition(rows, ANALYSES)
        assert bool(found) is expect, (text, p_star)
