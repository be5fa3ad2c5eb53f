"""Benchmark the meta-analysis engine against its baselines, measured in the same run.

Run:  .venv/bin/python benchmarks/engine.py [--repeats N]

Every process timing is a fresh process reading the same CSV (study, log_hr, se) and printing
its result, so start-up and imports are included; each is the median of ``--repeats`` runs,
the runs of the contenders interleaved so that load from other processes hits all alike:

* the numpy floor: a bare script that reads the CSV with ``numpy.loadtxt`` and computes DL;
* pandas + statsmodels: ``read_csv`` and ``combine_effects`` with its per-study summary frame
  (``method_re="chi2"``, DerSimonian-Laird);
* R metafor: ``Rscript`` running ``rma(yi, sei, method = "REML")``, printed, and ``weights()``;
* ``evreg pool FILE`` (text, the default) and ``evreg pool FILE --format json``.

Every Python program runs with its bytecode cached (PYTHONPYCACHEPREFIX in the run's
temporary directory; the warm-up run compiles), as an installed program would.

Leave-one-out FE and DL are timed in-process (``evreg.stats.leave_one_out``, the engine
alone) at k = 1,000, 10,000 and 100,000, and as a whole ``evreg pool --leave-one-out`` run at
k = 10,000; the growth from 10,000 to 100,000 shows the order (1 for O(k), 2 for O(k^2)).

Printed: each time, the ratio evreg / baseline, the aim of issue 11 and whether it is met.
Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

EVREG = str(Path(sys.executable).with_name("evreg"))

FLOOR = """
import sys
import numpy as np
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=(1, 2))
y, s = d[:, 0], d[:, 1]
w = 1 / s**2
mu = (w * y).sum() / w.sum()
q = (w * (y - mu) ** 2).sum()
c = w.sum() - (w**2).sum() / w.sum()
t2 = max(0.0, (q - (len(y) - 1)) / c)
ws = 1 / (s**2 + t2)
m = (ws * y).sum() / ws.sum()
se = ws.sum() ** -0.5
print(np.exp(m), np.exp(m - 1.96 * se), np.exp(m + 1.96 * se), t2)
"""

STATSMODELS = """
import sys
import pandas as pd
from statsmodels.stats.meta_analysis import combine_effects
d = pd.read_csv(sys.argv[1])
res = combine_effects(d["log_hr"], d["se"] ** 2, method_re="chi2")
res.summary_frame().to_csv(sys.stdout)
"""

METAFOR = """
suppressMessages(library(metafor))
d <- read.csv("{csv}")
r <- rma(yi = d$log_hr, sei = d$se, method = "REML")
print(r)
invisible(weights(r))
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


ENV = dict(os.environ)


def run_once(cmd: list[str]) -> float:
    """Wall time of one run; raises if the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {proc.stderr[-500:]}")
    return elapsed


def interleaved(commands: dict[str, list[str]], repeats: int) -> dict[str, float]:
    """Median wall time per command, the commands run in turn ``repeats`` times."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the file cache and byte-compiled modules
        run_once(cmd)
    for _ in range(repeats):
        for name, cmd in commands.items():
            times[name].append(run_once(cmd))
    return {name: statistics.median(t) for name, t in times.items()}


