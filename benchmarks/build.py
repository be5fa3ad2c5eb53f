"""Benchmark `evreg build` against a bare `mkdocs build` of the same generated pages.

Run from the repository root::

    .venv/bin/python benchmarks/build.py                 # shipped, example, 100, 1000, 5000
    .venv/bin/python benchmarks/build.py --sizes 100 1000

For each registry (the shipped package, the 37-study example and synthetic registries of
100, 1,000 and 5,000 studies) one fresh process runs `evreg build` and reports its phases
(validate, analysis plan, page and chart generation, MkDocs) and its peak memory; then a
second fresh process runs a bare `mkdocs build` on the very docs directory and config that
evreg generated (the baseline, measured in the same run). Printed: seconds, ratio to the bare
MkDocs build, evreg's own share (everything but MkDocs) relative to MkDocs, peak RSS.
Synthetic registries use the shipped schemas and a fixed random seed; their numbers are
generated for timing only and are never written into data/.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from evreg.site.output import validation_errors
from evreg.review.plan import run_plan
from evreg.data.package import load_package
from evreg.site import build as site
pkg_path, work, cache = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
times = {}
t = time.perf_counter(); errors = validation_errors(pkg_path)
times["validate"] = time.perf_counter() - t
assert not errors, errors[:5]
t = time.perf_counter(); package = load_package(pkg_path); results = run_plan(package)
times["analyses"] = time.perf_counter() - t
with site.reproducible(package):
    t = time.perf_counter()
    nav = site.generate_docs(package, results, work / "docs", cache_dir=cache)
    config = site.write_config(package, work / "docs", work / "site", nav, work / "mkdocs.yml")
    times["pages_and_charts"] = time.perf_counter() - t
    t = time.perf_counter(); site.run_mkdocs(config); times["mkdocs"] = time.perf_counter() - t
times["total_in_process"] = time.perf_counter() - t0
times["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times["pages"] = sum(1 for _ in (work / "site").rglob("index.html"))
print(json.dumps(times))
"""

