"""Leave-one-out for FE and DL by downdates (evreg.stats.downdate) against direct fits.

The O(k) path must give what refitting each sub-analysis gives: every row is compared with
stats.pool on the same studies, on data built to stress it (very unequal variances, an
outlier whose omission removes all heterogeneity, a study carrying almost all the weight).
"""

from __future__ import annotations

import numpy as np
import pytest

from evreg import stats
from evreg.stats.downdate import direct_sums, resolvent_sums

FIELDS = ("log_estimate", "se", "log_ci_lower", "log_ci_upper", "p", "tau2", "Q", "Q_p", "I2")


def stressed(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    se = np.exp(rng.uniform(np.log(0.02), np.log(2.0), k))
    y = rng.normal(0.1, 0.15, k) + rng.normal(0.0, se)
    y[0] = 3.0  # an outlier: omitting it changes tau2 the most
    se[1] = 1e-4  # a study with almost all the fixed-effect weight
    return y, se


@pytest.mark.parametrize("spread", [1e-3, 1.0, 1e3])
def test_resolvent_sums_equal_direct_sums(spread: float) -> None:
    """Interpolated sum_j c_j / (v_j + t) equals the direct sum to 1e-13 of sum |c| / (v + t)
    for a wide range of t (many pieces) and variances over six orders of magnitude."""
    rng = np.random.default_rng(3)
    v = np.exp(rng.uniform(np.log(1e-4), np.log(1e2), 500))
    c = np.column_stack([np.ones(500), rng.normal(0, 1, 500), rng.normal(0, 1, 500) ** 2])
    t = np.concatenate([[0.0], rng.uniform(0, spread, 300), [spread]])
    got = resolvent_sums(v, c, t)
    want = direct_sums(v, c, t)
    scale = direct_sums(v, np.abs(c), t)
    assert np.max(np.abs(got - want) / scale) < 1e-13


@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
@pytest.mark.parametrize("method", ["FE", "DL"])
def test_downdated_rows_equal_separate_pools(method: str, test: str) -> None:
    y, se = stressed(120, 11)
    opts = {"hksj": test == "knha", "hksj_adhoc": test == "adhoc"}
    res = stats.leave_one_out(y, se, method, **opts)
    assert any("downdates" in n for n in res.notes)
    tau2 = {row.tau2 for row in res.rows}
    if method == "DL":
        assert len(tau2) > 64 and min(tau2) >= 0  # many distinct tau2: the interpolated path
    for i, row in enumerate(res.rows):
        keep = np.arange(y.size) != i
        ref = stats.pool(y[keep], se[keep], method, **opts)
        for name in FIELDS:
            ours, theirs = getattr(row, name), getattr(ref, name)
            assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-13), (i, name)


def test_small_k_and_zero_tau2_rows() -> None:
    """k = 2 (one-study rows) and k = 3, and DL rows whose tau2 is 0, as separate pools."""
    for y, se in (([0.1, 0.5], [0.2, 0.3]), ([0.1, 0.5, 2.0], [0.2, 0.3, 0.1])):
        res = stats.leave_one_out(y, se, "DL", hksj=True)
        for i, row in enumerate(res.rows):
            keep = [j for j in range(len(y)) if j != i]
            ref = stats.pool(np.array(y)[keep], np.array(se)[keep], "DL", hksj=True)
            assert row.log_estimate == pytest.approx(ref.log_estimate, rel=1e-12)
            assert row.se == pytest.approx(ref.se, rel=1e-12)
            assert row.tau2 == pytest.approx(ref.tau2, rel=1e-12, abs=1e-15)
            if ref.k == 1:
                assert row.I2 is None and row.Q_p is None
            else:
                assert abs(row.I2 - ref.I2) <= 1e-12
