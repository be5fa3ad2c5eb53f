"""Generated pages: Home, one page per analysis, Studies (+ a page per study), candidates.

Each function returns Markdown text whose data-driven parts are raw HTML blocks built with
:mod:`evreg.site.html` (so every contributor string is escaped, and Markdown syntax in data is
never interpreted). Pages live at ``<dir>/index.md`` so a page's URL is its directory and
relative links in raw HTML resolve the same way in MkDocs and in the browser.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from evreg.data.package import Package
from evreg.review.plan import AnalysisResult, PendingEstimate, RegistryResults, study_labels
from evreg.site.charts import ChartWriter
from evreg.site.forest import (
    forest_alt,
    forest_spec,
    funnel_spec,
    heterogeneity_line,
    model_label,
    overall_line,
    sensitivity_alt,
    sensitivity_spec,
    subgroup_spec,
    subgroup_test_line,
)
from evreg.site.html import block, esc, front_matter, link, num, para, pval, rel, table
from evreg.site.plots import fmt_ci, fmt_ratio

OUTCOME_NAMES = {"PFS": "progression-free survival", "OS": "overall survival"}
SHORTER = {"PFS": "shorter progression-free survival", "OS": "shorter overall survival"}


@dataclass(frozen=True)
class SiteContext:
    """What every page generator needs: the package, the results and the chart writer."""

    package: Package
    results: RegistryResults
    charts: ChartWriter

    @functools.cached_property
    def plan(self) -> dict[str, dict]:
        return {a["analysis_id"]: a for a in self.package.analyses}

    @functools.cached_property
    def labels(self) -> dict[str, str]:
        """RevMan-style study labels by study id."""
        return study_labels(self.package.studies)

    @functools.cached_property
    def estimates_by_study(self) -> dict[str, list[dict[str, str]]]:
        """Raw (as printed) estimate rows by study id, in file order."""
        out: dict[str, list[dict[str, str]]] = {}
        for row in self.package.raw_tables.get("estimates", ()):
            out.setdefault(row.get("study_id", ""), []).append(row)
        return out

    @functools.cached_property
    def pooled_in(self) -> dict[str, list[str]]:
        """Analysis ids that pool each estimate, by estimate id."""
        out: dict[str, list[str]] = {}
        for a in self.results.analyses:
            for u in a.used:
                out.setdefault(u.estimate_id, []).append(a.analysis_id)
        return out

    def measure(self, analysis_id: str) -> str:
        return self.plan.get(analysis_id, {}).get("effect_measure") or "HR"

    def favours(self, a: AnalysisResult) -> tuple[str, str]:
        row = self.plan.get(a.analysis_id, {})
        return (
            row.get("favours_lower") or f"Favours high {a.biomarker}",
            row.get("favours_higher") or f"Favours low {a.biomarker}",
        )


def analysis_dir(analysis_id: str) -> str:
    return f"analyses/{analysis_id}"


def study_dir(study_id: str) -> str:
    return f"studies/{study_id}"


def study_link(from_dir: str, study_id: str, text: str) -> str:
    return link(rel(from_dir, study_dir(study_id) + "/"), text)


def status_badge(status: str) -> str:
    return f'<span class="evreg-status evreg-status-{esc(status)}">{esc(status)}</span>'


# ----------------------------------------------------------------------------- Home


def conclusion(a: AnalysisResult, measure: str, favours: tuple[str, str]) -> str:
    """One plain-language line on what can and cannot be concluded (no hedging beyond data)."""
    of_review = f" of {a.k_in_review} in the review" if a.k_in_review else ""
    res = a.primary_result
    if res is None:
        return (
            f"No usable estimate yet (0{of_review}): nothing can be concluded from the registry, "
            "and the review's pooled result cannot be reproduced from available sources."
        )
    if a.k_with_data == 1:
        u = a.used[0]
        return (
            f"Only one study ({u.label}{of_review}) has usable data, {measure} "
            f"{fmt_ci(u.hr, u.ci_lower, u.ci_upper)}; one study cannot show a consistent "
            "association, so no pooled conclusion is possible."
        )
    higher = bool(res.estimate and res.estimate > 1)
    if a.outcome in OUTCOME_NAMES:
        effect = f"high {a.biomarker} is associated with " + (
            SHORTER[a.outcome] if higher else f"longer {OUTCOME_NAMES[a.outcome]}"
        )
    else:
        side = favours[1] if higher else favours[0]
        effect = f"the pooled {measure} is {'above' if higher else 'below'} 1 ({side.lower()})"
    line = f"{a.k_with_data} studies{of_review}: "
    if res.significant:
        line += (
            f"{effect} ({measure} "
            f"{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}; the CI excludes 1)"
        )
    else:
        line += (
            f"the CI ({fmt_ratio(res.ci_lower)} to {fmt_ratio(res.ci_upper)}) includes 1, so "
            "the data are compatible with no association"
        )
    if res.I2 is not None and res.I2 > 50:
        line += f"; heterogeneity is substantial (I² = {res.I2:.0f}%)"
        if a.random is not None and a.random.pi_lower is not None:
            line += (
                f" and the prediction interval ({fmt_ratio(a.random.pi_lower)} to "
                f"{fmt_ratio(a.random.pi_upper)}) shows a new study could find either direction"
                if a.random.pi_lower < 1 < a.random.pi_upper
                else ""
            )
    if a.k_in_review and a.k_with_data < a.k_in_review:
        line += f"; {a.k_in_review - a.k_with_data} of the review's studies are still pending"
    return line + "."


def _published_overall(a: AnalysisResult) -> dict | None:
    return next((p for p in a.published if not p.get("subgroup_level")), None)


def summary_rows(ctx: SiteContext, from_dir: str) -> list[list[str]]:
    rows = []
    for a in ctx.results.analyses:
        measure = ctx.measure(a.analysis_id)
        res = a.primary_result
        pub = _published_overall(a)
        pub_text = (
            f"{fmt_ci(pub['hr'], pub['ci_lower'], pub['ci_upper'])} (k = {pub['k']})"
            if pub
            else ("subgroups only" if a.published else "not recorded")
        )
        rows.append(
            [
                link(rel(from_dir, analysis_dir(a.analysis_id) + "/"), a.title),
                f"{a.k_with_data} / {a.k_in_review if a.k_in_review is not None else '—'}",
                esc(fmt_ci(res.estimate, res.ci_lower, res.ci_upper)) if res else "not estimable",
                pval(res.p) if res else "—",
                (f"{res.I2:.0f}%" if res and res.I2 is not None else "—"),
                esc(f"{a.primary}: {a.rule.reason}") if a.rule else "—",
                esc(pub_text),
                esc(conclusion(a, measure, ctx.favours(a))),
            ]
        )
    return rows


SOF_HEADERS = [
    "Analysis",
    "k data / review",
    "Ratio [95% CI]",
    "p",
    "I²",
    "Model (why)",
    "Published",
    "What this shows",
]


def summary_table(ctx: SiteContext, from_dir: str) -> str:
    """The summary-of-findings table (one row per analysis), links relative to ``from_dir``."""
    return para(
        "Per analysis: studies with a usable estimate / studies in the review; the primary "
        "model's pooled ratio [95% CI] (high vs low); p; I²; the model the review's rule picks "
        "and why; the review's published result; what can and cannot be concluded."
    ) + table(SOF_HEADERS, summary_rows(ctx, from_dir), cls="evreg-sof")


def analyses_index_page(ctx: SiteContext) -> str:
    """analyses/: every analysis of the plan with its headline numbers."""
    return front_matter("Analyses") + block(summary_table(ctx, "analyses"))


def home_page(ctx: SiteContext, intro: str) -> str:
    pkg = ctx.package
    review = pkg.review
    question = review.get("question")
    parts = [front_matter("Home"), intro.rstrip() + "\n" if intro else ""]
    head = []
    if question:
        head.append(para(f"<strong>Question.</strong> {esc(question)}"))
    head.append(
        para(
            f"Data version <strong>{esc(pkg.version)}</strong> of {esc(pkg.created[:10])} "
            f"({esc(pkg.descriptor.get('name', ''))}): {len(pkg.studies)} studies, "
            f"{len(pkg.estimates)} estimates, {len(ctx.results.analyses)} analyses.",
            "evreg-callout",
        )
    )
    parts.append(block(*head))
    parts.append("## Summary of findings\n")
    parts.append(block(summary_table(ctx, "")))
    return "\n".join(p for p in parts if p)


# ----------------------------------------------------------------------------- analysis page


def _plan_block(ctx: SiteContext, a: AnalysisResult, here: str) -> str:
    row = ctx.plan.get(a.analysis_id, {})
    items = [
        ("Biomarker", a.biomarker),
        ("Outcome", OUTCOME_NAMES.get(a.outcome, a.outcome)),
        ("Qualifying time points", row.get("timepoints")),
        ("Qualifying comparisons", row.get("comparisons")),
        ("Qualifying models (preference order)", row.get("models")),
        ("Model rule", row.get("model_rule")),
        ("Random-effects tau² method", a.random_method),
        ("Subgroup variable", a.subgroup_variable or "none"),
        ("Sensitivity analyses", ", ".join(a.sensitivity) or "none in the plan"),
        ("Notes", row.get("notes")),
    ]
    rows = [[esc(k), esc(v if v is not None else "")] for k, v in items]
    if a.parent_analysis:
        rows.append(
            [
                "Parent analysis",
                link(rel(here, analysis_dir(a.parent_analysis) + "/"), a.parent_analysis),
            ]
        )
    return table(["Plan", ""], rows, cls="evreg-plan")


def _status_block(a: AnalysisResult, measure: str) -> str:
    review = f"{a.k_in_review}" if a.k_in_review is not None else "unknown"
    text = (
        f"<strong>{a.k_with_data}</strong> of the review's {esc(review)} studies have a usable "
        f"estimate; {len(a.pending)} qualifying estimate(s) are pending."
    )
    if a.k_with_data == 0:
        text += (
            " <strong>Nothing can be pooled yet.</strong> The pending estimates below are "
            "what is missing."
        )
    elif a.k_with_data == 1:
        text += (
            " <strong>Only one usable estimate:</strong> the 'pooled' result is that study "
            "itself; heterogeneity, leave-one-out and small-study tests do not apply."
        )
    return para(text, "evreg-callout" + (" evreg-warning" if a.k_with_data < 2 else ""))


def _numbers_table(a: AnalysisResult, measure: str, here: str) -> str:
    rows, classes = [], []
    for u in a.used:
        printed = fmt_ci(u.hr_as_printed, u.ci_lower_as_printed, u.ci_upper_as_printed)
        direction = esc(u.comparison) + (" (harmonised: reciprocal)" if u.harmonised else "")
        source = link(u.source_url, "source", external=True) if u.source_url else ""
        rows.append(
            [
                study_link(here, u.study_id, u.label),
                esc(u.estimate_id),
                esc(printed),
                direction,
                esc(fmt_ci(u.hr, u.ci_lower, u.ci_upper)),
                num(u.log_hr, 4),
                num(u.se, 4),
                num(u.weight_fixed, 1),
                num(u.weight_random, 1),
                f"{source} {esc(u.source_location or '')}".strip(),
            ]
        )
        classes.append("")
    for res in (a.fixed, a.random):
        if res is None:
            continue
        rows.append(
            [
                esc(
                    f"Total: {model_label(res)}" + (" (primary)" if res.model == a.primary else "")
                ),
                f"k = {res.k}",
                "",
                "",
                esc(fmt_ci(res.estimate, res.ci_lower, res.ci_upper)),
                num(res.log_estimate, 4),
                num(res.se, 4),
                "100.0" if res.method == "FE" else "",
                "100.0" if res.method != "FE" else "",
                "p " + pval(res.p),
            ]
        )
        classes.append("evreg-total")
    return table(
        [
            "Study",
            "Estimate",
            f"{measure} [CI] as printed",
            "Direction",
            f"{measure} [95% CI] high vs low",
            f"log {measure}",
            "SE",
            "Weight fixed %",
            "Weight random %",
            "Source",
        ],
        rows,
        row_classes=classes,
        cls="evreg-numbers",
    )


def _models_table(a: AnalysisResult) -> str:
    rows = []
    for res in (a.fixed, a.random):
        if res is None:
            continue
        rows.append(
            [
                esc(model_label(res) + (" — primary" if res.model == a.primary else "")),
                str(res.k),
                esc(fmt_ci(res.estimate, res.ci_lower, res.ci_upper)),
                pval(res.p),
                num(res.tau2, 4) if res.method != "FE" else "0 (assumed)",
                num(res.Q, 2),
                str(res.Q_df),
                pval(res.Q_p),
                num(res.I2, 1),
                esc(fmt_ci(None, None, None))
                if res.pi_lower is None
                else esc(f"{fmt_ratio(res.pi_lower)} to {fmt_ratio(res.pi_upper)}"),
            ]
        )
    return table(
        [
            "Model",
            "k",
            "Ratio [95% CI]",
            "p",
            "tau²",
            "Q",
            "df",
            "Q p",
            "I² %",
            "95% prediction interval",
        ],
        rows,
    )


def _published_table(a: AnalysisResult, measure: str) -> str:
    rows = []
    for p in a.published:
        level = p.get("subgroup_level") or "overall"
        ours = a.primary_result
        if p.get("subgroup_level") and a.subgroups is not None:
            sg = a.subgroups.random if a.primary == "random" else a.subgroups.fixed
            ours = sg.groups.get(p["subgroup_level"]) if sg is not None else None
        rows.append(
            [
                esc(level),
                esc(p.get("k")),
                esc(p.get("model") or "not stated"),
                esc(fmt_ci(p.get("hr"), p.get("ci_lower"), p.get("ci_upper"))),
                esc(p.get("p_as_printed") or ""),
                esc(p.get("i2_percent") if p.get("i2_percent") is not None else ""),
                esc(p.get("q_p_as_printed") or ""),
                (f"k = {ours.k}: " + esc(fmt_ci(ours.estimate, ours.ci_lower, ours.ci_upper)))
                if ours
                else "not estimable",
                esc(p.get("source_location") or ""),
            ]
        )
    if not rows:
        return para("No published result is recorded for this analysis.")
    return table(
        [
            "Level",
            "k (review)",
            "Model (review)",
            f"Review {measure} [CI]",
            "p (review)",
            "I² % (review)",
            "Q p (review)",
            "Registry (primary model)",
            "Where printed",
        ],
        rows,
    )


def _pending_table(items: Sequence[PendingEstimate], here: str) -> str:
    if not items:
        return para("None.")
    rows = [
        [
            esc(p.estimate_id),
            study_link(here, p.study_id, p.label),
            status_badge(p.status),
            esc(p.reason),
        ]
        for p in items
    ]
    return table(
        ["Estimate", "Study", "Status", "Why it is not pooled"],
        rows,
        row_classes=["evreg-pending"] * len(rows),
    )


def _skipped(a: AnalysisResult, key: str, heading: str, rows: object, empty: str) -> list[str]:
    """The section's heading and why it is empty, or [] when there is something to show."""
    if key not in a.sensitivity:
        return [heading, block(para("Not part of the plan for this analysis."))]
    if not rows:
        return [heading, block(para(esc(empty)))]
    return []


