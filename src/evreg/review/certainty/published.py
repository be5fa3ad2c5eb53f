"""The source review's printed results as evidence to rate: the printed k, ratio, CI and I²,
the studies its study table lists for the result (N and NOS as recorded), the estimates of those
studies that qualify (for indirectness), and the audit's findings on the result as reasons for
concern, each under the domain it bears on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evreg.data.package import Package, qualifies
from evreg.data.scope import in_review
from evreg.review.audit import AuditFinding
from evreg.review.audit.rows import norm_level, review_studies
from evreg.review.certainty.evidence import (
    Evidence,
    StudyEvidence,
    _int,
    labelled_mixes,
    quips_assessment,
    thresholds,
)
from evreg.review.certainty.model import Rule

# The domain each audit check bears on: which studies and patients a result rests on (risk of
# bias), its heterogeneity (inconsistency), or its own ratio, CI and model (imprecision).
AUDIT_DOMAINS: dict[str, str] = {
    "reproduction": "imprecision",
    "p_vs_ci": "imprecision",
    "hr_vs_ci": "imprecision",
    "model_vs_rule": "imprecision",
    "two_study_direction": "imprecision",
    "q_p_vs_i2": "inconsistency",
    "i2_zero_vs_q_p": "inconsistency",
    "subgroup_q_partition": "inconsistency",
    "subgroup_k_sum": "risk_of_bias",
    "k_vs_study_table": "risk_of_bias",
    "subgroup_k_vs_study_table": "risk_of_bias",
    "identical_characteristics": "risk_of_bias",
    "n_vs_source": "risk_of_bias",
    "totals_vs_abstract": "risk_of_bias",
}

RULE = Rule(
    "published",
    "Each published result is rated by the same rules from its printed k, ratio, CI and I², the "
    "studies the review's study table lists for it (for a subgroup level, those the table "
    "assigns to it; studies counted in k but not named there are of unknown quality and N), and "
    "the estimates of those studies that qualify for the analysis. An audit error on the result "
    "(or on the whole analysis, one of its studies, or the whole review) is a reason for "
    "concern: the domain it bears on is at least serious, with the finding as a reason; an "
    "audit warning is shown without rating down. Checks by domain: "
    + "; ".join(
        f"{d.replace('_', ' ')}: "
        + ", ".join(c.replace("_", " ") for c, dd in AUDIT_DOMAINS.items() if dd == d)
        for d in ("risk_of_bias", "inconsistency", "imprecision")
    )
    + ".",
    "Foroutan et al., J Clin Epidemiol 2020;121:62-70; the audit (evreg audit)",
)


def _level(study: Mapping[str, object], variable: str | None) -> str | None:
    return norm_level(study.get(variable)) if variable else None


def _applies(f: AuditFinding, pub: Mapping[str, object], study_ids: set[str]) -> bool:
    """Does an audit finding concern this published result?"""
    if f.analysis is not None:
        level = norm_level(pub.get("subgroup_level"))
        return f.analysis == pub.get("analysis_id") and f.subgroup_level in (None, level)
    if f.study_id is not None:
        return f.study_id in study_ids
    return True  # the whole review (its totals)


def _concerns(
    findings: Sequence[AuditFinding], pub: Mapping[str, object], study_ids: set[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(errors, warnings) on the result as one-line reasons, by the domain they bear on."""
    errors: dict[str, list[str]] = {}
    warnings: dict[str, list[str]] = {}
    for f in findings:
        domain = AUDIT_DOMAINS.get(f.check)
        if domain is None or f.severity == "note" or not _applies(f, pub, study_ids):
            continue
        line = f"audit, {f.check.replace('_', ' ')}: printed {f.printed}; expected {f.expected}"
        (errors if f.severity == "error" else warnings).setdefault(domain, []).append(line)
    return (
        {d: tuple(v) for d, v in errors.items()},
        {d: tuple(v) for d, v in warnings.items()},
    )


def published_evidence(
    package: Package,
    analysis: Mapping[str, object],
    pub: Mapping[str, object],
    findings: Sequence[AuditFinding],
    labels: Mapping[str, str],
) -> Evidence:
    """The evidence behind one printed result (see the module docstring)."""
    variable = str(analysis.get("subgroup_variable") or "") or None
    level = norm_level(pub.get("subgroup_level"))
    review = [s for s in package.studies if in_review(s)]
    listed = review_studies(review, analysis.get("biomarker"), analysis.get("outcome"))
    if level is not None:
        listed = [s for s in listed if _level(s, variable) == level]
    k = int(pub.get("k") or 0)
    ids = {str(s["study_id"]) for s in listed}
    qualifying = [
        e for e in package.estimates if e.get("study_id") in ids and qualifies(e, analysis)
    ]
    outcome = str(analysis.get("outcome") or "")
    studies = tuple(
        StudyEvidence(
            str(s["study_id"]),
            labels.get(str(s["study_id"]), str(s["study_id"])),
            1.0,
            _int(s.get("n")),
            _int(s.get("nos_score")),
            _int(s.get("nos_comparability")),
            quips=quips_assessment(
                str(s["study_id"]),
                s,
                [e for e in qualifying if e.get("study_id") == s["study_id"]],
                outcome,
                package.risk_of_bias,
            ),
        )
        for s in listed
    )
    errors, warnings = _concerns(findings, pub, ids)
    lower, upper = thresholds(analysis)
    i2 = pub.get("i2_percent")
    return Evidence(
        k=k,
        estimate=_number(pub.get("hr")),
        ci_lower=_number(pub.get("ci_lower")),
        ci_upper=_number(pub.get("ci_upper")),
        i2=float(i2) if isinstance(i2, int | float) else None,
        studies=studies,
        unidentified=max(0, k - len(studies)),
        mixes=labelled_mixes(qualifying, labels),
        threshold_lower=lower,
        threshold_upper=upper,
        printed=True,
        concerns=errors,
        remarks=warnings,
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
