"""One analysis' page: status, plan, forest plot, numbers, models, published result, sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evreg.data.formats import (
    MISSING,
    ci_header,
    ci_label,
    fmt_ci,
    fmt_interval,
    fmt_level,
    fmt_pct,
    num,
    plural,
    printed_as,
    pval,
    text,
)
from evreg.review.plan import AnalysisResult, PendingEstimate, PooledView
from evreg.review.results import CI_LEVEL
from evreg.site.analysis_figures import (
    forest_alt,
    forest_spec,
    heterogeneity_line,
    model_label,
    overall_line,
)
from evreg.site.derived import method_text
from evreg.site.longtables import shorten
from evreg.site.viewmodel import Badge, Cell, Figure, Joined, Link, Table, external_link, table
from evreg.site.views.certainty import CertaintySection, certainty_section
from evreg.site.views.context import (
    SiteContext,
    analysis_dir,
    analysis_link,
    study_link,
)
from evreg.site.views.sections import (
    Section,
    SmallStudySection,
    cumulative_section,
    leave_one_out_section,
    small_study_section,
    subgroup_section,
)


@dataclass(frozen=True)
class ModelChoice:
    """The primary model and why; the other model's result ("" when there is none)."""

    primary: str
    reason: str
    other: str
    other_ci: str


@dataclass(frozen=True)
class AnalysisView:
    """Everything the analysis page shows. ``usable`` is "none", "one" or "several";
    ``views`` the two pooled results (all eligible studies, the review's studies only), None
    when no study was added (they are then the same)."""

    title: str
    counts: str
    usable: str
    views: Table | None
    plan: Table
    forest: Figure | None
    numbers: Table | None
    models: Table | None
    heterogeneity: str
    overall: str
    rounding_note: str
    choice: ModelChoice | None
    published: Table | None
    certainty: CertaintySection | None
    subgroup_variable: str
    subgroups: Section | None
    leave_one_out: Section | None
    cumulative: Section | None
    small_study: SmallStudySection | None
    pending: Table | None
    not_qualifying: Table | None
    notes: tuple[str, ...]


SENSITIVITY_NAMES = {
    "leave_one_out": "leave-one-out",
    "cumulative": "cumulative by year",
    "small_study": "small-study effects (funnel plot, Egger's test, trim-and-fill)",
}


def counts_sentence(a: AnalysisResult) -> str:
    """Studies with a usable estimate, the review's apart from those added since ("1 of the
    review's 6 studies and 1 study added since have usable estimates"), and what is pending."""
    of = f" of the review's {a.k_in_review}" if a.k_in_review is not None else " of the review's"
    review = f"{a.k_review_with_data}{of} {'study' if a.k_in_review == 1 else 'studies'}"
    if a.k_added_with_data:
        added = plural(a.k_added_with_data, "study", "studies")
        usable = f"{review} and {added} added since have usable estimates"
    else:
        verb = "has a usable estimate" if a.k_review_with_data <= 1 else "have usable estimates"
        usable = f"{review} {verb}, and no study added since has one"
    pending = plural(len(a.pending), "qualifying estimate")
    verb = "is" if len(a.pending) == 1 else "are"
    return f"{usable}; {pending} {verb} pending."


def _view_row(label: str, view: PooledView) -> list[Cell]:
    res = view.primary_result
    if res is None:
        return [label, str(view.k), MISSING, MISSING, MISSING, MISSING]
    why = f"{view.primary}: {view.rule.reason}" if view.rule else str(view.primary)
    return [
        label,
        str(view.k),
        fmt_ci(res.estimate, res.ci_lower, res.ci_upper),
        pval(res.p),
        fmt_pct(res.I2),
        why,
    ]


