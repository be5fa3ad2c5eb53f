"""Benchmark Guyot 2012 reconstruction (`evreg derive km`): accuracy and time per curve pair.

Run from the repository root::

    .venv/bin/python benchmarks/derive.py [--trials 200] [--seed 1]

Each trial (tests/fixtures/km_sim.py) draws group sizes (40-300 each), a true HR (0.4-2.5),
drop-out (0.5-6% a month), the reference median (6-24 months) and the digitisation density
(25-200 points per curve, noise 0.002-0.008 on the 0-1 scale); numbers at risk every 3
months; half the trials give the printed total events. The reconstruction's Cox HR is
compared with the Cox fit to the original data (the truth a reviewer lacks). Printed:
median and 90th percentile |delta ln HR|, the CI-width ratio (median, 10th-90th percentile),
the share within the issue's aims (|delta ln HR| <= 0.06, width within 20%), by density; and
the time per curve pair (reconstruction of both groups plus the Cox fit) beside the time of
the Cox fit alone on the original data, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fixtures.km_sim import LABELS, simulate  # noqa: E402

from evreg.stats.derive import CurveInput, cox_two_groups, derive_km  # noqa: E402


def one(seed: int, rng: np.random.Generator) -> dict[str, float]:
    n_points = int(rng.choice([25, 50, 100, 200]))
    give_events = bool(rng.integers(2))
    trial = simulate(
        seed,
        n=(int(rng.integers(40, 301)), int(rng.integers(40, 301))),
        hr=float(np.exp(rng.uniform(np.log(0.4), np.log(2.5)))),
        median_ref=float(rng.uniform(6, 24)),
        censor_rate=float(rng.uniform(0.005, 0.06)),
        n_points=n_points,
        noise=float(rng.uniform(0.002, 0.008)),
    )
    t0 = time.perf_counter()
    truth = cox_two_groups(trial.time, trial.event, trial.group)
    t_cox = time.perf_counter() - t0
    curves = [
        CurveInput(
            lab,
            *trial.curves[lab],
            f"{lab}.csv",
            int(trial.event[trial.group == g].sum()) if give_events else None,
        )
        for g, lab in enumerate(LABELS)
    ]
    t0 = time.perf_counter()
    est, _ = derive_km(curves, trial.risk_time, trial.at_risk, "at-risk.csv", "low", {})
    t_rec = time.perf_counter() - t0
    return {
        "points": n_points,
        "events": give_events,
        "delta": abs(est.log_hr - truth.log_hr),
        "width": est.se / truth.se,
        "t_rec": t_rec,
        "t_cox": t_cox,
    }


def summary(rows: list[dict[str, float]], title: str) -> str:
    d = np.array([r["delta"] for r in rows])
    w = np.array([r["width"] for r in rows])
    within = np.mean((d <= 0.06) & (np.abs(w - 1) <= 0.2)) * 100
    return (
        f"{title:<22} {len(rows):>4}  {np.median(d):>8.3f}  {np.quantile(d, 0.9):>8.3f}  "
        f"{np.median(w):>6.3f} ({np.quantile(w, 0.1):.3f}-{np.quantile(w, 0.9):.3f})  "
        f"{within:>6.0f}%"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    cox_two_groups(np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1]), np.array([0, 1, 0, 1]))
    rows = [one(10_000 + i, rng) for i in range(args.trials)]
    print(f"Guyot 2012 reconstruction vs Cox on the original data, {args.trials} trials")
    print(f"{'':<22} {'n':>4}  {'med |d|':>8}  {'p90 |d|':>8}  {'width ratio':<20} aims met")
    print(summary(rows, "all"))
    for pts in (25, 50, 100, 200):
        sub = [r for r in rows if r["points"] == pts]
        if sub:
            print(summary(sub, f"{pts} points per curve"))
    for flag, name in ((True, "events printed"), (False, "events not printed")):
        print(summary([r for r in rows if r["events"] == flag], name))
    rec = statistics.median(r["t_rec"] for r in rows) * 1000
    cox = statistics.median(r["t_cox"] for r in rows) * 1000
    print(
        f"time per curve pair: {rec:.1f} ms (median; reconstruction + Cox); Cox alone on the "
        f"original data {cox:.1f} ms; ratio {rec / cox:.1f}"
    )


if __name__ == "__main__":
    main()
