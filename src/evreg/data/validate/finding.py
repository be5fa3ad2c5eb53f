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
    code: str | None = None  # stable, for tests and scripts (TEMPLATES); None: not yet coded

    def __post_init__(self) -> None:  # one short line per finding, whatever the cells contain
        object.__setattr__(self, "message", one_line(self.message, MAX_MESSAGE_CHARS))

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{location(self.file, self.row, self.field)}: {tag}{self.message}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def coded(
        cls,
        code: str,
        file: str,
        row: int | None,
        field: str | None,
        severity: str = "error",
        **values: object,
    ) -> Finding:
        """A finding with a stable ``code``, its message filled in from the code's template."""
        return cls(file, row, field, TEMPLATES[code].format(**values), severity, code)


# Stable codes and their message templates (frictionless style: each kind of finding has a
# code that tests and scripts assert, with the values in its message as named fields).
# Findings from frictionless's own row and schema checks carry frictionless's error type
# (type-error, constraint-error, primary-key ...) as their code.
TEMPLATES: dict[str, str] = {
    "ratio-not-positive": "{value} must be a finite number above 0 (a ratio)",
    "ci-limit-missing": "empty, but {given} is given: give both limits or neither",
    "ci-excludes-estimate": "{value} is not {side} hr {hr}",
    "ci-limits-reversed": "{value} is not above ci_lower {lower}",
    "ci-not-symmetric": (
        "CI {lower}-{upper} is not symmetric around hr {hr} on the log scale ({below:.3f} "
        "below, {above:.3f} above) beyond what the printed rounding explains; check the "
        "numbers, their order and the CI level"
    ),
    "p-unreadable": "{value} is not a p value evreg can read (expected e.g. 0.043 or < 0.001)",
    "p-not-probability": "{value} is not a probability (0 to 1)",
    "p-contradicts-ci": (
        "{value} does not match hr {hr} ({lower}-{upper}): the CI implies p = {p} (between "
        "{p_low} and {p_high} given the printed rounding)"
    ),
}


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
