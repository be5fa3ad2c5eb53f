"""tau2 where Fisher scoring fails, and the likelihood maximum on random subsets.

Against R (tests/fixtures/r_metafor.py; run live, or its committed outputs where R is
absent: tests/fixtures/r_reference.py): the cases where metafor 3.8's rma stops with "Fisher
scoring algorithm did not converge" are compared with metafor run with
control=list(stepadj=0.25, maxiter=10000, threshold=1e-12), with optimize() on the (restricted)
likelihood and with uniroot() on its score (EB: on its estimating equation). The property
test draws seeded random subsets of several metadat data sets and checks that evreg's ML and
REML tau2 (pooling, and the meta-regression used by trim-and-fill) is never below the maximum
found by a dense grid + optimize. Also: the same property against a brute-force grid, and
the drivers' failure paths.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from fixtures.r_metafor import HARD_CASES, PROPERTY_SETS
from fixtures.r_reference import outputs

from evreg import stats
from evreg.stats import solvers
from evreg.stats.metareg import tau2_regression


def loglik(y: np.ndarray, v: np.ndarray, tau2: float, method: str, x: Any = None) -> float:
    """(Restricted) log-likelihood without constants: -1/2 [sum log(v + tau2) + Y'PY
    (+ log det X'WX for REML)], written out here independently of evreg."""
    design = np.ones((y.size, 1)) if x is None else np.column_stack([np.ones(y.size), x])
    w = 1.0 / (v + tau2)
    xtwx = design.T @ (w[:, None] * design)
    beta = np.linalg.solve(xtwx, design.T @ (w * y))
    value = -0.5 * (np.log(v + tau2).sum() + (w * (y - design @ beta) ** 2).sum())
    if method == "REML":
        value -= 0.5 * np.linalg.slogdet(xtwx)[1]
    return float(value)


@pytest.fixture(scope="module")
def hard(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """R's output for the hard cases: live, or the committed file (fixtures.r_reference)."""
    out = outputs(tmp_path_factory, "metafor-hard")["metafor-hard-cases"]
    return {case["name"]: case for case in out}


@pytest.fixture(scope="module")
def subsets(tmp_path_factory) -> list[dict[str, Any]]:
    return outputs(tmp_path_factory, "metafor-subsets")["metafor-random-subsets"]


@pytest.mark.r
def test_the_hard_cases_are_hard_for_metafor(hard: dict) -> None:
    """The cases exercise the failure: plain rma stops without an estimate on them."""
    assert all("did not converge" in (c.get("metafor_error") or "") for c in hard.values())


@pytest.mark.r
@pytest.mark.parametrize("case", HARD_CASES, ids=[c.name for c in HARD_CASES])
def test_hard_case_gives_the_true_maximum(hard: dict, case) -> None:
    ref = hard[case.name]
    y, v = np.array(ref["yi"], float), np.array(ref["vi"], float)
    res = stats.pool(y, np.sqrt(v), case.method)
    step = ref["stepadj"]
    if case.method == "EB":
        truth = ref["uniroot_tau2"]
    else:
        best = ref["best"]
        truth = best["tau2_root"]
        assert res.tau2 == pytest.approx(best["tau2_optimize"], rel=1e-6)
        assert loglik(y, v, res.tau2, case.method) >= best["ll_optimize"] - 1e-12
        check = ref["loglik_check"]  # R's likelihood here = metafor's logLik + constant
        assert check[0] == pytest.approx(check[1], rel=1e-9)
    assert res.tau2 == pytest.approx(truth, rel=1e-8)
    for ours, theirs in (
        (res.tau2, step["tau2"]),
        (res.log_estimate, step["est"]),
        (res.se, step["se"]),
        (res.log_ci_lower, step["ci_lb"]),
        (res.p, step["pval"]),
        (res.I2_tau, step["I2"]),
    ):
        assert ours == pytest.approx(theirs, rel=1e-6)
    assert res.tau2_algorithm and res.tau2_algorithm != "Fisher scoring"
    assert any(res.tau2_algorithm in note for note in res.notes)


def _compare(subsets: list[dict], key: str, fit) -> tuple[list[str], float, float]:
    """Subsets where evreg falls short of R's maximum, the largest relative tau2 difference
    from R's uniroot maximum where it is interior, and the largest absolute one at tau2 = 0.

    Short means: a log-likelihood more than 1e-12 (relative) below R's grid + optimize
    maximum, unless tau2 is within 1e-8 relative + 1e-12 absolute of it (metafor's threshold:
    Fisher scoring that walks to the boundary stops within 1e-12 of 0, as metafor does).
    """
    short, rel, boundary = [], 0.0, 0.0
    for s in subsets:
        if key not in s:
            continue
        method = key.split()[0]
        y, v = np.array(s["yi"], float), np.array(s["vi"], float)
        x = np.sqrt(v) if key.endswith("slope") else None
        ref = s[key]
        assert loglik(y, v, ref["tau2_optimize"], method, x) == pytest.approx(
            ref["ll_optimize"], rel=1e-9, abs=1e-9
        )
        tau2 = fit(y, v, method, x)
        theirs = max(ref["ll_optimize"], ref["ll_grid"], ref["ll_root"] or -math.inf)
        gap = (theirs - loglik(y, v, tau2, method, x)) / max(1.0, abs(theirs))
        at = ref["tau2_root"] if ref["tau2_root"] is not None else ref["tau2_optimize"]
        if gap > 1e-12 and abs(tau2 - at) > 1e-8 * at + 1e-12:
            short.append(f"{s['set']} rows {s['rows']}: tau2 {tau2} vs {at}, gap {gap:.1e}")
        if ref["tau2_root"] == 0:
            boundary = max(boundary, tau2)
        elif ref["tau2_root"] is not None:
            rel = max(rel, abs(tau2 - at) / at)
    return short, rel, boundary


def _pooled(y: np.ndarray, v: np.ndarray, method: str, x: Any) -> float:
    return stats.pool(y, np.sqrt(v), method).tau2


def _regression(y: np.ndarray, v: np.ndarray, method: str, x: Any) -> float:
    return tau2_regression(y, v, np.column_stack([np.ones(y.size), x]), method)[0]


@pytest.mark.r
@pytest.mark.parametrize("key", ["ML", "REML", "ML slope", "REML slope"])
def test_ml_and_reml_never_below_the_likelihood_maximum(subsets: list, key: str) -> None:
    """Seeded random subsets (k = 3..15) of several metadat data sets: evreg's tau2 has a
    log-likelihood at least R's dense-grid + optimize maximum, and its tau2 equals R's
    uniroot maximum to 1e-8 relative (1e-12 absolute at tau2 = 0); printed with -s."""
    assert {s["set"] for s in subsets} == {name for name, _ in PROPERTY_SETS}
    fit = _regression if key.endswith("slope") else _pooled
    short, rel, boundary = _compare(subsets, key, fit)
    print(
        f"\n{key}: {len(subsets)} subsets; interior maxima: max relative tau2 difference "
        f"{rel:.1e}; maxima at 0: evreg tau2 at most {boundary:.1e}"
    )
    assert not short, short
    assert rel <= 1e-8 and boundary <= 1e-12


# ---- without R ---------------------------------------------------------------------------


def grid_loglik(y: np.ndarray, v: np.ndarray, grid: np.ndarray, method: str) -> np.ndarray:
    """loglik (intercept only) at every grid point at once."""
    w = 1.0 / (v[None, :] + grid[:, None])
    mu = (w * y).sum(axis=1) / w.sum(axis=1)
    value = -0.5 * (np.log(v[None, :] + grid[:, None]).sum(axis=1))
    value -= 0.5 * (w * (y[None, :] - mu[:, None]) ** 2).sum(axis=1)
    return value - 0.5 * np.log(w.sum(axis=1)) if method == "REML" else value


def random_sets(seed: int, count: int, sizes: tuple[int, int]):
    """Seeded small data sets with very unequal variances (where likelihoods are multimodal)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        k = int(rng.integers(*sizes))
        v = np.exp(rng.uniform(-6, 2, k))
        yield rng.normal(0, 1, k) * rng.choice([0.1, 1.0, 3.0]), v


def at_grid_maximum(tau2: float, ours: float, grid: np.ndarray, ll: np.ndarray) -> bool:
    """No grid point is higher (bar the boundary, where Fisher scoring stops within 1e-12
    of 0, as metafor)."""
    best = int(np.argmax(ll))
    return (ll[best] - ours) / max(1.0, abs(ll[best])) <= 1e-12 or abs(tau2 - grid[best]) <= 1e-12


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_meta_regression_maximum_beats_a_brute_force_grid(method: str) -> None:
    """The meta-regression path (trim-and-fill's slope on sqrt(v), common-tau2 subgroups),
    including metafor's check at tau2 = 0: never below a 2,000-point grid. (Without the check
    at tau2 = 0, the engine before issue 11 returned tau2 > 0 below the likelihood at 0 in
    one of these fits.)"""
    grid = np.concatenate([[0.0], np.geomspace(1e-8, 1e3, 2_000)])
    for y, v in random_sets(3, 40, (4, 10)):
        tau2 = _regression(y, v, method, np.sqrt(v))
        ll = np.array([loglik(y, v, t, method, np.sqrt(v)) for t in grid])
        assert at_grid_maximum(tau2, loglik(y, v, tau2, method, np.sqrt(v)), grid, ll), (y, v)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_maximum_beats_a_brute_force_grid(method: str) -> None:
    """Pooling: no point of a 20,000-point grid has a higher likelihood than evreg's tau2."""
    grid = np.concatenate([[0.0], np.geomspace(1e-8, 1e3, 20_000)])
    for y, v in random_sets(7, 300, (2, 9)):
        tau2 = stats.pool(y, np.sqrt(v), method).tau2
        ours = loglik(y, v, tau2, method)
        assert at_grid_maximum(tau2, ours, grid, grid_loglik(y, v, grid, method)), (y, v)


def test_fisher_scoring_reports_rows_it_cannot_finish(monkeypatch) -> None:
    """A row that needs more iterations than allowed is flagged (code NONE), not returned."""
    monkeypatch.setattr(solvers, "MAXITER", 2)
    y = np.array([0.1, 0.5, -0.3, 0.9])
    v = np.array([0.04, 0.09, 0.02, 0.2])
    mask = np.ones((1, 4), dtype=bool)
    from evreg.stats.tau2 import _fisher_parts

    _, code = solvers.fisher_scoring(
        lambda rows, t: _fisher_parts(y, v, mask[rows], t, "REML"),
        np.array([5.0]),
        np.array([True]),
    )
    assert code[0] == solvers.NONE


def test_brent_fallback_finds_the_fisher_scoring_maximum(monkeypatch) -> None:
    """With Fisher scoring cut off, the grid + Brent fallback reaches the same maximum."""
    rng = np.random.default_rng(5)
    y, se = rng.normal(0, 0.5, 12), rng.uniform(0.1, 0.6, 12)
    for method in ("ML", "REML"):
        full = stats.pool(y, se, method)
        monkeypatch.setattr(solvers, "MAXITER", 1)
        cut = stats.pool(y, se, method)
        monkeypatch.undo()
        assert full.tau2_algorithm.startswith("Fisher scoring")
        assert cut.tau2_algorithm.startswith("Brent")
        assert cut.tau2 == pytest.approx(full.tau2, rel=1e-9)


def test_nothing_converging_is_a_clear_error() -> None:
    """If neither Fisher scoring nor the grid finds a maximum, a ConvergenceError (a
    ValueError, reported by the command line as one line) is raised, never an iterate."""

    def evaluate(rows, tau2):
        return np.full(rows.size, np.nan), np.full(rows.size, np.nan)

    def grid_evaluate(rows, points):
        return np.full((rows.size, points.size), np.nan), np.full((rows.size, points.size), 1.0)

    with pytest.raises(solvers.ConvergenceError, match="not found"):
        solvers.maximise(
            evaluate, grid_evaluate, np.linspace(0, 1, 5), np.array([0.5]), np.array([True])
        )


def test_root_search_that_cannot_finish_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(solvers, "ROOT_MAXITER", 1)
    with pytest.raises(ValueError, match="did not converge"):
        stats.pool([0.1, 0.9, -0.7, 1.4], [0.1, 0.2, 0.15, 0.3], "PM")
