"""Numerical drivers for tau2, vectorised over rows: Fisher scoring with step-halving,
bracketed Newton roots, Brent's root finder and the likelihood grid that guards them.

Every driver either converges or reports the rows where it did not; callers turn a failure
into a fallback or a clear error, never a silent last iterate. The likelihoods themselves
live with their models (:mod:`evreg.stats.tau2` intercept-only, :mod:`evreg.stats.metareg`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray
TOL = 1e-12  # matches metafor control=list(threshold=1e-12)
MAXITER = 1000  # Fisher scoring iterations (metafor's maxiter)
ROOT_MAXITER = 1000  # Newton / bisection iterations of a bracketed root
MAX_HALVINGS = 60
LL_TOL = 1e-13  # relative log-likelihood drop that counts as "did not increase"
GRID_TOL = 1e-9  # relative log-likelihood gain on the grid that triggers Brent's method
PER_DECADE = 10

# What produced tau2 for a row (kept per row; turned into a note by the caller).
NONE, CLOSED, FISHER, HALVING, ZERO_CHECK, BRENT, ROOT = range(7)
ALGORITHMS = {
    CLOSED: "closed form",
    FISHER: "Fisher scoring",
    HALVING: "Fisher scoring with step-halving",
    ZERO_CHECK: "Fisher scoring, then 0 (higher likelihood at tau2 = 0)",
    BRENT: "Brent's method over [0, upper] (Fisher scoring did not reach the maximum)",
    ROOT: "bracketed Newton root",
}

# evaluate(rows, tau2) -> (log-likelihood, Fisher step) for those rows at those tau2 values
Evaluate = Callable[[Array, Array], tuple[Array, Array]]
# grid(rows, points) -> (log-likelihood, Fisher step), each (len(rows), len(points))
GridEvaluate = Callable[[Array, Array], tuple[Array, Array]]


class ConvergenceError(ValueError):
    """No algorithm found the estimate (reported as a clear error, never a silent iterate)."""


def nonnegative_step(tau2: Array, adj: Array) -> Array:
    """metafor's rule: while tau2 + adj < 0, adj <- adj / 2; returns tau2 + adj.

    The number of halvings is computed directly (ldexp is exact), not looped.
    """
    new = tau2 + adj
    bad = new < 0
    if not bad.any():
        return new
    t, a = tau2[bad], adj[bad]
    pos = t > 0
    with np.errstate(divide="ignore"):
        guess = np.log2(-a) - np.log2(np.where(pos, t, 1.0))
    j = np.where(pos, np.maximum(np.ceil(guess), 0.0), 0.0).astype(int)
    for _ in range(3):  # the guess is exact up to rounding: settle on the first j that works
        j = np.where((j > 0) & (t + np.ldexp(a, -(j - 1)) >= 0), j - 1, j)
        j = np.where(t + np.ldexp(a, -j) < 0, j + 1, j)
    out = np.where(pos, t + np.ldexp(a, -j), 0.0)
    new[bad] = np.maximum(out, 0.0)
    return new


def _converged(new: Array, old: Array) -> Array:
    return np.abs(new - old) <= TOL * np.maximum(1.0, np.abs(new))


def fisher_scoring(evaluate: Evaluate, start: Array, active: Array) -> tuple[Array, Array]:
    """Fisher scoring from ``start`` (metafor rma.uni), halving a step whenever it does not
    improve: the log-likelihood falls, or it stays level (within rounding) while the step
    does not shrink, as where Fisher scoring oscillates about the maximum (Jennrich &
    Sampson 1976, Technometrics 18:11). Steps that metafor shortens to keep tau2 >= 0 are
    judged by the likelihood alone, so a walk to the boundary ends where metafor's does.

    Returns tau2 and a code per row: FISHER, HALVING, or NONE where it did not converge in
    MAXITER iterations or MAX_HALVINGS successive halvings (the caller falls back).
    """
    m = start.size
    acc, trial, result = start.copy(), start.copy(), start.copy()
    ll_acc, adj_acc = np.full(m, -np.inf), np.full(m, np.inf)
    code = np.where(active, FISHER, NONE)
    halvings = np.zeros(m, dtype=int)
    clipped = np.zeros(m, dtype=bool)
    running = active.copy()
    for _ in range(MAXITER):
        idx = np.flatnonzero(running)
        if idx.size == 0:
            return result, code
        ll, adj = evaluate(idx, trial[idx])
        adj = np.nan_to_num(adj, nan=0.0, posinf=0.0, neginf=0.0)  # degenerate rows: no step
        worse = _not_better(ll, adj, ll_acc[idx], adj_acc[idx], clipped[idx])
        bad = idx[worse]
        trial[bad] = acc[bad] + (trial[bad] - acc[bad]) / 2.0
        halvings[bad] += 1
        code[bad] = HALVING
        stuck = bad[halvings[bad] > MAX_HALVINGS]
        code[stuck], running[stuck] = NONE, False
        good = idx[~worse]
        acc[good], ll_acc[good], adj_acc[good] = trial[good], ll[~worse], adj[~worse]
        halvings[good] = 0
        new = nonnegative_step(trial[good], adj[~worse])
        clipped[good] = new != trial[good] + adj[~worse]
        done = _converged(new, trial[good])
        finished = good[done]
        result[finished] = _polish(
            evaluate, finished, trial[finished], adj[~worse][done], new[done]
        )
        result[finished] = np.where(clipped[finished], new[done], result[finished])
        running[finished] = False
        trial[good[~done]] = new[~done]
    code[running] = NONE
    return result, code


def _not_better(ll: Array, adj: Array, ll_acc: Array, adj_acc: Array, clipped: Array) -> Array:
    """The trial point's log-likelihood fell, or stayed level (within rounding) while the
    step did not shrink (steps shortened at tau2 = 0 are judged by the likelihood alone)."""
    noise = LL_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(ll_acc), ll_acc, 0.0)))
    level = (ll <= ll_acc + noise) & ~clipped
    return (ll < ll_acc - noise) | (level & (np.abs(adj) >= np.abs(adj_acc)))


def _polish(evaluate: Evaluate, rows: Array, before: Array, step: Array, after: Array) -> Array:
    """One secant step on the Fisher step function from the last two iterates: where Fisher
    scoring converges slowly (linearly) its last iterate can sit 1e-11 from the root, which
    matters for small tau2; kept only if the function decreases there (a maximum) and the
    move is at most 100 last steps (1e-10 at most)."""
    if rows.size == 0:
        return after
    _, g = evaluate(rows, after)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (g - step) / (after - before)
        better = after - g / slope
    ok = (
        np.isfinite(better)
        & (slope < 0)
        & (better > 0)
        & (np.abs(better - after) <= 100.0 * np.abs(step))
    )
    return np.where(ok, better, after)


def newton_root(
    evaluate: Evaluate, lo: Array, hi: Array, active: Array, start: Array | None = None
) -> Array:
    """Root of a decreasing function f per row, f(lo) > 0 > f(hi), by Newton's method kept
    inside the bracket (bisection when a step leaves it; Press et al., Numerical Recipes 9.4).

    ``evaluate`` returns (f, -f') per row. Raises ConvergenceError if a row does not converge.
    """
    x = (lo if start is None else start).astype(float)
    lo, hi = lo.astype(float), hi.astype(float)
    running = active.copy()
    for _ in range(ROOT_MAXITER):
        idx = np.flatnonzero(running)
        if idx.size == 0:
            return x
        f, slope = evaluate(idx, x[idx])
        lo[idx] = np.where(f > 0, x[idx], lo[idx])
        hi[idx] = np.where(f < 0, x[idx], hi[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x[idx] + f / slope
        outside = ~((new >= lo[idx]) & (new <= hi[idx]))
        new = np.where(outside, 0.5 * (lo[idx] + hi[idx]), new)
        done = (f == 0) | _converged(new, x[idx])
        x[idx] = np.where(f == 0, x[idx], new)
        running[idx[done]] = False
    if running.any():
        raise ConvergenceError(
            f"the tau2 root search did not converge in {ROOT_MAXITER} iterations"
        )
    return x


def brent_root(f: Callable[[float], float], a: float, b: float, fa: float, fb: float) -> float:
    """Zero of f in [a, b] with f(a), f(b) of opposite sign (Brent 1973, Algorithms for
    Minimization without Derivatives, ch. 4, procedure zero)."""
    c, fc = a, fa
    d = e = b - a
    for _ in range(200):
        if (fb > 0) == (fc > 0):
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * np.finfo(float).eps * abs(b) + 0.5 * TOL * max(abs(b), 1e-300)
        m = 0.5 * (c - b)
        if abs(m) <= tol or fb == 0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            p, q = _interpolate(a, b, c, fa, fb, fc, m)
            if 2 * p < min(3 * m * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = m
        else:
            d = e = m
        a, fa = b, fb
        b += d if abs(d) > tol else (tol if m > 0 else -tol)
        fb = f(b)
    raise ConvergenceError("Brent's method did not converge in 200 iterations")


def _interpolate(
    a: float, b: float, c: float, fa: float, fb: float, fc: float, m: float
) -> tuple[float, float]:
    """Secant (a == c) or inverse quadratic step of Brent's zero as p / q with p >= 0."""
    s = fb / fa
    if a == c:
        p, q = 2 * m * s, 1 - s
    else:
        q, r = fa / fc, fb / fc
        p = s * (2 * m * q * (q - r) - (b - a) * (r - 1))
        q = (q - 1) * (r - 1) * (s - 1)
    return (p, -q) if p > 0 else (-p, q)


def tau2_grid(v: Array, y: Array, p: int = 1) -> Array:
    """0 and log-spaced points from 1e-3 min(v) to p max(v) + (p+1) range(y)^2, PER_DECADE
    a decade, for models with p coefficients including an intercept.

    Every ML and REML maximum of a subset of (y, v) with k > p lies below the upper end: there
    the score is negative (Y'PPY <= max(w) Y'PY <= max(w) sum(w) range(y)^2, while tr(P) >=
    sum(w) - p max(w), and k / (k - p) <= p + 1).
    """
    low = 1e-3 * float(v.min())
    high = p * float(v.max()) + (p + 1) * float(np.ptp(y)) ** 2
    count = max(2, int(np.ceil(PER_DECADE * np.log10(high / low))) + 1)
    return np.concatenate([[0.0], np.geomspace(low, high, count)])


def maximise(
    evaluate: Evaluate, grid_evaluate: GridEvaluate, grid: Array, start: Array, active: Array
) -> tuple[Array, Array]:
    """ML / REML tau2 per row: Fisher scoring with step-halving, metafor's check of the
    likelihood at tau2 = 0, then a grid over [0, upper] guarding the global maximum, with
    Brent's method on the score wherever the grid beats Fisher scoring or it failed.

    Returns tau2 and the algorithm code per row; raises ConvergenceError if nothing converges.
    """
    tau2, code = fisher_scoring(evaluate, start, active)
    idx = np.flatnonzero(active)
    if idx.size == 0:
        return tau2, code
    ll_hat = evaluate(idx, tau2[idx])[0]
    ll_zero = evaluate(idx, np.zeros(idx.size))[0]
    zero = (tau2[idx] > TOL) & (ll_zero - ll_hat > TOL) & (code[idx] != NONE)
    tau2[idx[zero]], code[idx[zero]] = 0.0, ZERO_CHECK
    ll_hat = np.where(zero, ll_zero, ll_hat)
    ll_grid, step_grid = grid_evaluate(idx, grid)
    gain = ll_grid.max(axis=1) - ll_hat > GRID_TOL * np.maximum(1.0, np.abs(ll_hat))
    for j in np.flatnonzero(gain | (code[idx] == NONE)):
        row = idx[j]
        found = _brent_on_grid(evaluate, row, grid, ll_grid[j], step_grid[j])
        if found is None:
            continue
        value = evaluate(np.array([row]), np.array([found]))[0][0]
        if code[row] == NONE or value > ll_hat[j]:
            tau2[row], code[row], ll_hat[j] = found, BRENT, value
    if (code[idx] == NONE).any() or not np.isfinite(ll_hat).all():
        raise ConvergenceError(
            "the (restricted) likelihood maximum for tau2 was not found: Fisher scoring, "
            "step-halving and Brent's method all failed"
        )
    return tau2, code


def _brent_on_grid(
    evaluate: Evaluate, row: int, grid: Array, ll: Array, step: Array, depth: int = 0
) -> float | None:
    """The local maximum next to the best grid point, by Brent's zero of the Fisher step
    (the score divided by the information) in a bracket where it changes sign."""

    def score(t: float) -> float:
        return float(evaluate(np.array([row]), np.array([t]))[1][0])

    j = int(np.argmax(ll))
    if grid[j] == 0 and step[j] <= 0:
        return 0.0
    if step[j] > 0 and j + 1 < grid.size and step[j + 1] < 0:
        return brent_root(score, grid[j], grid[j + 1], step[j], step[j + 1])
    if step[j] < 0 and j > 0 and step[j - 1] > 0:
        return brent_root(score, grid[j - 1], grid[j], step[j - 1], step[j])
    if step[j] == 0:
        return float(grid[j])
    if depth >= 4:
        return None
    lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)]
    fine = np.linspace(lo, hi, 17)
    pairs = [evaluate(np.array([row]), np.array([t])) for t in fine]
    ll_fine = np.array([p[0][0] for p in pairs])
    step_fine = np.array([p[1][0] for p in pairs])
    return _brent_on_grid(evaluate, row, fine, ll_fine, step_fine, depth + 1)
