"""Text metrics for chart layout: how wide a label is drawn, and wrapping text to a width.

Charts are drawn by the reader's browser (and by vl-convert for the SVG/PNG files) in its
``sans-serif`` font, which the build cannot measure. Widths are estimated from Arial/Helvetica
advance widths (measured with Chromium's canvas, 1/100 em) times a margin that covers the wider
DejaVu Sans of Linux desktops, so a column sized with :func:`text_width` holds its text in
every common sans-serif font.
"""

from __future__ import annotations

from collections.abc import Iterable

_ASCII = "".join(chr(c) for c in range(32, 127))  # printable ASCII, in code order
# advance widths of printable ASCII in code order, 1/100 em (Arial; bold below)
_REGULAR = (
    "28 28 35 56 56 89 67 19 33 33 39 58 28 33 28 28 56 56 56 56 56 56 56 56 56 56 28 28 58 "
    "58 58 56 102 67 67 72 72 67 61 78 72 28 50 67 56 83 72 78 67 78 72 67 61 72 67 94 67 "
    "67 61 28 28 28 47 56 33 56 56 50 56 56 28 56 56 22 22 50 22 83 56 56 56 56 33 50 28 56 "
    "50 72 50 50 50 33 26 33 58"
)
_BOLD = (
    "28 33 47 56 56 89 72 24 33 33 39 58 28 33 28 28 56 56 56 56 56 56 56 56 56 56 33 33 58 "
    "58 58 61 98 72 72 72 72 67 61 78 72 28 56 72 61 83 72 78 67 78 72 67 61 72 67 94 67 67 "
    "61 33 28 33 58 56 33 56 61 56 61 56 33 61 61 28 28 56 28 89 61 61 61 61 39 56 33 61 56 "
    "78 56 56 50 39 28 39 58"
)
_WIDTHS = {
    False: dict(zip(_ASCII, map(int, _REGULAR.split()), strict=True)),
    True: dict(zip(_ASCII, map(int, _BOLD.split()), strict=True)),
}
MARGIN = 1.14  # DejaVu Sans is up to ~14% wider than Arial
WIDE_CHAR = 100  # anything outside ASCII (CJK, symbols): a full em, to be safe


def text_width(text: str, size: float = 11, bold: bool = False) -> float:
    """Estimated drawn width in pixels of ``text`` at font ``size`` (px)."""
    table = _WIDTHS[bold]
    units = sum(table.get(c, 60 if c.isalpha() and ord(c) < 0x2E80 else WIDE_CHAR) for c in text)
    return units * size / 100 * MARGIN


def max_width(texts: Iterable[str], size: float = 11, bold: bool = False) -> float:
    """The widest of ``texts`` (0 for none)."""
    return max((text_width(t, size, bold) for t in texts), default=0.0)


def wrap(text: str, width: float, size: float = 11, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` px (a longer word is
    broken between characters, so no line is ever wider than ``width``)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if line and text_width(line + ch, size, bold) > width:
                lines.append(line)
                line = ""
            line += ch
    if line or not lines:
        lines.append(line)
    return lines
