"""Home and the analyses index: the summary of findings, one row per analysis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from evreg.data.formats import MISSING, ci_label, fmt_ci, fmt_pct, fmt_ratio, plural, text
from evreg.data.scope import in_review
from evreg.review.plan import AnalysisResult
from evreg.review.results import CI_LEVEL
from evreg.site.html import rel
from evreg.site.viewmodel import Cell, Joined, Link, Table, table
from evreg.site.views.certainty import Footnotes, grade, statement
from evreg.site.views.context import SiteContext, analysis_link, hand_written

SOF_HEADERS = (
    "Outcome (analysis)",
    "Studies (patients)",
    f"Relative effect, all eligible studies [{ci_label(CI_LEVEL)}]",
    "The review's studies only",
    "Certainty of the evidence (GRADE)",
    "What this means",
    "Comments",
    "The review's published result, and its certainty today",
)


@dataclass(frozen=True)
class SummaryOfFindings:
    """The GRADE summary of findings: the table, its numbered footnotes (id, label, text) with
    the reasons for each certainty, and a text-only version (one paragraph per analysis)."""

    table: Table
    notes: tuple[tuple[str, str, str], ...]
    text: tuple[str, ...]
    methods: Link


@dataclass(frozen=True)
class HomeView:
    """The home page: the hand-written intro, the question, the data version, the summary."""

    intro: Markup
    question: str
    version: str
    created: str
    unreleased: str  # "Unreleased data: changes since data version 1.0.0 (...)", or ""
    name: str
    n_studies: int
    studies_split: str
    n_estimates: int
    n_analyses: int
    summary: SummaryOfFindings


def _effect(
    a: AnalysisResult, measure: str, favours: tuple[str, str], higher: bool, survival: str | None
) -> str:
    """What the pooled ratio's direction means, in words (``survival``: the outcome's name
    when it is a survival outcome)."""
    if survival:
        return (
            f"high {a.biomarker} is associated with {'shorter' if higher else 'longer'} {survival}"
        )
    side = favours[1] if higher else favours[0]
    return f"the pooled {measure} is {'above' if higher else 'below'} 1 ({side.lower()})"


def _heterogeneity(a: AnalysisResult) -> str:
    """The clause on substantial heterogeneity (I² > 50%), or ""."""
    res = a.primary_result
    if res is None or res.I2 is None or res.I2 <= 50:
        return ""
    line = f"; heterogeneity is substantial (I² = {fmt_pct(res.I2)})"
    pi = a.random
    if pi is not None and pi.pi_lower is not None and pi.pi_lower < 1 < pi.pi_upper:
        line += (
            f" and the prediction interval ({fmt_ratio(pi.pi_lower)} to "
            f"{fmt_ratio(pi.pi_upper)}) shows a new study could find either direction"
        )
    return line


def _patients(studies: Mapping[str, Mapping], ids: list[str]) -> str:
    """ "117 patients"; "at least 90 patients (N not recorded for 1)"; "N not recorded" """
    ns = [studies.get(i, {}).get("n") for i in ids]
    known = [n for n in ns if isinstance(n, int)]
    if not known:
        return "N not recorded" if ids else "no patients"
    total = plural(sum(known), "patient")
    missing = len(ns) - len(known)
    return f"at least {total} (N not recorded for {missing})" if missing else total


def _counts_cell(ctx: SiteContext, a: AnalysisResult) -> str:
    """Studies with usable estimates and their patients: the review's, then those added."""
    studies = {str(s["study_id"]): s for s in ctx.package.studies}
    review = [u.study_id for u in a.used if u.in_review]
    added = [u.study_id for u in a.used if not u.in_review]
    of = a.k_in_review if a.k_in_review is not None else MISSING
    line = f"{a.k_review_with_data} of {of} (review)"
    line += f", {_patients(studies, review)}" if review else ""
    if added:
        line += f"; + {len(added)} added, {_patients(studies, added)}"
    return line


def _survival(ctx: SiteContext, a: AnalysisResult) -> str | None:
    return ctx.outcome_name(a.outcome) if ctx.survival_outcome(a.outcome) else None


