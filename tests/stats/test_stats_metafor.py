"""evreg.stats against R metafor 3.8, run for real with Rscript (tests/fixtures/r_metafor.py)
where R is installed, else against its committed outputs (tests/fixtures/r_reference.py).

Sixteen data sets from metadat (k = 2 to 160; I2 from 0% to 97%; two with tau2 = 0), every
tau2 method, Wald / HKSJ (knha) / ad hoc HKSJ, prediction interval (t with k-2 df, metafor's
predict(pi.type="riley")), Q-profile tau2 CI (confint), leave-one-out (leave1out), cumulative
(cumul), subgroups (separate tau2; rma(FE) on the level estimates for Q_between; common tau2
via mods = ~ factor(group)), Egger (regtest, model="lm", predictor="sei") and trim-and-fill
(trimfill, L0). Every field is compared at relative 1e-6.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from fixtures.r_metafor import DATASETS, METHODS, TESTS
from fixtures.r_reference import outputs

from evreg import stats

pytestmark = pytest.mark.r

REL = 1e-6
ABS = 1e-12  # for quantities that are exactly 0 in one tool and ~1e-16 in the other
NAMES = [d.name for d in DATASETS]


@pytest.fixture(scope="session")
def metafor(tmp_path_factory) -> dict[str, Any]:
    """All metafor output by data set: computed once per test run (one Rscript per data set),
    shared by the run's workers, or read from the committed files where R is absent."""
    out = outputs(tmp_path_factory, "metafor")
    return {name: out[f"metafor-{name}"] for name in NAMES}


def close(ours: Any, theirs: Any, what: str, rel: float = REL) -> None:
    """Assert two numbers (or sequences) agree at relative ``rel``; None matches R's NA."""
    ours_a = np.atleast_1d(
        np.asarray([np.nan if x is None else x for x in np.atleast_1d(ours)], dtype=float)
    )
    theirs_a = np.atleast_1d(
        np.asarray([np.nan if x is None else x for x in np.atleast_1d(theirs)], dtype=float)
    )
    assert ours_a.shape == theirs_a.shape, f"{what}: shape {ours_a.shape} vs {theirs_a.shape}"
    both_nan = np.isnan(ours_a) & np.isnan(theirs_a)
    ok = both_nan | np.isclose(ours_a, theirs_a, rtol=rel, atol=ABS)
    assert ok.all(), f"{what}: evreg {ours_a[~ok]} vs metafor {theirs_a[~ok]}"


def data(ref: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return np.atleast_1d(np.array(ref["yi"], float)), np.sqrt(np.array(ref["vi"], float))


def compare_fit(res: stats.PoolResult, r: dict[str, Any], label: str) -> None:
    """Every field of a PoolResult against metafor's rma.uni fit."""
    fe = res.method == "FE"
    pairs = {
        "estimate": (res.log_estimate, r["est"]),
        "se": (res.se, r["se"]),
        "z/t": (res.z, r["zval"]),
        "p": (res.p, r["pval"]),
        "ci_lower": (res.log_ci_lower, r["ci_lb"]),
        "ci_upper": (res.log_ci_upper, r["ci_ub"]),
        "tau2": (res.tau2, r["tau2"]),
        "Q": (res.Q, r["QE"]),
        "Q_p": (res.Q_p, r["QEp"]),
        # metafor reports Higgins-Thompson I2/H2 for FE and the tau2-based ones otherwise
        "I2": (res.I2 if fe else res.I2_tau, r["I2"]),
        "H2": (res.H2 if fe else res.H2_tau, r["H2"]),
        "weights": (res.weights, r["weights"]),
    }
    if "pi_lb" in r:
        pairs["pi_lower"] = (res.log_pi_lower, r["pi_lb"])
        pairs["pi_upper"] = (res.log_pi_upper, r["pi_ub"])
    else:
        assert res.pi_lower is None and res.pi_upper is None, f"{label}: PI should be None"
    for what, (ours, theirs) in pairs.items():
        close(ours, theirs, f"{label} {what}")
    assert res.k == r["k"]


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NAMES)
def test_pool_matches_rma(metafor: dict, name: str, method: str, test: str) -> None:
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.pool(yi, sei, method, hksj=test == "knha", hksj_adhoc=test == "adhoc")
    compare_fit(res, ref["fits"][f"{method} {test}"], f"{name} {method} {test}")
    assert res.df == (ref["k"] - 1 if test != "z" else None)


