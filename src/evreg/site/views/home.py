"""Home and the analyses index: the summary of findings, one row per analysis."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from evreg.data.scope import in_review
from evreg.review.plan import AnalysisResult
from evreg.site.formats import fmt_ci, fmt_ratio, pval, text
from evreg.site.viewmodel import Table, table
from evreg.site.views.context import OUTCOME_NAMES, SiteContext, analysis_link, hand_written

SHORTER = {"PFS": "shorter progression-free survival", "OS": "shorter overall survival"}
SOF_HEADERS = (
    "Analysis",
    "Studies with usable estimates",
    "All eligible studies: ratio [95% CI]",
    "p",
    "I²",
    "Model (why)",
    "The review's studies only: ratio [95% CI]",
    "Published",
    "What this shows",
)


@dataclass(frozen=True)
class HomeView:
    """The home page: the hand-written intro, the question, the data version, the summary."""

    intro: Markup
    question: str
    version: str
    created: str
    name: str
    n_studies: int
    studies_split: str
    n_estimates: int
    n_analyses: int
    summary: Table


def _effect(a: AnalysisResult, measure: str, favours: tuple[str, str], higher: bool) -> str:
    """What the pooled ratio's direction means, in words."""
    if a.outcome in OUTCOME_NAMES:
        return f"high {a.biomarker} is associated with " + (
            SHORTER[a.outcome] if higher else f"longer {OUTCOME_NAMES[a.outcome]}"
        )
    side = favours[1] if higher else favours[0]
    return f"the pooled {measure} is {'above' if higher else 'below'} 1 ({side.lower()})"


def _heterogeneity(a: AnalysisResult) -> str:
    """The clause on substantial heterogeneity (I² > 50%), or ""."""
    res = a.primary_result
    if res is None or res.I2 is None or res.I2 <= 50:
        return ""
    line = f"; heterogeneity is substantial (I² = {res.I2:.0f}%)"
    pi = a.random
    if pi is not None and pi.pi_lower is not None and pi.pi_lower < 1 < pi.pi_upper:
        line += (
            f" and the prediction interval ({fmt_ratio(pi.pi_lower)} to "
            f"{fmt_ratio(pi.pi_upper)}) shows a new study could find either direction"
        )
    return line


def _counts_cell(a: AnalysisResult) -> str:
    review = f"{a.k_review_with_data} of {a.k_in_review if a.k_in_review is not None else '—'}"
    added = f" + {a.k_added_with_data} added" if a.k_added_with_data else ""
    return f"{review} (review){added}"


def _review_only_cell(a: AnalysisResult) -> str:
    """The review's studies only: "same" when no study was added (no duplicate number)."""
    if not a.k_added_with_data:
        return "same (no study added)"
    res = a.review_view.primary_result
    if res is None:
        return "not estimable (no usable estimate)"
    return f"{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}, k = {res.k}"


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
        where = f"{of_review}" if u.in_review else ", added since the review"
        return (
            f"Only one study ({u.label}{where}) has usable data, {measure} "
            f"{fmt_ci(u.hr, u.ci_lower, u.ci_upper)}; one study cannot show a consistent "
            "association, so no pooled conclusion is possible."
        )
    higher = bool(res.estimate and res.estimate > 1)
    split = f", {a.k_added_with_data} added since" if a.k_added_with_data else ""
    line = f"{a.k_with_data} studies ({a.k_review_with_data}{of_review}{split}): "
    if res.significant:
        line += (
            f"{_effect(a, measure, favours, higher)} ({measure} "
            f"{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}; the CI excludes 1)"
        )
    else:
        line += (
            f"the CI ({fmt_ratio(res.ci_lower)} to {fmt_ratio(res.ci_upper)}) includes 1, so "
            "the data are compatible with no association"
        )
    line += _heterogeneity(a)
    if a.k_in_review and a.k_review_with_data < a.k_in_review:
        missing = a.k_in_review - a.k_review_with_data
        line += f"; {missing} of the review's studies are still pending"
    return line + "."


def _published_text(a: AnalysisResult) -> str:
    pub = next((p for p in a.published if not p.get("subgroup_level")), None)
    if pub:
        return f"{fmt_ci(pub['hr'], pub['ci_lower'], pub['ci_upper'])} (k = {pub['k']})"
    return "subgroups only" if a.published else "not recorded"


def summary_table(ctx: SiteContext, from_dir: str) -> Table:
    """The summary-of-findings table (one row per analysis), links relative to ``from_dir``."""
    rows = []
    for a in ctx.results.analyses:
        res = a.primary_result
        rows.append(
            [
                analysis_link(from_dir, a.analysis_id, a.title),
                _counts_cell(a),
                fmt_ci(res.estimate, res.ci_lower, res.ci_upper) if res else "not estimable",
                pval(res.p) if res else "—",
                f"{res.I2:.0f}%" if res and res.I2 is not None else "—",
                f"{ctx.model_name(a.primary)}: {a.rule.reason}" if a.rule else "—",
                _review_only_cell(a),
                _published_text(a),
                conclusion(a, ctx.measure(a.analysis_id), ctx.favours(a)),
            ]
        )
    return table(SOF_HEADERS, rows, cls="evreg-sof evreg-cards", label="Summary of findings")


def home_view(ctx: SiteContext, intro: str) -> HomeView:
    """The home page. ``intro`` is the package's hand-written site/index.md ("" if none)."""
    pkg = ctx.package
    added = sum(1 for s in pkg.studies if not in_review(s))
    split = f"{len(pkg.studies) - added} from the source review, {added} added since"
    return HomeView(
        intro=hand_written(intro),
        question=pkg.review.get("question") or "",
        version=text(pkg.version),
        created=pkg.created[:10],
        name=text(pkg.descriptor.get("name", "")),
        n_studies=len(pkg.studies),
        studies_split=split if added else "all from the source review",
        n_estimates=len(pkg.estimates),
        n_analyses=len(ctx.results.analyses),
        summary=summary_table(ctx, ""),
    )
