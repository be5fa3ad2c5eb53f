"""The contributor guide's worked example, run for real (never pinned by hand).

    .venv/bin/python .ci/contributing.py --example   # print the guide's example YAML
    .venv/bin/python .ci/contributing.py --write     # rewrite the guide's generated blocks
    .venv/bin/python .ci/contributing.py --check     # exit 1 if they differ from a real run

The outputs are what ``evreg add-study`` prints when run on a temporary copy of this
repository's package from which the example study's rows (if any) are removed: the registry as
it is before the contribution. The blocks of .github/CONTRIBUTING.md sit between
``<!-- BEGIN .ci/contributing.py: NAME -->`` and ``<!-- END .ci/contributing.py: NAME -->``.
``.ci/simulate-contribution`` adds the example to a clone with ``--example``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / ".github" / "CONTRIBUTING.md"
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)
BLOCK = re.compile(
    r"(<!-- BEGIN \.ci/contributing\.py: (?P<name>[a-z]+) -->\n```text\n)(?P<body>.*?)"
    r"(```\n<!-- END \.ci/contributing\.py: (?P=name) -->)",
    re.DOTALL,
)
SHOWN_PATH = "../smith-2026.yaml"  # the file name the guide tells people to use


def example_yaml(guide: str) -> str:
    """The guide's one ```yaml block: the fictional example study."""
    blocks = YAML_BLOCK.findall(guide)
    if len(blocks) != 1:
        raise SystemExit(f"{GUIDE}: expected exactly one ```yaml block, found {len(blocks)}")
    return blocks[0]


def _study_id(example: str) -> str:
    match = re.search(r"^\s+study_id:\s*(\S+)\s*$", example, re.MULTILINE)
    if not match:
        raise SystemExit(f"{GUIDE}: the example has no study_id")
    return match.group(1)


def _without_study(data: bytes, study_id: str) -> bytes:
    """A CSV without the rows of ``study_id`` (every other byte kept)."""
    from evreg.living.files import records

    lines = data.decode("utf-8").splitlines(keepends=True)
    for first, end, row in reversed(records(data)):
        if row.get("study_id") == study_id:
            del lines[first - 1 : end - 1]
    return "".join(lines).encode("utf-8")


def _package_before(root: Path, dest: Path, study_id: str) -> Path:
    """A copy of the package as it is before the example's contribution."""
    pkg = dest / "pkg"
    pkg.mkdir()
    shutil.copy2(root / "datapackage.json", pkg / "datapackage.json")
    for folder in ("schemas", "data"):
        shutil.copytree(root / folder, pkg / folder)
    for name in ("studies.csv", "estimates.csv"):
        path = pkg / "data" / name
        path.write_bytes(_without_study(path.read_bytes(), study_id))
    return pkg


def _run(pkg: Path, yaml_text: str) -> str:
    """``evreg add-study ../smith-2026.yaml`` in the package: what it prints (stderr first,
    as a terminal shows it: problems and warnings, then the result)."""
    (pkg.parent / "smith-2026.yaml").write_text(yaml_text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "evreg.cli", "add-study", SHOWN_PATH],
        cwd=pkg,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stderr + proc.stdout


def refused_yaml(example: str) -> str:
    """The example with two mistakes: a negative hazard ratio, and the review's N."""
    text = example.replace("hr: 1.62", "hr: -1.62", 1)
    return text.replace("  n_confirmed: 120\n", "  n: 120\n  n_confirmed: 120\n", 1)


def outputs(root: Path = ROOT) -> dict[str, str]:
    """The generated blocks, by name, from real runs of ``evreg add-study``."""
    example = example_yaml((root / ".github" / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    study_id = _study_id(example)
    out = {}
    for name, text in (("added", example), ("refused", refused_yaml(example))):
        with tempfile.TemporaryDirectory(prefix="evreg-contributing-") as tmp:
            out[name] = _run(_package_before(root, Path(tmp), study_id), text)
    return out


def blocks(guide: str) -> dict[str, str]:
    """The generated blocks as the guide holds them, by name."""
    return {m.group("name"): m.group("body") for m in BLOCK.finditer(guide)}


def render(guide: str, generated: dict[str, str]) -> str:
    """The guide with each generated block replaced by a real run's output."""

    def replace(m: re.Match) -> str:
        return m.group(1) + generated[m.group("name")] + m.group(4)

    return BLOCK.sub(replace, guide)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--example", action="store_true", help="print the example YAML")
    mode.add_argument("--write", action="store_true", help="rewrite the generated blocks")
    mode.add_argument("--check", action="store_true", help="exit 1 if they are out of date")
    args = parser.parse_args(argv)
    guide = GUIDE.read_text(encoding="utf-8")
    if args.example:
        sys.stdout.write(example_yaml(guide))
        return 0
    new = render(guide, outputs())
    if args.write:
        GUIDE.write_text(new, encoding="utf-8")
        return 0
    if new != guide:
        print(f"{GUIDE}: generated blocks are out of date; run .ci/contributing.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
