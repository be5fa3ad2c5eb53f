"""Run the analysis plan: every analysis row of the package, pooled with both models.

For each analysis: the qualifying estimates (:func:`evreg.data.package.qualifying_estimates`)
are split into *used* (status ``extracted`` or ``derived``, with ratio and CI) and *pending*
(everything else, with why); used ratios are harmonised to high vs low (Cochrane Handbook
6.3.2) and converted to log ratio + SE from the CI at the row's level, and each study's CI is
shown recomputed from them at the analysis' level (``CI_LEVEL``, beside the printed one); fixed
effect and random effects (the plan's tau2 method, DL as RevMan) are both computed and the
review's rule picks the primary model. Then, as the plan asks: leave-one-out, cumulative by
publication year, subgroups, and Egger's test and trim-and-fill (k >= 10 only, Cochrane
Handbook 13.3.5.4). With derived estimates, the extracted ones are also pooled alone. The
results are the frozen dataclasses of :mod:`evreg.review.results`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evreg import stats
from evreg.data.effects import printed_level
from evreg.data.package import Package, qualifying_estimates, split_list
from evreg.data.scope import in_review, patients
from evreg.review import selection
from evreg.review.results import (
    CI_LEVEL,
    AnalysisResult,
    PendingEstimate,
    PooledView,
    RegistryResults,
    SubgroupAnalysis,
    UsedEstimate,
    results_rows,
    results_schema,
)
from evreg.stats import FLIPPED

# The result types and their table form live in evreg.review.results; importable from here too.
__all__ = [
    "AnalysisResult",
    "PendingEstimate",
    "PooledView",
    "RegistryResults",
    "SubgroupAnalysis",
    "UsedEstimate",
    "results_rows",
    "results_schema",
    "run_analysis",
    "run_plan",
    "select_estimates",
    "study_labels",
]

STATUS_REASON = {
    "not_found": "no source available to us prints this estimate",
    "incomplete": "the source prints only part of what pooling needs",
}


ADDED_MARK = " (added)"
NOTHING_TO_POOL = "no qualifying estimate has a ratio and confidence interval yet: nothing to pool"


def study_labels(studies: Sequence[dict]) -> dict[str, str]:
    """RevMan-style labels "Surname Year", suffixed a, b... when two studies share one; a study
    added since the source review is marked "Surname Year (added)" wherever it is shown."""
    base = {}
    for s in studies:
        author = (s.get("first_author") or s["study_id"]).strip()
        tokens = author.split()
        while len(tokens) > 1 and re.fullmatch(r"[A-Z][A-Z.\-]{0,3}", tokens[-1]):
            tokens.pop()
        year = s.get("year")
        base[s["study_id"]] = " ".join(tokens) + (f" {year}" if year is not None else "")
    counts: dict[str, list[str]] = {}
    for sid in sorted(base):
        counts.setdefault(base[sid], []).append(sid)
    added = {s["study_id"] for s in studies if not in_review(s)}
    labels = {}
    for label, ids in counts.items():
        for i, sid in enumerate(ids):
            labels[sid] = label if len(ids) == 1 else f"{label}{chr(ord('a') + i)}"
            labels[sid] += ADDED_MARK if sid in added else ""
    return labels


def _pending_reason(est: dict) -> str:
    status = est.get("status") or "unknown"
    if status == "extracted":
        missing = [f for f in ("hr", "ci_lower", "ci_upper") if est.get(f) is None]
        return f"extracted but {', '.join(missing)} empty: cannot derive a standard error"
    why = STATUS_REASON.get(status, f"status {status}")
    if status == "incomplete" and est.get("hr") is not None and est.get("ci_lower") is None:
        why = "the source prints the ratio but no confidence interval, so no standard error"
    return why


def select_estimates(
    qualifying: Sequence[dict],
    models: tuple[str, ...],
    labels: dict[str, str],
    added: frozenset[str] = frozenset(),
) -> tuple[list[dict], list[PendingEstimate]]:
    """One usable estimate per study (preferring the plan's model order, then whole cohort,
    then file order); all other qualifying estimates become pending with the reason."""
    chosen, pending = [], []
    for sid, ests in selection.by_study(qualifying).items():
        pick = selection.preferred(ests, models)
        if pick is not None:
            chosen.append(pick)
        for est in ests:
            if est is pick:
                continue
            reason = (
                f"study already contributes {pick['estimate_id']} (preferred by model, cohort "
                "and file order); one estimate per study"
                if pick is not None
                else _pending_reason(est)
            )
            status = est.get("status") or "unknown"
            pending.append(
                PendingEstimate(
                    est["estimate_id"], sid, labels.get(sid, sid), status, reason, sid not in added
                )
            )
    return chosen, pending


def _not_qualifying(
    package: Package, analysis: dict, labels: dict[str, str]
) -> list[PendingEstimate]:
    """Estimates of the same biomarker and outcome that the plan's criteria exclude."""
    studies = {s["study_id"]: s for s in package.studies}
    out = []
    criteria = (("timepoint", "timepoints"), ("comparison", "comparisons"), ("model", "models"))
    for est in package.estimates:
        if est.get("biomarker") != analysis.get("biomarker") or est.get("outcome") != analysis.get(
            "outcome"
        ):
            continue
        failed = [
            f"{col} {est.get(col)!s} not in the plan ({', '.join(split_list(analysis.get(plan)))})"
            for col, plan in criteria
            if est.get(col) not in split_list(analysis.get(plan))
        ]
        if failed:
            sid = est["study_id"]
            out.append(
                PendingEstimate(
                    est["estimate_id"],
                    sid,
                    labels.get(sid, sid),
                    est.get("status") or "unknown",
                    "; ".join(failed),
                    in_review(studies.get(sid, {})),
                )
            )
    return out


