"""Data versions: MAJOR.MINOR.PATCH (Semantic Versioning 2.0.0), bumped and compared."""

from __future__ import annotations

import re

from evreg.data.text import clip
from evreg.errors import EvregError

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def version_key(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version, None if it is not MAJOR.MINOR.PATCH."""
    match = _SEMVER.match(version or "")
    return tuple(int(x) for x in match.groups()) if match else None  # type: ignore[return-value]


def bump_version(version: str, part: str) -> str:
    """Semantic version bump: major resets minor and patch, minor resets patch."""
    key = version_key(version)
    if key is None:
        raise EvregError(f"datapackage.json:version: {clip(version)} is not MAJOR.MINOR.PATCH")
    major, minor, patch = key
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise EvregError(f"unknown version part {part!r} (major, minor, patch)")
