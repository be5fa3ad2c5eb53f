"""Read a table of study effects (ratios with CIs, or log ratios with SEs) from a CSV file.

One row per study: a ``study`` label and either a ratio column (``ratio``, ``hr``, ``or`` or
``rr``) with ``ci_lower`` and ``ci_upper`` (optional ``ci_level``, default 0.95; 95 also
accepted) or a log column (``log_ratio``, ``log_hr``, ``log_or``, ``log_rr``) with ``se``. The
delimiter (comma, semicolon, tab or bar) is detected from the header and reported. Values
are typed and checked here; every error names file, line and field.

Large files are split and converted at C speed (str.split, numpy) when they hold no quotes;
otherwise the csv module reads them. Only numpy and the standard library are imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import methodcaller
from pathlib import Path

import numpy as np

from evreg.data.text import clip
from evreg.errors import EvregError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
RATIO_COLUMNS = {"ratio": "", "hr": "HR", "or": "OR", "rr": "RR"}  # column -> its measure
LOG_COLUMNS = {"log_ratio": "", "log_hr": "HR", "log_or": "OR", "log_rr": "RR"}
# A CI printed without its level is read as a 95% CI: in a CSV given to `evreg pool` and in
# the package's estimates (schemas/estimates.json, ci_level: "empty is read as 0.95").
PRINTED_CI_LEVEL = 0.95


def printed_level(row: Mapping[str, object]) -> float:
    """The level an estimate's CI was printed at: its ``ci_level``, else
    :data:`PRINTED_CI_LEVEL`."""
    return float(row.get("ci_level") or PRINTED_CI_LEVEL)  # type: ignore[arg-type]


UNSAFE_FOR_SPLIT = ('"', "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@dataclass(frozen=True)
class EffectTable:
    """The checked table: labels, typed effect columns and the text of every column."""

    path: str
    delimiter: str
    studies: tuple[str, ...]
    effect_column: str  # the ratio or log column read
    measure: str  # implied by the column name: "HR", "OR", "RR" or "" (ratio, log_ratio)
    columns: dict[str, list[str]]  # text of every column, stripped
    lines: np.ndarray  # file line number of each study row
    log_ratio: np.ndarray | None = None  # log form
    se: np.ndarray | None = None
    ratio: np.ndarray | None = None  # ratio form
    ci_lower: np.ndarray | None = None
    ci_upper: np.ndarray | None = None
    ci_level: np.ndarray | None = field(default=None)

    def fail(self, i: int, column: str, message: str) -> EvregError:
        """Error naming file, line (of study row i) and field."""
        return EvregError(f"{self.path}:{self.lines[i]}:{column}: {message}")

    def where(self, bad: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        """Raise for the first row where ``bad`` holds; ``message(i)`` says why."""
        hits = np.flatnonzero(bad)
        if hits.size:
            raise self.fail(int(hits[0]), column, message(int(hits[0])))


def read_effects(path: str, extra_columns: tuple[str, ...] = ()) -> EffectTable:
    """Parse and check the CSV at ``path``; ``extra_columns`` must exist and be non-empty."""
    text = _read_text(path)
    delimiter = _delimiter(text)
    names, columns, lines = _split(path, text, delimiter)
    effect, measure, log_form = _effect_column(path, names, delimiter)
    for col in extra_columns:
        if col not in names:
            raise EvregError(f"{path}: no column {clip(col)} (found: {clip(', '.join(names))})")
    if not lines.size:
        raise EvregError(f"{path}: no study rows")
    text_columns = ("study", *extra_columns, *(["comparison"] if "comparison" in names else []))
    for col in text_columns:
        columns[col] = list(map(str.strip, columns[col]))
    table = EffectTable(path, delimiter, tuple(columns["study"]), effect, measure, columns, lines)
    for col in ("study", *extra_columns):
        if "" in columns[col]:
            raise table.fail(columns[col].index(""), col, "empty; a value is required")
    values = _log_values(table) if log_form else _ratio_values(table)
    return EffectTable(**{**vars(table), **values})


def _read_text(path: str) -> str:
    p = Path(path)
    if p.is_dir():
        raise EvregError(f"{path}: is a directory, not a CSV file")
    if not p.is_file():
        raise EvregError(f"{path}: no such file")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvregError(f"{path}: not a UTF-8 text CSV file") from None
    except OSError as exc:
        raise EvregError(f"{path}: cannot read ({exc.strerror})") from None
    if not text.strip():
        raise EvregError(f"{path}: empty file (expected a header row)")
    return text


def _delimiter(text: str) -> str:
    """The candidate splitting the header into the most fields (comma on ties)."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (header.count(d), d == ","))


