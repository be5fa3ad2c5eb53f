"""Helpers for the living-update tests: a temporary git repository holding a copy of the
shipped package, a filled-in add-study template, and byte snapshots of every file."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from evreg import cli, living

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FILES = ("datapackage.json", "schemas", "data", "CHANGELOG.md")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "evreg tests",
    "GIT_AUTHOR_EMAIL": "tests@example.org",
    "GIT_COMMITTER_NAME": "evreg tests",
    "GIT_COMMITTER_EMAIL": "tests@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}

# A clearly fictional study: it exists only in temporary repositories made by the tests.
EXAMPLE_STUDY = {
    "study_id": "example-2026",
    "first_author": "Example A",
    "year": "2026",
    "title": "A fictional cohort used only by the evreg tests",
    "country": "Nowhere",
    "n": "120",
    "design": "retrospective cohort study",
    "biomarker": "SII",
    "treatment": "atezolizumab + bevacizumab",
    "hbv_all_patients": "true",
    "local_treatment": "false",
    "source_checked": "full text",
    "source_url": "https://example.org/fictional-study",
    "notes": "Fictional study for the tests.",
}
EXAMPLE_ESTIMATES = [
    {
        "biomarker": "SII",
        "outcome": "PFS",
        "exposure": "SII above 500 (ROC cut-off), before the first ICI dose",
        "comparison": "high_vs_low",
        "timepoint": "baseline",
        "model": "multivariable",
        "cohort": "whole",
        "hr": "1.62",
        "ci_lower": "1.10",
        "ci_upper": "2.38",
        "ci_level": "0.95",
        "p_as_printed": '"0.014"',
        "status": "extracted",
        "source_url": "https://example.org/fictional-study",
        "source_location": "Table 3, multivariable Cox model",
        "extraction_check": "two extractors agree",
    },
    {
        "biomarker": "SII",
        "outcome": "OS",
        "exposure": "SII above 500 (ROC cut-off), before the first ICI dose",
        "comparison": "low_vs_high",
        "timepoint": "baseline",
        "model": "multivariable",
        "cohort": "whole",
        "hr": "0.48",
        "ci_lower": "0.30",
        "ci_upper": "0.77",
        "ci_level": "0.95",
        "p_as_printed": '"0.002"',
        "status": "extracted",
        "source_url": "https://example.org/fictional-study",
        "source_location": "Table 4",
        "extraction_check": "two extractors agree",
    },
]


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def make_repo(dest: Path, tag: str | None = "v1.0.0") -> Path:
    """A git repository with a copy of the shipped package, committed (and tagged)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PACKAGE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copy2(src, dest / name)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "package 1.0.0")
    if tag:
        git(dest, "tag", tag)
    return dest


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (the .git directory included)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_cli(args: Sequence[str], cwd: Path, capsys) -> tuple[int, str, str]:
    """Run ``evreg ARGS`` in-process from ``cwd``; (exit code, stdout, stderr)."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = cli.main(list(args))
    finally:
        os.chdir(old)
    out = capsys.readouterr()
    return code, out.out, out.err


def fill_template(
    template: str, study: Mapping[str, str], estimates: Sequence[Mapping[str, str]]
) -> str:
    """Fill the text of ``evreg add-study --template`` the way a person would: write values
    after the keys of the study block, and copy the estimate block once per estimate."""
    head, block = template.split("\nestimates:\n", 1)
    lines = []
    for line in head.splitlines():
        m = re.match(r"^  (\w+):", line)
        lines.append(f"  {m.group(1)}: {study[m.group(1)]}" if m and m.group(1) in study else line)
    out = "\n".join(lines) + "\nestimates:\n"
    for est in estimates:
        filled = []
        for line in block.splitlines():
            m = re.match(r"^(  - |    )(\w+):", line)
            if m and m.group(2) in est:
                line = f"{m.group(1)}{m.group(2)}: {est[m.group(2)]}"
            filled.append(line)
        out += "\n".join(filled) + "\n"
    return out


def _yaml(study: dict, estimates: list[dict]) -> str:
    def block(d: dict, indent: str, first: str) -> str:
        return "".join(
            f"{first if i == 0 else indent}{k}: {v}\n" for i, (k, v) in enumerate(d.items())
        )

    return (
        "study:\n"
        + block(study, "  ", "  ")
        + "estimates:\n"
        + "".join(block(e, "    ", "  - ") for e in estimates)
    )


def add_example(repo: Path, study: dict | None = None, estimates: list | None = None) -> None:
    path = repo.parent / "example.yaml"
    path.write_text(
        _yaml({**EXAMPLE_STUDY, **(study or {})}, estimates or EXAMPLE_ESTIMATES), encoding="utf-8"
    )
    result = living.add_study(repo / "datapackage.json", path)
    assert result.added, result.errors
