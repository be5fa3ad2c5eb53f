"""The forest plot as Vega-Lite specs: its rows, the plot panel both layouts draw, and the wide
layout (the compact one for narrow screens: :mod:`evreg.site.plots.forest_compact`).

A chart is a plain Vega-Lite spec (a dict) with the data inline, so the page renders offline
with the vendored Vega bundle and vl-convert renders the same spec to SVG/PNG. Layout:
RevMan 5 forest plots (Cochrane Handbook 10.12.1): a row per study (square sized by weight, CI
arms), pooled diamonds, heterogeneity and overall-effect lines, a log x-axis, "favours" labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evreg.data.formats import ci_header, fmt_ci
from evreg.review.results import CI_LEVEL
from evreg.site.layout import max_width
from evreg.site.plots.parts import (
    FONT_SIZE,
    INK,
    finish,
    flag_color,
    footer_lines,
    log_domain,
    log_ticks,
)

if TYPE_CHECKING:  # altair is imported where charts are built (cached builds skip it)
    import altair as alt

ROW_PX = 22
TARGET_WIDTH = 720  # the wide layout fits a 748 px content column (Material at 1280 px)
PLOT_WIDTH = (220, 360)  # the plot panel's narrowest and widest
SPACING = 8
PAD = 6  # room around a text column's widest text
DIAMOND_FILL = {"diamond": "#7a7a7a", "diamond_primary": "#1f1f1f"}


@dataclass(frozen=True)
class ForestItem:
    """One row of a forest plot.

    kind: "heading" (bold text only), "study" (square + CI), "point" (circle + CI, for
    leave-one-out/cumulative rows), "diamond" / "diamond_primary" (pooled estimate),
    "interval" (prediction interval), "text" (plain text row).
    """

    kind: str
    label: str
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    weight: float | None = None
    flag: bool = False
    tooltip: str = ""
    right: str | None = None  # right-column text; default "HR [CI]" formatted
    weight_label: str | None = None  # weight-column text; default "12.3%" from weight


@dataclass(frozen=True)
class ForestOptions:
    """Labels of a forest plot (measure name, favours labels, header texts, footer lines)."""

    measure: str = "HR"
    favours: tuple[str, str] = ("", "")
    footer: tuple[str, ...] = ()
    label_header: str = "Study or subgroup"
    weight_header: str = "Weight"
    right_header: str | None = None
    x_title: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ci_header(self) -> str:  # "HR [95% CI]": the analyses' level
        return ci_header(self.measure, CI_LEVEL)


def row_records(items: Sequence[ForestItem], opts: ForestOptions) -> list[dict]:
    records = []
    for i, item in enumerate(items, start=1):
        right = item.right
        if right is None and item.estimate is not None:
            right = fmt_ci(item.estimate, item.lower, item.upper)
        records.append(
            {
                "row": i,
                "kind": item.kind,
                "label": item.label,
                "estimate": item.estimate,
                "lower": item.lower,
                "upper": item.upper,
                "weight": item.weight,
                "weight_text": item.weight_label
                if item.weight_label is not None
                else ("" if item.weight is None else f"{item.weight:.1f}%"),
                "ci_text": right or "",
                "flag": item.flag,
                "bold": item.kind in ("heading", "diamond_primary"),
                "tooltip": item.tooltip or item.label,
            }
        )
    return records


def _rows_scale(n: int) -> alt.Scale:
    """The wide layout's y: one row per item, the header in row 0, the favours labels in n+1."""
    import altair as alt

    return alt.Scale(domain=[-0.5, n + 1.5], reverse=True, nice=False, zero=False)


def _text_column(
    data: alt.Data, y_scale: alt.Scale, width: float, fieldname: str, header: str, align: str
) -> alt.LayerChart:
    """A column of text aligned with the forest rows, with its header in row 0."""
    import altair as alt

    x = 0 if align == "left" else width
    y = alt.Y("row:Q", axis=None, scale=y_scale)
    base = alt.Chart(data).encode(y=y)
    color = flag_color()
    bodies = [
        base.transform_filter(test)
        .mark_text(align=align, baseline="middle", fontSize=FONT_SIZE, x=x, fontWeight=weight)
        .encode(text=alt.Text(f"{fieldname}:N"), color=color)
        for test, weight in (("datum.bold", "bold"), ("!datum.bold", "normal"))
    ]
    head = (
        alt.Chart(alt.Data(values=[{"row": 0, "text": header}]))
        .mark_text(align=align, baseline="middle", fontSize=FONT_SIZE, fontWeight="bold", x=x)
        .encode(y=y, text=alt.Text("text:N"))
    )
    return alt.layer(*bodies, head).properties(width=width)