def _subgroup_level(study: dict, variable: str | None) -> str | None:
    if not variable:
        return None
    value = study.get(variable)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class HarmonisedRow:
    """One chosen estimate as the plan pools it: ratio on the high-vs-low scale, its log and SE
    (from the CI at the level it was printed), the CI recomputed at the analysis level
    (``CI_LEVEL``), and what the views need about its study."""

    estimate: dict[str, Any]  # the package's estimate row, as read
    hr: float
    ci_lower: float  # at CI_LEVEL, from log_hr and se
    ci_upper: float
    ci_level_as_printed: float  # the level the source printed its CI at
    log_hr: float
    se: float
    label: str
    year: int | None
    subgroup_level: str | None  # the study's value of the plan's subgroup variable
    in_review: bool
    added_in_version: str | None
    n_patients: int | None

    @property
    def estimate_id(self) -> str:
        return str(self.estimate["estimate_id"])

    def sort_key(self) -> tuple[int, str, str]:
        """Publication year (unknown last), then label, then estimate id."""
        return (self.year if self.year is not None else 9999, self.label, self.estimate_id)


def _harmonised(
    chosen: Sequence[dict], studies: dict[str, dict], labels: dict[str, str], variable: str | None
) -> list[HarmonisedRow]:
    """Harmonised ratio, CI, log ratio and SE for each chosen estimate, sorted by year, label."""
    rows = []
    for est in chosen:
        (hr,), (lo,), (up,) = stats.harmonise(
            est["hr"], est["ci_lower"], est["ci_upper"], est["comparison"]
        )
        level = printed_level(est)
        (log_hr,), (se,) = stats.ci_to_se(hr, lo, up, level)
        (lo,), (up,) = stats.ci_from_se(log_hr, se, CI_LEVEL)
        study = studies.get(est["study_id"]) or {}
        rows.append(
            HarmonisedRow(
                estimate=est,
                hr=float(hr),
                ci_lower=float(lo),
                ci_upper=float(up),
                ci_level_as_printed=float(level),
                log_hr=float(log_hr),
                se=float(se),
                label=labels.get(est["study_id"], est["study_id"]),
                year=study.get("year"),
                subgroup_level=_subgroup_level(study, variable),
                in_review=in_review(study),
                added_in_version=study.get("added_in_version"),
                n_patients=patients(study),
            )
        )
    return sorted(rows, key=HarmonisedRow.sort_key)