def _views_table(a: AnalysisResult, measure: str) -> Table | None:
    """The living answer and, beside it, the review's studies only (when they differ) and the
    extracted estimates only (a sensitivity analysis, when some estimates are derived)."""
    if not a.k_added_with_data and a.extracted_only is None:
        return None
    rows = [_view_row("All eligible studies (the living answer)", a.all_view)]
    if a.k_added_with_data:
        rows.append(_view_row("The review's studies only (reproduction, audit)", a.review_view))
    if a.extracted_only is not None:
        label = "Extracted estimates only (sensitivity: derived estimates left out)"
        rows.append(_view_row(label, a.extracted_only))
    headers = [
        "Studies pooled",
        "k",
        ci_header(measure, CI_LEVEL),
        "p",
        "I²",
        "Primary model (why)",
    ]
    return table(
        headers,
        rows,
        cls="evreg-views",
        label="Pooled results: all eligible studies, the review's studies only, extracted only",
    )


def _plan_table(ctx: SiteContext, a: AnalysisResult, here: str) -> Table:
    row = ctx.plan.get(a.analysis_id, {})
    w = ctx.words
    outcome = w.value("analyses", "outcome", a.outcome)
    items = [
        ("biomarker", a.biomarker),
        ("outcome", outcome),
        ("timepoints", w.values("estimates", "timepoint", row.get("timepoints") or "")),
        ("comparisons", w.values("estimates", "comparison", row.get("comparisons") or "")),
        ("models", w.values("estimates", "model", row.get("models") or "")),
        ("model_rule", w.value("analyses", "model_rule", row.get("model_rule"))),
        ("random_method", w.value("analyses", "random_method", a.random_method)),
        (
            "subgroup_variable",
            w.value("analyses", "subgroup_variable", a.subgroup_variable) or "none",
        ),
        (
            "sensitivity",
            ", ".join(SENSITIVITY_NAMES.get(s, s) for s in a.sensitivity) or "none in the plan",
        ),
        ("notes", row.get("notes")),
    ]
    rows: list[list[Cell]] = [[w.title("analyses", k), text(v)] for k, v in items]
    if a.parent_analysis:
        parent = ctx.titles.get(a.parent_analysis, a.parent_analysis)
        rows.append(["Parent analysis", analysis_link(here, a.parent_analysis, parent)])
    return table(["Plan item", "Setting"], rows, cls="evreg-plan", label="Analysis plan")


def source_cell(doi: str | None, url: str | None, location: str | None) -> Cell:
    """An estimate's source: a link to the address the number was read at, where in that
    source it is printed, then the study's DOI as a link of its own."""
    where = text(location).strip()
    parts: list[Cell] = []
    if url:
        parts.append(external_link(url, "where it was read"))
    if where:
        parts.append(where)
    if doi:
        parts.append(Link(f"https://doi.org/{doi}", f"doi:{doi}", external=True))
    if not parts:
        return ""
    return Joined(tuple(parts), " — ") if len(parts) > 1 else parts[0]


def _numbers_table(ctx: SiteContext, a: AnalysisResult, measure: str, here: str) -> Table:
    rows: list[list[Cell]] = []
    classes = []
    for u in a.used:
        printed = fmt_ci(u.hr_as_printed, u.ci_lower_as_printed, u.ci_upper_as_printed)
        note = printed_as(u.ci_level_as_printed, u.ci_level)
        printed += f" ({note})" if note else ""
        if u.derived:  # not printed: derived by evreg (method and inputs on the study page)
            printed = f"not printed: {method_text(u.derivation_method)}"
        rows.append(
            [
                study_link(here, u.study_id, u.label),
                ctx.exposures.get(u.estimate_id) or MISSING,
                printed,
                ctx.words.value("estimates", "comparison", u.comparison)
                + (" (harmonised: reciprocal)" if u.harmonised else ""),
                fmt_ci(u.hr, u.ci_lower, u.ci_upper),
                num(u.log_hr, 4),
                num(u.se, 4),
                num(u.weight_fixed, 1),
                num(u.weight_random, 1),
                source_cell(ctx.dois.get(u.study_id), u.source_url, u.source_location),
            ]
        )
        classes.append("")
    for res in (a.fixed, a.random):
        if res is None:
            continue
        primary = " (primary)" if res.model == a.primary else ""
        rows.append(
            [
                f"Total: {model_label(res)}{primary}",
                f"k = {res.k}",
                "",
                "",
                fmt_ci(res.estimate, res.ci_lower, res.ci_upper),
                num(res.log_estimate, 4),
                num(res.se, 4),
                "100.0" if res.method == "FE" else "",
                "100.0" if res.method != "FE" else "",
                "p " + pval(res.p),
            ]
        )
        classes.append("evreg-total")
    headers = [
        "Study",
        "Exposure",
        f"{measure} [CI] as printed",
        "Direction",
        f"{ci_header(measure, a.ci_level)} high vs low",
        f"log {measure}",
        "SE",
        "Weight fixed %",
        "Weight random %",
        "Source",
    ]
    return table(
        headers, rows, row_classes=classes, cls="evreg-numbers", label="Estimates and weights"
    )


