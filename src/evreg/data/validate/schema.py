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
from evreg.data.validate.finding import (
    MAX_FINDINGS_PER_FILE,
    Finding,
    quote,
    register,
    warning,
)

PROFILE_KEYS = ("profile", "$schema")
# Frictionless's descriptor and row errors passed on as frictionless words them, with its type
# as the code ("frictionless-error" for a type not listed here).
PASSED_ON = ("package-error", "resource-error", "schema-error", "field-error", "frictionless-error")
TEMPLATES = register(
    {
        **dict.fromkeys(PASSED_ON, "{type}: {note}"),
        "descriptor-property-missing": "{key!r} is missing; a published package needs it",
        "version-not-semantic": "{value} is not a semantic version like 1.0.0",
        "created-not-iso": "{value} is not an ISO 8601 date-time like 2026-11-30T00:00:00Z",
        "resource-repeated": "resource {name!r} appears {count} times",
        "resource-unknown": warning(
            "resource {name} is not one evreg knows ({known}); it is not checked"
        ),
        "name-unsafe": (
            "name {value} must be lower-case letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        ),
        "profile-remote": (
            "{value} is not allowed: evreg validates offline; use the built-in "
            "tabular-data-package / tabular-data-resource profiles"
        ),
        "descriptor-invalid": "invalid {kind} descriptor: {error}",
        "validation-failed": "cannot validate: {error}",
        # frictionless's row errors, reworded (frictionless's type, or its constraint's name)
        "type-error": "{value} is not a valid {type}",
        "constraint-required": "empty, but a value is required",
        "constraint-enum": "{value} is not one of: {allowed}",
        "constraint-pattern": "{value} does not have the expected form ({pattern})",
        "constraint-minimum": "{value} is below the minimum {limit}",
        "constraint-maximum": "{value} is above the maximum {limit}",
        "constraint-error": "{value} violates {constraint} {limit}",
        "constraint-unreadable": "{value} violates a constraint: {note}",
        "primary-key": "duplicate key (first on line {first_line}); identifiers must be unique",
        "unique-error": "duplicate key (first on line {first_line}); identifiers must be unique",
    }
)


# ---------------------------------------------------------------- descriptor and schemas


def descriptor_findings(descriptor: dict) -> Iterator[Finding]:
    """datapackage.json: the metadata a published package needs, known resources, offline
    profiles, and frictionless's own descriptor check."""

    def err(code: str, field: str, **values: object) -> Finding:
        return Finding.coded(code, DESCRIPTOR_NAME, None, field, **values)

    for key in ("name", "title", "version", "created", "licenses", "sources", "contributors"):
        if not descriptor.get(key):
            yield err("descriptor-property-missing", key, key=key)
    version = descriptor.get("version")
    if version and not re.fullmatch(r"\d+\.\d+\.\d+", str(version)):
        yield err("version-not-semantic", "version", value=quote(version))
    created = descriptor.get("created")
    if created and not _is_iso_datetime(str(created)):
        yield err("created-not-iso", "created", value=quote(created))
    yield from _name_findings(descriptor)
    names = [r.get("name") for r in descriptor.get("resources", [])]
    for name in KNOWN_RESOURCE_NAMES:
        if names.count(name) > 1:
            yield err("resource-repeated", "resources", name=name, count=names.count(name))
    known = ", ".join(KNOWN_RESOURCE_NAMES)
    for name in names:
        if name not in KNOWN_RESOURCE_NAMES:
            yield err("resource-unknown", "resources", name=quote(name), known=known)
    yield from _remote_profiles(descriptor)
    yield from _frictionless_metadata(DESCRIPTOR_NAME, "Package", _offline(descriptor))


def _name_findings(descriptor: dict) -> Iterator[Finding]:
    """The package's and each resource's name: lower-case letters, digits, ``. _ -`` (the
    names become file names of the downloads: no ``/``, no ``..``)."""
    parts = [("name", descriptor.get("name"))]
    parts += [("resources", r.get("name")) for r in descriptor.get("resources", [])]
    for field, name in parts:
        if name is not None and not (isinstance(name, str) and SAFE_NAME.fullmatch(name)):
            yield Finding.coded("name-unsafe", DESCRIPTOR_NAME, None, field, value=quote(name))


def _remote_profiles(descriptor: dict) -> Iterator[Finding]:
    """Profiles given as URLs would make frictionless fetch them: evreg stays offline."""
    for part in (descriptor, *descriptor.get("resources", [])):
        for key in PROFILE_KEYS:
            value = part.get(key)
            if isinstance(value, str) and ("/" in value or ":" in value):
                yield Finding.coded(
                    "profile-remote", DESCRIPTOR_NAME, None, key, value=quote(value)
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
        said = {"kind": kind.lower(), "error": one_line(exc)}
        yield Finding.coded("descriptor-invalid", label, None, None, **said)
        return
    for error in errors:
        yield _passed_on(label, None, None, error.type, error.note or error.message)


def _passed_on(file: str, line: int | None, field: str | None, kind: str, note: str) -> Finding:
    """A frictionless error as frictionless words it, its type as the code."""
    code = kind if kind in PASSED_ON else "frictionless-error"
    return Finding.coded(code, file, line, field, type=kind, note=one_line(note))


def schema_findings(name: str, label: str, schema: dict) -> Iterator[Finding]:
    """A resource's Table Schema: the fields evreg needs, and frictionless's schema check."""
    for field, code, values in schema_problems(name, schema):
        yield Finding.coded(code, label, None, field, **values)
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
        error = one_line(exc)
        return [Finding.coded("validation-failed", table.file, None, None, error=error)]
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
        code, values = kind, {"value": quote(cell), "type": wanted}
    elif kind == "constraint-error":
        code, values = _constraint(cell, note)
    elif kind in ("primary-key", "unique-error"):
        code, values = kind, {"first_line": _first_line(table, note)}
        field = field or _key_field(table.schema)
    else:
        return _passed_on(table.file, line, field, kind, note or getattr(error, "message", ""))
    return Finding.coded(code, table.file, line, field, **values)


def _constraint(cell: object, note: str) -> tuple[str, dict[str, object]]:
    """The code and values of a frictionless constraint error (by the constraint's name)."""
    match = re.match(r'constraint "(\w+)" is "(.*)"$', note, re.S)
    if not match:
        return "constraint-unreadable", {"value": quote(cell), "note": one_line(note)}
    name, value = match.groups()
    if name == "required":
        return "constraint-required", {}
    if name == "enum":
        return "constraint-enum", {
            "value": quote(cell),
            "allowed": ", ".join(re.findall(r"'([^']*)'", value)),
        }
    if name == "pattern":
        return "constraint-pattern", {"value": quote(cell), "pattern": value}
    if name in ("minimum", "maximum"):
        return f"constraint-{name}", {"value": quote(cell), "limit": value}
    return "constraint-error", {"value": quote(cell), "constraint": name, "limit": value}


def _key_field(schema: dict) -> str | None:
    """The field a duplicate primary key is reported on: the key's (last) field."""
    key = schema.get("primaryKey")
    fields = [key] if isinstance(key, str) else list(key or [])
    return str(fields[-1]) if fields else None


def _first_line(table: RawTable, note: str) -> int | str:
    """The CSV line of the row a duplicate repeats ("?" if frictionless does not name it)."""
    match = re.search(r"position (\d+)", note)
    return csv_line(table, int(match.group(1))) or "?" if match else "?"
