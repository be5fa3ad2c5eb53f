"""The methods page: question, source review, search, eligibility, PRISMA flow, statistics,
software."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

from markupsafe import Markup

from evreg.data.formats import ci_label
from evreg.review.results import CI_LEVEL
from evreg.review.screening import ScreeningCounts, screening_counts
from evreg.site.charts import vega_versions
from evreg.site.plots.prisma import prisma_chart
from evreg.site.viewmodel import Cell, Figure, Table, TextAlternative, external_link, table
from evreg.site.views.certainty import levels_table, rules_table
from evreg.site.views.context import SiteContext, hand_written
from evreg.stats.rule import RULE_TEXT

SOFTWARE = (
    "evreg",
    "numpy",
    "scipy",
    "pandas",
    "frictionless",
    "altair",
    "vl-convert-python",
    "mkdocs",
    "mkdocs-material",
)


@dataclass(frozen=True)
class SourceReview:
    """The citation of the source review, its link, and the software it used ("" if unknown)."""

    cite: str
    link: Cell | None
    software: str


@dataclass(frozen=True)
class Search:
    """The review's search: databases, dates, languages; the PubMed query ("" if none)."""

    items: tuple[str, ...]
    query: str


@dataclass(frozen=True)
class SearchHistory:
    """The searches run since the review: the latest in a sentence, then every one."""

    last: str
    table: Table


@dataclass(frozen=True)
class MethodsView:
    """The methods page; a section whose value is None or "" is left out."""

    intro: Markup
    question: str
    source: SourceReview | None
    search: Search | None
    searches: SearchHistory | None
    eligibility: tuple[tuple[str, ...], tuple[str, ...]] | None
    prisma: Figure
    screening: Table
    effect_measure: str
    choices: Table
    certainty_rules: Table
    certainty_levels: Table
    software: Table


Box = tuple[str, str, int, int]


def _n(count: int | None) -> str:
    return f"(n = {count})"


def prisma_boxes(ctx: SiteContext) -> tuple[list[Box], list[tuple[int, int]]]:
    """A PRISMA 2020 flow for an updated review (Page et al. 2021), from the data: the source
    review's own flow in the left column, the records identified since in the middle, what
    left the flow on the right, and the total of both below. Boxes are (id, text, column,
    level); arrows (from, to) index the boxes and only ever point down or right."""
    used = [u.study_id for a in ctx.results.analyses for u in a.used]
    c = screening_counts(ctx.package, used)
    boxes: list[Box] = []
    arrows: list[tuple[int, int]] = []

    def box(box_id: str, text: str, col: int, level: int) -> int:
        boxes.append((box_id, text, col, level))
        return len(boxes) - 1

    reported = "" if c.review_reported in (None, c.review_studies) else "; it reports "
    reported += "" if not reported else str(c.review_reported)
    review = box(
        "review", f"Studies included in the source review\n(n = {c.review_studies}{reported})", 0, 3
    )
    if c.review_records is not None:
        records = box(
            "review-records",
            f"Source review: records identified\n(n = {c.review_records}, as it reports)",
            0,
            0,
        )
        arrows.append((records, review))
    since = box("identified", _identified(c), 1, 0)
    arrows.append((since, box("awaiting", f"Awaiting assessment\n{_n(c.awaiting)}", 2, 0)))
    assessed = box("assessed", f"Records assessed for eligibility\n{_n(c.assessed)}", 1, 1)
    arrows.append((since, assessed))
    excluded = box("excluded", f"Records excluded {_n(c.excluded)}\n{_reasons(c)}", 2, 1)
    arrows.append((assessed, excluded))
    new = box("new", f"New studies included\n{_n(c.new_studies)}", 1, 2)
    arrows.append((assessed, new))
    total = box(
        "total",
        f"Studies in the registry {_n(c.total)}:\n{c.review_studies} of the review + "
        f"{c.new_studies} added",
        1,
        3,
    )
    arrows += [(new, total), (review, total)]
    arrows.append((total, box("pending", f"No usable estimate yet\n{_n(c.pending)}", 2, 3)))
    usable = box(
        "usable", f"With a usable estimate in at least\none analysis {_n(c.with_data)}", 1, 4
    )
    arrows.append((total, usable))
    return boxes, arrows