def rounding_note(a: AnalysisResult) -> str:
    """Why a one-study pooled CI can differ from the study's printed one in the last digit (""
    if not, or when the study printed another level: its row says so)."""
    res = a.primary_result
    if res is None or res.k != 1 or len(a.used) != 1:
        return ""
    u = a.used[0]
    printed = fmt_ci(*u.printed_high_vs_low)
    pooled = fmt_ci(res.estimate, res.ci_lower, res.ci_upper)
    if pooled == printed or printed_as(u.ci_level_as_printed, u.ci_level):
        return ""
    return (
        f"The pooled line ({pooled}) is {u.label}'s estimate with a CI recomputed from its SE, "
        f"and the SE is computed from the printed CI ({printed}); the printed bounds are "
        "rounded, so the two can differ in the last digit."
    )


def _models_table(a: AnalysisResult) -> Table:
    """Both models side by side: k, ratio, p, tau², Q, I², prediction interval."""
    rows = []
    for res in (a.fixed, a.random):
        if res is None:
            continue
        pi = (
            fmt_ci(None, None, None)
            if res.pi_lower is None
            else fmt_interval(res.pi_lower, res.pi_upper)
        )
        rows.append(
            [
                model_label(res) + (" — primary" if res.model == a.primary else ""),
                str(res.k),
                fmt_ci(res.estimate, res.ci_lower, res.ci_upper),
                pval(res.p),
                num(res.tau2, 4) if res.method != "FE" else "0 (assumed)",
                num(res.Q, 2),
                str(res.Q_df),
                pval(res.Q_p),
                fmt_pct(res.I2),
                pi,
            ]
        )
    level = fmt_level(a.ci_level)
    headers = ["Model", "k", f"Ratio [{level} CI]", "p", "tau²", "Q", "df", "Q p", "I²"]
    return table(headers + [f"{level} prediction interval"], rows, label="Both models")


def _registry_result(view: PooledView, level: str | None) -> str:
    """A view's primary-model result for a published row (overall or one subgroup level)."""
    ours = view.primary_result
    if level and view.subgroups is not None:
        sg = view.subgroups.random if view.primary == "random" else view.subgroups.fixed
        ours = sg.groups.get(level) if sg is not None else None
    if ours is None:
        return MISSING
    return f"k = {ours.k}: " + fmt_ci(ours.estimate, ours.ci_lower, ours.ci_upper)


def _published_table(ctx: SiteContext, a: AnalysisResult, measure: str) -> Table | None:
    """The review's printed results beside the registry's from the review's own studies (and,
    when studies were added, from all eligible studies)."""
    w = ctx.words
    views = [a.review_view] + ([a.all_view] if a.k_added_with_data else [])
    rows = [
        [
            w.value("published_results", "subgroup_level", p.get("subgroup_level")) or "overall",
            text(p.get("k")),
            w.value("published_results", "model", p.get("model")) or "not stated",
            fmt_ci(p.get("hr"), p.get("ci_lower"), p.get("ci_upper")),
            p.get("p_as_printed") or "",
            text(p.get("i2_percent")),
            p.get("q_p_as_printed") or "",
            *(_registry_result(v, p.get("subgroup_level")) for v in views),
            p.get("source_location") or "",
        ]
        for p in a.published
    ]
    if not rows:
        return None
    headers = ["Level", "k (review)", "Model (review)", f"Review {measure} [CI]", "p (review)"]
    headers += ["I² % (review)", "Q p (review)", "Registry: the review's studies (primary model)"]
    if a.k_added_with_data:
        headers.append("Registry: all eligible studies (primary model)")
    return table([*headers, "Where printed"], rows, label="Published result beside the registry's")


