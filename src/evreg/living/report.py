"""A results diff (:class:`evreg.living.diff.ResultsDiff`) as markdown or JSON.

The markdown is for a pull-request comment and the CHANGELOG entry of ``evreg release``: every
piece of contributor text is escaped (``md_escape``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from evreg.data.formats import MISSING, ci_label, fmt_ci, fmt_pct, plural, pval
from evreg.data.text import md_escape
from evreg.living.diff import AnalysisChange, ResultsDiff, TableChange, certainty_changes
from evreg.review.results import CI_LEVEL
from evreg.stats.rule import RULE_TEXT

CI = ci_label(CI_LEVEL)  # the level of every pooled CI compared

# --------------------------------------------------------------------------- markdown


def _hr(pooled: Mapping[str, Any] | None) -> str:
    if not pooled:
        return MISSING
    return fmt_ci(pooled.get("estimate"), pooled.get("ci_lower"), pooled.get("ci_upper"))


def _arrow(before: Any, after: Any) -> str:
    return str(after) if before == after else f"{before} → {after}"


def _sig(pooled: Mapping[str, Any] | None) -> str:
    if not pooled or pooled.get("estimate") is None:
        return "no pooled result"
    return "significant" if pooled.get("significant") else "not significant"


def _table_row(change: AnalysisChange) -> str:
    b, a = change.before or {}, change.after or {}
    bp, ap = b.get("pooled"), a.get("pooled")
    model = _arrow(b.get("model") or MISSING, a.get("model") or MISSING)
    flags = []
    if change.before and change.after and "significance" in change.changes:
        flags.append(f"**{_sig(bp)} → {_sig(ap)}**")
    if change.before and change.after and "certainty" in change.changes:
        domains = "; ".join(md_escape(c) for c in certainty_changes(b, a))
        why = f" ({domains})" if domains else ""
        flags.append(f"certainty {_arrow(b.get('certainty'), a.get('certainty'))}{why}")
    if change.before and change.after and "absolute effects" in change.changes:
        first = [(x.get("absolute") or [MISSING])[0] for x in (b, a)]
        flags.append(f"absolute {_arrow(first[0], first[1])}")
    if change.status in ("added", "removed"):
        flags.append(change.status)
    elif change.changes:
        shown = ("significance", "certainty", "absolute effects")
        flags.append(", ".join(c for c in change.changes if c not in shown))
    cells = [
        f"{md_escape(change.analysis_id)}",
        _arrow(b.get("k", MISSING), a.get("k", MISSING)) + _review_k(a or b),
        _hr(bp),
        _hr(ap),
        _arrow(pval((bp or {}).get("p")), pval((ap or {}).get("p"))),
        _arrow(fmt_pct((bp or {}).get("I2")), fmt_pct((ap or {}).get("I2"))),
        model,
        "; ".join(f for f in flags if f),
    ]
    return "| " + " | ".join(cells) + " |"


def _review_k(summary: Mapping[str, Any]) -> str:
    """The split of k: "(review 1 of 6, added 1)"; "(6)" from an older results file."""
    k = summary.get("k_in_review")
    review, added = summary.get("k_review_with_data"), summary.get("k_added_with_data")
    if review is None:
        return f" ({k})" if k is not None else ""
    of = f" of {k}" if k is not None else ""
    return f" (review {review}{of}" + (f", added {added})" if added else ")")


def _estimate_lines(changes: Sequence[AnalysisChange]) -> list[str]:
    lines = []
    for change in changes:
        old = set((change.before or {}).get("used", ()))
        new = set((change.after or {}).get("used", ()))
        parts = [f"+ {md_escape(i)}" for i in sorted(new - old)]
        parts += [f"− {md_escape(i)}" for i in sorted(old - new)]
        if parts:
            lines.append(f"- {md_escape(change.analysis_id)}: " + ", ".join(parts))
    return lines


def _subgroup_lines(changes: Sequence[AnalysisChange]) -> list[str]:
    lines = []
    for change in changes:
        if "subgroups" not in change.changes:
            continue
        old = (change.before or {}).get("subgroups", {})
        new = (change.after or {}).get("subgroups", {})
        for level in sorted(set(old) | set(new)):
            b, a = old.get(level), new.get(level)
            if b != a:
                lines.append(
                    f"- {md_escape(change.analysis_id)} = {md_escape(level)}: "
                    f"k {_arrow((b or {}).get('k', MISSING), (a or {}).get('k', MISSING))}, "
                    f"HR {_hr(b)} → {_hr(a)}"
                )
    return lines


def _data_lines(tables: Sequence[TableChange]) -> list[str]:
    lines = []
    for t in tables:
        if not (t.added or t.removed or t.changed):
            continue
        parts = [f"{t.rows_before} → {t.rows_after} rows"]
        if t.added:
            labels = dict(t.labels)
            parts.append(
                "added "
                + ", ".join(
                    md_escape(k) + (f" ({md_escape(labels[k], limit=200)})" if k in labels else "")
                    for k in t.added
                )
            )
        if t.removed:
            parts.append("removed " + ", ".join(md_escape(k) for k in t.removed))
        if t.changed:
            parts.append(
                "changed "
                + ", ".join(
                    f"{md_escape(k)} ({', '.join(md_escape(c) for c in cols)})"
                    for k, cols in t.changed
                )
            )
        lines.append(f"- **{md_escape(t.resource)}**: " + "; ".join(parts))
    return lines


def _headline(diff: ResultsDiff) -> str:
    changed = [a for a in diff.analyses if a.status != "unchanged"]
    flips = sum("significance" in a.changes for a in diff.analyses)
    models = sum("model" in a.changes for a in diff.analyses)
    return (
        f"**{len(changed)} of {len(diff.analyses)} analyses change**; "
        f"{flips} change significance; {models} change the model chosen by the review's rule."
    )


def render_markdown(diff: ResultsDiff, level: int = 2, title: str | None = None) -> str:
    """The diff as GitHub-flavoured markdown (also valid for MkDocs with ``tables``)."""
    h = "#" * level
    ref = md_escape(diff.ref, limit=80)
    heading = title or f"Results: {ref} ({diff.commit[:10]}) → working tree"
    out = [f"{h} {heading}", ""]
    before, after = (md_escape(v or MISSING) for v in (diff.version_before, diff.version_after))
    out.append(f"Data version {before} → {after}." if before != after else f"Data version {after}.")
    out += [f"*{n}*" for n in diff.notes]
    if diff.errors:
        out += ["", f"{h}# Validation errors ({len(diff.errors)})", ""]
        out += [f"- {md_escape(e, limit=500)}" for e in diff.errors]
        out += ["", "No results are computed while the package has validation errors."]
        return "\n".join(out) + "\n"
    out += ["", _headline(diff), ""]
    shown = [a for a in diff.analyses if a.status != "unchanged"]
    if shown:
        out += [
            f"| Analysis | k (review, added) | HR [{CI}] before | HR [{CI}] after | p | I² "
            "| Model | What changed |",
            "| --- " * 8 + "|",
        ]
        out += [_table_row(a) for a in shown]
        out.append("")
    same = [md_escape(a.analysis_id) for a in diff.analyses if a.status == "unchanged"]
    if same:
        out += [f"Unchanged: {', '.join(same)}.", ""]
    sections = [
        ("Estimates used", _estimate_lines(shown)),
        ("Subgroup levels", _subgroup_lines(shown)),
        ("Structure", [f"- {md_escape(line, limit=500)}" for line in diff.structure]),
        ("Data", _data_lines(diff.tables)),
        (
            f"New validation warnings ({len(diff.new_warnings)})",
            [f"- {md_escape(w, limit=500)}" for w in diff.new_warnings],
        ),
    ]
    for name, lines in sections:
        if lines:
            out += [f"{h}# {name}", "", *lines, ""]
    if diff.resolved_warnings:
        out += [f"Resolved warnings: {len(diff.resolved_warnings)}.", ""]
    out.append(
        "k: studies with usable data (in brackets: of the source review's studies, of the k it "
        "pooled, and added since the review). HR > 1: a high "
        "marker level goes with shorter survival. Model: the one the review's rule picks "
        f"({RULE_TEXT}, DL)."
    )
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(diff: ResultsDiff) -> str:
    """The diff as one JSON object, keys sorted (deterministic)."""
    return json.dumps(diff.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def add_study_markdown(result: Any, source: str = "the submission", form: Any = None) -> str:
    """What ``evreg add-study`` did, as markdown for an issue comment: the study added, or each
    problem that stopped it — by file:line:field, or with ``form`` (a
    :class:`evreg.living.form_errors.FormWords`) by the form's question; contributor text
    escaped."""
    if getattr(result, "added", False):
        ids = ", ".join(md_escape(i) for i in result.estimate_ids) or "no estimates"
        lines = [
            f"**Added study {md_escape(result.study_id)}** ({ids}) as a study added since the "
            f"source review, in data version {md_escape(result.added_in_version)}.",
        ]
        if result.warnings:
            lines += ["", "Warnings (they do not stop it; please check the source once more):"]
            lines += [f"- {md_escape(w, limit=500)}" for w in result.warnings]
        return "\n".join(lines) + "\n"
    errors = list(getattr(result, "errors", ()))
    where = (
        "Each line names the question of the form it is about"
        if form is not None
        else "Each line names the file, line and field (and the part of "
        f"{md_escape(source)} it comes from)"
    )
    if form is not None:
        errors = form.messages(result)
    lines = [
        f"**The submission could not be added: {plural(len(errors), 'problem')}.** No file "
        f"was changed. {where}. Edit the issue to fix them; "
        "the checks run again.",
        "",
        *(f"- {md_escape(e, limit=500)}" for e in errors),
    ]
    return "\n".join(lines) + "\n"


def error_markdown(message: str) -> str:
    """A submission that could not even be read (not valid YAML, a section twice...)."""
    return (
        "**The submission could not be read.** No file was changed. Edit the issue to fix it; "
        "the checks run again.\n\n"
        f"- {md_escape(message, limit=500)}\n"
    )
