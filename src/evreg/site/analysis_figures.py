"""What an analysis's charts show: forest and funnel plot rows, footers and text alternatives.

RevMan 5 conventions (Cochrane Handbook 10.12.1; RevMan 5 user guide): the heterogeneity line
"Tau² = …; Chi² = Q, df = k−1 (P = …); I² = …%", the overall-effect line "Z = … (P = …)",
and for subgroups "Test for subgroup differences: Chi² = …, df = … (P = …), I² = …%".
"""

from __future__ import annotations

from collections.abc import Sequence

from evreg.data.formats import (
    MISSING,
    ci_header,
    fmt_ci,
    fmt_heterogeneity,
    fmt_interval,
    fmt_p,
    fmt_subgroup_differences,
    fmt_test,
    num,
    pval,
)
from evreg.review.plan import AnalysisResult, UsedEstimate
from evreg.review.results import CI_LEVEL
from evreg.site.derived import method_text, plot_label
from evreg.site.plots.forest import ForestItem, ForestOptions, forest_chart
from evreg.site.plots.forest_compact import compact_forest_chart
from evreg.site.plots.funnel import funnel_chart
from evreg.site.viewmodel import TextAlternative, table
from evreg.stats import PoolResult, i2_percent


def heterogeneity_line(res: PoolResult | None) -> str:
    """RevMan's heterogeneity line for a pooled result."""
    if res is None:
        return "Heterogeneity: " + fmt_heterogeneity(None, None, None, None, None)
    tau2 = res.tau2 if res.method != "FE" else None
    return "Heterogeneity: " + fmt_heterogeneity(res.Q, res.Q_df, res.Q_p, res.I2, tau2)


def overall_line(res: PoolResult | None) -> str:
    """RevMan's test-for-overall-effect line."""
    if res is None:
        return "Test for overall effect: " + fmt_test("Z", None, None)
    return "Test for overall effect: " + fmt_test("t" if res.df is not None else "Z", res.z, res.p)


def model_label(res: PoolResult) -> str:
    """'Fixed effect' or 'Random effects (DL)'."""
    return "Fixed effect" if res.method == "FE" else f"Random effects ({res.method})"


def _weight(u: UsedEstimate, primary: str | None) -> float | None:
    return u.weight_random if primary == "random" else u.weight_fixed


def _study_items(used: Sequence[UsedEstimate], weights: Sequence[float | None]) -> list[ForestItem]:
    return [
        ForestItem(
            "study",
            plot_label(u),
            u.hr,
            u.ci_lower,
            u.ci_upper,
            w,
            tooltip=f"{u.label} ({u.estimate_id})"
            + (f": {method_text(u.derivation_method)}" if u.derived else ""),
        )
        for u, w in zip(used, weights, strict=True)
    ]


MAX_ROWS = 60  # a longer run of study rows is shortened on the page (all rows: the full plot)
HEAD_ROWS, TAIL_ROWS = 45, 10
MARKED_KINDS = ("study", "point")


def shown_items(items: Sequence[ForestItem]) -> list[ForestItem]:
    """The rows a page shows: each run of more than MAX_ROWS study (or point) rows shortened
    to its first HEAD_ROWS and last TAIL_ROWS, with a row saying how many are left out (in a
    subgroup plot, each subgroup on its own); headings and pooled rows always shown."""
    out: list[ForestItem] = []
    run: list[ForestItem] = []

    def flush() -> None:
        if len(run) > MAX_ROWS:
            hidden = len(run) - HEAD_ROWS - TAIL_ROWS
            note = f"\u2026 {hidden:,} more rows: all {len(run):,} in the full plot"
            out.extend([*run[:HEAD_ROWS], ForestItem("text", note), *run[-TAIL_ROWS:]])
        else:
            out.extend(run)
        run.clear()

    for item in items:
        if item.kind in MARKED_KINDS:
            run.append(item)
        else:
            flush()
            out.append(item)
    flush()
    return out


def layouts(items: Sequence[ForestItem], opts: ForestOptions) -> dict[str, dict]:
    """The wide forest plot and the compact one for narrow screens, from the same rows; when
    rows are left out on the page (:func:`shown_items`), also the "full" plot of every row."""
    shown = shown_items(items)
    out = {
        "wide": forest_chart(shown, opts),
        "compact": compact_forest_chart(shown, opts),
    }
    if len(shown) != len(items):
        out["full"] = forest_chart(items, opts)
    return out


def level_weights(members: Sequence[UsedEstimate], res: PoolResult | None) -> list[float | None]:
    """Study weights (%) within one subgroup, from that subgroup's own model (RevMan): they
    sum to the subtotal's 100%. Unknown (None) if the model kept a different set of studies."""
    if res is None or len(res.weights) != len(members):
        return [None] * len(members)
    return list(res.weights)


