"""Building blocks of the page view models: tables of typed cells, links, badges, figures.

The view functions (:mod:`evreg.site.views`) build these from the data; the templates
(``templates/macros.html.j2``) turn them into HTML. Every text field holds plain text, which
the templates escape; the ``kind`` of a cell tells the ``cell`` macro how to draw it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from markupsafe import Markup


@dataclass(frozen=True)
class Link:
    """A link; ``external`` adds rel="noopener noreferrer"."""

    href: str
    text: str
    external: bool = False
    kind: ClassVar[str] = "link"


@dataclass(frozen=True)
class Badge:
    """An estimate's status (its code picks the colour) as a coloured label."""

    status: str
    label: str
    kind: ClassVar[str] = "badge"


@dataclass(frozen=True)
class Code:
    """Text shown as code (a checksum)."""

    text: str
    kind: ClassVar[str] = "code"


@dataclass(frozen=True)
class NotReported:
    """An empty cell of the data, said in words."""

    kind: ClassVar[str] = "empty"


@dataclass(frozen=True)
class Joined:
    """Cells shown one after the other, separated by ``sep``."""

    parts: tuple[Cell, ...]
    sep: str = " "
    kind: ClassVar[str] = "joined"


@dataclass(frozen=True)
class NoteRef:
    """A reference to a footnote of the same page: its label and the footnote's id."""

    label: str
    target: str


@dataclass(frozen=True)
class Grade:
    """A GRADE certainty: the level in words ("Low"), its symbols ("⊕⊕◯◯", hidden from
    screen readers, which read the words; "" for no evidence), its code ("low") and
    references to the footnotes that give the reasons."""

    level: str
    words: str
    symbols: str
    notes: tuple[NoteRef, ...] = ()
    kind: ClassVar[str] = "grade"

    @property
    def css(self) -> str:
        """The level as a CSS class suffix ("very-low")."""
        return self.level.replace(" ", "-")


Cell = str | Link | Badge | Code | NotReported | Joined | Grade
NOT_REPORTED = NotReported()


@dataclass(frozen=True)
class Row:
    """One table row; ``cls`` is its CSS class ("" for none)."""

    cells: tuple[Cell, ...]
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A table: header texts, rows of cells, CSS classes of the table ("" for none), and the
    name of the region it scrolls in."""

    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    classes: str = ""
    label: str = "Table"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    cls: str = "",
    sortable: bool = False,
    row_classes: Sequence[str] | None = None,
    label: str = "Table",
) -> Table:
    """A :class:`Table` from plain sequences (``row_classes`` by row index, "" for none);
    ``label`` names the table's scroll region for screen readers."""
    classes = " ".join(c for c in (cls, "evreg-sortable" if sortable else "") if c)
    body = []
    for i, cells in enumerate(rows):
        rc = row_classes[i] if row_classes and i < len(row_classes) else ""
        body.append(Row(tuple(cells), rc or ""))
    return Table(tuple(headers), tuple(body), classes, label)


def external_link(href: str, text: str) -> Cell:
    """A link to another site; an address that is not http(s) is shown as text, never linked."""
    if not re.match(r"^https?://", href or ""):
        return href
    return Link(href, text, external=True)


@dataclass(frozen=True)
class TextAlternative:
    """A chart's text alternative: a sentence, a table of the plotted numbers, or a list."""

    summary: str = ""
    table: Table | None = None
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartImage:
    """One rendered layout of a chart: its SVG file (next to the page), size in px, and spec.

    ``spec_json`` is trusted markup: JSON made safe for a script element by
    :func:`evreg.site.html.json_for_html`; it is None when the spec lives in the page's chart
    data file (``spec_src``) instead, or once the page is written, or for an image only.
    """

    src: str
    width: int
    height: int
    spec_json: Markup | None
    spec_src: str = ""


@dataclass(frozen=True)
class FigureFiles:
    """A chart's rendered files: the wide layout, the compact one for narrow screens (or
    None), the scale of the PNG the browser makes of the wide layout (None when the chart is
    too tall for a useful raster), and the full plot of every row when the page shows some
    (an SVG only, or None)."""

    wide: ChartImage
    compact: ChartImage | None = None
    png_scale: float | None = 2.0
    full: ChartImage | None = None


class Rendered(Protocol):
    """A chart being rendered: ``result()`` waits for its files (a Future is one)."""

    def result(self) -> FigureFiles: ...


@dataclass(frozen=True)
class Figure:
    """A chart on a page: its name (the element id and file stem), title and caption (plain
    text), its files (being rendered while the page is built) and its text alternative."""

    name: str
    title: str
    caption: str
    files: Rendered
    alt: TextAlternative

    @property
    def wide(self) -> ChartImage:
        return self.files.result().wide

    @property
    def compact(self) -> ChartImage | None:
        return self.files.result().compact

    @property
    def png_scale(self) -> float | None:
        return self.files.result().png_scale

    @property
    def full(self) -> ChartImage | None:
        return self.files.result().full

    @property
    def spec_id(self) -> str:
        return f"spec-{self.name}"

    @property
    def alt_id(self) -> str:
        return f"{self.name}-alt"
