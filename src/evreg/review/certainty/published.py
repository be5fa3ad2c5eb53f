"""The source review's printed results as evidence to rate: the printed k, ratio, CI and I²,
the studies its study table lists for the result (N and NOS as recorded), the estimates of those
studies that qualify (for indirectness); and, apart from GRADE, the reliability of the printed
numbers from the audit's findings (misprints, count mismatches (k or N), probable duplicate cohorts,
direction errors; Foroutan et al., J Clin Epidemiol 2020;121:62-70)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evreg.data.package import Package, qualifies
from evreg.data.scope import in_review
from evreg.review.audit import CHECK_LABELS, AuditFinding
from evreg.review.audit.rows import norm_level, review_studies
from evreg.review.certainty.definition import factor_definition
from evreg.review.certainty.evidence import (
    Evidence,
    StudyEvidence,
    _int,
    labelled_mixes,
    quips_assessment,
)
from evreg.review.certainty.model import Rule
from evreg.review.certainty.target import plan_target
from evreg.stats.core import Serialisable

# What each audit check says about the printed result: not reproduced from the studies' own
# estimates, a misprint (its numbers disagree with each other), a count mismatch (k or N: the
# studies it rests on), a probable duplicate cohort or a direction error. These are facts about
# the reliability of the printed numbers, not GRADE domains: reported beside the level, each
# once, they never rate a domain down.
AUDIT_KINDS: dict[str, str] = {
    "reproduction": "not reproduced",
    "p_vs_ci": "misprint",
    "hr_vs_ci": "misprint",
    "model_vs_rule": "misprint",
    "q_p_vs_i2": "misprint",
    "i2_zero_vs_q_p": "misprint",
    "subgroup_q_partition": "misprint",
    "subgroup_k_sum": "count mismatch",
    "k_vs_study_table": "count mismatch",
    "subgroup_k_vs_study_table": "count mismatch",
    "n_vs_source": "count mismatch",
    "totals_vs_abstract": "count mismatch",
    "identical_characteristics": "probable duplicate",
    "two_study_direction": "direction error",
}
NOT_CREDIBLE = ("probable duplicate", "direction error")
RELIABLE, CONCERNS, NOT_CREDIBLE_VERDICT = (
    "reliable as printed",
    "concerns about the printed numbers",
    "not credible as printed",
)

RULE = Rule(
    "published",
    "Each published result is rated by the same rules from its printed k, ratio, CI and I², the "
    "studies the review's study table lists for it (for a subgroup level, those the table "
    "assigns to it; studies counted in k but not named there are of unknown quality and N), and "
    "the estimates of those studies that qualify for the analysis. The audit's findings on the "
    "result (or on the whole analysis, one of its studies, or the whole review) are not GRADE "
    "domains: they give a separate verdict on the reliability of the printed result, shown "
    "beside the level, each finding once. A probable duplicate cohort counted twice, or a "
    f"direction error: {NOT_CREDIBLE_VERDICT}; any other audit error or warning (misprints, k "
    f"mismatches): {CONCERNS}; none: {RELIABLE}.",
    "Foroutan et al., J Clin Epidemiol 2020;121:62-70; the audit (evreg audit); Senn, Stat Med "
    "2009;28:2781-9 (duplicate data in meta-analysis)",
)


@dataclass(frozen=True)
class Reliability(Serialisable):
    """The verdict on a printed result's numbers (see :data:`RULE`) and the audit findings
    behind it, one line each."""

    verdict: str
    reasons: tuple[str, ...] = ()


def _direction_error(f: AuditFinding) -> bool:
    """A k = 2 result that only the unharmonised direction of the held estimate reproduces."""
    feasible = [c.strip() for c in f.expected.split(";") if c.strip()]
    return (
        "harmonised" in f.message
        and bool(feasible)
        and feasible != ["none found"]
        and all(c.endswith("as printed") for c in feasible)
    )


def reliability(
    findings: Sequence[AuditFinding], pub: Mapping[str, object], study_ids: set[str]
) -> Reliability:
    """The reliability of one printed result from the audit findings that concern it."""
    reasons: list[str] = []
    verdict = RELIABLE
    for f in findings:
        kind = AUDIT_KINDS.get(f.check)
        if kind is None or not _applies(f, pub, study_ids):
            continue
        if kind == "direction error":
            if not _direction_error(f):
                continue
        elif f.severity == "note":
            continue
        elif kind == "probable duplicate" and not any(
            other in f.message for other in study_ids - {str(f.study_id)}
        ):
            continue  # the other cohort is not in this result: nothing counted twice
        check = CHECK_LABELS.get(f.check, f.check)
        line = f"{kind} ({check}): printed {f.printed}; expected {f.expected}"
        if line in reasons:
            continue
        reasons.append(line)
        if kind in NOT_CREDIBLE:
            verdict = NOT_CREDIBLE_VERDICT
        elif verdict == RELIABLE:
            verdict = CONCERNS
    return Reliability(verdict, tuple(reasons))


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
            definition=factor_definition(s, outcome),
        )
        for s in listed
    )
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
        target=plan_target(analysis),
        printed=True,
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