def _sensitivity_chart(
    ctx: SiteContext,
    a: AnalysisResult,
    here: str,
    measure: str,
    names: tuple[str, str, str],
    rows: Sequence,
    footer: list[str],
    flags: list[bool],
    caption: str,
) -> str:
    """A leave-one-out or cumulative chart; names = (chart name, row label field, header)."""
    name, field, header = names
    spec = ctx.charts.spec(
        sensitivity_spec, rows, field, measure, ctx.favours(a), header, footer, flags
    )
    title = f"{name.replace('-', ' ').capitalize()} forest plot"
    alt_html = sensitivity_alt(rows, field, header, measure)
    return ctx.charts.embed(here, name, spec, title=title, caption=caption, alt_html=alt_html)


def _loo_section(ctx: SiteContext, a: AnalysisResult, here: str, measure: str) -> list[str]:
    heading = "## Leave-one-out analysis\n"
    loo = a.leave_one_out
    empty = f"Needs at least two studies; this analysis has {a.k_with_data}."
    skipped = _skipped(a, "leave_one_out", heading, loo.rows if loo else (), empty)
    if skipped or loo is None:
        return skipped
    out = [heading]
    flags = [r.significance_flip or r.direction_flip for r in loo.rows]
    footer = [
        f"Each row: the analysis ({model_label(loo.overall)}) without that study.",
        "Red: omitting the study changes significance or direction.",
    ]
    chart = _sensitivity_chart(
        ctx,
        a,
        here,
        measure,
        ("leave-one-out", "omitted", "Study omitted"),
        loo.rows,
        footer,
        flags,
        "Leave-one-out analysis (primary model).",
    )
    rows = [
        [
            esc(r.omitted),
            str(r.k),
            esc(fmt_ci(r.estimate, r.ci_lower, r.ci_upper)),
            pval(r.p),
            num(r.I2, 1),
            num(r.tau2, 4),
            esc(
                "; ".join(
                    t
                    for t, f in (
                        ("significance changes", r.significance_flip),
                        ("direction changes", r.direction_flip),
                    )
                    if f
                )
                or "no"
            ),
        ]
        for r in loo.rows
    ]
    n_flip = sum(flags)
    summary = (
        f"{n_flip} of {len(loo.rows)} omissions change significance or direction."
        if n_flip
        else "No single omission changes significance or direction."
    )
    return out + [
        block(
            chart,
            para(esc(summary)),
            table(
                ["Omitted", "k", f"{measure} [95% CI]", "p", "I² %", "tau²", "Flip"],
                rows,
                row_classes=["evreg-flip" if f else "" for f in flags],
            ),
        )
    ]


