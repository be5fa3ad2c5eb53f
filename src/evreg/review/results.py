"""What the analysis plan computes, as frozen dataclasses, and its table form (results.csv).

:class:`RegistryResults` holds one :class:`AnalysisResult` per analysis of the plan
(``to_dict()`` is JSON-serialisable and deterministic); ``results_rows`` flattens it to one row
per analysis x subgroup level x model with the columns of ``results_schema()`` (what a built
site's results.csv holds; :func:`evreg.review.results_frame` gives them as a typed DataFrame).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from evreg import stats
from evreg.data.validate.certainty import (
    DOMAIN_LABELS,
    DOWNGRADE_DOMAINS,
    DOWNGRADE_JUDGEMENTS,
)
from evreg.stats.core import Serialisable

CI_LEVEL = 0.95  # the level of every CI the plan computes, a study's displayed CI included


@dataclass(frozen=True)
class UsedEstimate(Serialisable):
    """One estimate entering the analysis, harmonised to high vs low. ``ci_lower`` and
    ``ci_upper`` are recomputed from ``log_hr`` and ``se`` at the analysis' level
    (``ci_level``, as RevMan's generic inverse variance shows a study); the source's numbers
    and their level stay beside them (``*_as_printed``, ``ci_level_as_printed``)."""

    estimate_id: str
    study_id: str
    label: str
    year: int | None
    comparison: str
    harmonised: bool
    hr: float
    ci_lower: float
    ci_upper: float
    hr_as_printed: float
    ci_lower_as_printed: float
    ci_upper_as_printed: float
    ci_level_as_printed: float
    ci_level: float
    log_hr: float
    se: float
    weight_fixed: float | None
    weight_random: float | None
    subgroup_level: str | None
    source_url: str | None
    source_location: str | None
    in_review: bool = True
    added_in_version: str | None = None
    n_patients: int | None = None  # the study's patients (evreg.data.scope.patients)

    @property
    def printed_high_vs_low(self) -> tuple[float, float, float]:
        """The ratio and CI as printed, harmonised to high vs low (at ``ci_level_as_printed``)."""
        printed = (self.hr_as_printed, self.ci_lower_as_printed, self.ci_upper_as_printed)
        (hr,), (lo,), (up,) = stats.harmonise(*printed, self.comparison)
        return float(hr), float(lo), float(up)

    # Set when evreg derived the HR from printed statistics or curves (derivations resource):
    # logrank, oe, ci, p or km. The certainty rules read it (risk of bias, statistical
    # analysis: a derived HR is unadjusted, km a reconstruction); pages mark the estimate.
    derivation_method: str | None = None

    @property
    def derived(self) -> bool:
        return self.derivation_method is not None


@dataclass(frozen=True)
class PendingEstimate(Serialisable):
    """A qualifying estimate that cannot enter the analysis yet, with its status and why."""

    estimate_id: str
    study_id: str
    label: str
    status: str
    reason: str
    in_review: bool = True


@dataclass(frozen=True)
class SubgroupAnalysis(Serialisable):
    """Per-level pooling with both models and the test for subgroup differences."""

    variable: str
    levels: tuple[str, ...]
    unclassified: tuple[str, ...]
    fixed: stats.SubgroupResult | None
    random: stats.SubgroupResult | None
    primary: str


@dataclass(frozen=True)
class PooledView(Serialisable):
    """One set of studies pooled with both models: ``studies`` is "review" (the source review's
    studies only: what reproduction and the audit use) or "all" (every eligible study)."""

    studies: str
    k: int
    estimate_ids: tuple[str, ...]
    fixed: stats.PoolResult | None
    random: stats.PoolResult | None
    rule: stats.RuleChoice | None
    primary: str | None
    subgroups: SubgroupAnalysis | None

    @property
    def primary_result(self) -> stats.PoolResult | None:
        """The pooled result of the primary model (None when nothing is pooled)."""
        return {"fixed": self.fixed, "random": self.random}.get(self.primary or "")


@dataclass(frozen=True)
class Judgement(Serialisable):
    """One domain's judgement and its one-line reason. ``source`` is "computed" or "reviewer";
    a reviewer's judgement keeps the computed one beside it (``computed``, ``computed_reason``);
    a reviewer's row made on other studies is not applied (``reviewer_stale``, their words in
    ``reviewer_note``)."""

    judgement: str
    reason: str
    source: str = "computed"
    assessed_by: str | None = None
    computed: str | None = None
    computed_reason: str | None = None
    reviewer_stale: bool = False
    reviewer_note: str | None = None


@dataclass(frozen=True)
class Target(Serialisable):
    """What a certainty rating is about (GRADE guidance 34, Zeng et al. 2022; Foroutan et al.
    2020): ``kind`` "association" (the ratio differs from 1) or "important_association" (it
    lies beyond ``lower`` or ``upper``); ``question`` "prognostic" or "aetiological"."""

    kind: str
    lower: float
    upper: float
    question: str = "prognostic"

    @property
    def start(self) -> str:
        """Where the rating starts: high for a prognostic factor (cohort studies, GRADE 28), low
        for an aetiological question from observational studies (GRADE guidelines 3, Balshem
        et al., J Clin Epidemiol 2011;64:401-6)."""
        return "low" if self.question == "aetiological" else "high"


# GRADE's four levels, lowest first (level n is LEVELS[n - 1]), and what each means (Balshem
# et al., J Clin Epidemiol 2011;64:401-6, Table 2), worded for an association.
LEVELS = ("very low", "low", "moderate", "high")
LEVEL_MEANINGS = {
    "high": "further research is very unlikely to change our confidence in the association",
    "moderate": "further research is likely to have an important impact on our confidence in "
    "the association and may change it",
    "low": "further research is very likely to have an important impact on our confidence in "
    "the association and is likely to change it",
    "very low": "any estimate of the association is very uncertain",
}


@dataclass(frozen=True)
class Certainty(Serialisable):
    """The certainty of one body of evidence (GRADE, rated by :mod:`evreg.review.certainty`):
    its level, the five domains and the two reasons to rate up (each a Judgement), how many
    levels it was rated down and up, and why in words."""

    level: str
    domains: Mapping[str, Judgement]
    upgrades: Mapping[str, Judgement]
    rated_down: int
    rated_up: int
    summary: str
    start: str = "high"
    target: Target | None = None


@dataclass(frozen=True)
class AbsoluteRow(Serialisable):
    """The pooled hazard ratio as survival per group at a horizon, from one baseline of the
    package's ``baseline_risks`` (computed by :mod:`evreg.review.absolute`): survival as
    fractions, the difference per 100 patients (high minus low) with its interval."""

    baseline_id: str
    horizon_months: float
    survival_low: float
    survival_high: float
    survival_high_ci: tuple[float, float]
    difference_per_100: float
    difference_per_100_ci: tuple[float, float]
    conversion: str


@dataclass(frozen=True)
class AnalysisResult(Serialisable):
    """Everything computed for one analysis of the plan.

    The top-level results (fixed, random, rule, primary, sensitivity analyses, subgroups) pool
    every eligible study: the living answer. ``review_studies`` pools the source review's
    studies only (reproduction, the audit). ``k_in_review`` is the k the review printed;
    ``k_with_data`` = ``k_review_with_data`` + ``k_added_with_data`` (studies with a usable
    estimate: the review's, and those added since)."""

    analysis_id: str
    title: str
    biomarker: str
    outcome: str
    subgroup_variable: str | None
    parent_analysis: str | None
    random_method: str
    k_in_review: int | None
    k_with_data: int
    k_review_with_data: int
    k_added_with_data: int
    used: tuple[UsedEstimate, ...]
    pending: tuple[PendingEstimate, ...]
    not_qualifying: tuple[PendingEstimate, ...]
    fixed: stats.PoolResult | None
    random: stats.PoolResult | None
    rule: stats.RuleChoice | None
    primary: str | None
    leave_one_out: stats.LeaveOneOutResult | None
    cumulative: stats.CumulativeResult | None
    subgroups: SubgroupAnalysis | None
    egger: stats.EggerResult | None
    trim_and_fill: stats.TrimFillResult | None
    sensitivity: tuple[str, ...]
    published: tuple[dict, ...]
    notes: tuple[str, ...]
    review_studies: PooledView | None = None
    certainty: Certainty | None = None
    absolute: tuple[AbsoluteRow, ...] = ()
    ci_level: float = CI_LEVEL
    # Sensitivity analysis: the estimates extracted as printed only (derived ones left out);
    # None when no used estimate is derived.
    extracted_only: PooledView | None = None

    @property
    def primary_result(self) -> stats.PoolResult | None:
        """The pooled result of the primary model (None when nothing is pooled)."""
        return {"fixed": self.fixed, "random": self.random}.get(self.primary or "")

    @property
    def review_view(self) -> PooledView:
        """The source review's studies only (equal to all studies when none was added)."""
        if self.review_studies is not None:
            return self.review_studies
        return self.all_view

    @property
    def all_view(self) -> PooledView:
        """Every eligible study: the living answer, as a PooledView."""
        ids = tuple(u.estimate_id for u in self.used)
        return PooledView(
            "all",
            self.k_with_data,
            ids,
            self.fixed,
            self.random,
            self.rule,
            self.primary,
            self.subgroups,
        )


@dataclass(frozen=True)
class RegistryResults(Serialisable):
    """Results of the whole plan for one version of the data package."""

    package_name: str
    version: str
    created: str
    analyses: tuple[AnalysisResult, ...]

    def get(self, analysis_id: str) -> AnalysisResult:
        """The result of one analysis by id (KeyError if absent)."""
        for a in self.analyses:
            if a.analysis_id == analysis_id:
                return a
        raise KeyError(analysis_id)


RESULT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("analysis_id", "string", "analysis of the plan (analyses.csv)"),
    (
        "studies",
        "string",
        "all: every eligible study (the living answer); review: the source review's studies "
        "only; extracted: the estimates extracted as printed only (derived ones left out)",
    ),
    ("subgroup_level", "string", "empty for the whole analysis; the level for a subgroup row"),
    ("model", "string", "fixed (inverse variance) or random (tau2 method in 'method')"),
    ("method", "string", "tau2 estimator: FE, DL, REML, ..."),
    ("primary", "boolean", "true for the model the review's rule picks"),
    ("k", "integer", "number of estimates pooled"),
    ("estimate", "number", "pooled ratio (high vs low)"),
    ("ci_lower", "number", "lower 95% confidence limit"),
    ("ci_upper", "number", "upper 95% confidence limit"),
    ("p", "number", "two-sided p of the test of no effect"),
    ("tau2", "number", "between-study variance on the log scale"),
    ("Q", "number", "Cochran's Q"),
    ("Q_df", "integer", "degrees of freedom of Q"),
    ("Q_p", "number", "p of Cochran's Q"),
    ("I2", "number", "I2 in percent (Higgins & Thompson)"),
    ("pi_lower", "number", "lower 95% prediction limit (random effects, k >= 3)"),
    ("pi_upper", "number", "upper 95% prediction limit (random effects, k >= 3)"),
)
POOLED_FIELDS = tuple(name for name, _, _ in RESULT_FIELDS[6:])
_RATED = "; on the row of the rated result only (all studies, whole analysis, primary model)"
CERTAINTY_FIELDS: tuple[tuple[str, str, str], ...] = (
    (
        "certainty",
        "string",
        "GRADE certainty of the evidence: " + ", ".join(reversed(LEVELS)) + _RATED,
    ),
    *(
        (
            d,
            "string",
            f"GRADE {DOMAIN_LABELS[d]}: {', '.join(DOWNGRADE_JUDGEMENTS[:-1])} or "
            f"{DOWNGRADE_JUDGEMENTS[-1]} (the reviewer's judgement where certainty.csv gives "
            f"one){_RATED}",
        )
        for d in DOWNGRADE_DOMAINS
    ),
)
TARGET_FIELDS: tuple[tuple[str, str, str], ...] = (
    (
        "certainty_target",
        "string",
        "What the rating is about: association (the ratio differs from 1) or "
        "important_association (it lies beyond the thresholds)" + _RATED,
    ),
    ("certainty_threshold_lower", "number", "The target's important ratio below 1" + _RATED),
    ("certainty_threshold_upper", "number", "The target's important ratio above 1" + _RATED),
)
RESULT_FIELDS = RESULT_FIELDS + CERTAINTY_FIELDS + TARGET_FIELDS


