"""What's new: the package's CHANGELOG.md with its Markdown structure kept and HTML inert."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from markupsafe import Markup

from evreg.site.views.names import not_words, relabel


def changelog_body(root: Path, codes: Mapping[str, str] | None = None) -> Markup | None:
    """CHANGELOG.md under ``root`` made inert, without its title (None when there is none);
    each field name or code of ``codes`` (snake_case, as the release wrote it) reads as its
    label from the schemas.

    ``evreg release`` already writes contributor text as numeric character references, so
    only ``<`` and ``>`` are escaped here (any hand-written HTML becomes text) and Markdown
    link, image and code syntax is disabled."""
    path = root / "CHANGELOG.md"
    if not path.exists():
        return None
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.replace("<", "&lt;").replace(">", "&gt;")
        text = re.sub(r"([\[\]!`])", r"\\\1", text)  # no Markdown links, images or code spans
        lines.append(text)
    body = re.sub(r"^# .*\n?", "", "\n".join(lines), count=1)  # the page has its own title
    body = relabel(body, not_words(codes or {}, "_-"), markdown=True)
    # trusted: every < and > is escaped and Markdown link syntax disabled just above
    return Markup(body)
