"""Absolute effects on the pages (GRADE guidelines 27: the summary of findings gives the risk
in each group at a stated time, from a named baseline): one line per baseline, the first in the
summary of findings. Computed by :mod:`evreg.review.absolute`."""

from __future__ import annotations

from evreg.review.absolute import effect_text
from evreg.review.results import AbsoluteRow, AnalysisResult
from evreg.site.views.context import SiteContext


def baseline_words(ctx: SiteContext, row: AbsoluteRow) -> str:
    """ "whole trial arm, atezolizumab + bevacizumab (Finn RS et al.)" """
    b = next((r for r in ctx.package.baseline_risks if r.get("baseline_id") == row.baseline_id), {})
    group = ctx.words.value("baseline_risks", "group", b.get("group")) or "baseline"
    if b.get("group") == "low_marker" and b.get("group_as_printed"):
        group = str(b["group_as_printed"])
    treatment = f", {b['treatment']}" if b.get("treatment") else ""
    source = str(b.get("source") or "").split(". ")[0]
    return f"{group}{treatment}" + (f" ({source})" if source else "")


def absolute_line(ctx: SiteContext, row: AbsoluteRow, outcome: str) -> str:
    """ "12-month OS: 67 vs 43 per 100 (difference −25, 95% CI −41 to −9); baseline: ..." """
    how = f", {row.conversion}" if row.conversion.startswith("median") else ""
    return f"{effect_text(row, outcome)}; baseline: {baseline_words(ctx, row)}{how}"


def first_absolute(ctx: SiteContext, a: AnalysisResult) -> str:
    """The summary of findings' absolute effect (the first baseline), or ""."""
    return absolute_line(ctx, a.absolute[0], a.outcome) if a.absolute else ""
