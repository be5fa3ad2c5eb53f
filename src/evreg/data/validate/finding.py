"""The Finding type every check yields, the exit code, and the wording helpers they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from evreg.data.package import PackageError, location
from evreg.data.text import QUOTE_WIDTH, clip, one_line

MAX_FINDINGS_PER_FILE = 200
MAX_MESSAGE_CHARS = 1000  # a message never quotes a whole cell (see evreg.data.text.clip)


@dataclass(frozen=True)
class Finding:
    """One problem: file, CSV line (header = 1; None for the whole file), field, message."""

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    def __post_init__(self) -> None:  # one short line per finding, whatever the cells contain
        object.__setattr__(self, "message", one_line(self.message, MAX_MESSAGE_CHARS))

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{location(self.file, self.row, self.field)}: {tag}{self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


def exit_code(findings: Iterable[Finding], strict: bool = False) -> int:
    """1 if any error (or, with ``strict``, any warning), else 0."""
    bad = {"error", "warning"} if strict else {"error"}
    return int(any(f.severity in bad for f in findings))


def from_error(exc: PackageError) -> Finding:
    """The finding for a PackageError raised by the loader (file, line and field kept)."""
    return Finding(exc.file, exc.row, exc.field, exc.detail)


def quote(text: object, width: int = QUOTE_WIDTH) -> str:
    """A cell's text quoted for a message, cut to ``width`` characters (:func:`clip`)."""
    return clip(text, width)


# The rows a domain check reads: (CSV line, {field: text as printed}).
Rows = list[tuple[int, dict[str, str]]]
