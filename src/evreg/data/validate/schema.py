"""Checks via frictionless: the descriptor's metadata, each Table Schema, and every row.

Frictionless runs offline (profiles given as URLs are refused, not fetched) and never guesses
the header row; its errors are reworded as findings naming CSV line and field. Foreign keys are
left to the plan checks (clearer messages, broken tables tolerated).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from evreg.data.package import (
    DESCRIPTOR_NAME,
    KNOWN_RESOURCE_NAMES,
    SAFE_NAME,
    RawTable,
    schema_problems,
)
from evreg.data.text import one_line
from evreg.data.validate.files import CELL_COUNT_ERRORS, cell_count_findings, csv_line
from evreg.data.validate.finding import MAX_FINDINGS_PER_FILE, Finding, quote

PROFILE_KEYS = ("profile", "$schema")


# ---------------------------------------------------------------- descriptor and schemas


def descriptor_findings(descriptor: dict) -> Iterator[Finding]:
    """datapackage.json: the metadata a published package needs, known resources, offline
    profiles, and frictionless's own descriptor check."""

    def err(field: str, message: str) -> Finding:
        return Finding(DESCRIPTOR_NAME, None, field, message)

    for key in ("name", "title", "version", "created", "licenses", "sources", "contributors"):
        if not descriptor.get(key):
            yield err(key, f"{key!r} is missing; a published package needs it")
    version = descriptor.get("version")
    if version and not re.fullmatch(r"\d+\.\d+\.\d+", str(version)):
        yield err("version", f"{quote(version)} is not a semantic version like 1.0.0")
    created = descriptor.get("created")
    if created and not _is_iso_datetime(str(created)):
        yield err(
            "created", f"{quote(created)} is not an ISO 8601 date-time like 2026-11-30T00:00:00Z"
        )
    yield from _name_findings(descriptor)
    names = [r.get("name") for r in descriptor.get("resources", [])]
    for name in KNOWN_RESOURCE_NAMES:
        if names.count(name) > 1:
            yield err("resources", f"resource {name!r} appears {names.count(name)} times")
    for name in names:
        if name not in KNOWN_RESOURCE_NAMES:
            yield Finding(
                DESCRIPTOR_NAME,
                None,
                "resources",
                f"resource {quote(name)} is not one evreg knows "
                f"({', '.join(KNOWN_RESOURCE_NAMES)}); it is not checked",
                "warning",
            )
    yield from _remote_profiles(descriptor)
    yield from _frictionless_metadata(DESCRIPTOR_NAME, "Package", _offline(descriptor))


def _name_findings(descriptor: dict) -> Iterator[Finding]:
    """The package's and each resource's name: lower-case letters, digits, ``. _ -`` (the
    names become file names of the downloads: no ``/``, no ``..``)."""
    parts = [("name", descriptor.get("name"))]
    parts += [("resources", r.get("name")) for r in descriptor.get("resources", [])]
    for field, name in parts:
        if name is not None and not (isinstance(name, str) and SAFE_NAME.fullmatch(name)):
            yield Finding(
                DESCRIPTOR_NAME,
                None,
                field,
                f"name {quote(name)} must be lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit",
            )


def _remote_profiles(descriptor: dict) -> Iterator[Finding]:
    """Profiles given as URLs would make frictionless fetch them: evreg stays offline."""
    for part in (descriptor, *descriptor.get("resources", [])):
        for key in PROFILE_KEYS:
            value = part.get(key)
            if isinstance(value, str) and ("/" in value or ":" in value):
                yield Finding(
                    DESCRIPTOR_NAME,
                    None,
                    key,
                    f"{quote(value)} is not allowed: evreg validates offline; use the built-in "
                    "tabular-data-package / tabular-data-resource profiles",
                )


def _offline(descriptor: dict) -> dict:
    """The descriptor without URL profiles (reported by _remote_profiles)."""

    def clean(part: dict) -> dict:
        return {
            k: v
            for k, v in part.items()
            if k not in PROFILE_KEYS or not (isinstance(v, str) and ("/" in v or ":" in v))
        }

    out = clean(descriptor)
    if isinstance(out.get("resources"), list):
        out["resources"] = [clean(r) for r in out["resources"]]
    return out


