"""Benchmark how fast hostile submissions are refused (issue 20: "in under 5 s, a message under
4 KB, exit 1"), against a valid submission added in the same run (the baseline).

Run from the repository root::

    .venv/bin/python benchmarks/hostile.py            # every case once
    .venv/bin/python benchmarks/hostile.py --repeat 3 # the median of 3

Each case is a fresh `evreg add-study FILE.yaml` process (imports included) on a copy of the
synthetic package (tests/fixtures/synthetic.py, fictional data); the hostile inputs are those
the tests use (tests/fixtures/hostile.py). Printed per case: exit status, seconds, seconds over
the valid submission's, bytes written to stderr, and whether any file of the package changed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fixtures.hostile import HOSTILE_YAML  # noqa: E402
from fixtures.living_repo import EXAMPLE_ESTIMATES, EXAMPLE_STUDY, submission_yaml  # noqa: E402
from fixtures.synthetic import write_package  # noqa: E402

EVREG = str(Path(sys.executable).with_name("evreg"))


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


def _run(text: str, tmp: Path) -> tuple[int, float, int, bool]:
    """(exit status, seconds, stderr bytes, package changed) of one add-study process."""
    pkg = tmp / "pkg"
    shutil.rmtree(pkg, ignore_errors=True)
    write_package(pkg)
    path = tmp / "submission.yaml"
    path.write_text(text, encoding="utf-8")
    before = _digest(pkg)
    start = time.perf_counter()
    proc = subprocess.run(
        [EVREG, "add-study", str(path), "--package", str(pkg / "datapackage.json")],
        capture_output=True,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    return proc.returncode, seconds, len(proc.stderr), _digest(pkg) != before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    cases = {"valid (baseline)": submission_yaml(EXAMPLE_STUDY, EXAMPLE_ESTIMATES)}
    cases |= {name: text for name, (text, _) in sorted(HOSTILE_YAML.items())}
    with tempfile.TemporaryDirectory(prefix="evreg-hostile-") as tmp:
        results = {}
        for name, text in cases.items():
            runs = [_run(text, Path(tmp)) for _ in range(args.repeat)]
            seconds = statistics.median(r[1] for r in runs)
            results[name] = (runs[0][0], seconds, max(r[2] for r in runs), any(r[3] for r in runs))
    base = results["valid (baseline)"][1]
    print(f"load average {os.getloadavg()[0]:.1f}; aim: refused (exit 1) in < 5 s, < 4,096 bytes")
    print(f"{'case':<22} {'exit':>4} {'seconds':>8} {'/valid':>7} {'stderr B':>9} changed")
    for name, (code, seconds, size, changed) in results.items():
        print(f"{name:<22} {code:>4} {seconds:>8.2f} {seconds / base:>7.2f} {size:>9,} {changed}")


if __name__ == "__main__":
    main()
