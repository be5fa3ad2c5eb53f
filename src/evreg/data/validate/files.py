"""Checks of the CSV shape: blank lines and rows whose number of cells differs from the header's.

Unreadable files (missing, binary, BOM, another delimiter, header not matching the schema) are
reported by the loader itself (:func:`evreg.data.package.read_table` raises a PackageError that
becomes one finding); these checks run on a file that could be read.
"""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.formats import plural
from evreg.data.package import RawTable
from evreg.data.validate.finding import MAX_FINDINGS_PER_FILE, Finding, quote, register

# Frictionless's codes for the same kinds, once per row rather than per cell.
TEMPLATES = register(
    {
        "blank-row": "blank line; remove it",
        "missing-cell": "{cells} where the header has {n} (missing: {missing})",
        "extra-cell": "{cells} where the header has {n} (extra: {extra})",
    }
)

# Frictionless errors that repeat, cell by cell, what cell_count_findings says once per row.
CELL_COUNT_ERRORS = ("missing-cell", "extra-cell", "blank-row")


def cell_count_findings(table: RawTable) -> Iterator[tuple[int, Finding]]:
    """Blank lines and rows whose number of cells differs from the header's."""
    n = len(table.header)
    count = 0
    for line, rec in zip(table.lines, table.records, strict=True):
        if rec and len(rec) == n:
            continue
        count += 1
        if count > MAX_FINDINGS_PER_FILE:
            return
        if not rec:
            yield line, Finding.coded("blank-row", table.file, line, None)
        elif len(rec) < n:
            missing = ", ".join(table.header[len(rec) :])
            said = {"cells": _cells(len(rec)), "n": n, "missing": missing}
            yield line, Finding.coded("missing-cell", table.file, line, None, **said)
        elif len(rec) > n:
            extra = ", ".join(quote(c, 30) for c in rec[n:])
            said = {"cells": _cells(len(rec)), "n": n, "extra": extra}
            yield line, Finding.coded("extra-cell", table.file, line, None, **said)


def _cells(n: int) -> str:
    return plural(n, "cell")


def csv_line(table: RawTable, row_number: int | None) -> int | None:
    """Frictionless row position (header = 1, blank rows counted) -> CSV line."""
    if row_number is None:
        return None
    index = row_number - 2
    return table.lines[index] if 0 <= index < len(table.lines) else row_number