def column_width(records: Sequence[dict], fieldname: str, header: str) -> float:
    """Width of a text column: its widest cell (bold rows in bold) or header, plus padding."""
    bold = [r[fieldname] for r in records if r["bold"]] + [header]
    plain = [r[fieldname] for r in records if not r["bold"]]
    return math.ceil(max(max_width(bold, FONT_SIZE, True), max_width(plain, FONT_SIZE)) + PAD)


def diamond_points(records: Sequence[dict], half: float) -> list[dict]:
    """The pooled diamonds as polygons: lower, estimate (``half`` above and below), upper."""
    points = []
    for r in records:
        if r["kind"] in ("diamond", "diamond_primary") and r["estimate"] is not None:
            for xv, h in ((r["lower"], 0.0), (r["estimate"], half), (r["upper"], 0.0)):
                points.append(
                    {
                        "row": r["row"],
                        "x": xv,
                        "top": r["row"] - h,
                        "bottom": r["row"] + h,
                        "kind": r["kind"],
                        "tooltip": r["label"],
                        "ci_text": r["ci_text"],
                    }
                )
    return points


def forest_x(records: Sequence[dict], opts: ForestOptions):
    """``xf(field)``: the log-scaled x encoding shared by every layer of a forest panel."""
    import altair as alt

    values = [v for r in records for v in (r["lower"], r["upper"], r["estimate"])]
    lo, hi = log_domain(values)
    x_scale = alt.Scale(type="log", domain=[lo, hi], nice=False, clamp=True)
    axis = alt.Axis(
        values=log_ticks(lo, hi),
        format="~g",
        title=opts.x_title or f"{opts.measure} (log scale)",
        grid=False,
        labelFontSize=FONT_SIZE,
        titleFontSize=FONT_SIZE,
    )

    def xf(name: str) -> alt.X:
        return alt.X(f"{name}:Q", scale=x_scale, axis=axis)

    return xf


def forest_panel(
    records: Sequence[dict],
    opts: ForestOptions,
    y_scale: alt.Scale,
    half: float,
    favours_row: float | None,
    square_px: float = 260,
) -> list:
    """The plot panel's layers: null line, CI arms, squares (area by weight), circles, pooled
    diamonds, prediction interval and (at ``favours_row``) the favours labels.

    Marks sit at each record's ``row`` on ``y_scale``; diamonds are ``half`` rows high each way;
    the largest square's area is ``square_px``.
    """
    import altair as alt

    xf = forest_x(records, opts)
    y = alt.Y("row:Q", axis=None, scale=y_scale)
    return [
        *_study_layers(records, opts, xf, y, square_px),
        *_diamond_layers(opts, xf, y_scale),
        *_interval_layers(xf, y),
        *_favours_layers(opts, xf, y, favours_row),
    ]


def _study_layers(
    records: Sequence[dict], opts: ForestOptions, xf, y: alt.Y, square_px: float
) -> list:
    """The null line, then each study's (and point's) CI arm, square (area by weight: the
    largest is ``square_px``) or circle."""
    import altair as alt

    x = xf("estimate")
    base = alt.Chart(alt.Data(name="rows"))
    color = flag_color()
    tooltip = [
        alt.Tooltip("tooltip:N", title="Study"),
        alt.Tooltip("ci_text:N", title=opts.ci_header),
    ]
    max_w = max([r["weight"] or 0.0 for r in records] + [1e-9])
    return [
        alt.Chart(alt.Data(values=[{"x": 1.0}]))
        .mark_rule(color="#555", strokeWidth=1)
        .encode(x=xf("x")),
        base.transform_filter("datum.kind == 'study' || datum.kind == 'point'")
        .mark_rule(strokeWidth=1.2)
        .encode(x=xf("lower"), x2=alt.X2("upper"), y=y, color=color),
        base.transform_filter("datum.kind == 'study'")
        .mark_square(filled=True, opacity=1)
        .encode(
            x=x,
            y=y,
            size=alt.Size("weight:Q", scale=alt.Scale(domain=[0, max_w], range=[12, square_px])),
            color=color,
            tooltip=tooltip + [alt.Tooltip("weight_text:N", title="Weight")],
        )
        .properties(name="study_marks"),
        base.transform_filter("datum.kind == 'point'")
        .mark_point(filled=True, size=40, shape="circle", opacity=1)
        .encode(x=x, y=y, color=color, tooltip=tooltip)
        .properties(name="point_marks"),
    ]


