"""Benchmark the README's test command: serially (``-n 0``) against N workers (``-n 2``).

Run from the repository root::

    .venv/bin/python benchmarks/tests.py                # serial, then -n 2, once each
    .venv/bin/python benchmarks/tests.py --repeat 2 --workers 2

Takes the second line of the README's first code block (what .ci/run runs), replaces its
``-n auto`` with ``-n 0`` (one process) and ``-n WORKERS``, runs each ``--repeat`` times,
alternating, and prints the wall times, their medians and the speed-up (serial / parallel)
beside the aim of issue 14 (at least 1.6x with 2 workers on a 2-core machine), with the load
average before and after. It also prints how many cores the machine kept busy on average
during each run (from /proc/stat, so a serial run's own chart workers, browsers and R count):
a serial run that already keeps N of the machine's cores busy can be at most cores/N times
faster in parallel. A run that fails is reported as such (its time is not used).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIM = 1.6


def readme_test_command() -> list[str]:
    """The README's test command (second line of its first fenced block) as arguments."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)
    return shlex.split(blocks[0].splitlines()[1])


def with_workers(command: list[str], workers: int) -> list[str]:
    """``command`` with its ``-n`` value replaced (or added)."""
    out = list(command)
    if "-n" in out:
        out[out.index("-n") + 1] = str(workers)
    else:
        out += ["-n", str(workers)]
    return out + ["-q", "-p", "no:cacheprovider"]


def cpu_jiffies() -> tuple[int, int]:
    """(busy, all) CPU time of the whole machine since boot, in jiffies (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def run(command: list[str]) -> tuple[float, bool, str, float]:
    """Wall time, success, pytest's last line and the mean number of busy cores (the whole
    machine: the run's chart workers, browsers and R included) of one run."""
    busy0, all0 = cpu_jiffies()
    t = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    busy1, all1 = cpu_jiffies()
    cores = (busy1 - busy0) / max(1, all1 - all0) * (os.cpu_count() or 1)
    last = (proc.stdout.strip().splitlines() or [""])[-1]
    return wall, proc.returncode == 0, last, cores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    base = readme_test_command()
    cases = {"serial (-n 0)": 0, f"-n {args.workers}": args.workers}
    times: dict[str, list[float]] = {k: [] for k in cases}
    busy: dict[str, list[float]] = {k: [] for k in cases}
    before = os.getloadavg()
    for i in range(args.repeat):
        for label, workers in cases.items():
            command = with_workers(base, workers)
            print(f"... {label} {i + 1}/{args.repeat}: {shlex.join(command)}", file=sys.stderr)
            wall, ok, last, cores = run(command)
            print(f"    {wall:.1f} s, {cores:.2f} cores busy: {last}", file=sys.stderr, flush=True)
            if ok:
                times[label].append(wall)
                busy[label].append(cores)
            else:
                print(f"{label}: run {i + 1} FAILED ({last}); not counted")
    after = os.getloadavg()
    print(f"README test command: {shlex.join(base)}")
    for label, walls in times.items():
        shown = ", ".join(f"{w:.1f}" for w in walls) or "no passing run"
        median = f"{statistics.median(walls):.1f} s" if walls else "-"
        cores = f"{statistics.median(busy[label]):.2f}" if walls else "-"
        print(f"{label:<16} median {median:>9}  (runs: {shown}); cores busy (mean): {cores}")
    serial, parallel = (times[k] for k in cases)
    if serial and parallel:
        ratio = statistics.median(serial) / statistics.median(parallel)
        verdict = "met" if ratio >= AIM else "NOT met"
        print(f"speed-up serial / -n {args.workers}: {ratio:.2f}x (aim >= {AIM}x: {verdict})")
    load = ", ".join(f"{x:.2f}" for x in before) + " before; "
    load += ", ".join(f"{x:.2f}" for x in after) + " after"
    print(f"load average (1, 5, 15 min): {load}; CPUs: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