def _cumulative_section(ctx: SiteContext, a: AnalysisResult, here: str, measure: str) -> list[str]:
    heading = "## Cumulative meta-analysis by year\n"
    cum = a.cumulative
    skipped = _skipped(a, "cumulative", heading, cum.rows if cum else (), "No usable estimate yet.")
    if skipped or cum is None:
        return skipped
    out = [heading]
    footer = ["Each row pools all studies up to and including that one (by publication year)."]
    chart = _sensitivity_chart(
        ctx,
        a,
        here,
        measure,
        ("cumulative", "added", "Study added"),
        cum.rows,
        footer,
        [False] * len(cum.rows),
        "Cumulative meta-analysis in order of publication year.",
    )
    return out + [block(chart)]


def _small_study_section(ctx: SiteContext, a: AnalysisResult, here: str, measure: str) -> list[str]:
    heading = "## Small-study effects: funnel plot, Egger's test, trim-and-fill\n"
    eg, tf = a.egger, a.trim_and_fill
    reason = eg.reason if eg is not None else "no usable estimate"
    available = eg is not None and eg.available
    skipped = _skipped(a, "small_study", heading, available, f"Not assessed: {reason}")
    if skipped or eg is None:
        return skipped
    out = [heading]
    spec = ctx.charts.spec(funnel_spec, a, measure)
    alt_rows = [[esc(u.label), num(u.log_hr, 4), num(u.se, 4)] for u in a.used]
    chart = ctx.charts.embed(
        here,
        "funnel",
        spec,
        title="Funnel plot",
        caption="Funnel plot: pseudo 95% limits around the fixed-effect estimate; "
        "open circles are trim-and-fill's imputed studies.",
        alt_html=table(["Study", f"log {measure}", "SE"], alt_rows),
    )
    rows = [
        [
            "Egger's test (bias = slope on SE)",
            esc(f"{eg.bias:.3f} (SE {eg.se:.3f})"),
            esc(f"t = {eg.t:.2f}, df = {eg.df}"),
            pval(eg.p),
        ]
    ]
    if tf is not None and tf.available and tf.pooled is not None:
        rows.append(
            [
                "Trim-and-fill (L0)",
                esc(f"{tf.k0} imputed on the {tf.side}"),
                esc(
                    f"adjusted {measure} "
                    f"{fmt_ci(tf.pooled.estimate, tf.pooled.ci_lower, tf.pooled.ci_upper)}"
                ),
                pval(tf.pooled.p),
            ]
        )
    elif tf is not None:
        rows.append(["Trim-and-fill", esc(tf.reason), "", ""])
    return out + [block(chart, table(["Method", "Result", "Statistic", "p"], rows))]


