"""Git access for the living commands: resolve a ref, extract the package as it is at a commit.

Only ``git rev-parse``, ``ls-tree`` and ``cat-file`` are run (nothing is checked out or
written in the repository); a failure becomes a clear EvregError, never a traceback.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evreg.errors import EvregError

PACKAGE_PARTS = ("datapackage.json", "schemas", "data")


def _git(args: Sequence[str], cwd: Path, binary: bool = False) -> Any:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise EvregError("git is not installed") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EvregError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return proc.stdout if binary else proc.stdout.decode("utf-8", "replace").strip()


def resolve_ref(ref: str, cwd: Path) -> str:
    """The commit id of ``ref``; a clear error if it is not a commit in this repository."""
    if ref.startswith("-"):
        raise EvregError(f"{ref!r} is not a git ref")
    _git(["rev-parse", "--show-toplevel"], cwd)
    try:
        return _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd
        )
    except EvregError as exc:
        raise EvregError(f"{ref!r} is not a commit in the git repository at {cwd}") from exc


def extract_package_at(commit: str, package: Path, dest: Path) -> Path | None:
    """Write datapackage.json, schemas/ and data/ as they are at ``commit`` into ``dest``.

    Returns the extracted datapackage.json, or None if the package does not exist there.
    """
    root = package.parent.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], root)).resolve()
    prefix = root.relative_to(top).as_posix()
    parts = (package.name, *PACKAGE_PARTS[1:])
    paths = [name if prefix == "." else f"{prefix}/{name}" for name in parts]
    listed = _git(["ls-tree", "-r", "-z", "--name-only", commit, "--", *paths], top, binary=True)
    names = [n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n]
    if paths[0] not in names:
        return None
    base = Path(prefix) if prefix != "." else Path()
    for name in names:
        target = dest / Path(name).relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_git(["cat-file", "blob", f"{commit}:{name}"], top, binary=True))
    return dest / package.name