def _published(package: Package, analysis_id: str) -> tuple[dict, ...]:
    return tuple(r for r in package.published_results if r.get("analysis_id") == analysis_id)


def _k_in_review(published: Sequence[dict]) -> int | None:
    overall = [r["k"] for r in published if not r.get("subgroup_level") and r.get("k") is not None]
    if overall:
        return int(overall[0])
    levels = [r["k"] for r in published if r.get("k") is not None]
    return int(sum(levels)) if levels else None


def _choose_primary(rule_name: str, fixed: stats.PoolResult) -> stats.RuleChoice:
    if rule_name in ("fixed", "random"):
        return stats.RuleChoice(
            rule_name, f"the plan fixes the primary model: {rule_name} effect(s)"
        )
    return stats.review_rule(fixed)


def _subgroups(
    rows: Sequence[HarmonisedRow], variable: str, method: str, primary: str
) -> SubgroupAnalysis:
    inside = [r for r in rows if r.subgroup_level is not None]
    outside = tuple(r.estimate_id for r in rows if r.subgroup_level is None)
    if not inside:
        return SubgroupAnalysis(variable, (), outside, None, None, primary)
    yi = [r.log_hr for r in inside]
    sei = [r.se for r in inside]
    groups = [r.subgroup_level for r in inside]
    levels = tuple(sorted(set(groups), key=lambda g: (g != "true", g)))
    fixed = stats.subgroups(yi, sei, groups, "FE")
    random = stats.subgroups(yi, sei, groups, method)
    return SubgroupAnalysis(variable, levels, outside, fixed, random, primary)


def _view(rows: Sequence[HarmonisedRow], studies: str, analysis: dict) -> PooledView:
    """Both models, the primary one and the subgroups for one set of harmonised rows."""
    method = (analysis.get("random_method") or "DL").upper()
    variable = analysis.get("subgroup_variable") or None
    ids = tuple(r.estimate_id for r in rows)
    if not rows:
        return PooledView(studies, 0, ids, None, None, None, None, None)
    yi = [r.log_hr for r in rows]
    sei = [r.se for r in rows]
    fixed = stats.pool(yi, sei, "FE", level=CI_LEVEL)
    random = stats.pool(yi, sei, method, level=CI_LEVEL)
    rule = _choose_primary(analysis.get("model_rule") or "review_rule", fixed)
    sub = _subgroups(rows, variable, method, rule.model) if variable else None
    return PooledView(studies, len(rows), ids, fixed, random, rule, rule.model, sub)


def _used(rows: Sequence[HarmonisedRow], view: PooledView) -> tuple[UsedEstimate, ...]:
    fixed_w = list(view.fixed.weights) if view.fixed else []
    random_w = list(view.random.weights) if view.random else []
    return tuple(
        UsedEstimate(
            estimate_id=r.estimate_id,
            study_id=r.estimate["study_id"],
            label=r.label,
            year=r.year,
            comparison=r.estimate["comparison"],
            harmonised=r.estimate["comparison"] in FLIPPED,
            hr=r.hr,
            ci_lower=r.ci_lower,
            ci_upper=r.ci_upper,
            hr_as_printed=r.estimate["hr"],
            ci_lower_as_printed=r.estimate["ci_lower"],
            ci_upper_as_printed=r.estimate["ci_upper"],
            ci_level_as_printed=r.ci_level_as_printed,
            ci_level=CI_LEVEL,
            log_hr=r.log_hr,
            se=r.se,
            weight_fixed=fixed_w[i] if i < len(fixed_w) else None,
            weight_random=random_w[i] if i < len(random_w) else None,
            subgroup_level=r.subgroup_level,
            source_url=r.estimate.get("source_url"),
            source_location=r.estimate.get("source_location"),
            in_review=r.in_review,
            added_in_version=r.added_in_version,
            derivation_method=r.estimate.get("derivation_method"),
            n_patients=r.n_patients,
        )
        for i, r in enumerate(rows)
    )


