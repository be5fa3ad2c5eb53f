"""Read a package's files strictly: datapackage.json, Table Schemas and CSVs as text.

Stdlib ``csv`` + ``json``, no frictionless: each file must be UTF-8 CSV text (no BOM, no NUL,
comma-separated) whose header matches its schema; cells are cast by the schema's field types
(Frictionless Table Schema v1: integer, number, boolean, string). The first problem raises
:class:`PackageError` naming file, line and field. :mod:`evreg.data.package` builds the
:class:`~evreg.data.package.Package` from what is read here.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from evreg.data.text import clip
from evreg.errors import EvregError

DESCRIPTOR_NAME = "datapackage.json"
DELIMITERS = (";", "\t", "|")  # what a CSV written with another separator shows in its header


def location(file: str, row: int | None = None, field_name: str | None = None) -> str:
    """``file:row:field`` with the missing parts left out."""
    parts = [file] + ([str(row)] if row is not None else []) + ([field_name] if field_name else [])
    return ":".join(parts)


# What the reader refuses: code -> message template (registered as finding codes by
# evreg.data.validate.finding; a PackageError raised without a code is "unreadable").
READ_PROBLEMS: dict[str, str] = {
    "symbolic-link": "is a symbolic link; a package holds only regular files",
    "symbolic-link-inside": (
        "is a symbolic link (or inside one); a package holds only regular files"
    ),
    "descriptor-not-found": "file not found; expected a datapackage.json",
    "cannot-read": "cannot read: {reason}",
    "descriptor-not-object": "expected a JSON object with a 'resources' list",
    "resources-not-list": "'resources' must be a list of objects",
    "byte-order-mark": "starts with a byte-order mark (BOM); save as UTF-8 without BOM",
    "json-invalid": "not valid JSON: {error} (column {column})",
    "json-too-deep": "not valid JSON: nested too deeply",
    "path-not-string": "{what} must be a relative path string",
    "path-outside": "{what} {path} must be a path inside the package",
    "path-links-outside": "{what} {path} links outside the package",
    "resource-missing": "no resource named {name!r}",
    "schema-not-found": "schema file not found",
    "schema-without-fields": "a Table Schema needs a non-empty 'fields' list",
    "schema-field-unnamed": "field {number} needs a 'name'",
    "schema-field-missing": "field {name!r} is missing; evreg needs it",
    "schema-field-type": "field {name!r} has type {type!r}; evreg needs {wanted!r}",
    "file-not-found": "file not found",
    "file-empty": "file is empty; expected a CSV header line",
    "binary-data": "binary data (NUL byte); expected UTF-8 CSV text",
    "not-utf8": "not UTF-8 text (byte {byte})",
    "csv-unreadable": "not a readable CSV: {error}",
    "header-blank": "first line is blank; expected the header",
    "delimiter-not-comma": "uses {delimiter!r} as delimiter; expected comma-separated values",
    "duplicate-column": "duplicate column(s): {columns}",
    "missing-column": "missing column(s): {columns}",
    "unexpected-column": "unexpected column(s): {columns}",
    "columns-differ": "missing column(s): {missing}; unexpected column(s): {extra}",
    "columns-out-of-order": "columns out of order; expected: {expected}",
}


class PackageError(EvregError):
    """A problem in one file of the package, located by file, line (1 = header) and field;
    ``code`` and ``values`` say which kind (READ_PROBLEMS) when it was raised with
    :meth:`coded`."""

    def __init__(
        self, file: str, message: str, row: int | None = None, field_name: str | None = None
    ) -> None:
        super().__init__(f"{location(file, row, field_name)}: {message}")
        self.file = file
        self.row = row
        self.field = field_name
        self.detail = message
        self.code = "unreadable"
        self.values: dict[str, object] = {"detail": message}

    @classmethod
    def coded(
        cls,
        code: str,
        file: str,
        row: int | None = None,
        field: str | None = None,
        **values: object,
    ) -> PackageError:
        """The error of kind ``code``, its message READ_PROBLEMS[code] filled with ``values``."""
        exc = cls(file, READ_PROBLEMS[code].format(**values), row, field)
        exc.code, exc.values = code, values
        return exc


@dataclass(frozen=True)
class RawTable:
    """A CSV as text: header, records (lists of cells) and the line each record starts on."""

    name: str
    file: str
    schema: dict
    header: tuple[str, ...]
    records: tuple[list[str], ...]
    lines: tuple[int, ...]

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Non-blank records as ``(line, {field: text})``; short rows padded with ''."""
        for line, rec in zip(self.lines, self.records, strict=True):
            if rec:
                yield line, {n: (rec[i] if i < len(rec) else "") for i, n in enumerate(self.header)}


