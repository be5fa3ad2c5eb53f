"""Helpers to break a copy of the package, shared by the validate tests (no tests here)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from evreg.validate import Finding, validate_package


def read_rows(pkg: Path, name: str) -> list[list[str]]:
    with open(pkg / "data" / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_rows(pkg: Path, name: str, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (pkg / "data" / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")


def set_cell(pkg: Path, name: str, row_id: str, field: str, value: str) -> int:
    """Set one cell of the row whose first column is ``row_id``; returns its CSV line."""
    rows = read_rows(pkg, name)
    line = [r[0] for r in rows].index(row_id)
    rows[line][rows[0].index(field)] = value
    write_rows(pkg, name, rows)
    return line + 1


def get_cell(pkg: Path, name: str, row_id: str, field: str) -> str:
    rows = read_rows(pkg, name)
    return rows[[r[0] for r in rows].index(row_id)][rows[0].index(field)]


def copy_row(pkg: Path, name: str, row_id: str, **changes: str) -> int:
    """Append a copy of a row with some cells changed; returns the new row's line."""
    rows = read_rows(pkg, name)
    new = list(rows[[r[0] for r in rows].index(row_id)])
    for field, value in changes.items():
        new[rows[0].index(field)] = value
    rows.append(new)
    write_rows(pkg, name, rows)
    return len(rows)


def matching(
    findings: list[Finding], file: str, row: int | None, field: str | None, severity: str
) -> list[Finding]:
    return [
        f for f in findings if (f.file, f.row, f.field, f.severity) == (file, row, field, severity)
    ]


def the_finding(
    pkg: Path, file: str, row: int | None, field: str | None, severity: str, text: str
) -> Finding:
    """Validate ``pkg`` and return the one finding at file/row/field whose message has ``text``."""
    findings = validate_package(pkg)
    hits = [f for f in matching(findings, file, row, field, severity) if text in f.message]
    assert len(hits) == 1, "\n".join(str(f) for f in findings)
    return hits[0]


def tree_digest(pkg: Path) -> str:
    """A digest of every file's path and bytes under ``pkg`` (to prove nothing was written)."""
    h = hashlib.sha256()
    for path in sorted(p for p in pkg.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(pkg)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()