def in_process(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def script(tmp: Path, name: str, code: str) -> Path:
    path = tmp / name
    path.write_text(code)
    return path


def pool_rows(tmp: Path, repeats: int) -> list[tuple[str, ...]]:
    """evreg pool of 100,000 rows against the numpy floor and pandas + statsmodels."""
    data = tmp / "k100000.csv"
    write_csv(data, 100_000)
    py = sys.executable
    t = interleaved(
        {
            "floor": [py, str(script(tmp, "floor.py", FLOOR)), str(data)],
            "statsmodels": [py, str(script(tmp, "sm.py", STATSMODELS)), str(data)],
            "text": [EVREG, "pool", str(data)],
            "json": [EVREG, "pool", str(data), "--format", "json"],
        },
        repeats,
    )
    rows = [("numpy floor (loadtxt + DL), k = 100,000", fmt(t["floor"]), "", "", "", "")]
    for fmt_name in ("text", "json"):
        label = f"evreg pool, k = 100,000, {fmt_name}"
        rows.append(row(f"{label} / numpy floor", t[fmt_name], t["floor"], 3.0))
        rows.append(row(f"{label} / pandas + statsmodels", t[fmt_name], t["statsmodels"], 0.5))
    return rows


def metafor_rows(tmp: Path, repeats: int) -> list[tuple[str, ...]]:
    """REML at k = 10, whole processes, against Rscript with metafor."""
    data = tmp / "k10.csv"
    write_csv(data, 10)
    commands = {"evreg": [EVREG, "pool", str(data), "--method", "REML"]}
    if shutil.which("Rscript"):
        r_script = script(tmp, "pool10.R", METAFOR.format(csv=data))
        commands["metafor"] = ["Rscript", "--vanilla", str(r_script)]
    t = interleaved(commands, repeats)
    label = "evreg pool --method REML, k = 10 / Rscript metafor"
    if "metafor" not in t:
        return [(label, fmt(t["evreg"]), "n/a", "n/a", "<= 0.35x", "R not installed")]
    return [row(label, t["evreg"], t["metafor"], 0.35)]


def leave_one_out_rows(tmp: Path, repeats: int) -> list[tuple[str, ...]]:
    """Leave-one-out FE and DL: in-process at three sizes (order of growth) and one CLI run."""
    from evreg import stats

    rows = []
    for method in ("FE", "DL"):
        times = {}
        for k in (1_000, 10_000, 100_000):
            rng = np.random.default_rng(k)
            se = rng.uniform(0.05, 0.5, k)
            y = rng.normal(0.2, 0.2, k) + rng.normal(0.0, se)
            times[k] = in_process(
                lambda y=y, se=se, m=method: stats.leave_one_out(y, se, m), repeats
            )
        order = math.log10(times[100_000] / times[10_000])
        rows.append(seconds(f"leave-one-out {method}, k = 10,000 (engine)", times[10_000], 1.0))
        rows.append(
            (
                f"leave-one-out {method}: growth from k = 10,000 to 100,000",
                fmt(times[100_000]),
                fmt(times[10_000]),
                f"k^{order:.2f}",
                "O(k): k^1",
                "yes" if order < 1.3 else "NO",
            )
        )
    data = tmp / "k10000.csv"
    write_csv(data, 10_000)
    cli = interleaved(
        {
            "loo": [
                EVREG,
                "pool",
                str(data),
                "--method",
                "DL",
                "--leave-one-out",
                "--format",
                "json",
            ]
        },
        max(1, repeats // 2),
    )["loo"]
    rows.append(seconds("evreg pool --leave-one-out DL, k = 10,000 (process)", cli, 1.0))
    return rows


def fmt(seconds: float) -> str:
    return f"{seconds:.3f} s"


def row(label: str, ours: float, base: float, aim: float) -> tuple[str, ...]:
    """(what, evreg, baseline, ratio evreg / baseline, aim, met)."""
    ratio = ours / base
    return (label, fmt(ours), fmt(base), f"{ratio:.2f}x", f"<= {aim:g}x", met(ratio, aim))


def seconds(label: str, ours: float, limit: float) -> tuple[str, ...]:
    """A row whose aim is absolute: under ``limit`` seconds."""
    return (label, fmt(ours), "", "", f"< {limit:g} s", met(ours, limit))


def met(value: float, aim: float) -> str:
    return "yes" if value <= aim else f"NO (by {value / aim:.2f}x)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per timing (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        # Python programs run as installed ones do: compiled once to bytecode (here into a
        # cache outside the tree), even where the environment says PYTHONDONTWRITEBYTECODE.
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        rows = pool_rows(tmp, args.repeats)
        rows += metafor_rows(tmp, args.repeats)
        rows += leave_one_out_rows(tmp, args.repeats)
    header = ("measurement", "evreg", "baseline", "ratio", "aim (issue 11)", "met")
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}; wall time, median of {args.repeats} interleaved runs"
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for cells in rows:
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