def _diamond_layers(opts: ForestOptions, xf, y_scale: alt.Scale) -> list:
    """The pooled diamonds (the "diamonds" dataset's polygons), the primary model's darker."""
    import altair as alt

    diamonds = alt.Chart(alt.Data(name="diamonds"))
    return [
        diamonds.transform_filter(f"datum.kind == '{kind}'")
        .mark_area(orient="vertical", opacity=1, line=False, color=fill)
        .encode(
            x=xf("x"),
            y=alt.Y("top:Q", axis=None, scale=y_scale),
            y2=alt.Y2("bottom"),
            detail=alt.Detail("row:N"),
            tooltip=[
                alt.Tooltip("tooltip:N", title="Pooled"),
                alt.Tooltip("ci_text:N", title=opts.ci_header),
            ],
        )
        .properties(name=f"pooled_{kind}")
        for kind, fill in DIAMOND_FILL.items()
    ]


def _interval_layers(xf, y: alt.Y) -> list:
    """The prediction interval (Higgins 2009): a dashed line with a tick at each end."""
    import altair as alt

    intervals = alt.Chart(alt.Data(name="rows")).transform_filter(
        "datum.kind == 'interval' && datum.lower != null"
    )
    line = intervals.mark_rule(strokeWidth=1.5, strokeDash=[4, 2], color=INK).encode(
        x=xf("lower"),
        x2=alt.X2("upper"),
        y=y,
        tooltip=[
            alt.Tooltip("label:N", title="Interval"),
            alt.Tooltip("ci_text:N", title="Range"),
        ],
    )
    ticks = [
        intervals.mark_tick(orient="vertical", thickness=1.5, size=10, color=INK).encode(
            x=xf(end), y=y
        )
        for end in ("lower", "upper")
    ]
    return [line, *ticks]


def _favours_layers(opts: ForestOptions, xf, y: alt.Y, favours_row: float | None) -> list:
    """The favours labels either side of the null line at ``favours_row`` (none if None)."""
    import altair as alt

    if favours_row is None:
        return []
    left, right = opts.favours
    fav = alt.Data(values=[{"x": 1.0, "row": favours_row, "left": left, "right": right}])
    return [
        alt.Chart(fav)
        .mark_text(align=align, dx=dx, fontSize=FONT_SIZE - 1, fontStyle="italic")
        .encode(x=xf("x"), y=y, text=alt.Text(f"{side}:N"))
        for side, align, dx in (("left", "right", -6), ("right", "left", 6))
    ]


def favours_width(opts: ForestOptions) -> float:
    """Room the favours labels need on each side of the null line."""
    return max_width(opts.favours, FONT_SIZE - 1) + 8


def forest_chart(items: Sequence[ForestItem], opts: ForestOptions) -> dict:
    """A RevMan-style forest plot: labels | squares, CIs, diamonds | weight and ratio [CI].

    Squares' areas are proportional to the study weight (RevMan); diamonds span the pooled CI;
    the prediction interval (Higgins 2009) is a line with end ticks; x is log-scaled. Text
    columns are as wide as their widest text; the plot panel takes what is left of
    ``TARGET_WIDTH`` within ``PLOT_WIDTH`` (and room for both favours labels).
    """
    import altair as alt

    records = row_records(items, opts)
    n = len(records)
    y_scale = _rows_scale(n)
    height = ROW_PX * (n + 2)
    data = alt.Data(name="rows")
    right_header = opts.right_header or opts.ci_header
    widths = (
        column_width(records, "label", opts.label_header),
        column_width(records, "weight_text", opts.weight_header),
        column_width(records, "ci_text", right_header),
    )
    room = TARGET_WIDTH - sum(widths) - 3 * SPACING
    plot_width = min(max(room, PLOT_WIDTH[0], 2 * favours_width(opts)), PLOT_WIDTH[1])
    panel = alt.layer(*forest_panel(records, opts, y_scale, 0.38, n + 1))
    columns = [
        _text_column(data, y_scale, widths[0], "label", opts.label_header, "left"),
        panel.properties(width=plot_width),
        _text_column(data, y_scale, widths[1], "weight_text", opts.weight_header, "right"),
        _text_column(data, y_scale, widths[2], "ci_text", right_header, "right"),
    ]
    chart = alt.HConcatChart(
        hconcat=[c.properties(height=height) for c in columns],
        spacing=SPACING,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="shared")),
    )
    datasets = {"rows": records, "diamonds": diamond_points(records, 0.38)}
    footer = footer_lines(opts.footer, TARGET_WIDTH)
    return finish(chart, footer, datasets, legend=False)