BARE = r"""
import resource, sys, time, json
t = time.perf_counter()
from mkdocs import config as c
from mkdocs.commands import build as b
b.build(c.load_config(config_file=sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({f: r.get(f, "") for f in fields})


def _fields(schema_dir: Path, name: str) -> list[str]:
    schema = json.loads((schema_dir / f"{name}.json").read_text(encoding="utf-8"))
    return [f["name"] for f in schema["fields"]]


def synthetic_package(n: int, dest: Path, seed: int = 20261130) -> Path:
    """A registry of n studies with the shipped schemas and plan: half IL-6, half SII, each
    with a PFS and an OS hazard ratio (random, for timing only)."""
    rng = random.Random(seed)
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    (dest / "data").mkdir(parents=True)
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["name"] = f"synthetic-{n}"
    descriptor["title"] = f"Synthetic registry of {n} studies (benchmark)"
    (dest / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    studies, estimates = [], []
    for i in range(n):
        marker = "IL-6" if i % 2 else "SII"
        sid = f"study{i:05d}-{2000 + i % 26}"
        studies.append(
            {
                "study_id": sid,
                "in_review": "true",
                "first_author": f"Author{i:05d} A",
                "year": 2000 + i % 26,
                "title": f"Synthetic study {i}",
                "country": "Nowhere",
                "n": 50 + i,
                "design": "retrospective cohort study",
                "biomarker": marker,
                "treatment": "ICI",
                "outcomes_used_by_review": "PFS;OS",
                "nos_score": 5 + i % 5,
                "hbv_all_patients": ("true", "false", "")[i % 3],
                "local_treatment": ("false", "true", "")[i % 3],
                "source_checked": "synthetic",
                "source_url": "https://example.org/synthetic",
            }
        )
        for outcome in ("PFS", "OS"):
            log_hr = rng.gauss(0.3, 0.3)
            se = rng.uniform(0.1, 0.6)
            hr = math.exp(log_hr)
            lo, hi = math.exp(log_hr - 1.96 * se), math.exp(log_hr + 1.96 * se)
            estimates.append(
                {
                    "estimate_id": f"{sid}-{marker.lower().replace('-', '')}-{outcome.lower()}",
                    "study_id": sid,
                    "biomarker": marker,
                    "outcome": outcome,
                    "exposure": f"{marker} above cut-off",
                    "comparison": "high_vs_low",
                    "timepoint": "baseline",
                    "model": "multivariable",
                    "cohort": "whole",
                    "hr": f"{hr:.2f}",
                    "ci_lower": f"{lo:.2f}",
                    "ci_upper": f"{hi:.2f}",
                    "ci_level": "0.95",
                    "status": "extracted",
                    "source_url": "https://example.org/synthetic",
                    "source_location": "synthetic",
                    "extraction_check": "synthetic",
                }
            )
    schema_dir = dest / "schemas"
    _write_csv(dest / "data" / "studies.csv", _fields(schema_dir, "studies"), studies)
    _write_csv(dest / "data" / "estimates.csv", _fields(schema_dir, "estimates"), estimates)
    shutil.copyfile(ROOT / "data" / "analyses.csv", dest / "data" / "analyses.csv")
    published = dest / "data" / "published_results.csv"
    _write_csv(published, _fields(schema_dir, "published_results"), [])
    _write_csv(dest / "data" / "candidates.csv", _fields(schema_dir, "candidates"), [])
    _write_csv(dest / "data" / "certainty.csv", _fields(schema_dir, "certainty"), [])
    return dest / "datapackage.json"


def _evreg(label: str, package: Path, work: Path, cache: Path) -> tuple[float, dict]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-c", CHILD, str(package), str(work), str(cache)], capture_output=True, text=True
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{label}: evreg build failed:\n{proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def run_one(label: str, package: Path, work: Path, warm: bool) -> dict:
    """One registry: evreg build with an empty chart cache (cold) or a filled one (warm)."""
    cache = work.parent / f"{work.name}-cache"
    if warm:
        _evreg(label, package, work, cache)  # fill the cache
    else:
        shutil.rmtree(cache, ignore_errors=True)
    wall, ours = _evreg(label, package, work, cache)
    shutil.rmtree(work / "site")
    t = time.perf_counter()
    bare = subprocess.run(
        [PYTHON, "-c", BARE, str(work / "mkdocs.yml")],
        capture_output=True,
        text=True,
        env={"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"},
    )
    bare_wall = time.perf_counter() - t
    if bare.returncode != 0:
        raise SystemExit(f"{label}: bare mkdocs build failed:\n{bare.stderr[-2000:]}")
    base = json.loads(bare.stdout.strip().splitlines()[-1])
    own = ours["total_in_process"] - ours["mkdocs"]
    return {
        "label": label + (" warm" if warm else " cold"),
        "wall": wall,
        "bare_wall": bare_wall,
        "bare": base["seconds"],
        "own": own,
        **ours,
        "bare_rss": base["peak_rss_mb"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000])
    parser.add_argument(
        "--no-real", action="store_true", help="skip the shipped and example packages"
    )
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="evreg-bench-") as tmp:
        tmp_path = Path(tmp)
        cases = (
            []
            if args.no_real
            else [
                ("shipped (12 studies)", ROOT / "datapackage.json"),
                ("example (37 studies)", ROOT / "examples" / "hackshaw1998" / "datapackage.json"),
            ]
        )
        for n in args.sizes:
            cases.append((f"synthetic {n:,} studies", synthetic_package(n, tmp_path / f"pkg{n}")))
        for i, (label, package) in enumerate(cases):
            print(f"... {label}", file=sys.stderr, flush=True)
            for warm in (False, True):
                rows.append(run_one(label, package, tmp_path / f"work{i}", warm))
    head = (
        f"{'registry':<30}{'pages':>7}{'evreg s':>9}{'bare mkdocs s':>15}{'ratio':>7}"
        f"{'own/mkdocs':>11}{'validate':>9}{'plan':>7}{'pages+charts':>13}{'mkdocs':>8}"
        f"{'peak MB':>9}{'bare MB':>9}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['label']:<30}{r['pages']:>7}{r['wall']:>9.2f}{r['bare_wall']:>15.2f}"
            f"{r['wall'] / r['bare_wall']:>7.2f}{r['own'] / r['mkdocs']:>11.2f}"
            f"{r['validate']:>9.2f}{r['analyses']:>7.2f}{r['pages_and_charts']:>13.2f}"
            f"{r['mkdocs']:>8.2f}{r['peak_rss_mb']:>9.0f}{r['bare_rss']:>9.0f}"
        )
    print("\ncold: empty chart cache (every spec built with Altair, rendered to SVG and PNG by")
    print("vl-convert); warm: second build, charts and Vega bundle from the cache.")
    print("evreg s / bare mkdocs s: wall time of each fresh process (imports included).")
    print("own/mkdocs: evreg's own work (validate + plan + pages and charts) over its MkDocs step.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