def descriptor_path(path: str | Path = DESCRIPTOR_NAME) -> Path:
    """The datapackage.json for ``path`` (a descriptor file or the directory holding one)."""
    p = Path(path)
    return p / DESCRIPTOR_NAME if p.is_dir() else p


def read_descriptor(path: str | Path = DESCRIPTOR_NAME) -> tuple[Path, dict]:
    """(package root, descriptor dict); PackageError if missing, not JSON or malformed."""
    p = descriptor_path(path)
    name = p.name
    if p.is_symlink():
        raise PackageError.coded("symbolic-link", name)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PackageError.coded("descriptor-not-found", str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageError.coded("cannot-read", name, reason=_reason(exc)) from None
    descriptor = _parse_json(name, text)
    if not isinstance(descriptor, dict):
        raise PackageError.coded("descriptor-not-object", name)
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise PackageError.coded("resources-not-list", name, field="resources")
    return p.parent, descriptor


def _parse_json(name: str, text: str) -> Any:
    if text.startswith("\ufeff"):
        raise PackageError.coded("byte-order-mark", name)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        said = {"error": exc.msg, "column": exc.colno}
        raise PackageError.coded("json-invalid", name, exc.lineno, **said) from None
    except RecursionError:
        raise PackageError.coded("json-too-deep", name) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    return getattr(exc, "strerror", None) or type(exc).__name__


def safe_relative(root: Path, rel: object, what: str) -> Path:
    """``root / rel`` for a relative path that stays inside the package."""
    if not isinstance(rel, str) or not rel:
        raise PackageError.coded("path-not-string", DESCRIPTOR_NAME, what=what)
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or ":" in rel:
        raise PackageError.coded("path-outside", DESCRIPTOR_NAME, what=what, path=clip(rel))
    path = root / pure
    link = next((p for p in (path, *path.parents) if p != root and p.is_symlink()), None)
    if link is not None and link.is_relative_to(root):
        raise PackageError.coded("symbolic-link-inside", rel)
    if not path.resolve().is_relative_to(root.resolve()):
        raise PackageError.coded("path-links-outside", DESCRIPTOR_NAME, what=what, path=clip(rel))
    return path


def inside(folder: Path, rel: str) -> Path:
    """``folder / rel`` for an output path that stays inside ``folder``; an EvregError naming
    it otherwise (an absolute path, ``..``, a backslash, or a link out)."""
    pure = PurePosixPath(rel)
    path = folder / pure
    if (
        not rel
        or pure.is_absolute()
        or ".." in pure.parts
        or "\\" in rel
        or not path.resolve().is_relative_to(folder.resolve())
    ):
        raise EvregError(f"{folder}: refusing to write {clip(rel)}: not a path inside it")
    return path


def read_schema(root: Path, resource: dict) -> tuple[str, dict]:
    """(schema file label, schema dict) for a resource: a path in the package or inline."""
    schema = resource.get("schema")
    if isinstance(schema, dict):
        label, data = DESCRIPTOR_NAME, schema
    else:
        label = str(schema)
        path = safe_relative(root, schema, f"resource {clip(resource.get('name'))} schema")
        try:
            data = _parse_json(label, path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            raise PackageError.coded("schema-not-found", label) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PackageError.coded("cannot-read", label, reason=_reason(exc)) from None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, list) or not fields:
        raise PackageError.coded("schema-without-fields", label)
    for i, f in enumerate(fields):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not f["name"]:
            raise PackageError.coded("schema-field-unnamed", label, field="fields", number=i + 1)
    return label, data


def read_table(root: Path, resource: dict) -> RawTable:
    """Read one resource's CSV as text and check it is a CSV whose header matches its schema."""
    name = str(resource.get("name"))
    _, schema = read_schema(root, resource)
    rel = resource.get("path")
    path = safe_relative(root, rel, f"resource {clip(name)} path")
    file = str(rel)
    text = _read_text(path, file)
    records, lines = _parse_csv(text, file)
    header = tuple(records[0])
    _check_header(file, header, tuple(f["name"] for f in schema["fields"]))
    return RawTable(name, file, schema, header, tuple(records[1:]), tuple(lines[1:]))


def _read_text(path: Path, file: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackageError.coded("file-not-found", file) from None
    except OSError as exc:
        raise PackageError.coded("cannot-read", file, reason=_reason(exc)) from None
    if not data.strip():
        raise PackageError.coded("file-empty", file)
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise PackageError.coded("byte-order-mark", file, 1)
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise PackageError.coded("binary-data", file, line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PackageError.coded("not-utf8", file, line, byte=exc.start) from None


def _parse_csv(text: str, file: str) -> tuple[list[list[str]], list[int]]:
    """All records (blank lines as []) and the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # CR inside quotes kept
    records: list[list[str]] = []
    lines: list[int] = []
    last = 0
    try:
        for rec in reader:
            records.append(rec)
            lines.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        raise PackageError.coded("csv-unreadable", file, last + 1, error=exc) from None
    return records, lines


def _check_header(file: str, header: tuple[str, ...], expected: tuple[str, ...]) -> None:
    if header == expected:
        return
    if not header or not any(header):
        raise PackageError.coded("header-blank", file, 1)
    if len(header) == 1:
        for delim in DELIMITERS:
            if delim in header[0]:
                raise PackageError.coded("delimiter-not-comma", file, 1, delimiter=delim)
    dupes = sorted({h for h in header if header.count(h) > 1})
    missing = [h for h in expected if h not in header]
    extra = [h for h in header if h not in expected]
    missed, unexpected = ", ".join(missing), ", ".join(_short(e) for e in extra)
    if dupes:
        code, values = "duplicate-column", {"columns": ", ".join(dupes)}
    elif missing and extra:
        code, values = "columns-differ", {"missing": missed, "extra": unexpected}
    elif missing or extra:
        code = "missing-column" if missing else "unexpected-column"
        values = {"columns": missed or unexpected}
    else:
        code, values = "columns-out-of-order", {"expected": ",".join(expected)}
    raise PackageError.coded(code, file, 1, **values)


def _short(text: str, width: int = 40) -> str:
    text = repr(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def cast(field_def: dict, text: str) -> Any:
    """A cell's value by its Table Schema type; None for empty. ValueError if it does not fit."""
    if text == "":
        return None
    kind = field_def.get("type", "string")
    if kind == "integer":
        return int(text)
    if kind == "number":
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if kind == "boolean":
        if text in _values(field_def, "trueValues", ("true", "True", "TRUE", "1")):
            return True
        if text in _values(field_def, "falseValues", ("false", "False", "FALSE", "0")):
            return False
        raise ValueError("not a boolean")
    return text


def _values(field_def: dict, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    values = field_def.get(key, default)
    return tuple(str(v) for v in values) if isinstance(values, list | tuple) else default


def typed_rows(table: RawTable) -> tuple[tuple[dict, ...], tuple[dict[str, str], ...], tuple]:
    """(typed rows, rows as printed, CSV line of each row) of a table read by ``read_table``;
    PackageError naming file, line and field on a blank or ragged row or a cell not of its type."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    typed, raw, lines = [], [], []
    n = len(table.header)
    for line, rec in zip(table.lines, table.records, strict=True):
        if not rec:
            raise PackageError(table.file, "blank line; remove it", line)
        if len(rec) != n:
            raise PackageError(table.file, f"{len(rec)} cells where the header has {n}", line)
        row = dict(zip(table.header, rec, strict=True))
        out = {}
        for key, text in row.items():
            try:
                out[key] = cast(fields[key], text)
            except ValueError:
                kind = fields[key].get("type", "string")
                raise PackageError(
                    table.file, f"{_short(text)} is not a {kind}", line, key
                ) from None
        typed.append(out)
        raw.append(row)
        lines.append(line)
    return tuple(typed), tuple(raw), tuple(lines)
