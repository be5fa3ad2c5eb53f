"""Benchmark the meta-analysis engine end to end against R metafor and statsmodels.

Run:  .venv/bin/python benchmarks/engine.py [--quick] [--full-metafor]

Every timing is a fresh process reading the same CSV (study, log_hr, se) and printing its
result, so process start and imports are included:

* ``evreg pool FILE --method M --format json`` (this package);
* ``Rscript`` with metafor: ``rma(yi, sei, method = M)``, printed, plus ``weights()``;
* ``python`` with pandas + statsmodels ``combine_effects`` and its per-study summary frame.
  statsmodels has no REML: its REML row uses ``method_re="iterated"`` (Paule-Mandel), its
  DL row ``method_re="chi2"`` (DerSimonian-Laird).

Leave-one-out REML: ``evreg pool --leave-one-out --method REML`` vs metafor
``leave1out(rma(..., method = "REML"))``. metafor forms k-by-k matrices in every fit, so at
k = 1,000 its leave-one-out (about an hour) is extrapolated from ``--sample`` of the k fits
unless ``--full-metafor`` is given; at k = 100,000 a single metafor fit would need an 80 GB
matrix, so that cell is not run. Ratios > 1 mean evreg is faster. Median of repeats.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EVREG = str(Path(sys.executable).with_name("evreg"))

R_POOL = """
suppressMessages(library(metafor))
d <- read.csv("{csv}")
r <- rma(yi = d$log_hr, sei = d$se, method = "{method}")
print(r)
invisible(weights(r))
"""

R_LOO = """
suppressMessages(library(metafor))
d <- read.csv("{csv}")
r <- rma(yi = d$log_hr, sei = d$se, method = "REML")
print(leave1out(r))
"""

R_LOO_SAMPLE = """
suppressMessages(library(metafor))
d <- read.csv("{csv}")
r <- rma(yi = d$log_hr, sei = d$se, method = "REML")
t <- system.time(for (i in seq_len({n})) rma(yi = d$log_hr[-i], sei = d$se[-i], method = "REML"))
cat(t[["elapsed"]] / {n}, "\\n")
"""

PY_STATSMODELS = """
import sys
import pandas as pd
from statsmodels.stats.meta_analysis import combine_effects
d = pd.read_csv(sys.argv[1])
res = combine_effects(d["log_hr"], d["se"] ** 2, method_re=sys.argv[2])
frame = res.summary_frame()
frame.to_csv(sys.stdout)
"""


def write_csv(path: Path, k: int, seed: int = 2026) -> None:
    """Synthetic log hazard ratios with heterogeneity (tau = 0.2) and SEs 0.05-0.5."""
    rng = np.random.default_rng(seed + k)
    se = rng.uniform(0.05, 0.5, k)
    y = rng.normal(0.2, 0.2, k) + rng.normal(0.0, se)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["study", "log_hr", "se"])
        for i in range(k):
            out.writerow([f"s{i + 1}", repr(float(y[i])), repr(float(se[i]))])


def run_timed(cmd: list[str], repeats: int) -> float:
    """Median wall time of ``repeats`` runs; raises if the command fails."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])} failed: {proc.stderr[-500:]}")
    return statistics.median(times)


def r_script(tmp: Path, name: str, code: str) -> list[str]:
    path = tmp / f"{name}.R"
    path.write_text(code)
    return ["Rscript", "--vanilla", str(path)]


def r_value(cmd: list[str]) -> float:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(proc.stdout.split()[-1])


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:8.3f}"


def ratio(base: float | None, ours: float) -> str:
    return "n/a" if base is None else f"{base / ours:7.1f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat each, smaller k")
    parser.add_argument(
        "--full-metafor",
        action="store_true",
        help="run metafor leave-one-out at k = 1,000 for real (about an hour)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=5,
        help="metafor fits timed to extrapolate leave-one-out at k = 1,000",
    )
    args = parser.parse_args(argv)
    has_r = shutil.which("Rscript") is not None
    pool_ks = (10, 1_000) if args.quick else (10, 1_000, 100_000)
    loo_ks = (100, 300) if args.quick else (100, 300, 1_000)
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sm = tmp / "sm.py"
        sm.write_text(PY_STATSMODELS)
        for k in pool_ks:
            data = tmp / f"k{k}.csv"
            write_csv(data, k)
            reps = 1 if args.quick else (7 if k <= 1_000 else 3)
            for method, sm_method in (("DL", "chi2"), ("REML", "iterated")):
                ours = run_timed(
                    [EVREG, "pool", str(data), "--method", method, "--format", "json"], reps
                )
                mf = None
                if has_r and k <= 10_000:
                    mf = run_timed(
                        r_script(tmp, f"pool{k}{method}", R_POOL.format(csv=data, method=method)),
                        reps,
                    )
                smt = run_timed([sys.executable, str(sm), str(data), sm_method], reps)
                rows.append(
                    (
                        f"pool {method}",
                        f"{k:,}",
                        fmt(ours),
                        fmt(mf),
                        fmt(smt),
                        ratio(mf, ours),
                        ratio(smt, ours),
                    )
                )
                print(" | ".join(rows[-1]), file=sys.stderr)
        for k in loo_ks:
            data = tmp / f"loo{k}.csv"
            write_csv(data, k)
            reps = 1 if args.quick or k >= 300 else 3
            ours = run_timed(
                [
                    EVREG,
                    "pool",
                    str(data),
                    "--method",
                    "REML",
                    "--leave-one-out",
                    "--format",
                    "json",
                ],
                reps,
            )
            mf, note = None, ""
            if has_r and (k < 1_000 or args.full_metafor):
                mf = run_timed(r_script(tmp, f"loo{k}", R_LOO.format(csv=data)), 1)
            elif has_r:
                per_fit = r_value(
                    r_script(tmp, f"loos{k}", R_LOO_SAMPLE.format(csv=data, n=args.sample))
                )
                mf, note = per_fit * k, f" (metafor extrapolated: {args.sample} of {k} fits)"
            rows.append(
                (
                    f"leave-one-out REML{note}",
                    f"{k:,}",
                    fmt(ours),
                    fmt(mf),
                    "n/a",
                    ratio(mf, ours),
                    "n/a",
                )
            )
            print(" | ".join(rows[-1]), file=sys.stderr)
    header = (
        "task",
        "k",
        "evreg s",
        "metafor s",
        "statsmodels s",
        "metafor/evreg",
        "statsmodels/evreg",
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; wall time per run, "
        "median; ratio > 1 = evreg faster"
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(cell.strip() for cell in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
