"""Certainty of the evidence on the pages: GRADE symbols and words, footnoted reasons, the
plain-language statement worded by certainty level, each analysis' domain tables, and the rules
for the Methods page. The rating itself is :mod:`evreg.review.certainty`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from evreg.data.formats import MISSING, fmt_ci
from evreg.review.certainty import DOMAINS, NO_EVIDENCE, RULES, UPGRADES
from evreg.review.certainty.published import Reliability
from evreg.review.certainty.statement import VERBS, Wording
from evreg.review.certainty.statement import statement as say
from evreg.review.certainty.subgroups import Credibility
from evreg.review.certainty.target import describe
from evreg.review.results import LEVEL_MEANINGS, LEVELS, AnalysisResult, Certainty, Judgement
from evreg.site.html import rel
from evreg.site.viewmodel import Grade, Link, NoteRef, Table, table
from evreg.site.views.context import SiteContext, analysis_dir
from evreg.site.views.names import not_words, relabel

SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
SHIFT = {
    "not serious": "",
    "serious": " (−1)",
    "very serious": " (−2)",
    "large": " (+1)",
    "very large": " (+2)",
    "present": " (+1)",
}


def grade_words(level: str) -> str:
    """ "Low", "Very low", "No evidence" """
    return level[:1].upper() + level[1:]


@dataclass
class Footnotes:
    """The numbered footnotes of one table, built as its cells are: identical reasons share a
    number."""

    prefix: str
    texts: list[str] = field(default_factory=list)

    def ref(self, text: str) -> NoteRef:
        """A reference to the footnote saying ``text`` (added when new)."""
        if text not in self.texts:
            self.texts.append(text)
        n = self.texts.index(text) + 1
        return NoteRef(str(n), f"{self.prefix}-{n}")

    def items(self) -> tuple[tuple[str, str, str], ...]:
        """(id, label, text) of every footnote, in order."""
        return tuple((f"{self.prefix}-{i}", str(i), t) for i, t in enumerate(self.texts, 1))


def _judged_by(j: Judgement) -> str:
    return f"reviewer ({j.assessed_by})" if j.source == "reviewer" and j.assessed_by else j.source


def note_text(ctx: SiteContext, domain: str, j: Judgement, prefix: str = "") -> str:
    """One footnote: "Risk of bias, serious: 100% of the weight ...", reviewer's marked."""
    name = ctx.words.value("certainty", "domain", domain)
    who = f" (reviewer: {j.assessed_by or 'not named'})" if j.source == "reviewer" else ""
    computed = (
        f" Computed: {j.computed}, {_sentence(ctx.say(j.computed_reason or ''))}"
        if j.source == "reviewer"
        else ""
    )
    reason = _sentence(ctx.say(j.reason))
    return f"{prefix}{grade_words(name)}, {j.judgement}{who}: {reason}{computed}{stale_text(j)}"


def stale_text(j: Judgement) -> str:
    """ " A reviewer's judgement, not applied: made on other studies (version 1.0.0): ..." """
    if not j.reviewer_stale:
        return ""
    return f" A reviewer's judgement, not applied: {_sentence(j.reviewer_note or '')}"


def _sentence(text: str) -> str:
    """Text ending in one full stop."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _noted(j: Judgement) -> bool:
    """Domains a footnote explains: rated down or up, or judged by a reviewer."""
    return j.source == "reviewer" or j.reviewer_stale or bool(SHIFT.get(j.judgement))


def grade(
    ctx: SiteContext, c: Certainty | None, notes: Footnotes | None = None, prefix: str = ""
) -> Grade:
    """The certainty as a cell: symbols, words and (with ``notes``) footnoted reasons, led by
    what is rated (one footnote that rows with the same target share)."""
    level = c.level if c is not None else NO_EVIDENCE
    refs: tuple[NoteRef, ...] = ()
    if c is not None and notes is not None and level != NO_EVIDENCE:
        judged = {**c.domains, **c.upgrades}
        what = (
            (notes.ref(f"What is rated: {describe(c.target)}."),)
            if c.target is not None and not prefix
            else ()
        )
        refs = what + tuple(
            notes.ref(note_text(ctx, d, j, prefix)) for d, j in judged.items() if _noted(j)
        )
    return Grade(level, grade_words(level), SYMBOLS.get(level, ""), refs)


def wording(ctx: SiteContext, a: AnalysisResult) -> Wording:
    """How the analysis is named in its statement: the factor, the association each way and
    the outcome's name."""
    outcome = ctx.outcome_name(a.outcome)
    if ctx.survival_outcome(a.outcome):
        return Wording(f"high {a.biomarker}", f"shorter {outcome}", f"longer {outcome}", outcome)
    return Wording(
        a.biomarker, f"a higher risk of {outcome}", f"a lower risk of {outcome}", outcome
    )


def statement(ctx: SiteContext, a: AnalysisResult) -> str:
    """The finding in plain language, from its rating (:mod:`evreg.review.certainty.statement`,
    GRADE guidelines 26)."""
    res = a.primary_result
    return say(res.estimate if res is not None else None, a.certainty, wording(ctx, a))


def published_statement(ctx: SiteContext, a: AnalysisResult, p: Mapping[str, object]) -> str:
    """The sentence for one printed result, from its own rating."""
    hr = p.get("hr")
    c = p.get("certainty")
    return say(
        float(hr) if isinstance(hr, int | float) else None,
        c if isinstance(c, Certainty) else None,
        wording(ctx, a),
    )


