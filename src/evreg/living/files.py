"""Package files written safely: a CSV's own style for appended rows, atomic replacement.

``evreg add-study`` appends rows in the style of the file they join (line endings, quoting,
column order); ``evreg add-study`` and ``evreg release`` write every changed file or none
(:mod:`evreg.living.journal`).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from evreg.errors import EvregError


def read_bytes(path: Path) -> bytes:
    """A file's bytes; a clear error naming it if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EvregError(f"{path}: cannot read: {exc}") from exc


@dataclass(frozen=True)
class CsvStyle:
    """How an existing CSV is written, so appended rows look the same."""

    lineterminator: str
    quoting: int
    ends_with_newline: bool
    header: tuple[str, ...]


def csv_style(data: bytes, path: Path) -> CsvStyle:
    """Detect line endings, quoting and columns of an existing CSV file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvregError(f"{path}: not UTF-8 text ({exc})") from exc
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise EvregError(f"{path}: no header row")
    crlf = first_line.endswith("\r")
    header = next(csv.reader([first_line.rstrip("\r")]))
    quote_all = re.fullmatch(r'"[^"]*"(,"[^"]*")*', first_line.rstrip("\r")) is not None
    return CsvStyle(
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        ends_with_newline=text.endswith("\n") or not text,
        header=tuple(header),
    )


def appended_bytes(style: CsvStyle, rows: Iterable[Mapping[str, str]]) -> bytes:
    """The bytes to append to a CSV so that ``rows`` follow in the file's own style."""
    buffer = io.StringIO()
    if not style.ends_with_newline:
        buffer.write(style.lineterminator)
    writer = csv.writer(buffer, lineterminator=style.lineterminator, quoting=style.quoting)
    for row in rows:
        writer.writerow([row.get(column, "") for column in style.header])
    return buffer.getvalue().encode("utf-8")


def copy_package(package: Path, dest: Path) -> Path:
    """Copy datapackage.json, schemas/ and data/ (and whatever resource paths name) to dest."""
    root = package.parent
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(package, dest / package.name, follow_symlinks=False)
    for folder in ("schemas", "data"):
        if (root / folder).is_dir():  # links copied as links: validation refuses them
            shutil.copytree(root / folder, dest / folder, symlinks=True, dirs_exist_ok=True)
    return dest / package.name


def replace_atomically(
    changes: Mapping[Path, bytes],
    originals: Mapping[Path, bytes | None],
    root: Path | None = None,
) -> None:
    """Write every file of ``changes`` or none, journalled in the package folder ``root``
    (:mod:`evreg.living.journal`; None: the nearest folder above the first file holding a
    datapackage.json, else that file's folder). ``originals`` holds each file's bytes as read
    before the check (None: did not exist); a file that changed meanwhile stops the whole
    write."""
    from evreg.living.journal import write_all_or_none

    if root is None:
        first = Path(next(iter(changes))).absolute().parent
        root = next(
            (d for d in (first, *first.parents) if (d / "datapackage.json").is_file()), first
        )
    try:
        write_all_or_none(root, changes, originals)
    except OSError as exc:
        raise EvregError(f"cannot write the package files: {exc}") from exc


def records(data: bytes) -> list[tuple[int, int, dict[str, str]]]:
    """Every record of a CSV after the header: (first line, line after it, {column: cell}),
    lines counted from 1 (the header)."""
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    out = []
    start = reader.line_num + 1
    for rec in reader:
        end = reader.line_num + 1
        if rec:
            out.append((start, end, dict(zip(header, rec, strict=False))))
        start = end
    return out


def replace_record(
    data: bytes, style: CsvStyle, first: int, end: int, row: Mapping[str, str]
) -> bytes:
    """The CSV with the record on lines [first, end) written anew from ``row`` in the file's
    own style; every other byte is kept."""
    lines = list(io.StringIO(data.decode("utf-8"), newline=""))  # split as csv.reader counts
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=style.lineterminator, quoting=style.quoting).writerow(
        [row.get(column, "") for column in style.header]
    )
    new = buffer.getvalue()
    if end - 1 >= len(lines) and not style.ends_with_newline:
        new = new[: -len(style.lineterminator)]
    return "".join(lines[: first - 1] + [new] + lines[end - 1 :]).encode("utf-8")