def _sensitivity(
    rows: Sequence[HarmonisedRow], view: PooledView, sensitivity: Sequence[str]
) -> tuple[
    stats.LeaveOneOutResult | None,
    stats.CumulativeResult | None,
    stats.EggerResult | None,
    stats.TrimFillResult | None,
    list[str],
]:
    """The plan's sensitivity analyses on the primary model: leave-one-out, cumulative,
    Egger's test and trim-and-fill (None where not asked for), and notes on them."""
    if not rows:
        return None, None, None, None, [NOTHING_TO_POOL]
    loo = cum = egger = tf = None
    notes: list[str] = []
    yi = [r.log_hr for r in rows]
    sei = [r.se for r in rows]
    labs = [r.label for r in rows]
    method = "FE" if view.primary == "fixed" else view.random.method
    if "leave_one_out" in sensitivity:
        loo = stats.leave_one_out(yi, sei, method, labels=labs)
    if "cumulative" in sensitivity:
        cum = stats.cumulative(yi, sei, method, order_labels=labs)
        notes.append("cumulative analysis adds studies by publication year (ties by label)")
    if "small_study" in sensitivity:
        egger = stats.egger(yi, sei)
        tf = stats.trim_and_fill(yi, sei, method)
    return loo, cum, egger, tf, notes


def run_analysis(package: Package, analysis: dict, labels: dict[str, str]) -> AnalysisResult:
    """Run one analysis row of the plan (see the module docstring for the steps): every
    eligible study (the living answer) and, apart, the source review's studies only."""
    studies = {s["study_id"]: s for s in package.studies}
    added = frozenset(sid for sid, s in studies.items() if not in_review(s))
    models = selection.model_order(analysis)
    qualifying = qualifying_estimates(package, analysis)
    chosen, pending = select_estimates(qualifying, models, labels, added)
    variable = analysis.get("subgroup_variable") or None
    rows = _harmonised(chosen, studies, labels, variable)
    everything = _view(rows, "all", analysis)
    review = _view([r for r in rows if r.in_review], "review", analysis)
    extracted = [r for r in rows if not r.estimate.get("derivation_method")]
    extracted_only = _view(extracted, "extracted", analysis) if len(extracted) < len(rows) else None
    sensitivity = split_list(analysis.get("sensitivity"))
    loo, cum, egger, tf, notes = _sensitivity(rows, everything, sensitivity)
    n_review = review.k
    return AnalysisResult(
        analysis_id=analysis["analysis_id"],
        title=analysis.get("title") or analysis["analysis_id"],
        biomarker=analysis.get("biomarker") or "",
        outcome=analysis.get("outcome") or "",
        subgroup_variable=variable,
        parent_analysis=analysis.get("parent_analysis") or None,
        random_method=(analysis.get("random_method") or "DL").upper(),
        k_in_review=_k_in_review(_published(package, analysis["analysis_id"])),
        k_with_data=len(rows),
        k_review_with_data=n_review,
        k_added_with_data=len(rows) - n_review,
        used=_used(rows, everything),
        pending=tuple(sorted(pending, key=lambda p: p.estimate_id)),
        not_qualifying=tuple(_not_qualifying(package, analysis, labels)),
        fixed=everything.fixed,
        random=everything.random,
        rule=everything.rule,
        primary=everything.primary,
        leave_one_out=loo,
        cumulative=cum,
        subgroups=everything.subgroups,
        egger=egger,
        trim_and_fill=tf,
        sensitivity=sensitivity,
        published=_published(package, analysis["analysis_id"]),
        notes=tuple(notes),
        review_studies=review,
        extracted_only=extracted_only,
    )


def run_plan(package: Package) -> RegistryResults:
    """Run every analysis of the package's plan, in the plan's order, and rate the certainty
    of each and of each published result (:mod:`evreg.review.certainty`)."""
    from evreg.review.absolute import with_absolute_effects
    from evreg.review.certainty import rate_plan
    from evreg.review.derived import derive_package

    derive_package(package)  # derived estimates hold what their printed inputs give
    labels = study_labels(package.studies)
    analyses = tuple(run_analysis(package, a, labels) for a in package.analyses)
    analyses = rate_plan(package, analyses, labels)
    analyses = with_absolute_effects(analyses, package.baseline_risks)
    name = str(package.descriptor.get("name", ""))
    return RegistryResults(name, package.version, package.created, analyses)
