"""The audit page: the published results recomputed, and the audit's findings and checks.

The audit itself is :mod:`evreg.review.audit` (``reproduce`` recomputes each published result
from the registry's usable estimates; ``audit_package`` checks the printed numbers against
each other and against those rows); this module only turns its results into table rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evreg.data.formats import MISSING, fmt_ci, plural
from evreg.data.package import Package
from evreg.review.audit import CHECKS, AuditFinding, Reproduction, audit_package, reproduce
from evreg.review.audit.findings import by_severity
from evreg.site.labels import Labels

Rows = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class AuditView:
    """Counts by severity, reproduction rows, numbered findings with how each was computed,
    and the checks run (every value a table cell's text)."""

    errors: int
    warnings: int
    notes: int
    counts: str
    reproduction: Rows
    findings: Rows
    how: Rows
    checks: Rows


def _reproduction_row(r: Reproduction) -> tuple[str, ...]:
    """Result, k, published and recomputed HR, model, verdict, what is missing or differs."""
    pub, rec = r.published, r.recomputed
    recomputed = MISSING
    if rec is not None:
        recomputed = fmt_ci(rec["hr"], rec["ci_lower"], rec["ci_upper"])
    return (
        r.result_id,
        f"{r.k_available} / {r.k_published}",
        f"{pub.get('hr')} [{pub.get('ci_lower')}, {pub.get('ci_upper')}]",
        r.model or MISSING,
        recomputed,
        r.verdict,
        "; ".join(r.missing or r.differences),
    )


def _count(findings: Sequence, severity: str) -> int:
    return sum(f.severity == severity for f in findings)


def audit_view(package: Package) -> AuditView:
    """Run the audit of ``package`` and lay out its results for the page."""
    repro = reproduce(package)  # the audit recomputes its own reproduction table
    words = Labels.from_package(package.root, package.descriptor)
    return findings_view(audit_package(package, repro), repro, words)


def findings_view(
    findings: Sequence[AuditFinding], repro: Sequence[Reproduction], words: Labels | None = None
) -> AuditView:
    """Lay out audit findings and reproduction rows (from :mod:`evreg.review.audit`); the
    messages' codes read as the schema's labels (``words``)."""
    say = words.relabel if words is not None else str
    shown = [f for f in by_severity(findings) if f.check != "reproduction"]
    counts = {s: _count(findings, s) for s in ("error", "warning", "note")}
    return AuditView(
        errors=counts["error"],
        warnings=counts["warning"],
        notes=counts["note"],
        counts=", ".join(plural(n, s) for s, n in counts.items()),
        reproduction=tuple(tuple(say(c) for c in _reproduction_row(r)) for r in repro),
        findings=tuple(
            (str(i), f.check, f.severity, f.analysis or "", f.study_id or "")
            + (say(f.printed), say(f.expected))
            for i, f in enumerate(shown, 1)
        ),
        how=tuple((str(i), f.check, say(f.message)) for i, f in enumerate(shown, 1)),
        checks=tuple(
            (name, desc, str(sum(f.check == name for f in findings)))
            for name, desc in CHECKS.items()
        ),
    )