def _identified(c: ScreeningCounts) -> str:
    """The "identified since" box: with searches run, the records they returned, those removed
    as already known, and the records added by hand (screening records without a search, and
    studies contributed directly)."""
    if not c.searches:
        return f"Records identified since the review\n{_n(c.identified)}"
    return (
        f"Records identified since the review {_n(c.identified)}:\n"
        f"PubMed searches {_n(c.searched)}, already\nknown removed {_n(c.known_removed)}; "
        f"added by hand {_n(c.by_hand)}"
    )


def _reasons(c: ScreeningCounts) -> str:
    """The exclusion reasons for a box (the table below the diagram has them all)."""
    if not c.reasons:
        return "no record excluded yet"
    return "reasons in the table below"


def screening_table(ctx: SiteContext) -> Table:
    """The screening counts with every exclusion reason (the diagram's boxes, as a table)."""
    c = screening_counts(ctx.package)
    rows: list[list[Cell]] = [
        ["Studies included in the source review", str(c.review_studies)],
        ["Records identified since the review", str(c.identified)],
        ["… screening records (candidates.csv)", str(c.records)],
        ["… studies contributed directly (no screening record)", str(c.contributed)],
        *_search_rows(c),
        ["Awaiting assessment", str(c.awaiting)],
        ["Records assessed for eligibility", str(c.assessed)],
        ["Records excluded", str(c.excluded)],
        *([f"… excluded: {reason}", str(n)] for reason, n in c.reasons),
        ["New studies included (added since the review)", str(c.new_studies)],
        ["Studies in the registry", str(c.total)],
    ]
    return table(["Screening since the source review", "n"], rows)


def _search_rows(c: ScreeningCounts) -> list[list[Cell]]:
    """The searches' part of the flow (none before the first search)."""
    if not c.searches:
        return []
    return [
        [f"Records returned by {c.searches} PubMed search(es) (search history)", str(c.searched)],
        ["… removed before screening: already in the registry", str(c.known_removed)],
        ["… screening records from the searches", str(c.from_searches)],
        ["Records added by hand (no search; studies contributed directly)", str(c.by_hand)],
    ]


def software_versions() -> list[tuple[str, str]]:
    """Versions of Python and the packages that computed and built the site."""
    out = [("Python", platform.python_version())]
    for name in SOFTWARE:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    out += sorted(vega_versions().items())
    return out


STAT_CHOICES = (
    (
        "Effect measure",
        "Ratios (HR, OR) analysed on the log scale; SE from the CI as (ln U − ln L) / (2 z) at the"
        " row's CI level (Cochrane Handbook 6.3.2).",
    ),
    (
        "Direction",
        "Every ratio is expressed as high vs low: low-vs-high estimates become 1/ratio with bounds"
        " 1/upper, 1/lower (Handbook 6.3.2); the page marks them 'harmonised'.",
    ),
    (
        "One estimate per study",
        "Per study the plan's preferred model (multivariable first), then the whole cohort, then "
        "file order; the others are listed as pending.",
    ),
    ("Fixed effect", "Inverse-variance weighted mean (Handbook 10.3.1)."),
    (
        "Random effects",
        "DerSimonian-Laird tau² as RevMan 5 (DerSimonian & Laird 1986); "
        f"Wald {ci_label(CI_LEVEL)}; Q-profile CI for tau² (Viechtbauer 2007).",
    ),
    (
        "Heterogeneity",
        "Cochran's Q, df = k − 1; I² = max(0, (Q − df)/Q) (Higgins & Thompson 2002).",
    ),
    (
        "Primary model",
        f"The review's rule: {RULE_TEXT}; both are always computed and shown.",
    ),
    (
        "Prediction interval",
        "t with k − 2 df, √(tau² + SE²), for k ≥ 3 (Higgins, Thompson & Spiegelhalter 2009; "
        "Handbook 10.10.4.3).",
    ),
    (
        "Subgroups",
        "Each level pooled separately (separate tau²); test for subgroup differences Q between "
        "levels, df = levels − 1 (Handbook 10.11.3; RevMan).",
    ),
    (
        "Leave-one-out",
        "Each study omitted in turn with the primary model; rows where significance or direction "
        "changes are flagged (Handbook 10.14).",
    ),
    ("Cumulative", "Studies added in order of publication year with the primary model."),
    (
        "Small-study effects",
        "Funnel plot, Egger's regression test (Egger et al. 1997; metafor regtest model='lm') and "
        "trim-and-fill (L0; Duval & Tweedie 2000), only when k ≥ 10 (Handbook 13.3.5.4).",
    ),
    (
        "Engine check",
        "The engine's numbers are compared with R metafor in the test suite at relative 1e-6.",
    ),
)


