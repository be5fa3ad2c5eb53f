"""evreg.stats.dist (numpy-only distribution functions) against scipy.special and closed forms.

scipy is the reference here only: the engine does not import it, so that `evreg pool`
starts fast. Degrees of freedom from 1 to 10^6, arguments over the whole useful range,
relative 1e-12 (1e-10 where df > 10^4, where scipy's own two routes differ by 1e-11).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sp
from scipy import stats as sps

from evreg.stats import dist

DFS = np.array([1, 2, 3, 4, 5, 7, 10, 20, 30, 50, 100, 300, 1000, 1e4, 1e5, 1e6])
PROBS = np.array(
    [1e-100, 1e-20, 1e-10, 1e-5, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5]
    + [0.7, 0.9, 0.95, 0.975, 0.99, 0.999999]
)


def rel_err(ours, ref) -> np.ndarray:
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    underflow = (np.abs(ours) < 1e-300) & (np.abs(ref) < 1e-300)  # subnormal vs 0
    same = (ours == ref) | (np.isnan(ours) & np.isnan(ref)) | underflow
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(same, 0.0, np.abs(ours - ref) / np.abs(ref))


def tolerance(df: np.ndarray) -> np.ndarray:
    return np.where(df > 1e4, 1e-10, 1e-12)


def test_chi2_sf() -> None:
    x = np.concatenate([[0, 1e-8, 1e-3, 0.5, 1, 3, 10, 100, 1000], np.geomspace(1e-3, 1e7, 200)])
    grid_x, grid_df = np.meshgrid(x, DFS)
    assert (rel_err(dist.chi2_sf(grid_x, grid_df), sp.chdtrc(grid_df, grid_x)) < 1e-12).all()
    for df in DFS:  # around the centre, where series and fraction meet
        xs = df + np.linspace(-6, 6, 49) * math.sqrt(2 * df)
        xs = xs[xs > 0]
        assert (rel_err(dist.chi2_sf(xs, df), sp.chdtrc(df, xs)) < 1e-12).all(), df


def test_t_sf_against_scipy_and_closed_forms() -> None:
    t = np.array([1e-3, 0.1, 0.5, 1, 1.96, 2, 3, 5, 10, 100, 1e3, 1e5, -0.1, -1, -3, -10])
    grid_t, grid_df = np.meshgrid(t, DFS)
    err = rel_err(dist.t_sf(grid_t, grid_df), sp.stdtr(grid_df, -grid_t))
    assert (err < tolerance(grid_df)).all()
    small = np.array([0.0, 1e-12, 1e-8, 1e-4, 0.3, 40.0])
    cauchy = 0.5 - np.arctan(small) / math.pi  # df = 1
    two = 0.5 * (1 - small / np.sqrt(2 + small**2))  # df = 2
    assert (rel_err(dist.t_sf(small, 1), cauchy) < 1e-14).all()
    assert (rel_err(dist.t_sf(small, 2), two) < 1e-13).all()
    assert dist.t_sf(1e200, 3) == 0.0 and dist.t_sf(-np.inf, 3) == 1.0


@pytest.mark.parametrize(
    ("ours", "ref"),
    [
        (dist.t_ppf, sp.stdtrit),
        (dist.chi2_isf, sp.chdtri),
        (dist.chi2_ppf, lambda df, p: sps.chi2.ppf(p, df)),
    ],
    ids=["t_ppf", "chi2_isf", "chi2_ppf"],
)
def test_quantiles(ours, ref) -> None:
    grid_p, grid_df = np.meshgrid(PROBS, DFS)
    want = ref(grid_df, grid_p)
    known = np.isfinite(want)  # scipy's t quantile overflows in the far tail of small df
    err = rel_err(ours(grid_p, grid_df), want)
    assert (err[known] < tolerance(grid_df)[known]).all()


def test_quantiles_invert_their_tails() -> None:
    for df in (1, 3, 30, 1e4):
        for p in (1e-300, 1e-50, 0.025, 0.5, 0.975):
            assert dist.t_sf(-dist.t_ppf(p, df), df) == pytest.approx(p, rel=1e-10)
            assert dist.chi2_sf(dist.chi2_isf(p, df), df) == pytest.approx(p, rel=1e-10)


def test_normal() -> None:
    z = np.linspace(-38, 38, 153)
    # erfc(z / sqrt 2): the rounding of z / sqrt 2 costs ~z^2 ulp in the far tail
    assert (rel_err(dist.norm_sf(z), sp.ndtr(-z)) < 1e-14 + 5e-16 * z**2).all()
    assert (rel_err(dist.norm_ppf(PROBS), sp.ndtri(PROBS)) < 1e-14).all()
    assert dist.norm_ppf(0.0) == -np.inf and dist.norm_ppf(1.0) == np.inf
    assert np.isnan(dist.norm_ppf(1.5))


def test_limits_shapes_and_scalars() -> None:
    assert dist.chi2_isf(0.0, 3) == np.inf and dist.chi2_isf(1.0, 3) == 0.0
    assert dist.chi2_ppf(0.0, 3) == 0.0 and dist.chi2_ppf(1.0, 3) == np.inf
    assert dist.t_ppf(0.5, 4) == 0.0 and dist.t_ppf(1.0, 4) == np.inf
    assert dist.chi2_sf(0.0, 2) == 1.0 and dist.chi2_sf(np.inf, 2) == 0.0
    assert isinstance(dist.t_ppf(0.975, 5), np.floating)
    assert dist.t_ppf([[0.975], [0.025]], [3, 30]).shape == (2, 2)
    assert np.isnan(dist.chi2_sf(1.0, -1)) and np.isnan(dist.t_sf(np.nan, 3))


def test_importing_the_engine_does_not_import_scipy_special() -> None:
    code = "import sys, evreg.stats; print('scipy.special' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "False", proc.stderr
