"""Run the whole audit: every check on a loaded package's rows, in the catalogue's order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evreg.review.audit import consistency, study_table, subgroups, two_study
from evreg.review.audit.findings import CHECKS, AuditFinding
from evreg.review.audit.reproduction import (
    Reproduction,
    printed_published,
    reproduce,
    reproduction_findings,
)
from evreg.review.audit.rows import Row


def review_counts(descriptor: Any) -> dict[str, Any] | None:
    """The review's reported counts: the first ``prisma_counts_reported`` object in the
    descriptor (searched depth-first)."""
    if isinstance(descriptor, Mapping):
        found = descriptor.get("prisma_counts_reported")
        if isinstance(found, Mapping):
            return dict(found)
        items: Iterable[Any] = descriptor.values()
    elif isinstance(descriptor, list):
        items = descriptor
    else:
        return None
    for value in items:
        found = review_counts(value)
        if found is not None:
            return found
    return None


def audit_rows(
    published: Sequence[Row],
    analyses: Sequence[Row],
    studies: Sequence[Row],
    counts: Mapping[str, Any] | None,
    reproduction: Sequence[Reproduction] = (),
) -> list[AuditFinding]:
    """Every check on plain rows (numbers in ``published`` as printed text), in CHECKS order."""
    findings = [
        *reproduction_findings(reproduction),
        *consistency.check_p_vs_ci(published),
        *consistency.check_hr_vs_ci(published),
        *consistency.check_q_p_vs_i2(published),
        *consistency.check_model_vs_rule(published, analyses),
        *subgroups.check_subgroup_k_sum(published, analyses),
        *subgroups.check_subgroup_q_partition(published, analyses),
        *study_table.check_k_vs_study_table(published, analyses, studies),
        *study_table.check_subgroup_k_vs_study_table(published, analyses, studies),
        *study_table.check_identical_characteristics(studies),
        *study_table.check_n_vs_source(studies),
        *study_table.check_totals(studies, counts),
        *two_study.check_two_study_direction(published, reproduction),
    ]
    order = list(CHECKS)
    return sorted(findings, key=lambda f: order.index(f.check))


def audit_package(package: Any, results: Any = None) -> list[AuditFinding]:
    """Audit a loaded package (evreg.data.package.Package): the source review's studies only.

    ``results``: the rows of ``reproduce(package)`` when already computed (the site computes them
    once for the findings and the page). Anything else (None, or the analyses' RegistryResults)
    makes the audit recompute them itself from the package with evreg.stats, so the audit never
    depends on how the site ran the plan.
    """
    from evreg.data.scope import review_subset

    package = review_subset(package)  # the review against itself: never the studies added since
    given = isinstance(results, (list, tuple)) and all(isinstance(r, Reproduction) for r in results)
    reproduction = tuple(results) if given else reproduce(package)
    return audit_rows(
        printed_published(package),
        package.analyses,
        package.studies,
        review_counts(package.descriptor),
        reproduction,
    )
