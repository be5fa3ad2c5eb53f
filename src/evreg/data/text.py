"""Contributor text made safe for a target other than HTML: the one control-character stripper
(terminals, text reports) and the one Markdown escaper (pull-request comments, the CHANGELOG,
Markdown pages). HTML escaping lives with the templates (:mod:`evreg.site.html`).
"""

from __future__ import annotations

import re
from typing import Any

# Characters that make HTML or inline Markdown (GitHub and Python-Markdown): HTML's five as
# html.escape spells them, the rest as numeric references. CommonMark never reads a character
# reference as markup (CommonMark 0.31, section 2.5).
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_MD_ENTITIES = _HTML | {ch: f"&#{ord(ch)};" for ch in "\\`*_{}[]|~^$!"}
_WWW = re.compile(r"(?i)\bwww\.")
_ISSUE_REF = re.compile(r"(?<!&)#(?=\d)")


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
    ``://``, ``www.`` and ``#<digit>`` also get a zero-width space, so that no one is mentioned,
    nothing is autolinked and no issue is referenced.
    """
    text = " ".join(strip_control(value, " ").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = "".join(_MD_ENTITIES.get(ch, ch) for ch in text)
    if not github:
        return text
    text = text.replace("@", "@&#8203;").replace("://", ":&#8203;//")
    text = _WWW.sub("www&#8203;.", text)
    return _ISSUE_REF.sub("#&#8203;", text)
