"""Benchmark `evreg build`: cold against warm, and against a bare `mkdocs build` of its pages.

Run from the repository root::

    .venv/bin/python benchmarks/build.py                 # shipped, example, 100, 1000, 5000
    .venv/bin/python benchmarks/build.py --sizes 100 1000 --repeat 3

For each registry (the shipped package, the example (hackshaw1998) and synthetic registries of
100, 1,000 and 5,000 studies, tests/fixtures/registry.py) fresh processes run the build as
`evreg build` does (validate, analysis plan, pages and charts, MkDocs, zip of the site):

* cold: an empty chart cache (every fresh CI runner, every first build): every spec built with
  Altair and rendered to SVG by vl-convert in worker processes;
* warm: the same build again with the cache the cold build filled;
* bare: `mkdocs build` of the very docs directory and config evreg generated (the baseline).

Each is repeated (``--repeat``, the median is printed) and the cases alternate, so machine load
affects all alike; the load average is printed with the table. Printed per registry: pages;
cold and warm seconds (wall time of the whole process, imports included) and cold/warm;
evreg's own time (everything but its MkDocs step) over the bare MkDocs build's time; peak
memory of the build process, and of it with its chart workers; the largest page. The aims of
issue 14 are printed beside the numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fixtures.registry import large_package  # noqa: E402

PYTHON = sys.executable
MB = 1_000_000

# One build as `evreg build` runs it (evreg.site.output.build_to without the swap), timing its
# phases through the progress callback and keeping the docs for the bare MkDocs build. With
# `python -c`, workers have no main module to import again; the guard is there all the same.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from evreg.data.package import load_package
from evreg.review.plan import run_plan
from evreg.site.build import build_site
from evreg.site.pages import BuildOptions
from evreg.site.output import chart_pool, validation_findings
pkg_path, work, cache = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
marks = [("start", t0)]
progress = lambda what: marks.append((what, time.perf_counter()))
if __name__ == "__main__":  # chart workers import the main module again
    pool = chart_pool(cache)
    progress("validating")
    errors, _ = validation_findings(pkg_path)
    assert not errors, errors[:5]
    package = load_package(pkg_path)
    progress("analysis plan")
    results = run_plan(package)
    build_site(package, results, work / "site", work, BuildOptions(progress, cache, pool))
    pool.close()
    progress("end")
at = dict(marks)
print(json.dumps({
    "total": at["end"] - t0,
    "mkdocs": at["zip of the site"] - at["mkdocs build"],
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

BARE = r"""
import sys, time, json
t = time.perf_counter()
from mkdocs import config as c
from mkdocs.commands import build as b
b.build(c.load_config(config_file=sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


PAGE = os.sysconf("SC_PAGE_SIZE")


def study_count(package: Path) -> int:
    """Rows of the package's studies resource (read from the data, never assumed)."""
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    path = next(r["path"] for r in descriptor["resources"] if r.get("name") == "studies")
    with (package.parent / path).open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def _tree_rss(root: int) -> int:
    """Resident bytes of process ``root`` and all its descendants (from /proc)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        for child, ppid in parent.items():
            if ppid == pid and child not in tree:
                tree.add(child)
                todo.append(child)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total


def _run(args: list[str], env: dict[str, str]) -> tuple[float, dict]:
    """Run a child, sampling the memory of its process tree (workers included) 5 times a
    second in a thread; its wall time (taken when it exits, not at a sample) and its JSON
    output with "tree_mb" (the peak) added."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    done = threading.Event()
    peak = [0]

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{args[2][:40]!r} failed:\n{stderr.decode()[-3000:]}")
    out = json.loads(stdout.decode().strip().splitlines()[-1])
    return wall, {**out, "tree_mb": peak[0] / 2**20}


def build_once(package: Path, work: Path, cache: Path) -> dict:
    """One build in a fresh process; returns its wall time, phases and peak memory."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "EVREG_CACHE_DIR": str(cache)}
    env.pop("SOURCE_DATE_EPOCH", None)
    wall, out = _run([PYTHON, "-c", CHILD, str(package), str(work), str(cache)], env)
    pages = list((work / "site").rglob("*.html"))
    biggest = max(pages, key=lambda p: p.stat().st_size)
    return {
        **out,
        "wall": wall,
        "pages": len(pages),
        "largest": biggest.stat().st_size,
        "largest_page": str(biggest.relative_to(work / "site")),
    }


def bare_mkdocs(work: Path) -> float:
    """Wall time of a bare `mkdocs build` of the docs and config the last build left."""
    shutil.rmtree(work / "site", ignore_errors=True)
    env = {"SOURCE_DATE_EPOCH": "0", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    wall, _ = _run([PYTHON, "-c", BARE, str(work / "mkdocs.yml")], env)
    return wall


def measure(label: str, package: Path, tmp: Path, repeat: int) -> dict:
    """cold, warm and bare builds of one registry, ``repeat`` times each, interleaved."""
    cold, warm, bare = [], [], []
    for i in range(repeat):
        cache = tmp / f"cache-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        print(f"... {label}: cold {i + 1}/{repeat}", file=sys.stderr, flush=True)
        cold.append(build_once(package, tmp / "work", cache))
        print(f"... {label}: warm {i + 1}/{repeat}", file=sys.stderr, flush=True)
        warm.append(build_once(package, tmp / "work", cache))
        bare.append(bare_mkdocs(tmp / "work"))
        shutil.rmtree(cache, ignore_errors=True)

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return {
        "label": label,
        "pages": warm[-1]["pages"],
        "cold": med(cold, "wall"),
        "warm": med(warm, "wall"),
        "bare": statistics.median(bare),
        "own_cold": statistics.median(r["total"] - r["mkdocs"] for r in cold),
        "own_warm": statistics.median(r["total"] - r["mkdocs"] for r in warm),
        "mkdocs": med(warm, "mkdocs"),
        "peak_mb": max(r["peak_mb"] for r in cold + warm),
        "tree_mb": max(r["tree_mb"] for r in cold + warm),
        "largest": max(r["largest"] for r in cold),
        "largest_page": max(cold, key=lambda r: r["largest"])["largest_page"],
    }


AIMS = {
    "shipped": ("cold <= 1.5x warm", 1.5),
    "example": ("cold <= 2x warm", 2.0),
    "synthetic 5,000": ("cold <= 2x warm, no page over 1 MB", 2.0),
}


def aim_of(label: str, row: dict) -> str:
    """The issue's aim for this registry and whether the row meets it."""
    for prefix, (text, ratio) in AIMS.items():
        if label.startswith(prefix):
            ok = row["cold"] / row["warm"] <= ratio and (
                not prefix.startswith("synthetic") or row["largest"] <= MB
            )
            return f"{text}: {'met' if ok else 'NOT met'}"
    return ""


def table(rows: list[dict]) -> str:
    """The results as a fixed-width table."""
    head = (
        f"{'registry':<24}{'pages':>7}{'cold s':>8}{'warm s':>8}{'cold/warm':>10}"
        f"{'bare s':>8}{'own/bare':>9}{'own/bare':>9}{'peak MB':>9}{'all MB':>8}"
        f"{'largest page':>13}  aim"
    )
    sub = f"{'':<24}{'':>7}{'':>8}{'':>8}{'':>10}{'':>8}{'(cold)':>9}{'(warm)':>9}"
    lines = [head, sub, "-" * (len(head) + 30)]
    for r in rows:
        lines.append(
            f"{r['label']:<24}{r['pages']:>7}{r['cold']:>8.2f}{r['warm']:>8.2f}"
            f"{r['cold'] / r['warm']:>10.2f}{r['bare']:>8.2f}{r['own_cold'] / r['bare']:>9.2f}"
            f"{r['own_warm'] / r['bare']:>9.2f}{r['peak_mb']:>9.0f}{r['tree_mb']:>8.0f}"
            f"{r['largest'] / 1e6:>10.2f} MB  {aim_of(r['label'], r)}"
        )
    return "\n".join(lines)


NOTES = """
cold: empty chart cache (specs built with Altair, SVGs rendered by vl-convert in {workers}
worker processes); warm: the same build again, charts from the cache. Wall time of a fresh
process each (imports included), median of {repeat} run(s), cold/warm/bare interleaved.
bare s: a bare `mkdocs build` of the same generated pages and config (the baseline).
own/bare: evreg's own work (validation, plan, pages and charts; everything but its MkDocs step)
over the bare MkDocs build. peak MB: largest resident set of the build process; all MB: peak of
the build process and its chart workers together (sampled 5 times a second). largest page: the
largest HTML file of the site ({largest}).
load average (1, 5, 15 min) before: {before}; after: {after}; CPUs: {cpus}."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per registry (default 3)")
    parser.add_argument(
        "--repeat-large",
        type=int,
        default=1,
        help="runs for registries of 1,000 studies or more (default 1)",
    )
    parser.add_argument(
        "--no-real", action="store_true", help="skip the shipped and example packages"
    )
    args = parser.parse_args(argv)
    before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="evreg-bench-") as tmp:
        tmp_path = Path(tmp)
        cases = []
        if not args.no_real:
            shipped = ROOT / "datapackage.json"
            example = ROOT / "examples" / "hackshaw1998" / "datapackage.json"
            cases += [
                (f"shipped ({study_count(shipped)} studies)", shipped, args.repeat),
                (f"example ({study_count(example)} studies)", example, args.repeat),
            ]
        for n in args.sizes:
            package = large_package(n, tmp_path / f"pkg{n}")
            runs = args.repeat if n < 1000 else args.repeat_large
            cases.append((f"synthetic {n:,} studies", package, runs))
        for i, (label, package, runs) in enumerate(cases):
            rows.append(measure(label, package, tmp_path / f"case{i}", runs))
    after = os.getloadavg()
    print(table(rows))
    from evreg.site.chartjobs import default_workers

    largest = max(rows, key=lambda r: r["largest"])
    print(
        NOTES.format(
            workers=default_workers(),
            repeat=f"{args.repeat} (1,000+ studies: {args.repeat_large})",
            largest=f"{largest['largest_page']} of the {largest['label']} registry",
            before=", ".join(f"{x:.2f}" for x in before),
            after=", ".join(f"{x:.2f}" for x in after),
            cpus=os.cpu_count(),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
