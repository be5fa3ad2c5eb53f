"""Run every check on a package: read each resource, then the cross-table checks, in order.

Structural problems (missing file, binary, BOM, wrong delimiter, header not matching the schema)
stop the checks of that file only; the findings are sorted by file (descriptor, then each
resource's schema and CSV in package order) and line, at most MAX_FINDINGS_PER_FILE per file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from evreg.data.package import (
    DESCRIPTOR_NAME,
    KNOWN_RESOURCE_NAMES,
    PackageError,
    RawTable,
    find_resource,
    package_resources,
    read_descriptor,
    read_schema,
    read_table,
)
from evreg.data.validate import (
    cells,
    certainty,
    derivations,
    domain,
    evidence_inputs,
    numbers,
    plan,
    scope,
    searches,
    sources,
)
from evreg.data.validate.finding import MAX_FINDINGS_PER_FILE, Finding, from_error, register
from evreg.data.validate.schema import descriptor_findings, row_findings, schema_findings

TEMPLATES = register(
    {
        "too-many-findings": "too many problems: cross-checks with this file skipped",
        "more-findings": "{more} more finding(s) not shown",
    }
)
# Cross-table checks: the resources each reads (in argument order) and the check.
CHECKS: tuple[tuple[tuple[str, ...], Callable[..., Iterable[Finding]]], ...] = (
    (("estimates",), numbers.check_numbers),
    (("published_results",), numbers.check_numbers),
    (("estimates",), domain.check_status),
    (("estimates",), domain.check_estimate_keys),
    (("estimates", "studies"), domain.check_estimate_study),
    (("studies",), domain.check_same_cohort),
    (("studies",), domain.check_study_counts),
    (("studies", "estimates"), domain.check_study_has_estimates),
    (("analyses",), plan.check_analysis_links),
    (("analyses", "estimates"), plan.check_analysis_mix),
    (("estimates", "analyses"), plan.check_unknown_direction),
    (("published_results", "analyses"), plan.check_published_links),
    (("candidates", "studies"), plan.check_candidates),
    (("candidates", "studies"), scope.check_screening),
    (("certainty", "analyses", "published_results"), certainty.check_certainty),
    (("analyses",), certainty.check_thresholds),
    (("risk_of_bias", "studies", "estimates"), evidence_inputs.check_risk_of_bias),
    (("baseline_risks", "analyses"), evidence_inputs.check_baselines),
    (("search_history", "candidates"), searches.check_search_history),
    (("derivations",), derivations.check_derivation_inputs),
    (("derivations", "estimates"), derivations.check_derivation_links),
    (("estimates",), sources.check_number_sources),
    (("published_results",), sources.check_number_sources),
    (("estimates",), sources.check_pending_reason),
)
# Checks that also read the resource's Table Schema (rules marked on its fields).
SCHEMA_CHECKS: tuple[tuple[str, Callable[..., Iterable[Finding]]], ...] = (
    ("studies", scope.check_study_scope),
    ("studies", sources.check_study_sources),
    *((name, cells.check_cells) for name in KNOWN_RESOURCE_NAMES),
)


def validate_package(path: str | Path = DESCRIPTOR_NAME) -> list[Finding]:
    """All findings for the package at ``path`` (datapackage.json or its directory)."""
    try:
        root, descriptor = read_descriptor(path)
    except PackageError as exc:
        return [from_error(exc)]
    findings = list(descriptor_findings(descriptor))
    tables: dict[str, RawTable] = {}
    for name in package_resources(descriptor):
        try:
            resource = find_resource(descriptor, name)
            schema_label, schema = read_schema(root, resource)
            found_in_schema = list(schema_findings(name, schema_label, schema))
            findings += found_in_schema
            if found_in_schema:
                continue
            table = read_table(root, resource)
        except PackageError as exc:
            findings.append(from_error(exc))
            continue
        table_findings = row_findings(root, resource, table)
        findings += table_findings
        if len(table_findings) < MAX_FINDINGS_PER_FILE:
            tables[name] = table
        else:
            findings.append(Finding.coded("too-many-findings", table.file, None, None))
    findings += _cross_table_findings(tables)
    if "studies" in tables:
        studies = tables["studies"]
        findings += scope.check_review_count((studies.file, list(studies.rows())), descriptor)
    order = _file_order(descriptor)
    return _cap(sorted(findings, key=lambda f: (order.get(f.file, len(order)), f.row or 0)))


def _cross_table_findings(tables: dict[str, RawTable]) -> list[Finding]:
    rows = {name: list(t.rows()) for name, t in tables.items()}
    files = {name: t.file for name, t in tables.items()}
    findings: list[Finding] = []
    for needs, check in CHECKS:
        if all(n in tables for n in needs):
            args = [(files[n], rows[n]) for n in needs]
            findings += check(*args)
    for name, check in SCHEMA_CHECKS:
        if name in tables:
            findings += check((files[name], rows[name]), tables[name].schema)
    return findings


def _file_order(descriptor: dict) -> dict[str, int]:
    """Sort key: the descriptor first, then each resource's schema and CSV in package order."""
    order = {DESCRIPTOR_NAME: -1}
    for i, res in enumerate(descriptor.get("resources", [])):
        for key in ("schema", "path"):
            if isinstance(res.get(key), str):
                order.setdefault(res[key], i)
    return order


def _cap(findings: list[Finding]) -> list[Finding]:
    """At most MAX_FINDINGS_PER_FILE findings per file, then one line saying how many more."""
    kept: list[Finding] = []
    count: dict[str, int] = {}
    for finding in findings:
        count[finding.file] = count.get(finding.file, 0) + 1
        if count[finding.file] <= MAX_FINDINGS_PER_FILE:
            kept.append(finding)
    for file, n in count.items():
        if n > MAX_FINDINGS_PER_FILE:
            more = n - MAX_FINDINGS_PER_FILE
            kept.append(Finding.coded("more-findings", file, None, None, more=more))
    return kept