def _result_row(a: AnalysisResult, view: PooledView, level: str, res: stats.PoolResult) -> dict:
    model = "fixed" if res.method == "FE" else "random"
    primary_method = "FE" if view.primary == "fixed" else a.random_method
    values = {
        "analysis_id": a.analysis_id,
        "studies": view.studies,
        "subgroup_level": level,
        "model": model,
        "method": res.method,
        "primary": res.method == primary_method,
    }
    for name in POOLED_FIELDS:
        values[name] = getattr(res, name)
    rated = a.certainty if view.studies == "all" and not level and values["primary"] else None
    values["certainty"] = rated.level if rated is not None else ""
    for name, _, _ in CERTAINTY_FIELDS[1:]:
        values[name] = rated.domains[name].judgement if rated is not None else ""
    target = rated.target if rated is not None else None
    values["certainty_target"] = target.kind if target is not None else ""
    values["certainty_threshold_lower"] = target.lower if target is not None else None
    values["certainty_threshold_upper"] = target.upper if target is not None else None
    return values


def results_rows(results: RegistryResults) -> list[dict]:
    """One row per analysis x studies (all, review; extracted when some estimates are
    derived) x (subgroup level) x model, for results.csv."""
    rows = []
    for a in results.analyses:
        extracted = (a.extracted_only,) if a.extracted_only is not None else ()
        for view in (a.all_view, a.review_view, *extracted):
            for res in (view.fixed, view.random):
                if res is not None:
                    rows.append(_result_row(a, view, "", res))
            if view.subgroups is not None:
                for sg in (view.subgroups.fixed, view.subgroups.random):
                    if sg is None:
                        continue
                    for level, res in sorted(sg.groups.items()):
                        rows.append(_result_row(a, view, level, res))
    return rows


def results_schema() -> dict:
    """Table Schema (Frictionless v1) of results.csv."""
    return {
        "fields": [{"name": n, "type": t, "description": d} for n, t, d in RESULT_FIELDS],
        "missingValues": [""],
    }
