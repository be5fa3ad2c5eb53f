"""The audit page: the published results recomputed, and the audit's findings and checks.

The audit itself is :mod:`evreg.review.audit` (``reproduce`` recomputes each published result
from the registry's usable estimates; ``audit_package`` checks the printed numbers against
each other and against those rows); this module only turns its results into table rows, in
the site's words: analyses, results, studies and estimates by their labels, checks by their
names for readers, statistics typeset (χ², I²), CIs as "[lower, upper]" as on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evreg.data.formats import MISSING, fmt_ci, plural, printed_ci
from evreg.data.package import Package
from evreg.review.audit import (
    CHECK_LABELS,
    CHECKS,
    AuditFinding,
    Reproduction,
    audit_package,
    reproduce,
)
from evreg.review.audit.findings import by_severity
from evreg.site.labels import Labels
from evreg.site.viewmodel import Badge, Cell, Table, table
from evreg.site.views.context import MODEL_NAMES
from evreg.site.views.names import Words, audit_words

SEVERITY_WORDS = {"error": "error", "warning": "warning", "note": "note"}


@dataclass(frozen=True)
class AuditView:
    """Counts by severity, the reproduction and findings tables, how each finding was
    computed (numbered), and the checks run."""

    errors: int
    warnings: int
    notes: int
    counts: str
    reproduction: Table | None
    findings: Table | None
    how: tuple[tuple[str, str, str], ...]
    checks: Table


def _reproduction_row(r: Reproduction, say: Words) -> list[Cell]:
    """Verdict first, then the result, k, published and recomputed ratio, model, and what is
    missing or differs."""
    pub, rec = r.published, r.recomputed
    recomputed = MISSING
    if rec is not None:
        recomputed = fmt_ci(rec["hr"], rec["ci_lower"], rec["ci_upper"])
    return [
        say(r.verdict),
        say(r.result_id),
        f"{r.k_available} of {r.k_published if r.k_published is not None else MISSING}",
        printed_ci(pub.get("hr"), pub.get("ci_lower"), pub.get("ci_upper")),
        MODEL_NAMES.get(r.model, say(r.model)) if r.model else MISSING,
        recomputed,
        "; ".join(say(m) for m in (r.missing or r.differences)),
    ]


def _count(findings: Sequence, severity: str) -> int:
    return sum(f.severity == severity for f in findings)


def _n(findings: Sequence, check: str) -> int:
    return sum(f.check == check for f in findings)


def audit_view(package: Package) -> AuditView:
    """Run the audit of ``package`` and lay out its results for the page."""
    repro = reproduce(package)  # the audit recomputes its own reproduction table
    words = Labels.from_package(package.root, package.descriptor)
    return findings_view(audit_package(package, repro), repro, audit_words(package, words))


def _finding_row(i: int, f: AuditFinding, say: Words) -> list[Cell]:
    return [
        str(i),
        Badge(f.severity, SEVERITY_WORDS[f.severity]),
        CHECK_LABELS.get(f.check, say(f.check)),
        say(f.analysis) if f.analysis else "",
        say(f.study_id) if f.study_id else "",
        say(f.printed),
        say(f.expected),
    ]


REPRODUCTION_HEADERS = (
    "Verdict",
    "Published result",
    "Studies with data, of those published",
    "Published ratio [CI] as printed",
    "Model",
    "Recomputed ratio [CI]",
    "Missing or different",
)
FINDING_HEADERS = ("#", "Severity", "Check", "Analysis", "Study", "Printed", "Expected")


def findings_view(
    findings: Sequence[AuditFinding], repro: Sequence[Reproduction], say: Words | None = None
) -> AuditView:
    """Lay out audit findings and reproduction rows (from :mod:`evreg.review.audit`) in
    readers' words (``say``; without it, the text as the audit wrote it, typeset)."""
    say = say or Words({})
    shown = [f for f in by_severity(findings) if f.check != "reproduction"]
    counts = {s: _count(findings, s) for s in ("error", "warning", "note")}
    reproduction = [_reproduction_row(r, say) for r in repro]
    rows = [_finding_row(i, f, say) for i, f in enumerate(shown, 1)]
    return AuditView(
        errors=counts["error"],
        warnings=counts["warning"],
        notes=counts["note"],
        counts=", ".join(plural(n, s) for s, n in counts.items()),
        reproduction=table(
            REPRODUCTION_HEADERS, reproduction, label="Reproduction of the published results"
        )
        if reproduction
        else None,
        findings=table(FINDING_HEADERS, rows, label="Findings") if rows else None,
        how=tuple(
            (str(i), CHECK_LABELS.get(f.check, f.check), say(f.message))
            for i, f in enumerate(shown, 1)
        ),
        checks=table(
            ["Check", "What it compares", "Findings"],
            [
                [CHECK_LABELS.get(name, name), say(desc), str(_n(findings, name))]
                for name, desc in CHECKS.items()
            ],
            label="Checks",
        ),
    )