@pytest.mark.parametrize("name", NAMES)
def test_higgins_thompson_i2_and_h2_match_fixed_effect_fit(metafor: dict, name: str) -> None:
    """Our I2/H2 (Higgins & Thompson) in every model equal metafor's FE-model I2/H2."""
    ref = metafor[name]
    yi, sei = data(ref)
    fe = ref["fits"]["FE z"]
    for method in METHODS:
        res = stats.pool(yi, sei, method)
        close(res.I2, fe["I2"], f"{name} {method} I2")
        close(res.H2, fe["H2"], f"{name} {method} H2")


@pytest.mark.parametrize("method", METHODS[1:])
@pytest.mark.parametrize("name", NAMES)
def test_q_profile_tau2_ci_matches_confint(metafor: dict, name: str, method: str) -> None:
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.pool(yi, sei, method)
    q = ref["qprofile"][method]
    close(res.tau2_ci_lower, q["lb"], f"{name} tau2 CI lower", rel=1e-5)
    close(res.tau2_ci_upper, q["ub"], f"{name} tau2 CI upper", rel=1e-5)


def compare_rows(rows: tuple, r: dict[str, Any], fe: bool, label: str) -> None:
    """Leave-one-out / cumulative rows against metafor's leave1out / cumul columns.

    One-study rows: metafor reports Q p = 1, I2 = 0, H2 = 1; evreg reports them as unavailable
    (None) because Q has 0 df, so those three are compared from k = 2 only.
    """
    fields = {
        "est": "log_estimate",
        "se": "se",
        "pval": "p",
        "ci_lb": "log_ci_lower",
        "ci_ub": "log_ci_upper",
        "Q": "Q",
        "Qp": "Q_p",
        "tau2": "tau2",
        "H2": "H2",
        "I2": "I2" if fe else "I2_tau",
    }
    multi = np.array([row.k >= 2 for row in rows])
    for rname, ours in fields.items():
        values = [getattr(row, ours) for row in rows]
        if rname == "tau2" and fe:
            assert r.get("tau2") is None and not any(values), f"{label}: FE tau2 must be 0"
            continue
        if rname == "H2" and not fe:
            continue  # metafor's leave1out/cumul H2 is tau2-based; checked via I2_tau
        theirs = np.atleast_1d(np.asarray(r[rname], dtype=float))
        if rname in ("Qp", "I2", "H2"):
            assert all(v is None for v, m in zip(values, multi, strict=True) if not m)
            values = [v for v, m in zip(values, multi, strict=True) if m]
            theirs = theirs[multi]
        close(values, theirs, f"{label} {rname}")


def sensitivity_cases() -> list[tuple[str, str, str]]:
    cases = []
    for ds in DATASETS:
        for m in ds.sensitivity_methods:
            cases.append((ds.name, m, "z"))
            if ds.sensitivity_knha and m in ("DL", "REML"):
                cases.append((ds.name, m, "knha"))
    return cases


@pytest.mark.parametrize(("name", "method", "test"), sensitivity_cases())
def test_leave_one_out_matches_leave1out(metafor: dict, name: str, method: str, test: str):
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.leave_one_out(yi, sei, method, hksj=test == "knha")
    assert len(res.rows) == ref["k"]
    compare_rows(res.rows, ref["l1o"][f"{method} {test}"], method == "FE", f"{name} {method}")


@pytest.mark.parametrize(("name", "method", "test"), sensitivity_cases())
def test_cumulative_matches_cumul(metafor: dict, name: str, method: str, test: str) -> None:
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.cumulative(yi, sei, method, hksj=test == "knha")
    r = ref["cumul"][f"{method} {test}"]
    assert [row.k for row in res.rows] == list(range(1, ref["k"] + 1))
    compare_rows(res.rows, r, method == "FE", f"{name} {method}")


