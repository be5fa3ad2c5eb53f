"""Untrusted text, one set of rules: how much of a value a message quotes, which characters a
cell may not hold, which cell starts like a spreadsheet formula.

Every error message that shows a contributor's value shows it through :func:`clip` (at most
``QUOTE_WIDTH`` characters, on one line), so a 5 MB cell gives a short message. Cells may not
hold Unicode control (Cc) or format (Cf) characters: these make bidirectional overrides
(U+202E), zero-width text (U+200B) and hidden line breaks (CR, TAB) that show one thing and
mean another (Unicode Technical Report 36, "Unicode Security Considerations", section 2.4).
Text cells may not start like a formula (OWASP, "CSV Injection": ``= + - @``, TAB, CR), unless
they are a plain number.
"""

from __future__ import annotations

import re
import unicodedata

QUOTE_WIDTH = 80
# Unicode general categories refused in cells (Cc control, Cf format) and removed from comments.
INVISIBLE_CATEGORIES = ("Cc", "Cf")
# What a spreadsheet reads as the start of a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Any cell longer than this is refused whatever its schema says (a schema may lack maxLength).
MAX_CELL_CHARS = 20_000


def clip(value: object, width: int = QUOTE_WIDTH, quoted: bool = True) -> str:
    """``value`` (quoted) for a message: one line, control and format characters shown as
    ``\\uXXXX``, at most ``width`` characters of it, and its length when cut."""
    text = str(value)
    shown = "".join(_visible(ch) for ch in text[: width + 1])
    mark = ("'" if "'" not in shown or '"' in shown else '"') if quoted else ""
    if len(text) <= width and len(shown) <= width:
        return f"{mark}{shown}{mark}"
    return f"{mark}{shown[:width]}…{mark} ({len(text):,} characters)"


def _visible(ch: str) -> str:
    return f"\\u{ord(ch):04x}" if unicodedata.category(ch) in INVISIBLE_CATEGORIES else ch


def invisible_character(text: str) -> str | None:
    """The first control or format character in ``text`` as ``U+202E (RIGHT-TO-LEFT
    OVERRIDE)``, or None."""
    for ch in text:
        if unicodedata.category(ch) in INVISIBLE_CATEGORIES:
            name = unicodedata.name(ch, "a control character")
            return f"U+{ord(ch):04X} ({name})"
    return None


def strip_invisible(text: str) -> str:
    """``text`` without format characters; control characters (newlines, tabs) become
    spaces. For text shown in comments, where a refusal is not possible."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            out.append(" ")
        elif category != "Cf":
            out.append(ch)
    return "".join(out)


def formula_start(text: str) -> str | None:
    """The character a text cell starts with that a spreadsheet reads as a formula, or None
    (a plain number such as ``-0.5`` or ``+3`` is a number, not a formula)."""
    if not text or text[0] not in FORMULA_STARTS or _PLAIN_NUMBER.fullmatch(text):
        return None
    return {"\t": "a TAB", "\r": "a carriage return"}.get(text[0], repr(text[0]))


def one_line(value: object, width: int = 300) -> str:
    """Any message (an exception, a parser's or frictionless's note) as one line of at most
    ``width`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"
