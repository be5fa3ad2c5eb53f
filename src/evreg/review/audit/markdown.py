"""The Audit page as markdown, every value from the data escaped by ``md_escape``.

Kept only for the site's current Audit page: once the page is a Jinja2 template, nothing uses
this module and it can be deleted (with its re-export in ``evreg.review.audit``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from evreg.review.audit.findings import CHECKS, SEVERITIES, AuditFinding
from evreg.review.audit.reproduction import Reproduction, pooled_text

_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "\\`*_{}[]|~^$!"}


def md_escape(value: object) -> str:
    """Untrusted text for a markdown table cell: HTML-escaped, markdown syntax neutralised."""
    text = html.escape(" ".join(str("" if value is None else value).split()), quote=True)
    return "".join(_MD_SPECIAL.get(c, c) for c in text)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return lines


def _ci_text(hr: object, lo: object, hi: object) -> str:
    return f"{hr} ({lo} to {hi})"


def render_markdown(
    findings: Sequence[AuditFinding], reproduction: Sequence[Reproduction] = ()
) -> str:
    """The site's Audit page (markdown). Every value from data is escaped by md_escape."""
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    lines = [
        "# Audit of the source review",
        "",
        "Each published number is checked against the others printed with it and against the "
        "registry's evidence. A printed value stands for every value that rounds to it (1.28 "
        "means 1.275 up to 1.285); a finding means no such value fits.",
        "",
        f"**{counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes.**",
        "",
    ]
    if reproduction:
        lines += ["## Reproduction", ""]
        lines += _table(
            [
                "Result",
                "k available / published",
                "Published HR (95% CI)",
                "Model",
                "Recomputed HR (95% CI)",
                "Verdict",
                "Missing or different",
            ],
            (
                [
                    r.result_id,
                    f"{r.k_available} / {r.k_published}",
                    _ci_text(
                        r.published.get("hr"),
                        r.published.get("ci_lower"),
                        r.published.get("ci_upper"),
                    ),
                    r.model or "n/a",
                    "" if r.recomputed is None else pooled_text(r.recomputed)[3:],
                    r.verdict,
                    "; ".join(r.missing or r.differences),
                ]
                for r in reproduction
            ),
        )
        lines.append("")
    elif any(f.check == "reproduction" for f in findings):
        lines += ["## Reproduction", ""]
        lines += _table(
            ["Result", "Severity", "Published", "Recomputed or needed", "Verdict"],
            (
                [f.analysis or "", f.severity, f.printed, f.expected, f.message]
                for f in findings
                if f.check == "reproduction"
            ),
        )
        lines.append("")
    lines += ["## Findings", ""]
    shown = [f for f in findings if f.check != "reproduction"]
    if shown:
        lines += _table(
            ["#", "Check", "Severity", "Analysis", "Study", "Printed", "Expected"],
            (
                [i, f.check, f.severity, f.analysis or "", f.study_id or "", f.printed, f.expected]
                for i, f in enumerate(shown, 1)
            ),
        )
        lines += ["", "### How each finding was computed", ""]
        lines += [
            f"{i}. **{md_escape(f.check)}**: {md_escape(f.message)}" for i, f in enumerate(shown, 1)
        ]
    else:
        lines.append("No inconsistency found.")
    lines += ["", "## Checks", ""]
    lines += _table(
        ["Check", "What it compares", "Findings"],
        ([name, desc, sum(f.check == name for f in findings)] for name, desc in CHECKS.items()),
    )
    return "\n".join(lines) + "\n"