def _subgroup_section(ctx: SiteContext, a: AnalysisResult, here: str, measure: str) -> list[str]:
    sg = a.subgroups
    out = [f"## Subgroups: {esc(a.subgroup_variable)}\n"] if a.subgroup_variable else []
    if not a.subgroup_variable:
        return []
    if sg is None or sg.fixed is None:
        return out + [block(para("No study with a usable estimate reports this variable yet."))]
    spec = ctx.charts.spec(subgroup_spec, a, measure, ctx.favours(a))
    test = sg.random if a.primary == "random" else sg.fixed
    chart = ctx.charts.embed(
        here,
        "subgroups",
        spec,
        title="Subgroup forest plot",
        caption=f"Subgroups by {a.subgroup_variable}.",
        alt_html=forest_alt(a, measure),
    )
    rows = []
    for level in sg.levels:
        for res in (sg.fixed.groups.get(level), sg.random.groups.get(level)):
            if res is not None:
                rows.append(
                    [
                        esc(level),
                        esc(model_label(res)),
                        str(res.k),
                        esc(fmt_ci(res.estimate, res.ci_lower, res.ci_upper)),
                        pval(res.p),
                        num(res.I2, 1),
                    ]
                )
    outside = ""
    if sg.unclassified:
        outside = para(
            esc(
                f"Outside the subgroups ({a.subgroup_variable} not reported): "
                + ", ".join(sg.unclassified)
            )
        )
    return out + [
        block(
            chart,
            para(esc(subgroup_test_line(test))),
            table(["Level", "Model", "k", f"{measure} [95% CI]", "p", "I² %"], rows),
            outside,
        )
    ]


