"""What `evreg audit` prints as text: one line per finding, errors, then warnings, then notes,
and a count. Printing is the command stage's; the findings are :mod:`evreg.review.audit`'s."""

from __future__ import annotations

from collections.abc import Sequence

from evreg.data.formats import plural
from evreg.review.audit import AuditFinding
from evreg.review.audit.findings import SEVERITIES, by_severity


def render_text(findings: Sequence[AuditFinding]) -> str:
    """Plain-text report: one line per finding, errors, then warnings, then notes."""
    lines = [
        f"{f.severity}: {f.check}: {f.message}. Printed {f.printed}; expected {f.expected}."
        for f in by_severity(findings)
    ]
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    lines.append(
        f"{plural(len(findings), 'finding')}: {plural(counts['error'], 'error')}, "
        f"{plural(counts['warning'], 'warning')}, {plural(counts['note'], 'note')}"
    )
    return "\n".join(lines) + "\n"