def _split(
    path: str, text: str, delimiter: str
) -> tuple[list[str], dict[str, list[str]], np.ndarray]:
    """Header names, raw text of each column and line numbers of the non-blank rows."""
    if any(ch in text for ch in UNSAFE_FOR_SPLIT):
        header, rows, lines = _csv_rows(path, text, delimiter)
        columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in header]
    else:
        header, columns, lines = _fast_columns(path, text, delimiter)
    names = [h.strip() for h in header]
    if not any(names):
        raise EvregError(f"{path}: empty file (expected a header row)")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise EvregError(f"{path}:1: duplicate column(s): {', '.join(map(repr, twice))}")
    return names, dict(zip(names, columns, strict=True)), np.asarray(lines, dtype=int)


def _fast_columns(
    path: str, text: str, delimiter: str
) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Quote-free text: split lines, then every field at once, then slice out the columns."""
    all_lines = text.splitlines()
    first = next(i for i, line in enumerate(all_lines) if line.strip())
    header = all_lines[first].split(delimiter)
    width = len(header)
    body = all_lines[first + 1 :]
    counts = list(map(methodcaller("count", delimiter), body))
    content = list(map(methodcaller("strip", delimiter + " \t"), body))  # "" for blank rows
    kept: np.ndarray | list[int] = np.arange(len(body))
    if counts.count(width - 1) != len(body) or not all(content):
        kept = []
        for i, (count, rest) in enumerate(zip(counts, content, strict=True)):
            if not rest:
                continue
            if count != width - 1:
                raise _ragged(path, first + i + 2, count + 1, width)
            kept.append(i)
        body = [body[i] for i in kept]
    flat = delimiter.join(body).split(delimiter) if body else []
    columns = [flat[j::width] for j in range(width)]
    return header, columns, np.asarray(kept, dtype=int) + first + 2


def _csv_rows(path: str, text: str, delimiter: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Quoted text: the csv module, blank rows skipped."""
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None) or []
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)
        header = header or []
        for raw in reader:
            if not any(cell.strip() for cell in raw):
                continue
            if len(raw) != len(header):
                raise _ragged(path, reader.line_num, len(raw), len(header))
            rows.append(raw)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise EvregError(f"{path}: malformed CSV ({exc})") from None
    return header, rows, lines


def _ragged(path: str, line: int, fields: int, width: int) -> EvregError:
    return EvregError(f"{path}:{line}: {fields} fields, header has {width}")


def _effect_column(path: str, names: list[str], delimiter: str) -> tuple[str, str, bool]:
    """The effect column, the measure its name implies and whether it is on the log scale."""
    sep = "" if delimiter == "," else f" (read as {DELIMITER_NAMES[delimiter]}-separated)"
    if "study" not in names:
        raise EvregError(f"{path}: missing column 'study'{sep}; found: {', '.join(names)}")
    logs = [c for c in LOG_COLUMNS if c in names]
    ratios = [c for c in RATIO_COLUMNS if c in names]
    if logs and "se" in names:
        candidates, log_form = logs, True
    elif ratios and {"ci_lower", "ci_upper"} <= set(names):
        candidates, log_form = ratios, False
    else:
        raise EvregError(
            f"{path}: needs columns log_ratio + se, or ratio + ci_lower + ci_upper "
            f"(hr, or, rr and log_hr, log_or, log_rr also accepted){sep}; "
            f"found: {', '.join(names)}"
        )
    if len(candidates) > 1:
        raise EvregError(f"{path}: more than one effect column ({', '.join(candidates)}); keep one")
    name = candidates[0]
    return name, (LOG_COLUMNS if log_form else RATIO_COLUMNS)[name], log_form


