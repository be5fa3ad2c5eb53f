"""The package as pandas DataFrames, typed from its Table Schemas: the data analyst's API.

``read(path)`` reads every resource with the strict loader (:func:`evreg.data.package.read_table`
and :func:`~evreg.data.package.typed_rows`, so a broken file gives the same ``file:line:field``
message as ``evreg validate``) and returns a :class:`PackageFrames`:

- ``tables[name]``: one column per schema field, typed by it. integer -> ``Int64`` (nullable),
  number -> ``float64``, boolean -> ``boolean`` (the field's trueValues/falseValues honoured),
  date and datetime -> ``datetime64`` (a datetime with a time zone in UTC), a string with an
  ``enum`` constraint -> an ordered ``Categorical`` whose categories are the enum in schema order,
  every other field -> pandas ``string`` dtype. Empty cells are missing (``<NA>``, ``NaN`` or
  ``NaT``); the index is 0..n-1 in file order.
- ``printed[name]``: the same rows, index and columns, every cell as the CSV prints it (``string``
  dtype: hr "5.80", not 5.8), empty cells ``<NA>``; the package keeps each number as printed, and
  the printed text tells which rounding a value had.
- ``lines[name]``: the CSV line of each row (the header is line 1), as error messages give it.

``read_results(path)`` reads a built site's ``data/results.csv`` typed by the
``results-schema.json`` beside it; ``evreg.review.results_frame`` computes the same frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from evreg.data.package import (
    DESCRIPTOR_NAME,
    PackageError,
    read_descriptor,
    read_table,
    typed_rows,
)
from evreg.data.text import clip

RESULTS_CSV = "results.csv"
RESULTS_SCHEMA = "results-schema.json"
STRING = pd.StringDtype()


@dataclass(frozen=True, eq=False)
class PackageFrames(Mapping[str, pd.DataFrame]):
    """Every resource of a package as DataFrames; ``frames["estimates"]`` is the typed table."""

    name: str
    version: str
    tables: Mapping[str, pd.DataFrame]
    printed: Mapping[str, pd.DataFrame]
    lines: Mapping[str, tuple[int, ...]]
    schemas: Mapping[str, dict]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(f"no resource {name!r}; the package has: {', '.join(self.tables)}")
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    # A DataFrame has no truth value, so Mapping's value comparison cannot apply: identity.
    __eq__ = object.__eq__
    __hash__ = object.__hash__


def read(path: str | Path = DESCRIPTOR_NAME) -> PackageFrames:
    """Every resource of the package at ``path`` (datapackage.json or its directory), typed.

    Raises :class:`~evreg.data.package.PackageError` naming file, line and field for a file
    the loader cannot read, a cell not of its field's type, a string outside its enum, or a date
    not in its format. Reads only; does not run ``evreg validate``'s checks.
    """
    root, descriptor = read_descriptor(path)
    tables: dict[str, pd.DataFrame] = {}
    printed: dict[str, pd.DataFrame] = {}
    lines: dict[str, tuple[int, ...]] = {}
    schemas: dict[str, dict] = {}
    for resource in descriptor["resources"]:
        name = resource.get("name")
        if not isinstance(name, str) or not name or name in tables:
            problem = "appears twice" if name in tables else "needs a name"
            raise PackageError(DESCRIPTOR_NAME, f"resource {name!r} {problem}", None, "resources")
        table = read_table(root, resource)
        typed, raw, row_lines = typed_rows(table)
        tables[name] = typed_frame(table.schema["fields"], typed, table.file, row_lines)
        printed[name] = printed_frame(table.header, raw)
        lines[name], schemas[name] = tuple(row_lines), table.schema
    return PackageFrames(
        name=str(descriptor.get("name", "")),
        version=str(descriptor.get("version", "")),
        tables=MappingProxyType(tables),
        printed=MappingProxyType(printed),
        lines=MappingProxyType(lines),
        schemas=MappingProxyType(schemas),
    )


def read_results(path: str | Path) -> pd.DataFrame:
    """A built site's results.csv (one row per analysis x subgroup level x model), typed by the
    results-schema.json beside it. ``path``: the site, its ``data/`` folder, or results.csv."""
    csv_path = Path(path)
    if csv_path.is_dir():
        in_data = csv_path / "data" / RESULTS_CSV
        csv_path = in_data if in_data.exists() else csv_path / RESULTS_CSV
    if not csv_path.is_file():
        raise PackageError(str(csv_path), "file not found; expected a built site's results.csv")
    resource = {"name": "results", "path": csv_path.name, "schema": RESULTS_SCHEMA}
    table = read_table(csv_path.parent, resource)
    typed, _, row_lines = typed_rows(table)
    return typed_frame(table.schema["fields"], typed, table.file, row_lines)


def typed_frame(
    fields: Sequence[Mapping[str, Any]],
    rows: Sequence[Mapping[str, Any]],
    file: str = "",
    lines: Sequence[int] = (),
) -> pd.DataFrame:
    """One column per Table Schema field, typed by it (see the module docstring), from rows of
    values as :func:`evreg.data.package.cast` gives them (None = missing). ``file`` and
    ``lines`` locate an enum or date error."""
    where = _Where(file, tuple(lines))
    columns = {f["name"]: _column(f, [row.get(f["name"]) for row in rows], where) for f in fields}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def printed_frame(header: Sequence[str], rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """The cells as printed, one ``string`` column per CSV column; empty cells missing."""
    columns = {
        name: pd.array([row.get(name) or None for row in rows], dtype=STRING) for name in header
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


@dataclass(frozen=True)
class _Where:
    """Where a column's values come from, for an error naming file, line and field."""

    file: str
    lines: tuple[int, ...]

    def error(self, i: int, field: str, message: str) -> PackageError:
        """The error for value ``i`` of ``field``, located at its CSV line."""
        line = self.lines[i] if i < len(self.lines) else None
        return PackageError(self.file or "<rows>", message, line, field)


