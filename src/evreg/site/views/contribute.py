"""The Contribute page: the hand-written intro, where to send a study or a correction (links
of :mod:`evreg.site.links`), and the contributor guide's own text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from evreg.site.links import GUIDE, RepoLinks
from evreg.site.views.context import hand_written


@dataclass(frozen=True)
class ContributeView:
    """The Contribute page: the hand-written intro, the links, the contributor guide."""

    intro: Markup
    links: RepoLinks
    guide: Markup


_HEADING = re.compile(r"^(#{1,5}) ", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


def _demoted(markdown: str) -> str:
    """The guide's headings one level down (the page has its own title), code blocks kept."""
    parts = _FENCE.split(markdown)
    out, inside = [], False
    for part in parts:
        if part in ("```", "~~~"):
            inside = not inside
            out.append(part)
        else:
            out.append(part if inside else _HEADING.sub(lambda m: f"#{m.group(1)} ", part))
    return "".join(out)


def contributor_guide(root: Path) -> str:
    """The repository's .github/CONTRIBUTING.md next to the package ("" when there is none)."""
    path = root / GUIDE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def contribute_view(intro: str, guide: str, links: RepoLinks) -> ContributeView:
    """The Contribute page from the hand-written site/contribute.md and the contributor guide
    (both the maintainers' trusted Markdown, like every hand-written page)."""
    return ContributeView(hand_written(intro), links, hand_written(_demoted(guide)))
