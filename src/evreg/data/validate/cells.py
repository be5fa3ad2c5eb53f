"""Checks of every cell as text, whatever its table: no control or format characters, no text
that a spreadsheet would run as a formula, no cell longer than evreg reads at all.

The rules themselves (which characters, which starts, how long) are :mod:`evreg.data.text`'s;
the schemas' ``maxLength`` (checked by frictionless, :mod:`.schema`) is the per-field limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.text import MAX_CELL_CHARS, formula_start, invisible_character
from evreg.data.validate.finding import Finding, Rows, register

TEMPLATES = register(
    {
        "cell-too-long": "{length:,} characters; a cell holds at most {limit:,}",
        "cell-formula": (
            "starts with {start}, which a spreadsheet runs as a formula; start the text with a "
            "letter or digit"
        ),
        "cell-invisible-character": (
            "contains {character}, an invisible control or formatting character that can make "
            "text read differently from what it is; remove it"
        ),
    }
)

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
            problem = _problem(text, kinds.get(name, "string") in TEXT_TYPES)
            if problem:
                code, values = problem
                yield Finding.coded(code, file, line, name, **values)


def _problem(text: str, is_text: bool) -> tuple[str, dict[str, object]] | None:
    """The code and values of the cell's first problem, if any."""
    if len(text) > MAX_CELL_CHARS:
        return "cell-too-long", {"length": len(text), "limit": MAX_CELL_CHARS}
    start = formula_start(text) if is_text else None
    if start:
        return "cell-formula", {"start": start}
    hidden = invisible_character(text)
    if hidden:
        return "cell-invisible-character", {"character": hidden}
    return None
