"""The same data give a byte-identical site whatever the hash seed: two builds in separate
processes with different PYTHONHASHSEED values (set and dict orders of strings differ between
them, which a build in one interpreter cannot show)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.sites import tree_digest
from fixtures.synthetic import with_added_study

pytestmark = pytest.mark.slow

SEEDS = ("1", "2")


def _build(package: Path, out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "evreg.cli", "build", "--package", str(package)]
    proc = subprocess.run(
        [*command, "--out", str(out), "--quiet"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr


def test_builds_with_different_hash_seeds_are_byte_identical(tmp_path: Path) -> None:
    """The synthetic package with an added study (subgroups, certainty, added-study marks,
    downloads and the zips of the package and the site)."""
    package = with_added_study(tmp_path / "pkg") / "datapackage.json"
    digests = []
    for seed in SEEDS:
        _build(package, tmp_path / f"seed-{seed}", seed)
        digests.append(tree_digest(tmp_path / f"seed-{seed}"))
    first, second = digests
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
