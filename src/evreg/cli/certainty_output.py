"""What ``evreg certainty`` prints: the certainty ratings of a run plan as text (one block per
analysis: what is rated, the level, each domain's reason; its published results indented under
it, each with the reliability of its printed numbers) or as JSON-ready rows. Printing is the
command stage's; the ratings are :mod:`evreg.review.certainty`'s.

The text names domains and values by their codes (``risk_of_bias``, ``data_roc``) and the
caller gives the words readers see: ``render_text(results, words)`` with ``words`` the
schemas' labels (``evreg certainty`` passes ``evreg.site.views.names.Words``, the site's one
substitution of codes by labels, with its notation: I², χ², CIs as [lower, upper])."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evreg.data.formats import fmt_ci
from evreg.data.text import strip_control
from evreg.review.certainty.published import Reliability
from evreg.review.certainty.subgroups import Credibility
from evreg.review.certainty.target import describe
from evreg.review.results import AnalysisResult, Certainty, Judgement, RegistryResults
from evreg.stats.core import to_plain


def _judgement_line(name: str, j: Judgement, pad: str) -> str:
    """ "risk_of_bias: serious: ..." (the domain's code), a reviewer's judgement marked, and a
    reviewer's row made on other studies (stale, not applied) said after the reason."""
    who = ""
    if j.source == "reviewer":
        who = f" (reviewer: {j.assessed_by or 'not named'}; computed: {j.computed})"
    stale = f"; a reviewer's judgement, not applied: {j.reviewer_note}" if j.reviewer_stale else ""
    return f"{pad}{name}: {j.judgement}{who}: {j.reason}{stale}"


def _block(head: str, c: Certainty, pad: str) -> list[str]:
    lines = [f"{head}: {c.level}. {c.summary}"]
    if c.target is not None:
        lines.append(f"{pad}what is rated: {describe(c.target)}")
    judged = {**c.domains, **c.upgrades}
    return lines + [_judgement_line(d, j, pad) for d, j in judged.items()]


def _reliability_lines(r: Reliability, pad: str) -> list[str]:
    return [f"{pad}printed result: {r.verdict}"] + [f"{pad}  {line}" for line in r.reasons]


def _published_head(p: dict[str, Any]) -> str:
    level = f" (subgroup level {p['subgroup_level']})" if p.get("subgroup_level") else ""
    hr = fmt_ci(p.get("hr"), p.get("ci_lower"), p.get("ci_upper"))
    return f"  published {p.get('result_id')}{level}, {hr}, k = {p.get('k')}"


def analysis_lines(a: AnalysisResult) -> list[str]:
    """One analysis: its rating and reasons, then each published result's."""
    if a.certainty is None:
        return [f"{a.analysis_id}: not rated"]
    lines = _block(f"{a.analysis_id} ({a.title})", a.certainty, "    ")
    for p in a.published:
        cred = p.get("subgroup_credibility")
        if isinstance(cred, Credibility) and not cred.credible:
            c = p["certainty"]
            lines.append(f"{_published_head(p)}: {c.level} (the rating of {cred.applies})")
            lines.append(f"      subgroup effect not credible: {'; '.join(cred.reasons)}")
        elif isinstance(p.get("certainty"), Certainty):
            lines += _block(_published_head(p), p["certainty"], "      ")
        if isinstance(p.get("reliability"), Reliability):
            lines += _reliability_lines(p["reliability"], "      ")
    return lines


def render_text(results: RegistryResults, words: Callable[[str], str] = str) -> str:
    """Every analysis' certainty with its reasons, a blank line between analyses; each line
    through ``words`` (codes as the schemas' labels) and without control characters (reviewers'
    text: no terminal escape sequences)."""
    blocks = (
        "\n".join(strip_control(words(line)) for line in analysis_lines(a))
        for a in results.analyses
    )
    return "\n\n".join(blocks) + "\n"


def ratings(results: RegistryResults) -> list[dict[str, Any]]:
    """JSON-ready: per analysis its id, title, certainty, and each published result's."""
    return [
        {
            "analysis_id": a.analysis_id,
            "title": a.title,
            "certainty": a.certainty.to_dict() if a.certainty is not None else None,
            "published": [
                {
                    "result_id": p.get("result_id"),
                    "certainty": p["certainty"].to_dict(),
                    "reliability": to_plain(p.get("reliability")),
                    "subgroup_credibility": to_plain(p.get("subgroup_credibility")),
                }
                for p in a.published
                if isinstance(p.get("certainty"), Certainty)
            ],
        }
        for a in results.analyses
    ]
