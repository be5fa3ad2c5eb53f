"""Data versions read from the package's own git history: which commit released each version,
and whether the data at hand are exactly a release.

A release is the commit that set ``version`` in ``datapackage.json`` (the oldest commit whose
descriptor names it), so releases are found in any clone or fork, tags or not. The data at
hand *differ* from their release when any package file — the descriptor, every Table Schema
and every CSV it names — is not byte for byte (as ``git add`` would store it) the file at the
release commit; uncommitted changes to those files count too. Only git's plumbing is run
(``rev-parse``, ``log``, ``ls-tree``, ``cat-file``, ``hash-object``); nothing is written.
Outside a git repository the status is unknown and the version is shown as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evreg.data.versions import version_key
from evreg.errors import EvregError

SHORT_SHA = 7  # a fixed length: the same commit gives the same text in every clone


def git(args: Sequence[str], cwd: Path, binary: bool = False, stdin: bytes | None = None) -> Any:
    """Run ``git ARGS`` in ``cwd``; its stdout (text, stripped, unless ``binary``). A failure
    is a one-line EvregError, never a traceback."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False, env=env
        )
    except FileNotFoundError as exc:
        raise EvregError("git is not installed") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EvregError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return proc.stdout if binary else proc.stdout.decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class Repo:
    """Where a package sits in its git repository: the top folder and the package's prefix."""

    top: Path
    prefix: str  # "" at the top, else "sub/dir/"

    def path(self, rel: str) -> str:
        return f"{self.prefix}{rel}"


def repository(root: Path) -> Repo | None:
    """The git repository holding the package folder ``root`` (None: not in one)."""
    root = root.resolve()
    try:
        top = Path(git(["rev-parse", "--show-toplevel"], root)).resolve()
    except (EvregError, OSError):
        return None
    prefix = root.relative_to(top).as_posix()
    return Repo(top, "" if prefix == "." else prefix + "/")


@dataclass(frozen=True)
class ReleaseRecord:
    """A data version and the commit that released it (``date``: its commit date, UTC)."""

    version: str
    commit: str
    date: str


def _day(epoch: str) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()


def releases(root: Path, descriptor: str = "datapackage.json") -> tuple[ReleaseRecord, ...]:
    """Every version the package's history names, oldest first, each with the commit that set
    it (the oldest commit whose descriptor names the version)."""
    repo = repository(root)
    if repo is None:
        return ()
    path = repo.path(descriptor)
    try:
        log = git(["log", "--topo-order", "--reverse", "--format=%H %ct", "--", path], repo.top)
    except EvregError:
        return ()  # no commit yet
    commits = [line.split() for line in log.splitlines() if line.strip()]
    if not commits:
        return ()
    batch = "".join(f"{sha}:{path}\n" for sha, _ in commits).encode()
    blobs = _batch_contents(git(["cat-file", "--batch"], repo.top, True, batch))
    out: dict[str, ReleaseRecord] = {}
    cut = _shallow_boundary(repo)
    for (sha, epoch), blob in zip(commits, blobs, strict=True):
        version = _version_of(blob)
        if version and version not in out:
            out[version] = ReleaseRecord(version, sha, _day(epoch))
    # In a shallow clone the oldest commit at hand may not be the one that set its version:
    # such a release is not known (the data are then shown as unreleased, never wrongly as a
    # release); fetch the whole history (fetch-depth: 0) to know.
    return tuple(r for r in out.values() if r.commit not in cut)


def _shallow_boundary(repo: Repo) -> set[str]:
    """The commits a shallow clone was cut at (their parents are missing); empty if whole."""
    try:
        path = git(["rev-parse", "--git-path", "shallow"], repo.top)
    except EvregError:
        return set()
    shallow = Path(path) if Path(path).is_absolute() else repo.top / path
    try:
        return set(shallow.read_text(encoding="ascii").split())
    except OSError:
        return set()