def analysis_page(ctx: SiteContext, a: AnalysisResult) -> str:
    here = analysis_dir(a.analysis_id)
    measure = ctx.measure(a.analysis_id)
    parts = [
        front_matter(a.title),
        block(
            para(esc(a.title), "evreg-lead"), _status_block(a, measure), _plan_block(ctx, a, here)
        ),
    ]
    parts.append("## Forest plot\n")
    if a.used:
        chart = ctx.charts.embed(
            here,
            "forest",
            ctx.charts.spec(forest_spec, a, measure, ctx.favours(a)),
            title=f"Forest plot: {a.title}",
            caption=f"{measure} high vs low with 95% CI; squares sized by weight.",
            alt_html=forest_alt(a, measure),
        )
        parts.append(block(chart))
    else:
        parts.append(block(para("No forest plot: no qualifying estimate has a ratio and CI yet.")))
    parts.append("## The numbers\n")
    if a.used:
        parts.append(
            block(
                _numbers_table(a, measure, here),
                _models_table(a),
                para(esc(heterogeneity_line(a.random if a.primary == "random" else a.fixed))),
                para(esc(overall_line(a.primary_result))),
            )
        )
    else:
        parts.append(block(para("No estimates to tabulate yet.")))
    parts.append("## Which model, and why\n")
    if a.rule is not None:
        other = a.random if a.primary == "fixed" else a.fixed
        parts.append(
            block(
                para(esc(f"Primary model: {a.primary}. {a.rule.reason}.")),
                para(
                    esc(
                        f"Both models are always computed; the other one ({model_label(other)}) "
                        f"gives "
                        f"{fmt_ci(other.estimate, other.ci_lower, other.ci_upper)}."
                    )
                )
                if other
                else "",
            )
        )
    else:
        parts.append(block(para("No model can be fitted without data.")))
    parts.append("## Published result beside ours\n")
    parts.append(block(_published_table(a, measure)))
    parts += _subgroup_section(ctx, a, here, measure)
    parts += _loo_section(ctx, a, here, measure)
    parts += _cumulative_section(ctx, a, here, measure)
    parts += _small_study_section(ctx, a, here, measure)
    parts.append("## Pending estimates\n")
    parts.append(
        block(
            para("Qualifying estimates that cannot be pooled yet, with their status and why."),
            _pending_table(a.pending, here),
        )
    )
    parts.append("## Estimates that do not qualify\n")
    parts.append(
        block(
            para("Same biomarker and outcome, but outside the plan's criteria."),
            _pending_table(a.not_qualifying, here),
        )
    )
    parts.append("## Statistical choices\n")
    notes = list(a.notes) + ([n for n in a.primary_result.notes] if a.primary_result else [])
    parts.append(
        block("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>" if notes else "")
    )
    return "\n".join(parts)