def _column(field: Mapping[str, Any], values: list[Any], where: _Where) -> Any:
    kind = field.get("type", "string")
    if kind == "integer":
        return pd.array(values, dtype="Int64")
    if kind == "number":
        return np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == "boolean":
        return pd.array(values, dtype="boolean")
    if kind in ("date", "datetime"):
        return _dates(field, values, where)
    enum = (field.get("constraints") or {}).get("enum")
    if kind == "string" and isinstance(enum, list):
        return _categorical(field["name"], enum, values, where)
    return pd.array([None if v is None else str(v) for v in values], dtype=STRING)


def _categorical(name: str, enum: list, values: list[Any], where: _Where) -> pd.Categorical:
    """An ordered categorical with the enum's order; a value outside the enum is an error."""
    categories = list(dict.fromkeys(str(v) for v in enum))
    allowed = set(categories)
    for i, value in enumerate(values):
        if value is not None and str(value) not in allowed:
            message = f"{clip(value)} is not one of: {', '.join(categories)}"
            raise where.error(i, name, message)
    return pd.Categorical(values, categories=categories, ordered=True)


def _dates(field: Mapping[str, Any], values: list[Any], where: _Where) -> Any:
    """Dates and datetimes by the field's format: ``default`` (ISO 8601: YYYY-MM-DD for a
    date), ``any`` (whatever pandas reads) or a strftime pattern (Table Schema v1)."""
    kind, fmt = field.get("type"), field.get("format") or "default"
    parsed = []
    for i, value in enumerate(values):
        try:
            parsed.append(None if value is None else _parse_date(str(value), kind, fmt))
        except (ValueError, TypeError):
            form = "" if fmt in ("default", "any") else f" in the form {fmt}"
            raise where.error(i, field["name"], f"{clip(value)} is not a {kind}{form}") from None
    aware = any(v is not None and v.tzinfo is not None for v in parsed)
    return pd.to_datetime(parsed, utc=aware).array


def _parse_date(text: str, kind: Any, fmt: str) -> datetime:
    if fmt == "any":
        return pd.Timestamp(text).to_pydatetime()
    if fmt != "default":
        return datetime.strptime(text, fmt)
    if kind == "date":
        return datetime.strptime(text, "%Y-%m-%d")
    return datetime.fromisoformat(text)