def floats(table: EffectTable, column: str, default: float | None = None) -> np.ndarray:
    """A column as finite floats; empty cells take ``default`` or are an error."""
    text = table.columns[column]
    try:
        if default is None:
            values = np.array(text, dtype=float)
        else:
            values = np.array([t if t.strip() else default for t in text], dtype=float)
    except ValueError:
        raise _first_bad(table, column, default is not None) from None
    table.where(
        ~np.isfinite(values), column, lambda i: f"{clip(text[i].strip())} is not a finite number"
    )
    return values


def _first_bad(table: EffectTable, column: str, empty_ok: bool) -> EvregError:
    for i, raw in enumerate(table.columns[column]):
        cell = raw.strip()
        if not cell:
            if empty_ok:
                continue
            return table.fail(i, column, "empty; a value is required")
        try:
            float(cell)
        except ValueError:
            hint = " (decimal comma? use a point)" if "," in cell else ""
            return table.fail(i, column, f"{clip(cell)} is not a number{hint}")
    return EvregError(f"{table.path}: {column}: unreadable numbers")


def _log_values(table: EffectTable) -> dict[str, np.ndarray]:
    y, se = floats(table, table.effect_column), floats(table, "se")
    table.where(se <= 0, "se", lambda i: f"{se[i]:g} must be positive")
    return {"log_ratio": y, "se": se}


def _ratio_values(table: EffectTable) -> dict[str, np.ndarray]:
    name = table.effect_column
    ratio, lo, up = (floats(table, c) for c in (name, "ci_lower", "ci_upper"))
    for column, arr in ((name, ratio), ("ci_lower", lo), ("ci_upper", up)):
        table.where(arr <= 0, column, lambda i, a=arr: f"{a[i]:g} must be positive (a ratio)")
    table.where(lo >= up, "ci_lower", lambda i: f"{lo[i]:g} is not below ci_upper {up[i]:g}")
    table.where(
        (ratio < lo) | (ratio > up),
        name,
        lambda i: f"{ratio[i]:g} is outside its CI [{lo[i]:g}, {up[i]:g}]",
    )
    level = np.full(ratio.size, PRINTED_CI_LEVEL)
    if "ci_level" in table.columns:
        raw = floats(table, "ci_level", default=PRINTED_CI_LEVEL)
        level = np.where((raw > 1.0) & (raw < 100.0), raw / 100.0, raw)
        table.where(
            (level <= 0) | (level >= 1),
            "ci_level",
            lambda i: (
                f"{clip(table.columns['ci_level'][i].strip())} must be between 0 and 1 (or 0-100 %)"
            ),
        )
    return {"ratio": ratio, "ci_lower": lo, "ci_upper": up, "ci_level": level}


def sort_keys(table: EffectTable, column: str) -> list[float] | list[str]:
    """The cells of ``column`` as keys to order studies by: all finite numbers, or all text
    (compared as written); a column mixing the two, or holding nan or inf, is an error naming
    the first row that does not fit."""
    cells = [c.strip() for c in table.columns[column]]
    numbers: list[float | None] = []
    for cell in cells:
        try:
            numbers.append(float(cell))
        except ValueError:
            numbers.append(None)
    if all(n is None for n in numbers):
        return cells
    finite = [j for j, n in enumerate(numbers) if n is not None and np.isfinite(n)]
    for i, n in enumerate(numbers):
        if n is None or not np.isfinite(n):
            why = "not a finite number" if n is not None else "text"
            other = (
                f", but line {table.lines[finite[0]]} holds the number {clip(cells[finite[0]])}"
                if finite
                else ""
            )
            raise table.fail(
                i,
                column,
                f"{clip(cells[i])} is {why}{other}: order by a column of numbers only or of "
                "text only",
            )
    return [float(n) for n in numbers if n is not None]
