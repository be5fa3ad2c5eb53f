"""Contributor text made safe, one set of rules: the one control-character stripper
(terminals, text reports), the one Markdown escaper (pull-request comments, the CHANGELOG,
Markdown pages), how much of a value a message quotes, which characters a cell may not hold,
which cell starts like a spreadsheet formula. HTML escaping lives with the templates
(:mod:`evreg.site.html`).

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
from typing import Any

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


# Characters that make HTML or inline Markdown (GitHub and Python-Markdown): HTML's five as
# html.escape spells them, the rest as numeric references. CommonMark never reads a character
# reference as markup (CommonMark 0.31, section 2.5).
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_MD_ENTITIES = _HTML | {ch: f"&#{ord(ch)};" for ch in "\\`*_{}[]|~^$!"}
_WWW = re.compile(r"(?i)\bwww\.")
_ISSUE_REF = re.compile(r"(?<!&)#(?=\d)")
_GH_REF = re.compile(r"(?i)\b(GH)-(?=\d)")


def strip_control(value: Any, replacement: str = "?") -> str:
    """Text without control or other non-printable characters (terminal escape sequences,
    newlines, bidirectional overrides), each replaced by ``replacement``."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else replacement for c in text)


def md_escape(value: Any, limit: int | None = None, *, github: bool = True) -> str:
    """Untrusted text as inert inline Markdown (never the start of a line).

    Control characters and newlines become spaces and runs of whitespace one space; HTML's
    ``& < > " '`` and the characters that start inline Markdown (emphasis, code, links, table
    cells, strike-through, math) become character references, which render as the character
    and never as markup. Text longer than ``limit`` is cut with "…". With ``github``, ``@``,
    ``://``, ``www.``, ``#<digit>`` and ``GH-<digit>`` also get a zero-width space, so that no
    one is mentioned, nothing is autolinked and no issue is referenced.
    """
    text = " ".join(strip_control(value, " ").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = "".join(_MD_ENTITIES.get(ch, ch) for ch in text)
    if not github:
        return text
    text = text.replace("@", "@&#8203;").replace("://", ":&#8203;//")
    text = _WWW.sub("www&#8203;.", text)
    text = _GH_REF.sub(r"\1-&#8203;", text)
    return _ISSUE_REF.sub("#&#8203;", text)
