"""The compact forest plot for narrow screens: each row's label and numbers on a line of text,
its square (or circle, diamond) and CI on a line of its own underneath, all in one panel.

Drawn from the same :class:`~evreg.site.plots.forest.ForestItem` rows as the wide layout, so both
layouts show the same numbers; the page picks one by screen width (``<picture>``, and the
script for the interactive view).
"""

from __future__ import annotations

from collections.abc import Sequence

from evreg.site.layout import text_width, wrap
from evreg.site.plots.forest import (
    ForestItem,
    ForestOptions,
    diamond_points,
    forest_panel,
    row_records,
)
from evreg.site.plots.parts import FONT_SIZE, finish, flag_color, footer_lines

COMPACT_WIDTH = 330  # a 390 px screen's column unscaled; 320 px ones at ~85%
LINE_PX = 14
MARK_PX = 16
GAP_PX = 4
MIN_LABEL = 110  # narrower than this, the numbers go on a line of their own
MARKED = ("study", "point", "diamond", "diamond_primary", "interval")


def _right_text(record: dict) -> str:
    """The numbers shown right of the label: ratio [CI], then the weight (or k)."""
    if record["kind"] not in MARKED:
        return ""
    return " · ".join(t for t in (record["ci_text"], record["weight_text"]) if t)


def _text_lines(record: dict, y: float, width: float) -> tuple[list[dict], float]:
    """Text lines of one record from ``y`` down: label left (wrapped), numbers right."""
    bold = record["bold"]
    right = _right_text(record)
    room = width - text_width(right, FONT_SIZE, bold) - 10
    own_line = bool(right) and room < MIN_LABEL
    labels = wrap(record["label"], width if own_line or not right else room, FONT_SIZE, bold)
    out = []
    for i, text in enumerate(labels):
        out.append({"y": y + LINE_PX / 2, "text": text, "side": "left", "bold": bold})
        if i == 0 and right and not own_line:
            out.append({"y": y + LINE_PX / 2, "text": right, "side": "right", "bold": bold})
        y += LINE_PX
    if own_line:
        out.append({"y": y + LINE_PX / 2, "text": right, "side": "right", "bold": bold})
        y += LINE_PX
    flag = record["flag"]
    return [dict(line, flag=flag) for line in out], y


def compact_layout(records: list[dict], opts: ForestOptions, width: float) -> tuple[list, float]:
    """Text lines (with y in px) and records moved to their mark line; returns the height."""
    header = f"{opts.right_header or opts.ci_header} · {opts.weight_header}"
    lines = [
        {"y": LINE_PX / 2, "text": opts.label_header, "side": "left", "bold": True, "flag": False},
        {"y": LINE_PX / 2, "text": header, "side": "right", "bold": True, "flag": False},
    ]
    y = LINE_PX + GAP_PX
    for r in records:
        if r["kind"] == "heading" and r["row"] > 1:
            y += GAP_PX
        more, y = _text_lines(r, y, width)
        lines += more
        if r["kind"] in MARKED:
            r["row"] = y + MARK_PX / 2
            y += MARK_PX
        else:
            r["row"] = y - LINE_PX / 2
    return lines, y + GAP_PX


def compact_forest_chart(items: Sequence[ForestItem], opts: ForestOptions) -> dict:
    """The forest plot for narrow screens (``COMPACT_WIDTH`` px wide), same rows as
    :func:`evreg.site.plots.forest.forest_chart`; the favours labels are the first footer line."""
    import altair as alt

    records = row_records(items, opts)
    lines, height = compact_layout(records, opts, COMPACT_WIDTH)
    y_scale = alt.Scale(domain=[0, height], reverse=True, nice=False, zero=False)
    layers = forest_panel(records, opts, y_scale, MARK_PX * 0.4, None, square_px=110)
    y = alt.Y("y:Q", axis=None, scale=y_scale)
    color = flag_color()
    for side, x in (("left", 0), ("right", COMPACT_WIDTH)):
        for bold in (True, False):
            test = f"datum.side == '{side}' && {'' if bold else '!'}datum.bold"
            layers.append(
                alt.Chart(alt.Data(name="lines"))
                .transform_filter(test)
                .mark_text(
                    align=side,
                    baseline="middle",
                    fontSize=FONT_SIZE,
                    fontWeight="bold" if bold else "normal",
                )
                .encode(x=alt.XValue(x), y=y, text=alt.Text("text:N"), color=color)
            )
    chart = alt.layer(*layers).properties(width=COMPACT_WIDTH, height=height)
    left, right = opts.favours
    favours = [f"Left of 1: {left}. Right of 1: {right}."] if left or right else []
    footer = footer_lines([*favours, *opts.footer], COMPACT_WIDTH)
    datasets = {
        "rows": records,
        "diamonds": diamond_points(records, MARK_PX * 0.4),
        "lines": lines,
    }
    return finish(chart, footer, datasets, legend=False)
