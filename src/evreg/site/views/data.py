"""The data page: every file the site offers for download, with its size and checksum."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from evreg.site.html import rel
from evreg.site.viewmodel import Code, Link, Table, table


def sha256(path: Path) -> str:
    """The file's SHA-256 (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_table(files: Sequence[tuple[str, str, Path]]) -> Table:
    """files: (site-relative path under data/, description, the written file)."""
    rows = [
        [
            Link(rel("data", p), p.removeprefix("data/")),
            desc,
            f"{f.stat().st_size:,}",
            Code(sha256(f)[:16]),
        ]
        for p, desc, f in files
    ]
    return table(["File", "What it is", "Bytes", "SHA-256 (first 16)"], rows, label="Files")
