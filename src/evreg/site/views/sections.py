"""The analysis page's sensitivity sections: subgroups, leave-one-out, cumulative, small-study.

Each returns None when the page has no such section, a section with a ``note`` saying why it
is empty (not in the plan, too few studies), or its chart, sentence and table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evreg.data.formats import ci_header, fmt_ci, fmt_pct, num, pval
from evreg.review.plan import AnalysisResult
from evreg.review.results import CI_LEVEL
from evreg.site.analysis_figures import (
    funnel_alt,
    funnel_spec,
    items_alt,
    model_label,
    sensitivity_alt,
    sensitivity_spec,
    subgroup_items,
    subgroup_spec,
    subgroup_test_line,
)
from evreg.site.viewmodel import Figure, Table, table
from evreg.site.views.context import SiteContext

NOT_PLANNED = "Not part of the plan for this analysis."


@dataclass(frozen=True)
class Section:
    """A chart, a sentence under it, a table and a closing sentence; or only ``note``."""

    note: str = ""
    figure: Figure | None = None
    lead: str = ""
    table: Table | None = None
    tail: str = ""


@dataclass(frozen=True)
class SmallStudySection:
    """Funnel plot, Egger's test (result, statistic, p) and trim-and-fill's row (4 cells)."""

    note: str = ""
    figure: Figure | None = None
    egger: tuple[str, str, str] = ("", "", "")
    trim_and_fill: tuple[str, str, str, str] | None = None


def _skipped(a: AnalysisResult, key: str, shown: object, empty: str) -> str:
    """Why the section is empty ("" when there is something to show)."""
    if key not in a.sensitivity:
        return NOT_PLANNED
    return "" if shown else empty


def _sensitivity_figure(
    ctx: SiteContext,
    a: AnalysisResult,
    here: str,
    names: tuple[str, str, str],
    rows: Sequence,
    footer: list[str],
    flags: list[bool],
    caption: str,
) -> Figure:
    """A leave-one-out or cumulative chart; names = (chart name, row label field, header)."""
    name, field, header = names
    measure = ctx.measure(a.analysis_id)
    spec = ctx.charts.spec(
        sensitivity_spec, rows, field, measure, ctx.favours(a), header, footer, flags
    )
    title = f"{name.replace('-', ' ').capitalize()} forest plot"
    alt = sensitivity_alt(rows, field, header, measure)
    return ctx.charts.embed(here, name, spec, title=title, caption=caption, alt=alt)


def _flip(significance: bool, direction: bool) -> str:
    """What omitting a study changes, in words ("no" for nothing)."""
    changes = (("significance changes", significance), ("direction changes", direction))
    return "; ".join(t for t, f in changes if f) or "no"


def leave_one_out_section(ctx: SiteContext, a: AnalysisResult, here: str) -> Section | None:
    """Leave-one-out: chart, how many omissions flip the result, and the table."""
    loo = a.leave_one_out
    empty = f"Needs at least two studies; this analysis has {a.k_with_data}."
    note = _skipped(a, "leave_one_out", loo.rows if loo else (), empty)
    if note or loo is None:
        return Section(note) if note else None
    flags = [r.significance_flip or r.direction_flip for r in loo.rows]
    footer = [
        f"Each row: the analysis ({model_label(loo.overall)}) without that study.",
        "Red: omitting the study changes significance or direction.",
    ]
    names = ("leave-one-out", "omitted", "Study omitted")
    caption = "Leave-one-out analysis (primary model)."
    figure = _sensitivity_figure(ctx, a, here, names, loo.rows, footer, flags, caption)
    measure = ctx.measure(a.analysis_id)
    rows = [
        [
            r.omitted,
            str(r.k),
            fmt_ci(r.estimate, r.ci_lower, r.ci_upper),
            pval(r.p),
            fmt_pct(r.I2),
            num(r.tau2, 4),
            _flip(r.significance_flip, r.direction_flip),
        ]
        for r in loo.rows
    ]
    n_flip = sum(flags)
    summary = (
        f"{n_flip} of {len(loo.rows)} omissions change significance or direction."
        if n_flip
        else "No single omission changes significance or direction."
    )
    headers = ["Omitted", "k", ci_header(measure, CI_LEVEL), "p", "I²", "tau²", "Flip"]
    classes = ["evreg-flip" if f else "" for f in flags]
    body = table(headers, rows, row_classes=classes, label="Leave-one-out results")
    return Section(figure=figure, lead=summary, table=body)


def cumulative_section(ctx: SiteContext, a: AnalysisResult, here: str) -> Section | None:
    """Cumulative meta-analysis by publication year: the chart."""
    cum = a.cumulative
    empty = f"Needs at least two studies; this analysis has {a.k_with_data}."
    note = _skipped(a, "cumulative", cum.rows if cum and len(cum.rows) > 1 else (), empty)
    if note or cum is None:
        return Section(note) if note else None
    footer = ["Each row pools all studies up to and including that one (by publication year)."]
    figure = _sensitivity_figure(
        ctx,
        a,
        here,
        ("cumulative", "added", "Study added"),
        cum.rows,
        footer,
        [False] * len(cum.rows),
        "Cumulative meta-analysis in order of publication year.",
    )
    return Section(figure=figure)


def _trim_and_fill_row(a: AnalysisResult, measure: str) -> tuple[str, str, str, str] | None:
    tf = a.trim_and_fill
    if tf is not None and tf.available and tf.pooled is not None:
        res = tf.pooled
        return (
            "Trim-and-fill (L0)",
            f"{tf.k0} imputed on the {tf.side}",
            f"adjusted {measure} {fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}",
            pval(res.p),
        )
    if tf is not None:
        return ("Trim-and-fill", tf.reason, "", "")
    return None


def small_study_section(ctx: SiteContext, a: AnalysisResult, here: str) -> SmallStudySection | None:
    """Funnel plot, Egger's test and trim-and-fill (only when the plan asks and k allows)."""
    eg = a.egger
    reason = eg.reason if eg is not None else "no usable estimate"
    available = eg is not None and eg.available
    note = _skipped(a, "small_study", available, f"Not assessed: {reason}")
    if note or eg is None:
        return SmallStudySection(note) if note else None
    measure = ctx.measure(a.analysis_id)
    figure = ctx.charts.embed(
        here,
        "funnel",
        ctx.charts.spec(funnel_spec, a, measure),
        title="Funnel plot",
        caption="Funnel plot: pseudo 95% limits around the fixed-effect estimate; "
        "open circles are trim-and-fill's imputed studies.",
        alt=funnel_alt(a, measure),
    )
    egger = (f"{eg.bias:.3f} (SE {eg.se:.3f})", f"t = {eg.t:.2f}, df = {eg.df}", pval(eg.p))
    return SmallStudySection(
        figure=figure, egger=egger, trim_and_fill=_trim_and_fill_row(a, measure)
    )