def _pooled_items(
    fixed: PoolResult | None, random: PoolResult | None, primary: str | None, prefix: str = "Total"
) -> list[ForestItem]:
    items = []
    for res in (fixed, random):
        if res is None:
            continue
        kind = "diamond_primary" if res.model == primary else "diamond"
        tag = " (primary)" if res.model == primary else ""
        label = model_label(res)
        items.append(
            ForestItem(
                kind,
                f"{prefix}, {label[0].lower()}{label[1:]}{tag}",
                res.estimate,
                res.ci_lower,
                res.ci_upper,
                100.0 if res.k else None,
            )
        )
    if random is not None and random.pi_lower is not None:
        items.append(
            ForestItem(
                "interval",
                "Prediction interval",
                None,
                random.pi_lower,
                random.pi_upper,
                right=fmt_interval(random.pi_lower, random.pi_upper),
            )
        )
    return items


def forest_options(
    a: AnalysisResult, measure: str, favours: tuple[str, str], footer: Sequence[str]
) -> ForestOptions:
    """Options for any forest plot of this analysis."""
    weight = "Weight (random)" if a.primary == "random" else "Weight (fixed)"
    return ForestOptions(
        measure=measure, favours=favours, footer=tuple(footer), weight_header=weight
    )


def forest_spec(a: AnalysisResult, measure: str, favours: tuple[str, str]) -> dict[str, dict]:
    """The main forest plot (wide and compact): studies, both diamonds, the prediction
    interval, RevMan footer."""
    weights = [_weight(u, a.primary) for u in a.used]
    items = _study_items(a.used, weights) + _pooled_items(a.fixed, a.random, a.primary)
    primary = a.primary_result
    footer = [
        heterogeneity_line(a.fixed if a.primary == "fixed" else a.random),
        overall_line(primary),
    ]
    if a.rule is not None:
        footer.append(f"Primary model by the review's rule: {a.rule.reason}")
    return layouts(items, forest_options(a, measure, favours, footer))


def subgroup_items(
    a: AnalysisResult, variable: str, level_labels: dict[str, str]
) -> tuple[list[ForestItem], list[str]]:
    """Rows of the subgroup plot (per level: heading, studies weighted within the level,
    subtotals; then studies outside the levels, then the overall diamonds) and its footer."""
    sg = a.subgroups
    assert sg is not None and sg.fixed is not None and sg.random is not None
    items: list[ForestItem] = []
    footer = []
    for level in sg.levels:
        name = f"{variable}: {level_labels.get(level, level)}"
        members = [u for u in a.used if u.subgroup_level == level]
        fx, rn = sg.fixed.groups.get(level), sg.random.groups.get(level)
        primary = rn if a.primary == "random" else fx
        items.append(ForestItem("heading", name))
        items += _study_items(members, level_weights(members, primary))
        items += _pooled_items(fx, rn, a.primary, prefix="Subtotal")
        footer.append(f"{name}: " + heterogeneity_line(primary))
    outside = [u for u in a.used if u.subgroup_level is None]
    if outside:
        items.append(ForestItem("heading", f"{variable} not reported (in the overall total only)"))
        items += _study_items(outside, [None] * len(outside))
    items.append(ForestItem("heading", "All studies"))
    items += _pooled_items(a.fixed, a.random, a.primary)
    test = sg.random if a.primary == "random" else sg.fixed
    footer.append(subgroup_test_line(test))
    model = "random-effects" if a.primary == "random" else "fixed-effect"
    footer.append(
        f"Weights are percentages within each subgroup ({model} model of that subgroup); "
        "each subtotal is the sum of its studies' weights, 100%."
    )
    return items, footer


def subgroup_spec(
    a: AnalysisResult,
    measure: str,
    favours: tuple[str, str],
    variable: str,
    level_labels: dict[str, str],
) -> dict[str, dict] | None:
    """Subgroup forest plot (wide and compact); ``variable`` and ``level_labels`` name the
    subgroup variable and its levels in words."""
    sg = a.subgroups
    if sg is None or sg.fixed is None or sg.random is None:
        return None
    items, footer = subgroup_items(a, variable, level_labels)
    return layouts(items, forest_options(a, measure, favours, footer))


def subgroup_test_line(sg) -> str:
    """RevMan's "Test for subgroup differences" line (I² = (Q − df)/Q)."""
    q, df = (sg.Q_between, sg.Q_between_df) if sg is not None else (None, None)
    p = sg.Q_between_p if sg is not None else None
    stats_text = fmt_subgroup_differences(q, df, p, i2_percent(q, df))
    return f"Test for subgroup differences: {stats_text}"


