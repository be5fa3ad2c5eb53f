"""What the analysis plan computes, as frozen dataclasses, and its table form (results.csv).

:class:`RegistryResults` holds one :class:`AnalysisResult` per analysis of the plan
(``to_dict()`` is JSON-serialisable and deterministic); ``results_rows`` flattens it to one row
per analysis x subgroup level x model with the columns of ``results_schema()`` (what a built
site's results.csv holds; :func:`evreg.review.results_frame` gives them as a typed DataFrame).
"""

from __future__ import annotations

from dataclasses import dataclass

from evreg import stats
from evreg.stats.core import Serialisable


@dataclass(frozen=True)
class UsedEstimate(Serialisable):
    """One estimate entering the analysis, harmonised to high vs low."""

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
    ci_level: float
    log_hr: float
    se: float
    weight_fixed: float | None
    weight_random: float | None
    subgroup_level: str | None
    source_url: str | None
    source_location: str | None


@dataclass(frozen=True)
class PendingEstimate(Serialisable):
    """A qualifying estimate that cannot enter the analysis yet, with its status and why."""

    estimate_id: str
    study_id: str
    label: str
    status: str
    reason: str


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
class AnalysisResult(Serialisable):
    """Everything computed for one analysis of the plan (see the contract)."""

    analysis_id: str
    title: str
    biomarker: str
    outcome: str
    subgroup_variable: str | None
    parent_analysis: str | None
    random_method: str
    k_in_review: int | None
    k_with_data: int
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

    @property
    def primary_result(self) -> stats.PoolResult | None:
        """The pooled result of the primary model (None when nothing is pooled)."""
        return {"fixed": self.fixed, "random": self.random}.get(self.primary or "")

    @property
    def primary_method(self) -> str:
        """The tau2 method of the primary model ("FE" for fixed effect)."""
        return "FE" if self.primary == "fixed" else self.random_method


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


def _result_row(a: AnalysisResult, level: str, res: stats.PoolResult, primary: bool) -> dict:
    model = "fixed" if res.method == "FE" else "random"
    values = {
        "analysis_id": a.analysis_id,
        "subgroup_level": level,
        "model": model,
        "method": res.method,
        "primary": primary,
    }
    for name, _, _ in RESULT_FIELDS[5:]:
        values[name] = getattr(res, name)
    return values


def results_rows(results: RegistryResults) -> list[dict]:
    """One row per analysis x (subgroup level) x model, for results.csv."""
    rows = []
    for a in results.analyses:
        for res in (a.fixed, a.random):
            if res is not None:
                rows.append(_result_row(a, "", res, res.method == a.primary_method))
        if a.subgroups is not None:
            for sg in (a.subgroups.fixed, a.subgroups.random):
                if sg is None:
                    continue
                for level, res in sorted(sg.groups.items()):
                    rows.append(_result_row(a, level, res, res.method == a.primary_method))
    return rows


def results_schema() -> dict:
    """Table Schema (Frictionless v1) of results.csv."""
    return {
        "fields": [{"name": n, "type": t, "description": d} for n, t, d in RESULT_FIELDS],
        "missingValues": [""],
    }
