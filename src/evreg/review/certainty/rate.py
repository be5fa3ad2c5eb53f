"""Rate one body of evidence, every analysis of the plan and every published result: the five
domains by their rules, reviewers' judgements from the certainty resource, the reasons to rate
up, then the level from the target's start (GRADE for prognostic factors: Foroutan et al., J
Clin Epidemiol 2020;121:62-70); a published result's audit findings give its separate
reliability verdict (:mod:`.published`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

from evreg.data.package import Package
from evreg.review.audit import AuditFinding, audit_package
from evreg.review.certainty import (
    imprecision,
    inconsistency,
    indirectness,
    publication_bias,
    risk_of_bias,
    subgroups,
    upgrades,
)
from evreg.review.certainty.evidence import Evidence, analysis_evidence
from evreg.review.certainty.model import DOMAINS, UPGRADES, Certainty, Judgement, combine
from evreg.review.certainty.published import published_evidence, reliability
from evreg.review.certainty.reviewer import applied, pooled_ids, reviewer_rows
from evreg.review.results import AnalysisResult

RULES: dict[str, Callable[[Evidence], Judgement]] = {
    "risk_of_bias": risk_of_bias.judge,
    "inconsistency": inconsistency.judge,
    "indirectness": indirectness.judge,
    "imprecision": imprecision.judge,
    "publication_bias": publication_bias.judge,
}
NOTHING_POOLED = "no usable estimate yet: nothing pooled to judge"


def rate_evidence(
    ev: Evidence, reviewer: Mapping[str, Mapping[str, object]], current: Sequence[str] = ()
) -> Certainty:
    """The certainty of one body of evidence; ``reviewer``: certainty rows by domain, applied
    while made on the ``current`` estimates (:mod:`.reviewer`)."""
    if not ev.pooled:
        domains = {d: Judgement("not assessable", NOTHING_POOLED) for d in DOMAINS}
    else:
        domains = {d: rule(ev) for d, rule in RULES.items()}
    domains = {d: applied(j, reviewer.get(d), current) for d, j in domains.items()}
    if ev.pooled:
        ups = {
            "large_effect": upgrades.large_effect(ev, domains),
            "dose_response": upgrades.dose_response(ev),
        }
    else:
        ups = {u: Judgement("not assessable", NOTHING_POOLED) for u in UPGRADES}
    ups = {u: applied(j, reviewer.get(u), current) for u, j in ups.items()}
    ups = upgrades.checked(ups, domains, ev)
    return combine(domains, ups, ev.pooled, ev.target)


def rate_plan(
    package: Package,
    analyses: Sequence[AnalysisResult],
    labels: Mapping[str, str],
    findings: Sequence[AuditFinding] | None = None,
) -> tuple[AnalysisResult, ...]:
    """Every analysis with its ``certainty`` and every published entry with its own (the audit
    of the package is run unless its ``findings`` are given)."""
    studies = {str(s["study_id"]): s for s in package.studies}
    estimates = {str(e["estimate_id"]): e for e in package.estimates}
    plan = {str(a["analysis_id"]): a for a in package.analyses}
    reviewer = reviewer_rows(package)
    if findings is None:
        findings = audit_package(package) if package.published_results else []
    out = []
    overall: dict[str, Mapping[str, object]] = {}  # analysis id -> its printed overall result
    for a in analyses:
        row = plan.get(a.analysis_id, {})
        ev = analysis_evidence(a, studies, estimates, row, package.risk_of_bias)
        rows = reviewer.get((a.analysis_id, ""), {})
        certainty = rate_evidence(ev, rows, pooled_ids(a))
        published = []
        for p in a.published:
            pev = published_evidence(package, row, p, findings, labels)
            ids = {s.study_id for s in pev.studies}
            rid = str(p.get("result_id") or "")
            rows = reviewer.get((a.analysis_id, rid), {})
            rated = {"certainty": rate_evidence(pev, rows, pooled_ids(a, rid))}
            rated["reliability"] = reliability(findings, p, ids)
            published.append({**p, **rated})
            if not p.get("subgroup_level"):
                overall[a.analysis_id] = published[-1]
        parent = overall.get(str(a.parent_analysis or ""))
        published = [_level_rating(p, published, parent, row) for p in published]
        out.append(dataclasses.replace(a, certainty=certainty, published=tuple(published)))
    return tuple(out)


def _level_rating(
    p: dict[str, object],
    levels: Sequence[Mapping[str, object]],
    parent: Mapping[str, object] | None,
    plan_row: Mapping[str, object],
) -> dict[str, object]:
    """A subgroup level keeps its own rating only when the subgroup effect is credible (ICEMAN);
    otherwise the overall printed result's rating applies (:mod:`.subgroups`)."""
    if not p.get("subgroup_level"):
        return p
    variable = str(plan_row.get("subgroup_variable") or "")
    applies = str(parent.get("result_id")) if parent is not None else None
    cred = subgroups.credibility([q for q in levels if q.get("subgroup_level")], applies, variable)
    if cred.credible or parent is None:
        return {**p, "subgroup_credibility": cred}
    return {**p, "certainty": parent["certainty"], "subgroup_credibility": cred}
