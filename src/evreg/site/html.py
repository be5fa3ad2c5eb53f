"""Escaping for generated pages: the templates' finalize and filters, inline JSON, titles, URLs.

Every value from the data package is contributor text and may hold HTML or ``</script>``.
Templates print values through :func:`escape_html` (the Environment's ``finalize``), which
escapes ``& < > " '`` with :func:`html.escape` (the spelling of every earlier release, so
pages stay byte-identical), and autoescaping covers everything else; the few trusted
fragments are marked ``Markup`` where they are made (tests/site/test_templates.py lists them).
Inline JSON escapes ``<``, ``>`` and ``&`` as ``\\u003c`` etc. (OWASP XSS cheat sheet, rule
3.1); page titles, which MkDocs templates print unescaped, are reduced to characters that need
no escaping.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from typing import Any

from markupsafe import Markup

from evreg.data.text import md_escape

_TITLE_DROP = re.compile(r"[<>&\"'`\\{}\[\]|*_#]")
_BLANK_LINES = re.compile(r"\n\s*\n")


def escape_html(value: Any) -> Any:
    """A value printed by a template, as HTML: markup kept, anything else escaped (quotes too).

    None is refused: a view says what to show for a missing value ("", "—", "not reported").
    """
    if value is None:
        raise TypeError("None reached a template; the view must say what to show instead")
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


def md_cell(value: Any) -> Markup:
    """Untrusted text for a Markdown table cell or list item on a page: the one Markdown
    escaper (:func:`evreg.data.text.md_escape`: whitespace folded, HTML-escaped, Markdown
    syntax characters as numeric character references)."""
    return Markup(md_escape(value, github=False))


def raw_block(body: str) -> Markup:
    """Rendered markup made one raw HTML block for Markdown: no blank line inside it (a blank
    line would end the block), no newline at either end."""
    return Markup(_BLANK_LINES.sub("\n", str(body).strip("\n")))


def safe_title(value: Any, fallback: str = "untitled") -> str:
    """A page title safe for MkDocs/Material templates that print it unescaped (an apostrophe
    becomes the typographic one, the other special characters are dropped)."""
    text = " ".join(_TITLE_DROP.sub("", str(value or "").replace("'", "\u2019")).split())
    return text or fallback


def json_for_html(data: Any) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``: no <, >, & or U+2028."""
    text = json.dumps(
        data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    for ch, rep in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, rep)
    return Markup(text)


def rel(from_dir: str, target: str) -> str:
    """URL of ``target`` (site-relative, e.g. "studies/du-2024/") from page dir ``from_dir``.

    A directory (trailing "/") is linked as its ``index.html``, so links open pages from
    ``file://`` as well as from a web server.
    """
    out = posixpath.relpath(target or ".", from_dir or ".")
    if target.endswith("/") or not target:
        return posixpath.join(out, "index.html") if out != "." else "index.html"
    return out