def subgroup_section(ctx: SiteContext, a: AnalysisResult, here: str) -> Section | None:
    """Subgroups of the plan's variable: chart, test for differences, per-level table."""
    sg = a.subgroups
    if not a.subgroup_variable:
        return None
    if sg is None or sg.fixed is None:
        return Section("No study with a usable estimate reports this variable yet.")
    measure = ctx.measure(a.analysis_id)
    variable = ctx.words.value("analyses", "subgroup_variable", a.subgroup_variable)
    levels = {lv: ctx.words.value("studies", a.subgroup_variable, lv) for lv in sg.levels}
    items, _ = subgroup_items(a, variable, levels)
    summary = f"Subgroup forest plot by {variable}; weights are percentages within each subgroup."
    figure = ctx.charts.embed(
        here,
        "subgroups",
        ctx.charts.spec(subgroup_spec, a, measure, ctx.favours(a), variable, levels),
        title="Subgroup forest plot",
        caption=f"Subgroups by {variable}; study weights are within each subgroup.",
        alt=items_alt(items, measure, summary),
    )
    rows = [
        [levels[level], model_label(res), str(res.k)]
        + [fmt_ci(res.estimate, res.ci_lower, res.ci_upper), pval(res.p), fmt_pct(res.I2)]
        for level in sg.levels
        for res in (sg.fixed.groups.get(level), sg.random.groups.get(level))
        if res is not None
    ]
    outside = ""
    if sg.unclassified:
        outside = f"Outside the subgroups ({variable} not reported): " + ", ".join(sg.unclassified)
    test = sg.random if a.primary == "random" else sg.fixed
    headers = [variable, "Model", "k", ci_header(measure, CI_LEVEL), "p", "I²"]
    return Section(
        figure=figure,
        lead=subgroup_test_line(test),
        table=table(headers, rows, label="Subgroup results"),
        tail=outside,
    )
