"""The methods page: question, source review, search, eligibility, PRISMA flow, statistics,
software."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

from markupsafe import Markup

from evreg.site import plots
from evreg.site.charts import vega_versions
from evreg.site.viewmodel import Cell, Figure, Table, TextAlternative, external_link, table
from evreg.site.views.context import SiteContext, hand_written

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
class MethodsView:
    """The methods page; a section whose value is None or "" is left out."""

    intro: Markup
    question: str
    source: SourceReview | None
    search: Search | None
    eligibility: tuple[tuple[str, ...], tuple[str, ...]] | None
    prisma: Figure
    effect_measure: str
    choices: Table
    software: Table


def prisma_boxes(ctx: SiteContext) -> tuple[list[tuple[str, str, int, int]], list[tuple[int, int]]]:
    """PRISMA boxes from the data: records identified (as reported), included studies,
    candidates, studies with a usable estimate and with estimates pending."""
    pkg = ctx.package
    counts = pkg.review.get("prisma_counts_reported", {}) or {}
    used = {u.study_id for a in ctx.results.analyses for u in a.used}
    boxes: list[tuple[str, str, int, int]] = []
    arrows: list[tuple[int, int]] = []
    if counts.get("records_identified") is not None:
        boxes.append(
            (
                "identified",
                f"Records identified (as reported)\n(n = {counts['records_identified']})",
                0,
                0,
            )
        )
    level = len(boxes)
    reported = counts.get("studies_included")
    inc = f"Studies included in the review\n(n = {len(pkg.studies)}" + (
        f"; review reports {reported})"
        if reported is not None and reported != len(pkg.studies)
        else ")"
    )
    boxes.append(("included", inc, 0, level))
    if level:
        arrows.append((0, 1))
    i_inc = len(boxes) - 1
    boxes.append(
        ("candidates", f"Candidates awaiting assessment\n(n = {len(pkg.candidates)})", 1, level)
    )
    arrows.append((i_inc, len(boxes) - 1))
    boxes.append(
        ("usable", f"With at least one usable estimate\n(n = {len(used)} studies)", 0, level + 1)
    )
    arrows.append((i_inc, len(boxes) - 1))
    boxes.append(
        (
            "pending",
            f"No usable estimate yet (pending)\n(n = {len(pkg.studies) - len(used)} studies)",
            1,
            level + 1,
        )
    )
    arrows.append((i_inc, len(boxes) - 1))
    return boxes, arrows


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
        "DerSimonian-Laird tau² as RevMan 5 (DerSimonian & Laird 1986); Wald 95% CI; Q-profile CI "
        "for tau² (Viechtbauer 2007).",
    ),
    (
        "Heterogeneity",
        "Cochran's Q, df = k − 1; I² = max(0, (Q − df)/Q) (Higgins & Thompson 2002).",
    ),
    (
        "Primary model",
        "The review's rule: fixed effect if I² ≤ 50% and Q p ≥ 0.10, else random effects; both are"
        " always computed and shown.",
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


def _prisma(ctx: SiteContext) -> Figure:
    boxes, arrows = prisma_boxes(ctx)
    layouts = {
        "wide": ctx.charts.spec(plots.prisma_chart, boxes, arrows),
        "compact": ctx.charts.spec(plots.prisma_chart, boxes, arrows, 150),
    }
    return ctx.charts.embed(
        "methods",
        "prisma",
        layouts,
        title="PRISMA flow diagram",
        caption="Drawn from the data package (counts of studies, candidates and estimates).",
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
        eligibility=(tuple(elig.get("include", [])), tuple(elig.get("exclude", [])))
        if elig
        else None,
        prisma=_prisma(ctx),
        effect_measure=review.get("effect_measure") or "",
        choices=table(["Choice", "What the registry does, and the reference"], STAT_CHOICES),
        software=table(["Software", "Version"], software_versions()),
    )