EGGER = [d.name for d in DATASETS if d.name not in ("bcg_k2",)]


@pytest.mark.parametrize("name", EGGER)
def test_egger_matches_regtest(metafor: dict, name: str) -> None:
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.egger(yi, sei, min_k=3)
    eg = ref["egger"]
    assert res.available and res.df == eg["df"]
    for ours, theirs in [
        ("bias", "bias"),
        ("se", "se"),
        ("t", "t"),
        ("p", "p"),
        ("limit_estimate", "limit"),
    ]:
        close(getattr(res, ours), eg[theirs], f"{name} egger {ours}")


TRIMFILL = [
    (d.name, m)
    for d in DATASETS
    for m in METHODS
    if d.name not in ("bcg_k2", "bcg_k3")
    and d.name not in ("normand1999", "collins1985b", "hine1989")
]


@pytest.mark.parametrize(("name", "method"), TRIMFILL)
def test_trim_and_fill_matches_trimfill(metafor: dict, name: str, method: str) -> None:
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.trim_and_fill(yi, sei, method)
    tf = ref["trimfill"][method]
    assert res.available
    assert (res.k0, res.side) == (tf["k0"], tf["side"])
    close(res.se_k0, tf["se_k0"], f"{name} se_k0")
    close(
        sorted(res.filled_yi),
        sorted(np.atleast_1d(tf["filled"]) if res.k0 else []),
        f"{name} filled",
    )
    pooled = res.pooled
    for ours, theirs in [
        ("log_estimate", "est"),
        ("se", "se"),
        ("log_ci_lower", "ci_lb"),
        ("log_ci_upper", "ci_ub"),
        ("tau2", "tau2"),
    ]:
        close(getattr(pooled, ours), tf[theirs], f"{name} {method} trimfill {ours}")


GROUPED = [d.name for d in DATASETS if d.group]


@pytest.mark.parametrize("test", ("z", "knha"))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", GROUPED)
def test_subgroups_match_per_level_fits(metafor: dict, name: str, method: str, test: str):
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.subgroups(yi, sei, ref["groups"], method, hksj=test == "knha")
    r = ref["subgroups"][f"{method} {test}"]
    assert list(res.groups) == list(np.atleast_1d(ref["levels"]))
    for level, fit in r["levels"].items():
        compare_fit(res.groups[level], fit, f"{name} {method} {test} level {level}")
    close(res.Q_between, r["Qb"], f"{name} Q_between")
    close(res.Q_between_p, r["Qbp"], f"{name} Q_between p")
    assert res.Q_between_df == len(r["levels"]) - 1


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", GROUPED)
def test_common_tau2_subgroups_match_meta_regression(metafor: dict, name: str, method: str):
    ref = metafor[name]
    yi, sei = data(ref)
    res = stats.subgroups(yi, sei, ref["groups"], method, common_tau2=True)
    c = ref["common"][method]
    tau2s = {g.tau2 for g in res.groups.values()}
    assert len(tau2s) == 1
    close(tau2s.pop(), c["tau2"], f"{name} common tau2")
    close([g.log_estimate for g in res.groups.values()], c["est"], f"{name} level estimates")
    close([g.se for g in res.groups.values()], c["se"], f"{name} level SEs")
    close(res.Q_between, c["QM"], f"{name} Q_between (QM)")
    close(res.Q_between_p, c["QMp"], f"{name} Q_between p (QMp)")


def test_reference_covers_required_cases(metafor: dict) -> None:
    """At least eight metadat sets plus k = 2, k = 3 and tau2 = 0 cases are compared."""
    ks = {name: ref["k"] for name, ref in metafor.items()}
    assert sum(k >= 4 for k in ks.values()) >= 8
    assert 2 in ks.values() and 3 in ks.values()
    assert any(ref["fits"]["DL z"]["tau2"] == 0 for ref in metafor.values())
    assert any(ref["fits"]["REML z"]["tau2"] == 0 for ref in metafor.values())
    assert max(ks.values()) >= 100
    assert not any(math.isnan(ref["fits"]["REML z"]["est"]) for ref in metafor.values())
