"""HTML helpers for generated pages: escaping untrusted text, tables, links, inline JSON.

Every value from the data package is contributor text and may hold HTML or ``</script>``:
it is escaped with :func:`esc` wherever it goes into a page; inline JSON escapes ``<``, ``>``
and ``&`` as ``\\u003c`` etc. (OWASP XSS cheat sheet, rule 3.1); page titles, which MkDocs
templates print unescaped, are reduced to characters that need no escaping.
"""

from __future__ import annotations

import html
import json
import math
import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import Any

_TITLE_DROP = re.compile(r"[<>&\"'`\\{}\[\]|*_#]")


def esc(value: Any) -> str:
    """Text -> HTML-escaped text (quotes too); None -> empty."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def safe_title(value: Any, fallback: str = "untitled") -> str:
    """A page title safe for MkDocs/Material templates that print it unescaped."""
    text = " ".join(_TITLE_DROP.sub("", str(value or "")).split())
    return text or fallback


def json_for_html(data: Any) -> str:
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
    return text


def rel(from_dir: str, target: str) -> str:
    """URL of ``target`` (site-relative, e.g. "studies/du-2024/") from page dir ``from_dir``."""
    trailing = target.endswith("/")
    out = posixpath.relpath(target or ".", from_dir or ".")
    if out == ".":
        return "./"
    return out + ("/" if trailing and not out.endswith("/") else "")


def link(href: str, text: Any, *, external: bool = False) -> str:
    """An anchor with escaped text; external links get rel="noopener noreferrer"."""
    if external:
        if not re.match(r"^https?://", href or ""):
            return esc(href)
        return f'<a href="{esc(href)}" rel="noopener noreferrer">{esc(text)}</a>'
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def num(value: Any, digits: int = 2) -> str:
    """A number for a table cell: fixed decimals; '—' when unavailable."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return esc(value)


def pval(p: float | None) -> str:
    """P value for tables: '&lt; 0.001' style below 0.001, three decimals otherwise."""
    if p is None:
        return "—"
    return "&lt; 0.001" if p < 0.001 else f"{p:.3f}"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    cls: str = "",
    sortable: bool = False,
    caption: str | None = None,
    row_classes: Sequence[str] | None = None,
) -> str:
    """A table from already-escaped cell HTML. Headers are plain text (escaped here)."""
    classes = " ".join(c for c in (cls, "evreg-sortable" if sortable else "") if c)
    out = [f'<table class="{classes}">' if classes else "<table>"]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append(
        "<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in headers) + "</tr></thead>"
    )
    out.append("<tbody>")
    for i, row in enumerate(rows):
        rc = row_classes[i] if row_classes and i < len(row_classes) and row_classes[i] else ""
        attr = f' class="{rc}"' if rc else ""
        out.append(f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def block(*parts: str, cls: str = "evreg-block") -> str:
    """Wrap HTML in a div so Markdown leaves it as one raw block (no blank lines inside)."""
    body = "\n".join(p.strip("\n") for p in parts if p)
    body = re.sub(r"\n\s*\n", "\n", body)
    return f'\n<div class="{cls}">\n{body}\n</div>\n'


def para(text_html: str, cls: str = "") -> str:
    """A paragraph of already-escaped HTML."""
    return f'<p class="{cls}">{text_html}</p>' if cls else f"<p>{text_html}</p>"


def front_matter(title: str, **extra: str) -> str:
    """YAML front matter with a sanitised title (JSON strings are valid YAML)."""
    lines = ["---", f"title: {json.dumps(safe_title(title))}"]
    lines += [f"{k}: {json.dumps(v)}" for k, v in sorted(extra.items())]
    return "\n".join(lines + ["---", ""]) + "\n"
