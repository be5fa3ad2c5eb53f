"""Machine-written text in readers' words: every id a message can name (analyses, published
results, estimates, studies) as its label, the schemas' codes as their labels, and the plain-text
notation of the audit and the plan typeset (χ², I², τ², CIs as "[lower, upper]").

:func:`relabel` is the one substitution of names by labels: in audit messages, plan and
certainty reasons, the certainty rules and the CHANGELOG (What's new)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from evreg.data.package import Package
from evreg.review.plan import study_labels
from evreg.site.labels import Labels

# The audit's plain-text notation (also printed by `evreg audit`) as typeset on pages.
_NOTATION = (
    (re.compile(r"\bchi2_(\w+)"), r"χ²(\1)"),
    (re.compile(r"\bI2\b"), "I²"),
    (re.compile(r"\btau2\b"), "τ²"),
    (re.compile(r"(\d+(?:\.\d+)?) \((\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)\)"), r"\1 [\2, \3]"),
)

# where a name stands on its own: not inside a longer word or id (in Markdown, nor an entity)
_ALONE = (r"(?<![\w-])", r"(?![\w-])")
_ALONE_IN_MARKDOWN = (r"(?<![\w&#;-])", r"(?![\w-]|&#95;)")


def relabel(text: str, names: Mapping[str, str], *, markdown: bool = False) -> str:
    """``text`` with every name in ``names`` that stands on its own (not inside a longer word
    or id) as its label, the longest names first.

    ``markdown``: ``text`` is Markdown whose HTML is inert (the CHANGELOG as ``evreg release``
    writes it): a name's underscores may stand as ``&#95;``, and labels are HTML-escaped."""
    if not names:
        return text
    table = dict(names)
    if markdown:
        table = {c.replace("_", "&#95;"): label for c, label in names.items()} | table
    alternatives = "|".join(map(re.escape, sorted(table, key=len, reverse=True)))
    before, after = _ALONE_IN_MARKDOWN if markdown else _ALONE
    pattern = re.compile(before + "(" + alternatives + ")" + after)
    say = html.escape if markdown else str
    return pattern.sub(lambda m: say(table[m.group(1)]), text)


def not_words(codes: Mapping[str, str], marks: str = "_") -> dict[str, str]:
    """The entries of ``codes`` whose code is not a word (holds one of ``marks``: "_" for
    snake_case codes and field names, "-" for ids): a plain word ("high") is left as written."""
    return {c: label for c, label in codes.items() if any(m in c for m in marks)}


@dataclass(frozen=True)
class Words:
    """Machine-written audit text in readers' words: ids as labels (longest first), codes as
    the schemas' labels, the notation typeset."""

    names: Mapping[str, str]
    labels: Labels | None = None

    def __call__(self, text: object) -> str:
        out = relabel(str(text or ""), self.names)
        if self.labels is not None:
            out = relabel(out, not_words(self.labels.codes()))
        for pattern, replacement in _NOTATION:
            out = pattern.sub(replacement, out)
        return out


def audit_words(package: Package, labels: Labels | None) -> Words:
    """Labels for every id an audit message can name: analyses (their titles), published
    results (title and subgroup level), estimates ("Label (SII, OS)") and studies."""
    say = labels.value if labels is not None else (lambda _r, _f, v: v)
    studies = study_labels(package.studies)
    titles = {
        str(a["analysis_id"]): str(a.get("title") or a["analysis_id"]) for a in package.analyses
    }
    names: dict[str, str] = {**studies, **titles}
    for e in package.estimates:
        outcome = say("estimates", "outcome", e.get("outcome"))
        label = studies.get(str(e["study_id"]), str(e["study_id"]))
        names[str(e["estimate_id"])] = f"{label} ({e.get('biomarker')}, {outcome})"
    for r in package.published_results:
        title = titles.get(str(r.get("analysis_id")), str(r.get("analysis_id")))
        level = r.get("subgroup_level")
        shown = say("published_results", "subgroup_level", level) if level else ""
        names[str(r["result_id"])] = f"{title}: {shown}" if shown else title
    return Words(names, labels)