def sensitivity_spec(
    rows,
    label_field: str,
    measure: str,
    favours: tuple[str, str],
    header: str,
    footer: Sequence[str],
    flags: Sequence[bool],
) -> dict[str, dict]:
    """Leave-one-out or cumulative forest (wide and compact): one circle + CI per row,
    flagged rows in red."""
    items = [
        ForestItem(
            "point",
            getattr(r, label_field),
            r.estimate,
            r.ci_lower,
            r.ci_upper,
            flag=flag,
            tooltip=f"{getattr(r, label_field)}: k = {r.k}",
            weight_label=str(r.k),
        )
        for r, flag in zip(rows, flags, strict=True)
    ]
    opts = ForestOptions(
        measure=measure,
        favours=favours,
        footer=tuple(footer),
        label_header=header,
        weight_header="k",
    )
    return layouts(items, opts)


def funnel_spec(a: AnalysisResult, measure: str) -> dict[str, dict] | None:
    """Funnel plot with trim-and-fill's imputed studies (if any)."""
    if not a.used or a.fixed is None:
        return None
    tf = a.trim_and_fill
    filled_y = tf.filled_yi if tf is not None and tf.available else ()
    filled_s = tf.filled_sei if tf is not None and tf.available else ()
    footer = []
    if a.egger is not None and a.egger.available:
        footer.append(
            f"Egger's test: bias = {a.egger.bias:.2f} (SE {a.egger.se:.2f}), "
            f"t = {a.egger.t:.2f}, df = {a.egger.df}, {fmt_p(a.egger.p)}"
        )
    if tf is not None and tf.available and tf.pooled is not None:
        footer.append(
            f"Trim-and-fill: {tf.k0} imputed on the {tf.side}; adjusted {measure} "
            f"{fmt_ci(tf.pooled.estimate, tf.pooled.ci_lower, tf.pooled.ci_upper)}"
        )
    centre = a.fixed.log_estimate
    chart = funnel_chart(
        [u.log_hr for u in a.used],
        [u.se for u in a.used],
        [u.label for u in a.used],
        centre,
        filled_yi=filled_y,
        filled_sei=filled_s,
        measure=measure,
        footer=footer,
    )
    return {"wide": chart}


def forest_alt(a: AnalysisResult, measure: str) -> TextAlternative:
    """Text alternative of the forest plot: one sentence and the plotted numbers."""
    rows = [
        [plot_label(u), fmt_ci(u.hr, u.ci_lower, u.ci_upper), num(_weight(u, a.primary), 1)]
        for u in a.used
    ]
    for res in (a.fixed, a.random):
        if res is not None:
            rows.append(
                [model_label(res), fmt_ci(res.estimate, res.ci_lower, res.ci_upper), "100.0"]
            )
    primary = a.primary_result
    summary = (
        f"Forest plot of {len(a.used)} stud{'y' if len(a.used) == 1 else 'ies'}; "
        f"primary model {a.primary or 'none'}: {measure} "
        f"{_ci_of(primary)}."
    )
    header = ci_header(measure, a.ci_level)
    return TextAlternative(summary, table(["Study", header, "Weight %"], rows))


def items_alt(items: Sequence[ForestItem], measure: str, summary: str) -> TextAlternative:
    """Text alternative of a forest plot from its rows (headings included as rows)."""
    rows = [
        [
            i.label,
            fmt_ci(i.estimate, i.lower, i.upper) if i.kind != "heading" else "",
            num(i.weight, 1) if i.kind != "heading" else "",
        ]
        for i in items
        if i.kind != "interval"
    ]
    ci = ci_header(measure, CI_LEVEL)
    return TextAlternative(summary, table(["Row", ci, "Weight %"], rows))


def sensitivity_alt(rows, label_field: str, header: str, measure: str) -> TextAlternative:
    """Text alternative for a leave-one-out or cumulative plot."""
    body = [
        [
            getattr(r, label_field),
            str(r.k),
            fmt_ci(r.estimate, r.ci_lower, r.ci_upper),
            pval(r.p),
        ]
        for r in rows
    ]
    ci = ci_header(measure, CI_LEVEL)
    return TextAlternative(table=table([header, "k", ci, "p"], body))


def funnel_alt(a: AnalysisResult, measure: str) -> TextAlternative:
    """Text alternative for the funnel plot: each study's log ratio and SE."""
    rows = [[u.label, num(u.log_hr, 4), num(u.se, 4)] for u in a.used]
    return TextAlternative(table=table(["Study", f"log {measure}", "SE"], rows))


def _ci_of(res: PoolResult | None) -> str:
    return fmt_ci(res.estimate, res.ci_lower, res.ci_upper) if res else MISSING
