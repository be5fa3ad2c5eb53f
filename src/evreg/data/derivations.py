"""Reading the inputs of a derivation: digitised Kaplan-Meier points and at-risk tables.

Small, strict CSV readers (UTF-8, capped in size) that keep each row's line number, so that
:mod:`evreg.stats.derive` can name the file and line of a value it refuses.

- curve file: ``time,survival`` (survival 0-1 or percent; other column names are refused);
- at-risk file: ``time,<label>,<label>``: one column per curve label.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evreg.errors import EvregError

# The inputs of a derivation as printed (columns of the derivations resource, in this order):
# printed statistics (logrank, oe, ci, p), then a Kaplan-Meier derivation's reference curve and
# printed events per curve (its curves and at-risk table are files).
STAT_INPUTS = (
    "p",
    "chisq",
    "events",
    "ratio",
    "worse",
    "o_minus_e",
    "variance",
    "hr",
    "ci_lower",
    "ci_upper",
)
KM_INPUTS = ("reference", "events_by_group")
MAX_BYTES = 2_000_000
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Table:
    """Numeric columns of a small CSV, with each row's line number."""

    path: str
    columns: dict[str, np.ndarray]
    lines: np.ndarray


def read_numeric_csv(path: str | Path, required: tuple[str, ...] = ()) -> Table:
    """A CSV of numbers: header row, then numeric rows (blank rows skipped)."""
    name = str(path)
    p = Path(path)
    if not p.is_file():
        raise EvregError(f"{name}: no such file")
    if p.stat().st_size > MAX_BYTES:
        raise EvregError(f"{name}: larger than {MAX_BYTES // 1_000_000} MB")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvregError(f"{name}: not a UTF-8 text CSV file") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise EvregError(f"{name}: malformed CSV ({exc})") from None
    if not rows:
        raise EvregError(f"{name}: empty file (expected a header row)")
    if len(rows) > MAX_ROWS:
        raise EvregError(f"{name}: more than {MAX_ROWS} rows")
    header = [h.strip() for h in rows[0][1]]
    missing = [c for c in required if c not in header]
    if missing:
        raise EvregError(f"{name}:1: no column {missing[0]!r} (columns: {', '.join(header)})")
    if len(set(header)) != len(header) or "" in header:
        raise EvregError(f"{name}:1: column names must be present and different")
    values = np.empty((len(rows) - 1, len(header)))
    for i, (line, row) in enumerate(rows[1:]):
        if len(row) != len(header):
            raise EvregError(f"{name}:{line}: {len(row)} fields, header has {len(header)}")
        for j, cell in enumerate(row):
            values[i, j] = _number(cell, name, line, header[j])
    lines = np.array([line for line, _ in rows[1:]], dtype=int)
    return Table(name, {h: values[:, j] for j, h in enumerate(header)}, lines)


def _number(cell: str, path: str, line: int, column: str) -> float:
    text = cell.strip().rstrip("%")
    try:
        x = float(text)
    except ValueError:
        raise EvregError(
            f"{path}:{line}: column {column!r}: {cell.strip()!r} is not a number"
        ) from None
    if not math.isfinite(x):
        raise EvregError(f"{path}:{line}: column {column!r}: {cell.strip()!r} is not a number")
    return x


def read_curve(path: str | Path) -> Table:
    """Digitised points of one Kaplan-Meier curve: columns ``time`` and ``survival``."""
    table = read_numeric_csv(path, ("time", "survival"))
    extra = [c for c in table.columns if c not in ("time", "survival")]
    if extra:
        raise EvregError(f"{table.path}:1: unexpected column {extra[0]!r} (time, survival)")
    return table


def read_at_risk(path: str | Path) -> Table:
    """Printed numbers at risk: ``time`` and one column per curve label."""
    table = read_numeric_csv(path, ("time",))
    if len(table.columns) < 2:
        raise EvregError(f"{table.path}:1: no group columns beside 'time'")
    return table
