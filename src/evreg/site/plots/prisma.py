"""The PRISMA 2020 flow diagram of an updated review (Page et al. 2021, BMJ 372:n71) as a
Vega-Lite spec: boxes of wrapped text and the arrows between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from evreg.site.layout import wrap
from evreg.site.plots.parts import INK, finish

if TYPE_CHECKING:  # altair is imported where charts are built (cached builds skip it)
    import altair as alt

# 13 px in a diagram that fits a desktop content column (~750 px at 1280) unscaled
PRISMA_FONT_SIZE = 13
LINE_PX = PRISMA_FONT_SIZE + 3


def prisma_chart(
    boxes: Sequence[tuple[str, str, int, int]], arrows: Sequence[tuple[int, int]], w: int = 220
) -> dict:
    """A PRISMA 2020 flow diagram (Page et al. 2021, BMJ 372:n71) drawn from counts.

    boxes: (id, text, column, level); arrows: (from index, to index) into boxes; ``w``: the
    width of a box (each line of a box's text is wrapped to fit it; 150 for narrow screens).
    """
    import altair as alt

    rects = box_rects(boxes, w)
    links = arrow_links(rects, arrows)
    width = max(r["x2"] for r in rects) + 4
    height = max(r["y2"] for r in rects) + 4
    xs = alt.Scale(domain=[0, width], nice=False, zero=True)
    ys = alt.Scale(domain=[0, height], nice=False, zero=True, reverse=True)
    box, text = _box_layers(rects, xs, ys)
    rule, head = _arrow_layers(links, xs, ys)
    chart = alt.layer(box, rule, head, text).properties(width=width, height=height)
    return finish(chart, ())


def box_rects(boxes: Sequence[tuple[str, str, int, int]], w: int) -> list[dict]:
    """Each box placed on the grid (``w`` px wide, all as tall as the tallest text), with its
    text wrapped to the box and centred in it."""
    wrapped = [
        [part for line in text.split("\n") for part in wrap(line, w - 12, PRISMA_FONT_SIZE)]
        for _, text, _, _ in boxes
    ]
    h = LINE_PX * max(len(t) for t in wrapped) + 12
    gap_x, gap_y = 40 if w > 200 else 24, 30
    rects = []
    for i, (box_id, _, col, level) in enumerate(boxes):
        x0 = col * (w + gap_x)
        y0 = level * (h + gap_y)
        rects.append(
            {
                "i": i,
                "id": box_id,
                "x": x0,
                "x2": x0 + w,
                "y": y0,
                "y2": y0 + h,
                "cx": x0 + w / 2,
                "cy": y0 + h / 2,
                "ty": y0 + h / 2 - LINE_PX / 2 * (len(wrapped[i]) - 1),  # the block centred
                "lines": wrapped[i],
            }
        )
    return rects


def arrow_links(rects: Sequence[dict], arrows: Sequence[tuple[int, int]]) -> list[dict]:
    """Each arrow from box to box: rightwards between boxes of one level, else downwards."""
    links = []
    for a, b in arrows:
        ra, rb = rects[a], rects[b]
        if ra["y"] == rb["y"]:
            links.append(
                {
                    "x": ra["x2"],
                    "y": ra["cy"],
                    "x2": rb["x"],
                    "y2": rb["cy"],
                    "head": "triangle-right",
                }
            )
        else:
            links.append(
                {
                    "x": ra["cx"],
                    "y": ra["y2"],
                    "x2": rb["cx"],
                    "y2": rb["y"],
                    "head": "triangle-down",
                }
            )
    return links


def _box_layers(rects: list[dict], xs: alt.Scale, ys: alt.Scale) -> tuple[alt.Chart, alt.Chart]:
    """The boxes and their text."""
    import altair as alt

    box = (
        alt.Chart(alt.Data(values=rects))
        .mark_rect(fill="#f4f6fb", stroke=INK, strokeWidth=1)
        .encode(
            x=alt.X("x:Q", scale=xs, axis=None),
            x2=alt.X2("x2"),
            y=alt.Y("y:Q", scale=ys, axis=None),
            y2=alt.Y2("y2"),
        )
    )
    text = (
        alt.Chart(alt.Data(values=rects))
        .mark_text(fontSize=PRISMA_FONT_SIZE, lineHeight=LINE_PX, baseline="middle")
        .encode(x=alt.X("cx:Q", scale=xs), y=alt.Y("ty:Q", scale=ys), text=alt.Text("lines:N"))
    )
    return box, text


def _arrow_layers(links: list[dict], xs: alt.Scale, ys: alt.Scale) -> tuple[alt.Chart, alt.Chart]:
    """The arrows: their lines and their heads."""
    import altair as alt

    rule = (
        alt.Chart(alt.Data(values=links))
        .mark_rule(color=INK, strokeWidth=1.2)
        .encode(
            x=alt.X("x:Q", scale=xs), x2=alt.X2("x2"), y=alt.Y("y:Q", scale=ys), y2=alt.Y2("y2")
        )
    )
    head = (
        alt.Chart(alt.Data(values=links))
        .mark_point(filled=True, size=40, color=INK, opacity=1)
        .encode(
            x=alt.X("x2:Q", scale=xs),
            y=alt.Y("y2:Q", scale=ys),
            shape=alt.Shape("head:N", scale=None),
        )
    )
    return rule, head