def _source_review(src: dict) -> SourceReview:
    authors = ", ".join(src.get("authors", []))
    cite = f"{authors}. {src.get('title', '')}. {src.get('journal', '')} {src.get('year', '')}."
    link = external_link(src["url"], "link") if src.get("url") else None
    software = ", ".join(src.get("software", []))
    return SourceReview(cite, link, software)


def _search(search: dict) -> Search:
    items = (
        f"Databases: {', '.join(search.get('databases', []))}",
        f"Dates: {search.get('from', '?')} to {search.get('to', '?')}",
        f"Languages: {', '.join(search.get('languages', []))}",
    )
    return Search(items, search.get("pubmed_query") or "")


def search_history(ctx: SiteContext) -> SearchHistory | None:
    """The search history (None: no search run yet), newest first."""
    rows = sorted(
        ctx.package.search_history,
        key=lambda h: (str(h.get("date_run")), str(h.get("search_id"))),
        reverse=True,
    )
    if not rows:
        return None
    last = rows[0]
    sentence = (
        f"Last searched {last.get('date_run')}: {last.get('records_returned')} records, "
        f"{last.get('new_records')} new."
    )
    cells: list[list[Cell]] = [
        [
            str(h.get("search_id") or ""),
            str(h.get("date_run") or ""),
            str(h.get("database") or ""),
            f"{h.get('since')} to {h.get('until')}",
            str(h.get("records_returned")),
            str(h.get("new_records")),
            _run_by(str(h.get("run_by") or "")),
        ]
        for h in rows
    ]
    headers = ["Search", "Run on", "Database", "Published", "Records", "New", "Run by"]
    return SearchHistory(sentence, table(headers, cells, label="Search history"))


def _run_by(who: str) -> Cell:
    """A workflow run's address as a link; a name as text."""
    if who.startswith("https://") and " " not in who:
        return external_link(who, "workflow run")
    return who


def _prisma(ctx: SiteContext) -> Figure:
    boxes, arrows = prisma_boxes(ctx)
    layouts = {
        "wide": ctx.charts.spec(prisma_chart, boxes, arrows),
        "compact": ctx.charts.spec(prisma_chart, boxes, arrows, 150),
    }
    return ctx.charts.embed(
        "methods",
        "prisma",
        layouts,
        title="PRISMA 2020 flow diagram (updated review)",
        caption="Drawn from the data package: the source review's studies (left), records "
        "identified since and their screening (middle, right), and the registry's total.",
        alt=TextAlternative(items=tuple(b[1].replace("\n", " ") for b in boxes)),
    )


def methods_view(ctx: SiteContext, intro: str) -> MethodsView:
    """The methods page. ``intro`` is the package's hand-written site/methods.md ("" if none)."""
    review = ctx.package.review
    src = review.get("source_review") or {}
    search = review.get("search") or {}
    elig = review.get("eligibility") or {}
    return MethodsView(
        intro=hand_written(intro),
        question=review.get("question") or "",
        source=_source_review(src) if src else None,
        search=_search(search) if search else None,
        searches=search_history(ctx),
        eligibility=(tuple(elig.get("include", [])), tuple(elig.get("exclude", [])))
        if elig
        else None,
        prisma=_prisma(ctx),
        screening=screening_table(ctx),
        effect_measure=review.get("effect_measure") or "",
        choices=table(["Choice", "What the registry does, and the reference"], STAT_CHOICES),
        certainty_rules=rules_table(ctx),
        certainty_levels=levels_table(),
        software=table(["Software", "Version"], software_versions()),
    )
