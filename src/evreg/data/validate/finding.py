"""The Finding type every check yields, the exit code, and the wording helpers they share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from string import Formatter

from evreg.data.package import PackageError, location
from evreg.data.reading import READ_PROBLEMS
from evreg.data.text import QUOTE_WIDTH, clip, one_line

MAX_FINDINGS_PER_FILE = 200
MAX_MESSAGE_CHARS = 1000  # a message never quotes a whole cell (see evreg.data.text.clip)


@dataclass(frozen=True)
class Template:
    """A kind of finding: its message with the values as named fields, and its severity."""

    text: str
    severity: str = "error"

    def fill(self, values: Mapping[str, object]) -> str:
        return self.text.format(**values)

    @property
    def shown(self) -> str:
        """The template for readers: each value as ``{name}``, without its format spec."""
        parts = Formatter().parse(self.text)
        return "".join(text + ("" if name is None else f"{{{name}}}") for text, name, _, _ in parts)


def warning(text: str) -> Template:
    """The template of a kind of finding that is a warning (exit 0 unless --strict)."""
    return Template(text, "warning")


# Every code of every finding, to its template: the one lookup (frictionless style: each kind
# of finding has a stable code that tests and scripts assert, with its message's values as
# named fields). Each check module registers its own codes (``register``); importing
# evreg.data.validate imports them all.
CODES: dict[str, Template] = {}


def register(templates: Mapping[str, str | Template]) -> dict[str, Template]:
    """Add a check module's codes to :data:`CODES` (a plain string is an error's template);
    a code already registered is a programming error."""
    out = {code: t if isinstance(t, Template) else Template(t) for code, t in templates.items()}
    for code in out:
        if code in CODES or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code):
            raise ValueError(f"finding code {code!r} is defined twice or not kebab-case")
    CODES.update(out)
    return out


@dataclass(frozen=True)
class Finding:
    """One problem: file, CSV line (header = 1; None for the whole file), field, message, and
    its stable ``code`` (a key of :data:`CODES`; ``values`` are the named fields its template
    was filled with). Make one with :meth:`coded`."""

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"
    code: str = dc_field(kw_only=True)
    values: Mapping[str, object] = dc_field(
        default_factory=dict, kw_only=True, compare=False, repr=False
    )

    def __post_init__(self) -> None:  # one short line per finding, whatever the cells contain
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}: register it (CODES)")
        object.__setattr__(self, "message", one_line(self.message, MAX_MESSAGE_CHARS))

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{location(self.file, self.row, self.field)}: {tag}{self.message}"

    def to_dict(self) -> dict:
        """The JSON form (``evreg validate --format json``)."""
        return {
            k: getattr(self, k) for k in ("file", "row", "field", "message", "severity", "code")
        }

    @classmethod
    def coded(
        cls, code: str, file: str, row: int | None, field: str | None, **values: object
    ) -> Finding:
        """The finding of kind ``code``: its message filled in from the code's template with
        ``values``, its severity the code's."""
        template = CODES[code]
        return cls(
            file, row, field, template.fill(values), template.severity, code=code, values=values
        )


def code_table() -> list[tuple[str, str, str]]:
    """(code, severity, template) of every kind of finding, sorted by code: what
    ``evreg validate --help`` lists."""
    return [(code, t.severity, t.shown) for code, t in sorted(CODES.items())]


TEMPLATES = register(
    {
        # what the reader refuses (evreg.data.reading: a missing or binary file, a BOM,
        # another delimiter, a header not matching the schema...), each of its own kind
        **READ_PROBLEMS,
        # a PackageError raised without a code (none on the way validate_package reads)
        "unreadable": "{detail}",
        # a reference to a row another table does not hold (several checks)
        "unknown-study": "{value} is not a study_id in {studies}",
        "unknown-analysis": "{value} is not an analysis_id in {analyses}",
        "unknown-estimate": "{value} is not an estimate_id in {estimates}",
    }
)


def exit_code(findings: Iterable[Finding], strict: bool = False) -> int:
    """1 if any error (or, with ``strict``, any warning), else 0."""
    bad = {"error", "warning"} if strict else {"error"}
    return int(any(f.severity in bad for f in findings))


def from_error(exc: PackageError) -> Finding:
    """The finding for a PackageError raised by the loader (file, line and field kept)."""
    return Finding.coded(exc.code, exc.file, exc.row, exc.field, **exc.values)


def quote(text: object, width: int = QUOTE_WIDTH) -> str:
    """A cell's text quoted for a message, cut to ``width`` characters (:func:`clip`)."""
    return clip(text, width)


# The rows a domain check reads: (CSV line, {field: text as printed}).
Rows = list[tuple[int, dict[str, str]]]