def _is_iso_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def _frictionless_metadata(label: str, kind: str, descriptor: dict) -> Iterator[Finding]:
    import frictionless

    try:
        report = getattr(frictionless, kind).validate_descriptor(descriptor)
        errors = report.errors
    except Exception as exc:  # frictionless raises on some malformed descriptors
        yield Finding(label, None, None, f"invalid {kind.lower()} descriptor: {one_line(exc)}")
        return
    for error in errors:
        yield Finding(label, None, None, f"{error.type}: {one_line(error.note or error.message)}")


def schema_findings(name: str, label: str, schema: dict) -> Iterator[Finding]:
    """A resource's Table Schema: the fields evreg needs, and frictionless's schema check."""
    for field, message in schema_problems(name, schema):
        yield Finding(label, None, field, message)
    # Foreign keys are checked by evreg itself (clearer messages, broken tables tolerated).
    yield from _frictionless_metadata(label, "Schema", _offline(_without_foreign_keys(schema)))


def _without_foreign_keys(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k != "foreignKeys"}


# ---------------------------------------------------------------- frictionless (rows)


def row_findings(root: Path, resource: dict, table: RawTable) -> list[Finding]:
    """Every row of a CSV against its Table Schema (types, required, enums, patterns, ranges,
    keys), one finding per short, long or blank row and per duplicate."""
    import frictionless

    try:
        res = frictionless.Resource(
            path=table.file,
            basepath=str(root),
            schema=frictionless.Schema.from_descriptor(
                _offline(_without_foreign_keys(table.schema))
            ),
            format="csv",
            encoding="utf-8",
            # never guess: frictionless otherwise sniffs which row is the header
            dialect=frictionless.Dialect(header_rows=[1]),
            control=frictionless.formats.CsvControl(delimiter=",", quote_char='"'),
        )
        report = res.validate(limit_errors=MAX_FINDINGS_PER_FILE)
    except Exception as exc:  # frictionless raises on some inputs instead of reporting
        return [Finding(table.file, None, None, f"cannot validate: {one_line(exc)}")]
    ragged = dict(cell_count_findings(table))
    findings = list(ragged.values())
    seen = {(f.file, f.row, f.field, f.message) for f in findings}
    for task in report.tasks:
        for error in task.errors:
            finding = _map_error(table, error)
            key = (finding.file, finding.row, finding.field, finding.message)
            # one line per short/long/blank row (not one per missing cell); one per duplicate
            if finding.row in ragged or key in seen or error.type in CELL_COUNT_ERRORS:
                continue
            seen.add(key)
            findings.append(finding)
    return findings


def _map_error(table: RawTable, error: object) -> Finding:
    kind = getattr(error, "type", "error")
    line = csv_line(table, getattr(error, "row_number", None))
    field = getattr(error, "field_name", None) or None
    cell = getattr(error, "cell", "")
    note = str(getattr(error, "note", "") or "")
    if kind == "type-error":
        wanted = note.split('"')[1].split("/")[0] if '"' in note else "value"
        message = f"{quote(cell)} is not a valid {wanted}"
    elif kind == "constraint-error":
        message = _constraint_message(cell, note)
    elif kind in ("primary-key", "unique-error"):
        message = _duplicate_message(table, note)
        field = field or _key_field(table.schema)
    else:
        message = f"{kind}: {one_line(note or getattr(error, 'message', ''))}"
    return Finding(table.file, line, field, message)


def _constraint_message(cell: object, note: str) -> str:
    match = re.match(r'constraint "(\w+)" is "(.*)"$', note, re.S)
    if not match:
        return f"{quote(cell)} violates a constraint: {one_line(note)}"
    name, value = match.groups()
    if name == "required":
        return "empty, but a value is required"
    if name == "enum":
        allowed = ", ".join(re.findall(r"'([^']*)'", value))
        return f"{quote(cell)} is not one of: {allowed}"
    if name == "pattern":
        return f"{quote(cell)} does not have the expected form ({value})"
    if name in ("minimum", "maximum"):
        word = "below the minimum" if name == "minimum" else "above the maximum"
        return f"{quote(cell)} is {word} {value}"
    return f"{quote(cell)} violates {name} {value}"


def _key_field(schema: dict) -> str | None:
    """The field a duplicate primary key is reported on: the key's (last) field."""
    key = schema.get("primaryKey")
    fields = [key] if isinstance(key, str) else list(key or [])
    return str(fields[-1]) if fields else None


def _duplicate_message(table: RawTable, note: str) -> str:
    match = re.search(r"position (\d+)", note)
    where = f" (first on line {csv_line(table, int(match.group(1)))})" if match else ""
    return f"duplicate key{where}; identifiers must be unique"