def _batch_contents(data: bytes) -> list[bytes | None]:
    """The objects of ``git cat-file --batch`` output in order (None: missing)."""
    out: list[bytes | None] = []
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        if header[-1] == b"missing":
            out.append(None)
            pos = end + 1
            continue
        size = int(header[2])
        out.append(data[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return out


def _version_of(blob: bytes | None) -> str:
    try:
        value = json.loads(blob or b"").get("version")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def normalise_version(text: str) -> str:
    """``v1.0.0`` and ``1.0.0`` name the same data version."""
    return text[1:] if text[:1] in "vV" and text[1:2].isdigit() else text


def release_commit(root: Path, version: str) -> ReleaseRecord | None:
    """The commit that released ``version`` (``v1.0.0`` or ``1.0.0``), None if none did."""
    wanted = normalise_version(version)
    return next((r for r in releases(root) if r.version == wanted), None)


def package_files(descriptor: dict) -> list[str]:
    """Package-relative paths of datapackage.json, every schema file and every CSV, sorted."""
    names = {"datapackage.json"}
    for res in descriptor.get("resources") or ():
        for key in ("schema", "path"):
            if isinstance(res, dict) and isinstance(res.get(key), str):
                names.add(res[key])
    return sorted(names)


@dataclass(frozen=True)
class Unreleased:
    """Data that differ from the release their descriptor names: changes since ``since``, as
    of ``commit`` (short sha) of ``date``; ``uncommitted``: the files differ from that commit
    too."""

    since: str
    commit: str
    date: str
    uncommitted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def where(self) -> str:
        """``commit abc1234 of 2026-12-07`` (``plus uncommitted changes`` when so)."""
        text = f"commit {self.commit} of {self.date}"
        return text + (" plus uncommitted changes" if self.uncommitted else "")


def _blob_ids(repo: Repo, commit: str, files: Sequence[str]) -> dict[str, str]:
    listed = git(["ls-tree", "-r", "-z", commit, "--", *(repo.path(f) for f in files)], repo.top)
    out = {}
    for entry in listed.split("\0"):
        if "\t" in entry:
            meta, name = entry.split("\t", 1)
            out[name[len(repo.prefix) :]] = meta.split()[2]
    return out


def _work_ids(repo: Repo, root: Path, files: Sequence[str]) -> dict[str, str]:
    present = [f for f in files if (root / f).is_file()]
    if not present:
        return {}
    ids = git(["hash-object", "--", *(str(root / f) for f in present)], repo.top).split()
    return dict(zip(present, ids, strict=True))


def unreleased(root: Path, descriptor: dict) -> Unreleased | None:
    """How the package at ``root`` differs from the release its descriptor's ``version``
    names (module docstring); None when its files are exactly that release's, or outside git."""
    repo = repository(root)
    if repo is None:
        return None
    try:
        head = git(["log", "-1", "--format=%H %ct", "HEAD"], repo.top).split()
    except EvregError:
        return None  # no commit yet
    version = str(descriptor.get("version") or "")
    files = package_files(descriptor)
    work = _work_ids(repo, root, files)
    record = release_commit(root, version)
    if record is not None and _blob_ids(repo, record.commit, files) == work:
        return None
    since = version if record is not None else _previous(root, version)
    dirty = _blob_ids(repo, head[0], files) != work
    return Unreleased(since, head[0][:SHORT_SHA], _day(head[1]), dirty)


def _previous(root: Path, version: str) -> str:
    """The newest release older than ``version`` (a version no commit set yet), else itself."""
    key = version_key(version)
    older = [r.version for r in releases(root) if key and (version_key(r.version) or key) < key]
    return max(older, key=lambda v: version_key(v) or (0, 0, 0)) if older else version


def shown_version(version: str, status: Unreleased | None) -> str:
    """The data version in words, saying when the data are not exactly that release."""
    if status is None:
        return f"Data version {version}"
    return f"Unreleased data: changes since data version {status.since} ({status.where})"


def version_slug(version: str, status: Unreleased | None) -> str:
    """The version in file names: ``1.0.0``, or ``1.0.0-unreleased-abc1234`` (``-modified``)."""
    if status is None:
        return version
    slug = f"{status.since}-unreleased-{status.commit}"
    return slug + ("-modified" if status.uncommitted else "")