def _pending_table(
    ctx: SiteContext, items: Sequence[PendingEstimate], here: str, label: str
) -> Table | None:
    if not items:
        return None
    rows = [
        [
            study_link(here, p.study_id, p.label),
            ctx.exposures.get(p.estimate_id) or MISSING,
            Badge(p.status, ctx.words.value("estimates", "status", p.status)),
            ctx.say(p.reason),
        ]
        for p in items
    ]
    headers = ["Study", "Exposure", "Status", "Why it is not pooled"]
    return table(headers, rows, row_classes=["evreg-pending"] * len(rows), label=label)


def _numbers(ctx: SiteContext, a: AnalysisResult, measure: str, here: str) -> Table | None:
    """The numbers table (a long one shortened, every row in numbers.csv next to the page)."""
    if not a.used:
        return None
    return shorten(_numbers_table(ctx, a, measure, here), ctx.charts.docs_dir, here, "numbers")


def _choice(ctx: SiteContext, a: AnalysisResult) -> ModelChoice | None:
    if a.rule is None:
        return None
    primary = ctx.model_name(a.primary)
    other = a.random if a.primary == "fixed" else a.fixed
    if other is None:
        return ModelChoice(primary, a.rule.reason, "", "")
    ci = fmt_ci(other.estimate, other.ci_lower, other.ci_upper)
    return ModelChoice(primary, a.rule.reason, model_label(other), ci)


def _forest(ctx: SiteContext, a: AnalysisResult, here: str) -> Figure | None:
    if not a.used:
        return None
    measure = ctx.measure(a.analysis_id)
    return ctx.charts.embed(
        here,
        "forest",
        ctx.charts.spec(forest_spec, a, measure, ctx.favours(a)),
        title=f"Forest plot: {a.title}",
        caption=f"{measure} with {ci_label(a.ci_level)} per study; squares sized by weight.",
        alt=forest_alt(a, measure),
    )


def analysis_view(ctx: SiteContext, a: AnalysisResult) -> AnalysisView:
    """The page of one analysis (charts are written next to it as the view is built)."""
    here = analysis_dir(a.analysis_id)
    measure = ctx.measure(a.analysis_id)
    forest = _forest(ctx, a, here)
    notes = tuple(a.notes) + (tuple(a.primary_result.notes) if a.primary_result else ())
    return AnalysisView(
        title=a.title,
        counts=counts_sentence(a),
        usable={0: "none", 1: "one"}.get(a.k_with_data, "several"),
        views=_views_table(a, measure),
        plan=_plan_table(ctx, a, here),
        forest=forest,
        numbers=_numbers(ctx, a, measure, here),
        models=_models_table(a) if a.used else None,
        heterogeneity=heterogeneity_line(a.random if a.primary == "random" else a.fixed),
        overall=overall_line(a.primary_result),
        rounding_note=rounding_note(a),
        choice=_choice(ctx, a),
        published=_published_table(ctx, a, measure),
        certainty=certainty_section(ctx, a),
        subgroup_variable=ctx.words.value("analyses", "subgroup_variable", a.subgroup_variable),
        subgroups=subgroup_section(ctx, a, here),
        leave_one_out=leave_one_out_section(ctx, a, here),
        cumulative=cumulative_section(ctx, a, here),
        small_study=small_study_section(ctx, a, here),
        pending=_pending_table(ctx, a.pending, here, "Pending estimates"),
        not_qualifying=_pending_table(ctx, a.not_qualifying, here, "Estimates that do not qualify"),
        notes=notes,
    )
