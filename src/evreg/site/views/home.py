"""Home and the analyses index: the summary of findings, one row per analysis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from evreg.data.formats import (
    MISSING,
    ci_label,
    fmt_ci,
    fmt_interval,
    fmt_pct,
    plural,
    text,
)
from evreg.data.scope import in_review
from evreg.review.absolute import headline
from evreg.review.certainty.model import DOMAIN_LABELS, rated_down
from evreg.review.certainty.published import Reliability
from evreg.review.plan import AnalysisResult
from evreg.review.results import CI_LEVEL, UsedEstimate
from evreg.site.html import rel
from evreg.site.viewmodel import Cell, Grade, Joined, Link, Table, table
from evreg.site.views.absolute import first_absolute
from evreg.site.views.certainty import Footnotes, grade, statement
from evreg.site.views.context import SiteContext, analysis_link, hand_written

SOF_HEADERS = (
    "Outcome (analysis)",
    "Studies (patients)",
    f"Relative effect, all eligible studies [{ci_label(CI_LEVEL)}], and absolute effect",
    "The review's studies only",
    "Certainty of the evidence (GRADE)",
    "What this means",
    "Comments",
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
class Answer:
    """One question's answer today, for the top of the home page: the analysis (a link), the
    pooled ratio with its CI, the certainty, the absolute effect when a baseline is known, the
    studies and patients behind it, and why it differs from the review's printed result."""

    link: Link
    effect: str
    certainty: Grade
    absolute: str
    counts: str
    differs: str


@dataclass(frozen=True)
class HomeView:
    """The home page: the hand-written intro, the question, the data version, the summary."""

    title: str
    answers: tuple[Answer, ...]
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


def _heterogeneity(a: AnalysisResult) -> str:
    """The clause on substantial heterogeneity (I² > 50%), or ""."""
    res = a.primary_result
    if res is None or res.I2 is None or res.I2 <= 50:
        return ""
    line = f"; heterogeneity is substantial (I² = {fmt_pct(res.I2)})"
    pi = a.random
    if pi is not None and pi.pi_lower is not None and pi.pi_lower < 1 < pi.pi_upper:
        line += (
            f" and the prediction interval {fmt_interval(pi.pi_lower, pi.pi_upper)} shows a new "
            "study could find either direction"
        )
    return line


def patients_text(used: Sequence[UsedEstimate]) -> str:
    """ "117 patients"; "at least 90 patients (N not recorded for 1)"; "N not recorded" """
    ns = [u.n_patients for u in used]
    known = [n for n in ns if n is not None]
    if not known:
        return "N not recorded" if used else "no patients"
    total = plural(sum(known), "patient")
    missing = len(ns) - len(known)
    return f"at least {total} (N not recorded for {missing})" if missing else total


def _counts_cell(a: AnalysisResult) -> str:
    """Studies with usable estimates and their patients: the review's, then those added."""
    review = [u for u in a.used if u.in_review]
    added = [u for u in a.used if not u.in_review]
    of = a.k_in_review if a.k_in_review is not None else MISSING
    line = f"{a.k_review_with_data} of {of} (review)"
    line += f", {patients_text(review)}" if review else ""
    if added:
        line += f"; + {len(added)} added, {patients_text(added)}"
    return line


def _review_only_cell(a: AnalysisResult) -> str:
    """The review's studies only: "same" when no study was added (no duplicate number)."""
    if not a.k_added_with_data:
        return "same (no study added)"
    res = a.review_view.primary_result
    if res is None:
        return "not estimable (no usable estimate)"
    return f"{fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}, k = {res.k}"


def conclusion(a: AnalysisResult) -> str:
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
            f"Only one study ({u.label}{where}) has usable data: the result above is that "
            f"study's own, and whether studies agree cannot be judged yet{_rated_down(a)}."
        )
    split = f", {a.k_added_with_data} added since" if a.k_added_with_data else ""
    line = f"{a.k_with_data} studies ({a.k_review_with_data}{of_review}{split}): "
    line += "the CI excludes 1" if res.significant else "the CI includes 1"
    line += _heterogeneity(a)
    if a.k_in_review and a.k_review_with_data < a.k_in_review:
        missing = a.k_in_review - a.k_review_with_data
        line += f"; {missing} of the review's studies are still pending"
    return line + _rated_down(a) + "."


