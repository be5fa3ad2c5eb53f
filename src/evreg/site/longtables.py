"""Long tables on a page: the first and last rows, and every row in a CSV next to the page.

A registry of thousands of studies would otherwise put thousands of rows into an analysis page
(the numbers, each chart's text alternative). A table with more than ``MAX_ROWS`` data rows
(rows without a CSS class; totals and other marked rows always stay) shows its first
``HEAD_ROWS`` and last ``TAIL_ROWS``, with a row in between that says how many are left out and
links the CSV of the whole table, one click away.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evreg.site.viewmodel import Cell, Link, Row, Table

MAX_ROWS = 60
HEAD_ROWS, TAIL_ROWS = 45, 10


def cell_text(cell: Cell) -> str:
    """A cell as plain text for a CSV (a link to another site with its address)."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Link):
        return f"{cell.text} <{cell.href}>" if cell.external else cell.text
    parts = getattr(cell, "parts", None)
    if parts is not None:
        return cell.sep.join(cell_text(p) for p in parts)  # type: ignore[union-attr]
    return str(getattr(cell, "label", None) or getattr(cell, "text", "") or "")


def table_csv(table: Table) -> str:
    """The whole table as CSV (header row, then every row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([cell_text(c) for c in row.cells])
    return out.getvalue()


def shorten(table: Table, docs_dir: Path, page_dir: str, stem: str) -> Table:
    """``table`` as the page shows it: unchanged when short, else its first and last data rows
    and a row linking ``stem``.csv (written next to the page, every row)."""
    data = [i for i, row in enumerate(table.rows) if not row.cls]
    if len(data) <= MAX_ROWS:
        return table
    filename = f"{stem}.csv"
    dest = docs_dir / page_dir / filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(table_csv(table), encoding="utf-8", newline="\n")
    hidden = set(data[HEAD_ROWS : len(data) - TAIL_ROWS])
    note: tuple[Cell, ...] = (
        f"\u2026 {len(hidden):,} more rows",
        Link(filename, f"all {len(data):,} rows (CSV)"),
    )
    note += ("",) * (len(table.headers) - len(note))
    first = min(hidden)
    rows: list[Row] = []
    for i, row in enumerate(table.rows):
        if i == first:
            rows.append(Row(note, "evreg-more"))
        if i not in hidden:
            rows.append(row)
    return Table(table.headers, tuple(rows), table.classes, table.label)
