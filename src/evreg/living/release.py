"""Release a data version: bump ``version`` and ``created``, write the CHANGELOG entry.

MAJOR is a new literature search (only on request), MINOR added data or a changed result,
PATCH a correction that changes no result (refused otherwise); rows added since the previous
release that name another version (``added_in_version``, ``identified_in_version``) are set to
the version released; the entry carries the results diff against the previous release
(:mod:`evreg.living.diff`, rendered by :mod:`evreg.living.report`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evreg.data.history import normalise_version
from evreg.data.template import load_descriptor, resource
from evreg.data.versions import bump_version, version_key
from evreg.errors import EvregError
from evreg.living import diff as living_diff
from evreg.living import report
from evreg.living.files import csv_style, read_bytes, records, replace_atomically, replace_record
from evreg.living.journal import recover

__all__ = ["Release", "bump_version", "release", "release_part", "set_descriptor_fields"]

CHANGELOG_HEADER = (
    "# What's new\n\n"
    "Every release of the data package, newest first, with what changed in the data and in the\n"
    "results. Versions follow MAJOR.MINOR.PATCH: a new literature search is **major**, added or\n"
    "changed data is **minor**, a correction that changes no result is **patch**.\n"
)

# --------------------------------------------------------------------------- versions


def release_part(
    requested: str, data_rows_added: bool, data_changed: bool, results_changed: bool
) -> str:
    """Which part to bump: MAJOR new search (only on request), MINOR added/changed data that
    adds rows or changes a result, PATCH a correction that changes no result."""
    if requested == "major":
        return "major"
    if not data_changed and not results_changed:
        raise EvregError("nothing changed in the data since the previous release")
    needs_minor = data_rows_added or results_changed
    if requested == "patch" and needs_minor:
        why = "results change" if results_changed else "rows or fields were added or removed"
        raise EvregError(f"a patch must change no result and add no data, but {why}: use minor")
    if requested == "auto":
        return "minor" if needs_minor else "patch"
    return requested


def set_descriptor_fields(text: str, updates: Mapping[str, str]) -> str:
    """Change top-level string fields of datapackage.json text, keeping its formatting.

    Each ``"key": "old"`` occurrence is tried in turn; the one whose replacement changes only
    that top-level key is kept. Falls back to re-serialising with the file's indentation.
    """
    expected = json.loads(text)
    for key, value in updates.items():
        target = dict(expected, **{key: value})
        pattern = re.compile(r'("' + re.escape(key) + r'"\s*:\s*)"((?:[^"\\]|\\.)*)"')
        for match in pattern.finditer(text):
            candidate = text[: match.start()] + match.group(1) + json.dumps(value)
            candidate += text[match.end() :]
            if json.loads(candidate) == target:
                text = candidate
                break
        else:
            indent = _json_indent(text)
            text = json.dumps(target, indent=indent, ensure_ascii=False) + "\n"
        expected = target
    return text


def _json_indent(text: str) -> int:
    match = re.search(r"\n( +)\"", text)
    return len(match.group(1)) if match else 2


def changelog_entry(
    version: str, date: str, part: str, since: str, body: str, note: str = ""
) -> str:
    """One CHANGELOG.md entry: heading, what kind of release, the maintainer's note (escaped:
    it is shown on the site), then the results diff."""
    kinds = {
        "major": "Major release: a new literature search.",
        "minor": "Minor release: added or changed data.",
        "patch": "Patch release: a correction that changes no result.",
    }
    said = f"{report.md_escape(' '.join(note.split()), limit=2000)}\n\n" if note.strip() else ""
    return f"## {version} — {date}\n\n{kinds[part]}\n\n{said}{body.strip()}\n"


def insert_changelog_entry(existing: str | None, entry: str) -> str:
    """Put ``entry`` above the newest entry (after the file's header), creating it if needed."""
    if not existing or not existing.strip():
        return CHANGELOG_HEADER + "\n" + entry
    match = re.search(r"^## ", existing, flags=re.MULTILINE)
    if match is None:
        return existing.rstrip("\n") + "\n\n" + entry
    head, tail = existing[: match.start()], existing[match.start() :]
    return head + entry + "\n" + tail


# --------------------------------------------------------------------------- release


@dataclass(frozen=True)
class Release:
    """What ``release`` did (or would do with ``write=False``)."""

    version: str
    previous: str
    part: str
    since: str
    date: str
    entry: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _release_date(date: str | None) -> str:
    import datetime

    if date is None:
        return datetime.datetime.now(datetime.UTC).date().isoformat()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise ValueError
        datetime.date.fromisoformat(date)
    except ValueError as exc:
        raise EvregError(f"--date: {date!r} is not a date YYYY-MM-DD") from exc
    return date


def release(
    package: Path,
    requested: str = "auto",
    *,
    date: str | None = None,
    since: str | None = None,
    changelog: Path | None = None,
    write: bool = True,
    note: str = "",
) -> Release:
    """Bump the package version by the kind of change since the previous release, and write
    the CHANGELOG.md entry with the diff of results (Semantic Versioning 2.0.0)."""

    recover(package.parent)  # an interrupted add-study or release is finished first
    text = read_bytes(package).decode("utf-8")
    descriptor = load_descriptor(package)
    current = str(descriptor.get("version") or "")
    bump_version(current, "patch")  # checks the format before any git work
    day = _release_date(date)
    since = since or current  # the commit that set it, from the package's own history
    if version_key(normalise_version(since)):
        since = normalise_version(since)  # v1.0.0 and 1.0.0 are the same data version
    diff = living_diff.diff_against_ref(since, package)
    if diff.errors:
        raise EvregError(f"{package}: the package has validation errors; run `evreg validate`")
    grows = diff.rows_added_or_removed or bool(diff.structure)  # new fields: not a patch
    part = release_part(requested, grows, diff.data_changed, diff.results_changed)
    version = bump_version(current, part)
    import dataclasses

    shown = dataclasses.replace(diff, version_after=version)
    title = f"data version {since}" if version_key(since) else since
    body = report.render_markdown(shown, level=3, title=f"Changes since {title}")
    entry = changelog_entry(version, day, part, since, body, note)
    result = Release(version, current, part, since, day, entry)
    if write:
        _write_release(
            package, text, descriptor, result, changelog or package.parent / "CHANGELOG.md"
        )
    return result


def set_citation_fields(text: str, version: str, date: str) -> str:
    """CITATION.cff with its top-level ``version`` and ``date-released`` set (every other
    byte kept)."""
    text = re.sub(r"(?m)^version:.*$", f"version: {version}", text, count=1)
    return re.sub(r"(?m)^date-released:.*$", f'date-released: "{date}"', text, count=1)


def _write_release(
    package: Path, text: str, descriptor: Mapping[str, Any], result: Release, changelog: Path
) -> None:
    updates = {"version": result.version}
    created = descriptor.get("created")
    if isinstance(created, str):
        updates["created"] = f"{result.date}T00:00:00Z" if "T" in created else result.date
    old_log = changelog.read_bytes() if changelog.exists() else None
    new_log = insert_changelog_entry(old_log.decode("utf-8") if old_log else None, result.entry)
    changes = {
        package: set_descriptor_fields(text, updates).encode("utf-8"),
        changelog: new_log.encode("utf-8"),
    }
    originals: dict[Path, bytes | None] = {package: text.encode("utf-8"), changelog: old_log}
    citation = package.parent / "CITATION.cff"  # GitHub and Zenodo read it: same version
    if citation.exists():
        old = citation.read_bytes()
        new = set_citation_fields(old.decode("utf-8"), result.version, result.date)
        changes[citation], originals[citation] = new.encode("utf-8"), old
    for path, (old, new) in version_cells(package, descriptor, result).items():
        changes[path], originals[path] = new, old
    replace_atomically(changes, originals, package.parent)


# Cells naming the data version that first includes a row (evreg add-study writes the next
# minor version; a release of another kind corrects them to the version released).
VERSION_CELLS = (("studies", "added_in_version"), ("candidates", "identified_in_version"))


def version_cells(
    package: Path, descriptor: Mapping[str, Any], result: Release
) -> dict[Path, tuple[bytes, bytes]]:
    """(old, new) bytes of each CSV whose rows name an unreleased version (newer than the
    previous release) other than the one being released; only those cells change."""
    previous, released = version_key(result.previous), version_key(result.version)
    out = {}
    for name, column in VERSION_CELLS:
        path = package.parent / str(resource(descriptor, name, package).get("path"))
        if not path.is_file():
            continue
        data = new = read_bytes(path)
        style = csv_style(data, path)
        for first, end, row in reversed(records(data)):
            named = version_key(row.get(column, ""))
            if named and previous and named > previous and named != released:
                new = replace_record(new, style, first, end, {**row, column: result.version})
        if new != data:
            out[path] = (data, new)
    return out
