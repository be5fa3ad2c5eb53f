"""Git access for the living commands: resolve a ref, extract the package as it is at a commit.

Only ``git rev-parse``, ``ls-tree`` and ``cat-file`` are run (nothing is checked out or
written in the repository); a failure becomes a clear EvregError, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evreg.data.history import git, normalise_version, release_commit, releases
from evreg.data.versions import version_key
from evreg.errors import EvregError

PACKAGE_PARTS = ("datapackage.json", "schemas", "data")


def _git(args: Sequence[str], cwd: Path, binary: bool = False) -> Any:
    return git(args, cwd, binary)


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


def resolve_release(ref: str, package: Path) -> str:
    """The commit of ``ref``: a data version (``1.0.0`` or ``v1.0.0``) is the commit that
    released it, found in the package's own history (no tag needed; the history decides);
    anything else is a git ref."""
    root = package.resolve().parent
    version = normalise_version(ref)
    if version_key(version) is None:
        return resolve_ref(ref, root)
    record = release_commit(root, version)
    if record is not None:
        return record.commit
    try:
        return resolve_ref(ref, root)  # e.g. a tag in a shallow clone
    except EvregError:
        known = ", ".join(r.version for r in releases(root)) or "none"
        raise EvregError(
            f"no commit in the history of {package.name} sets version {version} "
            f"(versions found: {known}; a shallow clone needs `git fetch --unshallow`)"
        ) from None


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