@dataclass(frozen=True)
class GradeBlock:
    """One rated result on an analysis page: what it is, its certainty (a cell), how the
    level was reached, the statement, and the domain table."""

    title: str
    grade: Grade
    summary: str
    statement: str
    table: Table | None
    target: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertaintySection:
    """The analysis page's certainty section: the registry's living answer, then each of the
    review's published results as rated today."""

    registry: GradeBlock
    published: tuple[GradeBlock, ...]
    methods: Link


def domain_table(ctx: SiteContext, c: Certainty, label: str) -> Table:
    """Domain, judgement, reason, who judged (and the computed suggestion beside a
    reviewer's)."""
    judged = [*((d, c.domains[d]) for d in DOMAINS), *((u, c.upgrades[u]) for u in UPGRADES)]
    reviewed = any(j.source == "reviewer" for _, j in judged)
    rows = []
    for d, j in judged:
        name = grade_words(ctx.words.value("certainty", "domain", d))
        row = [
            name + (" (rating up)" if d in UPGRADES else ""),
            j.judgement + SHIFT.get(j.judgement, ""),
            ctx.say(j.reason) + stale_text(j),
            _judged_by(j),
        ]
        if reviewed:
            row.append(
                f"{j.computed}: {ctx.say(j.computed_reason or '')}"
                if j.source == "reviewer"
                else MISSING
            )
        rows.append(row)
    headers = ["Domain", "Judgement", "Why", "Judged by"]
    headers += ["Computed suggestion"] if reviewed else []
    return table(headers, rows, cls="evreg-grade-table", label=label)


def _block(ctx: SiteContext, title: str, c: Certainty, said: str) -> GradeBlock:
    what = f"What is rated: {describe(c.target)}." if c.target is not None else ""
    return GradeBlock(
        title,
        grade(ctx, c),
        c.summary,
        said,
        domain_table(ctx, c, f"Certainty: {title}"),
        what,
    )


def published_title(ctx: SiteContext, p: Mapping[str, object], measure: str) -> str:
    """ "The review's published result (level yes): HR 0.95 [0.57, 1.59], k = 2" """
    level = ctx.words.value("published_results", "subgroup_level", p.get("subgroup_level"))
    which = f" (subgroup: {level})" if level else ""
    hr = fmt_ci(p.get("hr"), p.get("ci_lower"), p.get("ci_upper"))  # type: ignore[arg-type]
    return f"The review's published result{which}: {measure} {hr}, k = {p.get('k')}"


def _reliability_note(ctx: SiteContext, p: Mapping[str, object]) -> tuple[str, ...]:
    """ "Reliability of the printed result: not credible as printed (probable duplicate ...)." """
    r = p.get("reliability")
    if not isinstance(r, Reliability):
        return ()
    why = f" ({ctx.say('; '.join(r.reasons))})" if r.reasons else ""
    return (f"Reliability of the printed result (not a GRADE domain): {r.verdict}{why}.",)


def _published_block(
    ctx: SiteContext, a: AnalysisResult, p: Mapping[str, object], measure: str
) -> GradeBlock:
    """A printed result: its own rating, or, for a subgroup level whose subgroup effect is not
    credible, the overall result's rating with why; its reliability beside it."""
    c = p["certainty"]
    assert isinstance(c, Certainty)
    title = published_title(ctx, p, measure)
    cred = p.get("subgroup_credibility")
    if isinstance(cred, Credibility) and not cred.credible:
        whose = f"the review's overall result ({cred.applies})" if cred.applies else "overall"
        reasons = "; ".join(cred.reasons)
        why = ctx.say(
            f"The subgroup effect is not credible ({reasons}): the rating of {whose} applies."
        )
        return GradeBlock(title, grade(ctx, c), why, "", None, "", _reliability_note(ctx, p))
    block = _block(ctx, title, c, published_statement(ctx, a, p))
    return dataclasses.replace(block, notes=_reliability_note(ctx, p))


def certainty_section(ctx: SiteContext, a: AnalysisResult) -> CertaintySection | None:
    """The registry's rating and each published result's (None when nothing is rated)."""
    if a.certainty is None:
        return None
    measure = ctx.measure(a.analysis_id)
    registry = _block(
        ctx, "All eligible studies (the living answer)", a.certainty, statement(ctx, a)
    )
    published = tuple(
        _published_block(ctx, a, p, measure)
        for p in a.published
        if isinstance(p.get("certainty"), Certainty)
    )
    methods = Link(rel(analysis_dir(a.analysis_id), "methods/"), "the Methods page")
    return CertaintySection(registry, published, methods)


def rules_table(ctx: SiteContext) -> Table:
    """Every rule of the rating with its reference (the Methods page), from the rules' own
    metadata (evreg.review.certainty.RULES)."""
    names = {
        "level": "Level",
        "published": "Published results",
        "target": "What is rated",
        "subgroups": "Subgroup levels",
        "statement": "Statement",
        "absolute_effects": "Absolute effects",
        "reviewer": "Reviewers' judgements",
    }
    rows = [
        [
            names.get(r.domain) or grade_words(ctx.words.value("certainty", "domain", r.domain)),
            relabel(r.rule, not_words(ctx.words.codes())),
            r.reference,
        ]
        for r in RULES
    ]
    return table(["Domain", "Rule", "Reference"], rows, label="Certainty rules")


def levels_table() -> Table:
    """Each level with its symbols, what it means and how statements are worded."""
    rows = [
        [
            Grade(level, grade_words(level), SYMBOLS[level]),
            LEVEL_MEANINGS[level],
            f"high X {VERBS[level]} …"
            if level in VERBS
            else "the evidence is very uncertain about the association between …",
        ]
        for level in reversed(LEVELS)
    ]
    return table(
        ["Certainty", "What it means", "Statement worded as"], rows, label="Certainty levels"
    )
