"""The funnel plot (Sterne & Egger 2001) as a Vega-Lite spec: each study's ratio against its
standard error (inverted), pseudo 95% limits around the fixed-effect estimate, and the studies
trim-and-fill imputes as open circles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evreg.data.formats import fmt_ratio
from evreg.site.plots.parts import INK, finish, log_domain, log_ticks

if TYPE_CHECKING:  # altair is imported where charts are built (cached builds skip it)
    import altair as alt


Z95 = 1.959963984540054  # the funnel's pseudo 95% limits: estimate ± Z95 × SE
STEPS = 24  # segments of each limit line


def funnel_chart(
    yi: Sequence[float],
    sei: Sequence[float],
    labels: Sequence[str],
    pooled_log: float,
    *,
    filled_yi: Sequence[float] = (),
    filled_sei: Sequence[float] = (),
    measure: str = "HR",
    footer: Sequence[str] = (),
) -> dict:
    """Funnel plot (Sterne & Egger 2001): log ratio against SE (inverted), pseudo 95% limits
    around the fixed-effect estimate; trim-and-fill imputed studies as open circles."""
    import altair as alt

    max_se = max(list(sei) + list(filled_sei) + [1e-6]) * 1.08
    pts = funnel_points(yi, sei, labels, measure) + funnel_points(
        filled_yi, filled_sei, ["imputed (trim-and-fill)"] * len(filled_yi), measure, "imputed"
    )
    funnel = pseudo_limits(pooled_log, max_se)
    x, y = _funnel_axes([p["x"] for p in pts] + [f["x"] for f in funnel], max_se, measure)
    lines = (
        alt.Chart(alt.Data(values=funnel))
        .mark_line(strokeDash=[4, 3], color="#777", clip=True)
        .encode(x=x, y=y, detail=alt.Detail("side:N"), order=alt.Order("se:Q"))
    )
    centre = (
        alt.Chart(alt.Data(values=[{"x": math.exp(pooled_log)}])).mark_rule(color=INK).encode(x=x)
    )
    null = (
        alt.Chart(alt.Data(values=[{"x": 1.0}]))
        .mark_rule(color="#aaa", strokeDash=[2, 2])
        .encode(x=x)
    )
    chart = alt.layer(null, lines, centre, _dots(x, y)).properties(width=300, height=280)
    return finish(chart, footer, {"points": pts})


def funnel_points(
    yi: Sequence[float],
    sei: Sequence[float],
    labels: Sequence[str],
    measure: str,
    kind: str = "observed",
) -> list[dict]:
    """One point a study: its ratio (``x``), SE, label, ``kind`` ("observed" or "imputed")
    and the tooltip's "HR 1.23, SE 0.456"."""
    return [
        {
            "x": math.exp(y),
            "se": s,
            "label": lab,
            "kind": kind,
            "ci_text": f"{measure} {fmt_ratio(math.exp(y))}, SE {s:.3f}",
        }
        for y, s, lab in zip(yi, sei, labels, strict=True)
    ]


def pseudo_limits(pooled_log: float, max_se: float) -> list[dict]:
    """The pseudo 95% limit lines, lower then upper: ``exp(pooled_log ± Z95 × se)`` at STEPS + 1
    SEs from 0 to ``max_se``."""
    return [
        {"side": side, "se": se, "x": math.exp(pooled_log + sign * Z95 * se)}
        for side, sign in (("lower", -1), ("upper", 1))
        for se in (max_se * i / STEPS for i in range(STEPS + 1))
    ]


def _funnel_axes(values: Sequence[float], max_se: float, measure: str) -> tuple[alt.X, alt.Y]:
    """x: the ratio on a log scale covering ``values``; y: the SE, 0 at the top."""
    import altair as alt

    lo, hi = log_domain(values)
    x_scale = alt.Scale(type="log", domain=[lo, hi], nice=False, clamp=True)
    y = alt.Y(
        "se:Q",
        scale=alt.Scale(domain=[0, max_se], reverse=True, nice=False),
        title="Standard error of log " + measure,
    )
    x = alt.X(
        "x:Q",
        scale=x_scale,
        axis=alt.Axis(values=log_ticks(lo, hi), format="~g", grid=False),
        title=f"{measure} (log scale)",
    )
    return x, y


def _dots(x: alt.X, y: alt.Y) -> alt.Chart:
    """The studies: observed filled, imputed open (the "points" dataset)."""
    import altair as alt

    return (
        alt.Chart(alt.Data(name="points"))
        .mark_point(size=45, shape="circle", opacity=1)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(
                "kind:N",
                scale=alt.Scale(domain=["observed", "imputed"], range=[INK, "white"]),
                legend=alt.Legend(title=None, orient="top-right"),
            ),
            color=alt.value(INK),
            tooltip=[
                alt.Tooltip("label:N", title="Study"),
                alt.Tooltip("ci_text:N", title="Estimate"),
            ],
        )
        .properties(name="funnel_points")
    )