def _rated_down(a: AnalysisResult) -> str:
    """ "; certainty rated down for risk of bias and imprecision" from the rating itself, so
    the comment and the statement beside it come from one computation ("" if none)."""
    c = a.certainty
    down = [DOMAIN_LABELS[d] for d, j in (c.domains if c else {}).items() if rated_down(j)]
    if not down:
        return ""
    names = ", ".join(down[:-1]) + (" and " if len(down) > 1 else "") + down[-1]
    return f"; certainty rated down for {names} (see the footnotes)"


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
        reliability = p.get("reliability")
        if isinstance(reliability, Reliability):
            parts.append(f"reliability of its printed numbers: {reliability.verdict}")
    if not parts:
        return "not recorded"
    why = _why_differs(a)
    if why:
        parts.append(f"Differs from the registry's answer: {why}.")
    return Joined(tuple(parts), "; ") if len(parts) > 1 else parts[0]


def _effect_cell(ctx: SiteContext, a: AnalysisResult, measure: str) -> str:
    """The pooled ratio, then its absolute effect at the first baseline (GRADE 27)."""
    res = a.primary_result
    if res is None:
        return "not estimable"
    absolute = first_absolute(ctx, a)
    ratio = f"{measure} {fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}"
    return f"{ratio}. {absolute}" if absolute else ratio


def _text_version(ctx: SiteContext, a: AnalysisResult, row: list[Cell]) -> str:
    """The row as sentences, for readers who prefer prose to a wide table."""
    c = a.certainty
    certainty = (
        f"Certainty of the evidence: {c.level}. {ctx.say(c.summary)}"
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
            f"Effect: {row[2]}.",
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
            _counts_cell(a),
            _effect_cell(ctx, a, measure),
            _review_only_cell(a),
            grade(ctx, a.certainty, notes),
            statement(ctx, a),
            conclusion(a),
            _published_cell(ctx, a, measure, notes),
        ]
        rows.append(row)
        text.append(_text_version(ctx, a, row))
    return SummaryOfFindings(
        table(
            (*SOF_HEADERS, f"As published ({ctx.review_name}), with its certainty today"),
            rows,
            cls="evreg-sof evreg-cards",
            label="Summary of findings",
        ),
        notes.items(),
        tuple(text),
        Link(rel(from_dir, "methods/"), "the Methods page"),
    )


def _why_differs(a: AnalysisResult) -> str:
    """Why the registry's answer is not the review's printed one, in one line ("" if it is)."""
    parts = []
    if a.k_in_review and a.k_review_with_data < a.k_in_review:
        parts.append(
            f"{a.k_in_review - a.k_review_with_data} of the review's {a.k_in_review} studies "
            "still lack a usable estimate"
        )
    if a.k_added_with_data:
        parts.append(f"{plural(a.k_added_with_data, 'study', 'studies')} added since the review")
    return "; ".join(parts)


def _answer(ctx: SiteContext, a: AnalysisResult) -> Answer:
    """The bottom line of one main analysis (no study: "no usable estimate yet")."""
    res = a.primary_result
    measure = ctx.measure(a.analysis_id)
    effect = (
        f"{measure} {fmt_ci(res.estimate, res.ci_lower, res.ci_upper)}"
        if res is not None
        else "no usable estimate yet"
    )
    counts = f"{plural(a.k_with_data, 'study', 'studies')}, {patients_text(a.used)}"
    absolute = headline(a.absolute[0], a.outcome) + " (low vs high)" if a.absolute else ""
    return Answer(
        analysis_link("", a.analysis_id, a.title),
        effect,
        grade(ctx, a.certainty),
        absolute,
        counts if a.used else "",
        _why_differs(a),
    )


def answers(ctx: SiteContext) -> tuple[Answer, ...]:
    """One answer per question: each analysis of the plan that is not a subgroup analysis."""
    return tuple(_answer(ctx, a) for a in ctx.results.analyses if not a.parent_analysis)


def split_title(markdown: str) -> tuple[str, str]:
    """(the page title from a leading "# " line, the rest) of hand-written Markdown."""
    first, _, rest = markdown.lstrip().partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest
    return "", markdown


def home_view(ctx: SiteContext, intro: str) -> HomeView:
    """The home page. ``intro`` is the package's hand-written site/index.md ("" if none): its
    title heads the page, its text follows the answers."""
    pkg = ctx.package
    title, intro = split_title(intro)
    added = sum(1 for s in pkg.studies if not in_review(s))
    split = f"{len(pkg.studies) - added} from the source review, {added} added since"
    return HomeView(
        title=title or text(pkg.descriptor.get("title") or "Summary"),
        answers=answers(ctx),
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