def _review_only_cell(a: AnalysisResult) -> str:
    """The review's studies only: "same" when no study was added (no duplicate number)."""
    if not a.k_added_with_data:
        return "same (no study added)"
    res = a.review_view.primary_result
    if res is None:
        return "not estimable (no usable estimate)"
    return f"{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}, k = {res.k}"


def conclusion(
    a: AnalysisResult, measure: str, favours: tuple[str, str], survival: str | None = None
) -> str:
    """One plain-language line on what can and cannot be concluded (no hedging beyond data);
    ``survival``: the outcome's name when it is a survival outcome."""
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
            f"{_effect(a, measure, favours, higher, survival)} ({measure} "
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


def _published_cell(ctx: SiteContext, a: AnalysisResult, measure: str, notes: Footnotes) -> Cell:
    """Each published result (its subgroup level first) with its certainty today."""
    parts: list[Cell] = []
    for p in a.published:
        level = ctx.words.value("published_results", "subgroup_level", p.get("subgroup_level"))
        hr = fmt_ci(p.get("hr"), p.get("ci_lower"), p.get("ci_upper"))
        what = f"{level}: " if level else ""
        prefix = f"The review's result{f' ({level})' if level else ''}: "
        rated = grade(ctx, p.get("certainty"), notes, prefix)
        parts.append(Joined((f"{what}{measure} {hr} (k = {p.get('k')})", rated), " "))
    if not parts:
        return "not recorded"
    return Joined(tuple(parts), "; ") if len(parts) > 1 else parts[0]


def _effect_cell(a: AnalysisResult, measure: str) -> str:
    res = a.primary_result
    return (
        f"{measure} {fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}" if res else "not estimable"
    )


def _text_version(ctx: SiteContext, a: AnalysisResult, row: list[Cell]) -> str:
    """The row as sentences, for readers who prefer prose to a wide table."""
    c = a.certainty
    certainty = (
        f"Certainty of the evidence: {c.level}. {ctx.words.relabel(c.summary)}"
        if c is not None
        else "Certainty not rated."
    )
    published = "; ".join(
        f"{fmt_ci(p.get('hr'), p.get('ci_lower'), p.get('ci_upper'))} (k = {p.get('k')}), "
        f"certainty today {p['certainty'].level}"
        for p in a.published
        if p.get("certainty") is not None
    )
    return " ".join(
        [
            f"{a.title}. Studies with usable estimates: {row[1]}.",
            f"Relative effect: {row[2]}.",
            certainty,
            str(row[5]),
            f"The review published: {published}." if published else "",
        ]
    ).strip()


def summary_table(ctx: SiteContext, from_dir: str) -> SummaryOfFindings:
    """The GRADE summary of findings (one row per analysis), links relative to ``from_dir``;
    footnote ids are unique on the page."""
    notes = Footnotes("sof-note")
    rows: list[list[Cell]] = []
    text = []
    for a in ctx.results.analyses:
        measure = ctx.measure(a.analysis_id)
        row: list[Cell] = [
            analysis_link(from_dir, a.analysis_id, a.title),
            _counts_cell(ctx, a),
            _effect_cell(a, measure),
            _review_only_cell(a),
            grade(ctx, a.certainty, notes),
            statement(ctx, a),
            conclusion(a, measure, ctx.favours(a), _survival(ctx, a)),
            _published_cell(ctx, a, measure, notes),
        ]
        rows.append(row)
        text.append(_text_version(ctx, a, row))
    return SummaryOfFindings(
        table(SOF_HEADERS, rows, cls="evreg-sof evreg-cards", label="Summary of findings"),
        notes.items(),
        tuple(text),
        Link(rel(from_dir, "methods/"), "the Methods page"),
    )


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
        unreleased=text(pkg.shown_version) if pkg.unreleased else "",
        name=text(pkg.descriptor.get("name", "")),
        n_studies=len(pkg.studies),
        studies_split=split if added else "all from the source review",
        n_estimates=len(pkg.estimates),
        n_analyses=len(ctx.results.analyses),
        summary=summary_table(ctx, ""),
    )
