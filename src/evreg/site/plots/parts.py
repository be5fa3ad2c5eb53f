"""What every chart of the site shares: the type size and ink, the flagged-row colour, the
log-scaled ratio axis on the 1-2-5 grid, footer lines and the finished top-level spec (white
background, footer as a bottom title, no ARIA on marks, named datasets)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evreg.site.layout import wrap

if TYPE_CHECKING:  # altair is imported where charts are built (cached builds skip it)
    import altair as alt

FONT_SIZE = 11
INK = "#1f1f1f"
FLAG = "#c62828"


def flag_color() -> alt.ColorValue:
    """Red for flagged rows, ink otherwise (as ``alt.condition`` writes it, built directly:
    Altair need not work out the channel's type)."""
    import altair as alt

    return alt.ColorValue(condition={"test": "datum.flag", "value": FLAG}, value=INK)


def log_domain(values: Sequence[float]) -> tuple[float, float]:
    """A log-scale x domain covering all values and 1, padded to the 1-2-5 grid."""
    finite = [v for v in values if v is not None and math.isfinite(v) and v > 0] + [1.0]
    lo, hi = min(finite), max(finite)
    lo_dec, hi_dec = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    grid = [m * 10.0**d for d in range(lo_dec - 1, hi_dec + 1) for m in (1, 2, 5)]
    lo_g = max(g for g in grid if g <= lo * 1.0000001)
    hi_g = min(g for g in grid if g >= hi / 1.0000001)
    if lo_g == hi_g:
        lo_g, hi_g = lo_g / 2, hi_g * 2
    # symmetric around 1 reads like RevMan (0.1 ... 10) when both sides exist
    span = max(-math.log10(lo_g), math.log10(hi_g))
    if span > 0:
        sym_lo, sym_hi = 10 ** (-span), 10**span
        if sym_lo >= lo_g / 10 and sym_hi <= hi_g * 10:
            lo_g, hi_g = min(lo_g, _snap_down(sym_lo)), max(hi_g, _snap_up(sym_hi))
    return lo_g, hi_g


def _snap_down(v: float) -> float:
    d = math.floor(math.log10(v))
    return max(m * 10.0**d for m in (1, 2, 5) if m * 10.0**d <= v * 1.0000001)


def _snap_up(v: float) -> float:
    d = math.floor(math.log10(v))
    cands = [m * 10.0**e for e in (d, d + 1) for m in (1, 2, 5)]
    return min(c for c in cands if c >= v / 1.0000001)


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick values on the 1-2-5 grid within [lo, hi] (at most ~9, always including 1)."""
    ticks = []
    for d in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            t = round(m * 10.0**d, 10)
            if lo / 1.0000001 <= t <= hi * 1.0000001:
                ticks.append(t)
    if len(ticks) > 9:
        ticks = [t for t in ticks if round(t / 10 ** math.floor(math.log10(t)), 6) in (1.0, 5.0)]
    if len(ticks) > 9:
        ticks = [t for t in ticks if round(t / 10 ** math.floor(math.log10(t)), 6) == 1.0]
    return ticks


def footer_lines(footer: Sequence[str], width: float) -> list[str]:
    """Footer lines wrapped to ``width`` px."""
    return [part for line in footer for part in wrap(line, width, FONT_SIZE)]


def finish(
    chart: alt.TopLevelMixin,
    footer: Sequence[str],
    datasets: dict[str, list] | None = None,
    *,
    legend: bool = True,
) -> dict:
    """Top-level spec: white background, footer lines as a bottom title, no view stroke, the
    legend unless ``legend`` is False, named datasets attached after Altair's conversion.
    These are set on the converted dict, as ``properties`` and ``configure_*`` would write
    them: each of those copies the whole chart first (Altair deep-copies at every step)."""
    import altair as alt

    spec = chart.to_dict(validate=False)
    spec.pop("$schema", None)
    spec.update(background="white", padding=8)
    if footer:
        spec["title"] = alt.TitleParams(
            text=list(footer),
            orient="bottom",
            anchor="start",
            fontSize=FONT_SIZE,
            fontWeight="normal",
            offset=6,
        ).to_dict(validate=False)
    config = spec.setdefault("config", {})
    config.setdefault("view", {})["stroke"] = None
    if not legend:
        config.setdefault("legend", {})["disable"] = True
    # no ARIA roles on marks and guides: the figure has one name and a text alternative
    config["aria"] = False
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json"
    if datasets:
        spec.setdefault("datasets", {}).update(datasets)
    return spec
