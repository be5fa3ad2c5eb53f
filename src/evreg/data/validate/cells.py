"""Checks of every cell as text, whatever its table: no control or format characters, no text
that a spreadsheet would run as a formula, no cell longer than evreg reads at all.

The rules themselves (which characters, which starts, how long) are :mod:`evreg.data.text`'s;
the schemas' ``maxLength`` (checked by frictionless, :mod:`.schema`) is the per-field limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.text import MAX_CELL_CHARS, formula_start, invisible_character
from evreg.data.validate.finding import Finding, Rows

TEXT_TYPES = ("string", "any")


def check_cells(file_rows: tuple[str, Rows], schema: dict) -> Iterator[Finding]:
    """Each cell: at most MAX_CELL_CHARS characters, no Unicode Cc/Cf character; a text cell
    (a string field) does not start with ``= + - @``, TAB or CR unless it is a number."""
    file, rows = file_rows
    kinds = {f.get("name"): f.get("type", "string") for f in schema.get("fields", [])}
    for line, row in rows:
        for name, text in row.items():
            if not text:
                continue
            message = _problem(text, kinds.get(name, "string") in TEXT_TYPES)
            if message:
                yield Finding(file, line, name, message)


def _problem(text: str, is_text: bool) -> str | None:
    if len(text) > MAX_CELL_CHARS:
        return f"{len(text):,} characters; a cell holds at most {MAX_CELL_CHARS:,}"
    start = formula_start(text) if is_text else None
    if start:
        return (
            f"starts with {start}, which a spreadsheet runs as a formula; start the text with "
            "a letter or digit"
        )
    hidden = invisible_character(text)
    if hidden:
        return (
            f"contains {hidden}, an invisible control or formatting character that can make "
            "text read differently from what it is; remove it"
        )
    return None
