"""evreg.stats without R: edge cases, input conversion, internal consistency, properties.

Agreement with metafor is tested in tests/test_stats_metafor.py; here every check is either a
defining property (a formula evaluated independently with scipy.stats) or a consistency check
between two code paths, never a number copied from elsewhere.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from evreg import stats

METHODS = stats.METHODS
RANDOM = METHODS[1:]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hackshaw1998" / "source"
HACKSHAW = EXAMPLE / "hackshaw1998_ets_lung_cancer.csv"

Y = np.log([0.62, 0.81, 1.1, 0.55, 0.9, 0.74, 1.3, 0.48, 0.66, 0.95, 1.05, 0.7])
SE = np.array([0.21, 0.3, 0.26, 0.4, 0.15, 0.5, 0.35, 0.3, 0.22, 0.18, 0.27, 0.2])


def no_nan(obj: object) -> None:
    """The result serialises to strict JSON (no NaN or infinity anywhere)."""
    json.dumps(obj.to_dict(), allow_nan=False)


# ---- input conversion -------------------------------------------------------------------


def test_ci_to_se_is_handbook_formula() -> None:
    y, se = stats.ci_to_se([0.5, 2.0], [0.25, 1.2], [1.0, 3.5], [0.95, 0.90])
    np.testing.assert_allclose(y, np.log([0.5, 2.0]))
    expected = [
        (math.log(1.0) - math.log(0.25)) / (2 * sps.norm.ppf(0.975)),
        (math.log(3.5) - math.log(1.2)) / (2 * sps.norm.ppf(0.95)),
    ]
    np.testing.assert_allclose(se, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("hr", "lo", "up", "level", "message"),
    [
        (0.0, 0.1, 1.0, 0.95, "positive"),
        (1.5, 0.5, 1.2, 0.95, "enclose"),
        (1.0, 1.2, 0.8, 0.95, "lower < upper"),
        (1.0, 0.5, 2.0, 95, "between 0 and 1"),
        (float("nan"), 0.5, 2.0, 0.95, "positive"),
    ],
)
def test_ci_to_se_rejects_bad_rows(hr, lo, up, level, message) -> None:
    with pytest.raises(ValueError, match=message):
        stats.ci_to_se([1.0, hr], [0.5, lo], [2.0, up], level)


def test_harmonise_low_vs_high_takes_reciprocal_and_swaps_bounds() -> None:
    r, lo, up = stats.harmonise([0.5, 2.0], [0.25, 1.5], [1.0, 3.0], ["low_vs_high", "high_vs_low"])
    np.testing.assert_allclose(r, [2.0, 2.0])
    np.testing.assert_allclose(lo, [1.0, 1.5])
    np.testing.assert_allclose(up, [4.0, 3.0])


def test_harmonised_se_is_unchanged() -> None:
    r, lo, up = stats.harmonise([0.5], [0.25], [1.0], ["low_vs_high"])
    y1, s1 = stats.ci_to_se([0.5], [0.25], [1.0])
    y2, s2 = stats.ci_to_se(r, lo, up)
    np.testing.assert_allclose(y2, -y1)
    np.testing.assert_allclose(s2, s1)


# ---- invalid input: clear errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("yi", "sei", "message"),
    [
        ([], [], "k = 0"),
        ([0.1, float("nan")], [0.1, 0.2], "study 2: log effect"),
        ([0.1, 0.2], [0.1, 0.0], "study 2: standard error"),
        ([0.1, 0.2], [0.1, -1.0], "study 2: standard error"),
        ([0.1, 0.2], [0.1, float("inf")], "study 2: standard error"),
        ([0.1, 0.2], [0.1], "same length"),
        ([0.1, 0.2], [1e-200, 0.1], "study 1: standard error 1e-200 is too small or too large"),
        ([0.1, 0.2], [1e200, 0.1], "study 1: standard error 1e\\+200 is too small or too large"),
        ([0.1, 0.2], [1e-60, 0.1], "double-precision arithmetic"),
        ([1e200, -1e200], [0.1, 0.1], "log effects too far apart"),
    ],
)
def test_invalid_input_raises_clear_value_error(yi, sei, message) -> None:
    with pytest.raises(ValueError, match=message):
        stats.pool(yi, sei, "DL")


def test_unknown_method_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of FE, DL, REML"):
        stats.pool(Y, SE, "XYZ")


def test_method_name_is_case_insensitive() -> None:
    assert stats.pool(Y, SE, "reml").method == "REML"


# ---- edge cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("hksj", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_k1_returns_the_study_itself(method: str, hksj: bool) -> None:
    res = stats.pool([0.3], [0.2], method, hksj=hksj)
    assert res.k == 1 and res.log_estimate == 0.3 and res.se == 0.2
    assert res.tau2 == 0 and res.Q == 0 and res.Q_df == 0
    assert res.I2 is None and res.Q_p is None and res.pi_lower is None
    assert res.df is None  # no residual df: Wald, as metafor
    z = sps.norm.ppf(0.975)
    assert res.log_ci_lower == pytest.approx(0.3 - z * 0.2)
    assert res.weights == (100.0,)
    assert any("k = 1" in n for n in res.notes)
    assert stats.review_rule(res).model == "fixed"
    no_nan(res)


@pytest.mark.parametrize("method", METHODS)
def test_k2_has_no_prediction_interval_but_all_else(method: str) -> None:
    res = stats.pool(Y[:2], SE[:2], method, hksj=True)
    assert res.k == 2 and res.df == 1
    assert res.pi_lower is None and res.pi_upper is None
    assert "prediction interval: not given for k < 3" in res.notes or method == "FE"
    assert sum(res.weights) == pytest.approx(100.0)
    no_nan(res)


def test_tau2_zero_random_equals_fixed() -> None:
    # nearly identical estimates with wide SEs: Q < k - 1, so tau2 = 0 for every estimator
    # except Sidik-Jonkman, which is positive unless the estimates are identical
    y = np.array([0.10, 0.12, 0.09, 0.11, 0.1])
    se = np.array([0.3, 0.25, 0.4, 0.35, 0.3])
    fe = stats.pool(y, se, "FE")
    assert stats.pool(y, se, "SJ").tau2 > 0
    for method in ("DL", "REML", "PM", "ML", "HE", "EB"):
        res = stats.pool(y, se, method)
        assert res.tau2 == 0.0, method
        assert res.log_estimate == pytest.approx(fe.log_estimate, rel=1e-12)
        assert res.se == pytest.approx(fe.se, rel=1e-12)
        assert res.I2 == 0.0 and res.I2_tau == 0.0
        assert res.tau2_ci_lower == 0.0
        no_nan(res)


@pytest.mark.parametrize("method", METHODS)
def test_identical_estimates_are_defined_never_nan(method: str) -> None:
    y, se = np.full(6, 0.25), np.array([0.1, 0.2, 0.3, 0.2, 0.15, 0.4])
    res = stats.pool(y, se, method)
    assert res.log_estimate == pytest.approx(0.25) and res.tau2 == 0.0 and res.Q == 0.0
    assert res.I2 == 0.0 and res.tau2_ci_upper in (None, 0.0)
    no_nan(res)
    hk = stats.pool(y, se, method, hksj=True)
    assert hk.se == 0.0 and hk.z is None and hk.p is None
    assert any("zero" in n for n in hk.notes)
    no_nan(hk)
    adhoc = stats.pool(y, se, method, hksj_adhoc=True)  # truncation: never below Wald
    assert adhoc.se == pytest.approx(res.se) and adhoc.p is not None
    no_nan(stats.leave_one_out(y, se, method))
    no_nan(stats.subgroups(y, se, list("aabbcc"), method))


@pytest.mark.parametrize("method", METHODS)
def test_tiny_and_huge_standard_errors_are_defined(method: str) -> None:
    y = np.array([0.2, -0.1, 0.4, 0.0])
    se = np.array([1e-9, 0.2, 1e9, 0.3])
    res = stats.pool(y, se, method)
    assert y.min() <= res.log_estimate <= y.max() and res.weights[2] < 1e-12
    if res.tau2 == 0:  # FE, and estimators that find no heterogeneity: precise study rules
        assert res.log_estimate == pytest.approx(0.2, abs=1e-6)
        assert res.weights[0] == pytest.approx(100.0)
    no_nan(res)
    no_nan(stats.leave_one_out(y, se, method))


def test_weights_are_percent_of_inverse_variance() -> None:
    fe = stats.pool(Y, SE, "FE")
    w = 1 / SE**2
    np.testing.assert_allclose(fe.weights, 100 * w / w.sum(), rtol=1e-12)
    dl = stats.pool(Y, SE, "DL")
    w = 1 / (SE**2 + dl.tau2)
    np.testing.assert_allclose(dl.weights, 100 * w / w.sum(), rtol=1e-12)


def test_heterogeneity_definitions() -> None:
    res = stats.pool(Y, SE, "DL")
    w = 1 / SE**2
    mu = (w * Y).sum() / w.sum()
    q = (w * (Y - mu) ** 2).sum()
    df = len(Y) - 1
    ours = res.to_dict()
    assert ours["Q"] == pytest.approx(q, rel=1e-12)
    assert ours["Q_p"] == pytest.approx(sps.chi2.sf(q, df), rel=1e-10)
    assert ours["I2"] == pytest.approx(100 * max(0.0, (q - df) / q), rel=1e-12)
    assert ours["H2"] == pytest.approx(q / df, rel=1e-12)
    tau2_dl = max(0.0, (q - df) / (w.sum() - (w**2).sum() / w.sum()))
    assert res.tau2 == pytest.approx(tau2_dl, rel=1e-12)


def test_prediction_interval_is_higgins_t_k_minus_2() -> None:
    res = stats.pool(Y, SE, "REML")
    half = sps.t.ppf(0.975, len(Y) - 2) * math.sqrt(res.tau2 + res.se**2)
    assert res.log_pi_lower == pytest.approx(res.log_estimate - half, rel=1e-10)
    assert res.pi_upper == pytest.approx(math.exp(res.log_estimate + half), rel=1e-10)


def test_hksj_adhoc_is_never_narrower_than_wald_or_knha() -> None:
    y = np.array([0.1, 0.11, 0.09, 0.1, 0.12])  # s2w < 1: truncation bites
    se = np.array([0.2, 0.3, 0.25, 0.2, 0.3])
    wald, knha, adhoc = (
        stats.pool(y, se, "DL", hksj=h, hksj_adhoc=a)
        for h, a in ((False, False), (True, False), (False, True))
    )
    assert knha.se < wald.se
    assert adhoc.se == pytest.approx(wald.se)
    assert adhoc.df == knha.df == 4 and adhoc.hksj and adhoc.hksj_adhoc


def test_level_changes_the_interval() -> None:
    r95, r90 = stats.pool(Y, SE, "DL"), stats.pool(Y, SE, "DL", level=0.90)
    assert r90.log_ci_upper - r90.log_ci_lower < r95.log_ci_upper - r95.log_ci_lower
    assert r90.log_ci_upper - r90.log_estimate == pytest.approx(sps.norm.ppf(0.95) * r90.se)


def test_every_choice_is_recorded_in_notes() -> None:
    res = stats.pool(Y, SE, "REML", hksj=True)
    text = " ".join(res.notes)
    for phrase in (
        "restricted maximum-likelihood",
        "Hartung-Knapp",
        "Higgins & Thompson",
        "Q-profile",
        "k-2",
    ):
        assert phrase in text


# ---- review rule -------------------------------------------------------------------------


def _hackshaw() -> tuple[np.ndarray, np.ndarray]:
    with HACKSHAW.open() as fh:
        rows = list(csv.DictReader(fh))
    return stats.ci_to_se(
        [float(r["or"]) for r in rows],
        [float(r["or.lb"]) for r in rows],
        [float(r["or.ub"]) for r in rows],
    )


def test_review_rule_random_when_q_p_below_010_even_with_low_i2() -> None:
    y, se = _hackshaw()
    fe = stats.pool(y, se, "FE")
    assert fe.I2 is not None and fe.I2 <= 50 and fe.Q_p is not None and fe.Q_p < 0.10
    rule = stats.review_rule(fe)
    assert rule.model == "random" and "Q p" in rule.reason


def test_review_rule_fixed_when_homogeneous_and_random_when_i2_high() -> None:
    homo = stats.pool([0.1, 0.12, 0.09], [0.3, 0.3, 0.3], "FE")
    assert stats.review_rule(homo).model == "fixed"
    hetero = stats.pool([-1.0, 0.0, 1.0], [0.1, 0.1, 0.1], "FE")
    choice = stats.review_rule(hetero)
    assert choice.model == "random" and "I2" in choice.reason


# ---- sensitivity: vectorised paths agree with separate fits ------------------------------


@pytest.mark.parametrize("hksj", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_leave_one_out_rows_equal_separate_pools(method: str, hksj: bool) -> None:
    res = stats.leave_one_out(Y, SE, method, hksj=hksj, labels=[f"s{i}" for i in range(12)])
    for i, row in enumerate(res.rows):
        keep = np.arange(len(Y)) != i
        ref = stats.pool(Y[keep], SE[keep], method, hksj=hksj)
        assert row.omitted == f"s{i}"
        assert row.log_estimate == pytest.approx(ref.log_estimate, rel=1e-9, abs=1e-12)
        assert row.tau2 == pytest.approx(ref.tau2, rel=1e-8, abs=1e-12)
        assert row.p == pytest.approx(ref.p, rel=1e-8)
        assert row.to_dict()["I2"] == pytest.approx(ref.I2, rel=1e-9, abs=1e-12)
        assert row.significance_flip == (ref.significant != res.overall.significant)


def test_leave_one_out_flags_direction_and_significance_flips() -> None:
    y = np.array([0.5, 0.4, 0.45, -2.0])
    se = np.array([0.3, 0.3, 0.3, 0.05])
    res = stats.leave_one_out(y, se, "FE", labels=list("abcd"))
    last = res.rows[3]
    assert res.overall.log_estimate < 0 and last.log_estimate > 0
    assert last.direction_flip and not res.rows[0].direction_flip
    assert last.significance_flip == (res.overall.significant != (last.log_ci_lower > 0))


def test_leave_one_out_k1_has_no_rows() -> None:
    res = stats.leave_one_out([0.2], [0.1], "DL")
    assert res.rows == () and "nothing left" in res.notes[-1]


def test_cumulative_steps_equal_separate_pools_and_order_sorts() -> None:
    years = [2005, 2001, 2010, 2003, 2001, 2012, 2008, 2002, 2011, 2004, 2006, 2009]
    res = stats.cumulative(Y, SE, "REML", [f"s{i}" for i in range(12)], order=years)
    order = sorted(range(12), key=lambda i: years[i])
    assert [r.added for r in res.rows] == [f"s{i}" for i in order]
    for j, row in enumerate(res.rows):
        idx = order[: j + 1]
        ref = stats.pool(Y[idx], SE[idx], "REML")
        assert row.k == j + 1
        assert row.log_estimate == pytest.approx(ref.log_estimate, rel=1e-9)


def test_subgroups_one_study_level_is_that_study_and_q_between() -> None:
    groups = ["a"] * 6 + ["b"] * 5 + ["c"]
    res = stats.subgroups(Y, SE, groups, "DL")
    assert list(res.groups) == ["a", "b", "c"]
    assert res.groups["c"].log_estimate == Y[-1] and res.groups["c"].k == 1
    est = np.array([g.log_estimate for g in res.groups.values()])
    w = 1 / np.array([g.se for g in res.groups.values()]) ** 2
    q = (w * (est - (w * est).sum() / w.sum()) ** 2).sum()
    assert res.Q_between == pytest.approx(q) and res.Q_between_df == 2
    assert res.Q_between_p == pytest.approx(sps.chi2.sf(q, 2))
    for key in ("a", "b"):
        idx = [i for i, g in enumerate(groups) if g == key]
        assert res.groups[key].tau2 == stats.pool(Y[idx], SE[idx], "DL").tau2
    no_nan(res)


def test_subgroups_single_level_has_no_test() -> None:
    res = stats.subgroups(Y, SE, ["x"] * 12, "DL")
    assert res.Q_between is None and res.Q_between_p is None


def test_common_tau2_with_hksj_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="common_tau2 with HKSJ"):
        stats.subgroups(Y, SE, ["a"] * 6 + ["b"] * 6, "DL", hksj=True, common_tau2=True)


# ---- small-study methods --------------------------------------------------------------------


def test_egger_and_trim_and_fill_need_ten_studies() -> None:
    eg = stats.egger(Y[:9], SE[:9])
    tf = stats.trim_and_fill(Y[:9], SE[:9], "DL")
    assert not eg.available and "13.3.5.4" in eg.reason and eg.p is None
    assert not tf.available and "13.3.5.4" in tf.reason and tf.pooled is None
    no_nan(eg)
    no_nan(tf)


def test_egger_is_weighted_regression_on_se() -> None:
    res = stats.egger(Y, SE)
    w = 1 / SE**2
    x = np.column_stack([np.ones_like(SE), SE])
    fit = np.linalg.lstsq(x * np.sqrt(w)[:, None], Y * np.sqrt(w), rcond=None)
    assert res.bias == pytest.approx(fit[0][1], rel=1e-10)
    resid = Y - x @ fit[0]
    sigma2 = (w * resid**2).sum() / (len(Y) - 2)
    cov = sigma2 * np.linalg.inv(x.T @ (w[:, None] * x))
    assert res.se == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-10)
    assert res.p == pytest.approx(2 * sps.t.sf(abs(res.t), len(Y) - 2), rel=1e-10)


def test_trim_and_fill_fills_a_visibly_asymmetric_funnel() -> None:
    rng = np.random.default_rng(3)
    se = rng.uniform(0.05, 0.6, 30)
    y = 0.1 + rng.normal(0, se)
    keep = (y / se > -0.5) | (se < 0.15)  # suppress small "negative" studies
    res = stats.trim_and_fill(y[keep], se[keep], "FE")
    assert res.available and res.side == "left" and res.k0 > 0
    assert len(res.filled_yi) == res.k0 == res.pooled.k - keep.sum()
    assert res.pooled.log_estimate < stats.pool(y[keep], se[keep], "FE").log_estimate
    no_nan(res)


# ---- properties --------------------------------------------------------------------------------

finite = st.floats(-3, 3, allow_nan=False)
positive = st.floats(0.01, 2.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(finite, positive), min_size=1, max_size=15),
    st.sampled_from(METHODS),
    st.booleans(),
)
def test_pool_is_always_defined(studies, method, hksj) -> None:
    y = np.array([s[0] for s in studies])
    se = np.array([s[1] for s in studies])
    res = stats.pool(y, se, method, hksj=hksj)
    no_nan(res)
    assert y.min() - 1e-9 <= res.log_estimate <= y.max() + 1e-9
    assert res.tau2 >= 0 and sum(res.weights) == pytest.approx(100.0)
    if res.tau2_ci_lower is not None:
        assert res.tau2_ci_lower <= res.tau2_ci_upper
    assert res.to_dict() == stats.pool(y, se, method, hksj=hksj).to_dict()  # deterministic


def test_chunked_leave_one_out_and_cumulative_equal_unchunked(monkeypatch) -> None:
    """Large k is processed in row chunks to bound memory; chunking must not change results."""
    import evreg.stats.engine as engine

    whole = (stats.leave_one_out(Y, SE, "REML").to_dict(), stats.cumulative(Y, SE, "PM").to_dict())
    monkeypatch.setattr(engine, "CHUNK_CELLS", 30)  # 2 rows per chunk at k = 12
    chunked = (
        stats.leave_one_out(Y, SE, "REML").to_dict(),
        stats.cumulative(Y, SE, "PM").to_dict(),
    )
    assert chunked == whole


@pytest.mark.parametrize(
    "call",
    [
        lambda: stats.pool(Y, SE, "DL", level=1.5),
        lambda: stats.leave_one_out(Y, SE, "DL", level=0),
        lambda: stats.cumulative(Y, SE, "DL", level=95),
        lambda: stats.subgroups(Y, SE, ["a"] * 12, "DL", level=-1),
    ],
)
def test_bad_level_is_a_clear_error(call) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        call()


def test_group_and_label_counts_must_match() -> None:
    with pytest.raises(ValueError, match="11 group values given for 12 studies"):
        stats.subgroups(Y, SE, ["a"] * 11, "DL")
    with pytest.raises(ValueError, match="2 labels given for 12 studies"):
        stats.leave_one_out(Y, SE, "DL", labels=["a", "b"])
