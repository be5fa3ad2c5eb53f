"""What the certainty rules read about one body of evidence: the pooled result, the studies
behind it (weight, N, quality), how its estimates mix, and the small-study tests. Built from the
registry's own pooled result (:func:`analysis_evidence`) or, for the source review's printed
results, by :mod:`.published`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evreg import stats
from evreg.data.formats import fmt_interval
from evreg.data.scope import NOS_DOMAINS, patients
from evreg.data.validate.plan import Mix, estimate_mixes
from evreg.review.certainty.definition import FactorDefinition, factor_definition
from evreg.review.certainty.quips import StudyRisk, assess, data_derived_cutoff, judged_rows
from evreg.review.certainty.target import plan_target
from evreg.review.results import AnalysisResult, Target
from evreg.stats.bias import MIN_K

DEFAULT_TARGET = plan_target({})
PENDING = ("not_found", "incomplete")  # statuses of a known missing result


@dataclass(frozen=True)
class StudyEvidence:
    """One study behind a result: its weight (any positive scale), N and NOS as recorded, and
    its own ratio and CI (None for a published result, whose study estimates are not printed)."""

    study_id: str
    label: str
    weight: float
    n: int | None
    nos: int | None
    comparability: int | None = None
    hr: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    events: int | None = None
    n_analysed: int | None = None
    adjusted: bool | None = None
    cutoff_data_derived: bool | None = None
    quips: StudyRisk | None = None
    weight_random: float | None = None
    definition: FactorDefinition | None = None


@dataclass(frozen=True)
class MissingResult:
    """A qualifying result known to exist but not available (ROB-ME, Page et al. 2023): its
    study, why it is pending and the study's N."""

    study_id: str
    label: str
    status: str
    n: int | None


@dataclass(frozen=True)
class Evidence:
    """One body of evidence as the rules see it. ``unidentified`` counts studies in ``k`` that
    no study table names (a published result whose k exceeds its study table); ``printed`` is
    True for a published result; ``target`` is what the rating is about (:mod:`.target`);
    ``missing`` the results known to exist but not available."""

    k: int
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    i2: float | None = None
    tau2: float | None = None
    pi_lower: float | None = None
    pi_upper: float | None = None
    studies: tuple[StudyEvidence, ...] = ()
    unidentified: int = 0
    mixes: tuple[Mix, ...] = ()
    egger: stats.EggerResult | None = None
    trim_and_fill: stats.TrimFillResult | None = None
    target: Target = DEFAULT_TARGET
    printed: bool = False
    missing: tuple[MissingResult, ...] = ()

    @property
    def threshold_lower(self) -> float:
        """The target's important ratio below 1."""
        return self.target.lower

    @property
    def threshold_upper(self) -> float:
        """The target's important ratio above 1."""
        return self.target.upper

    @property
    def pooled(self) -> bool:
        """True when there is a pooled ratio to rate."""
        return self.k > 0 and self.estimate is not None

    @property
    def includes_one(self) -> bool:
        """The CI includes (or touches) 1: no clear association."""
        lo, up = self.ci_lower, self.ci_upper
        return lo is None or up is None or lo <= 1.0 <= up

    def ci_text(self) -> str:
        """ "CI [1.04, 3.31]" """
        return f"CI {fmt_interval(self.ci_lower, self.ci_upper)}"


def _small_study_tests(
    a: AnalysisResult,
) -> tuple[stats.EggerResult | None, stats.TrimFillResult | None]:
    """Egger's test and trim-and-fill of the pooled studies: the plan's when it ran them, else
    computed here (the tests need k >= 10 whether or not the plan lists them)."""
    if a.egger is not None and a.trim_and_fill is not None:
        return a.egger, a.trim_and_fill
    if a.k_with_data < MIN_K:
        return None, None
    yi = [u.log_hr for u in a.used]
    sei = [u.se for u in a.used]
    method = "FE" if a.primary == "fixed" else a.random_method
    return stats.egger(yi, sei), stats.trim_and_fill(yi, sei, method)


def analysis_evidence(
    a: AnalysisResult,
    studies: Mapping[str, Mapping[str, object]],
    estimates: Mapping[str, Mapping[str, object]],
    plan_row: Mapping[str, object],
    rob_rows: Sequence[Mapping[str, object]] = (),
) -> Evidence:
    """The evidence of the registry's living answer: every eligible study, pooled with the
    primary model (its weights), with the studies' N and NOS as recorded and their QUIPS
    assessment for the outcome (reviewers' ``rob_rows``, else computed prompts)."""
    res = a.primary_result
    target = plan_target(plan_row)
    missing = missing_results(a, studies)
    if res is None:
        return Evidence(0, None, None, None, target=target, missing=missing)
    rows: list[StudyEvidence] = []
    for u in a.used:
        s = studies.get(u.study_id, {})
        e = estimates.get(u.estimate_id, {})
        weight = u.weight_random if a.primary == "random" else u.weight_fixed
        rows.append(
            StudyEvidence(
                u.study_id,
                u.label,
                float(weight) if weight else 1.0,
                patients(s),
                nos_total(s),
                _int(s.get("nos_comparability")),
                u.hr,
                u.ci_lower,
                u.ci_upper,
                _int(e.get("events")),
                _int(e.get("n_analysed")),
                e.get("model") == "multivariable",
                data_derived_cutoff(s),
                quips_assessment(u.study_id, s, [e], a.outcome, rob_rows),
                float(u.weight_random) if u.weight_random else None,
                factor_definition(s, a.outcome),
            )
        )
    used = [estimates[u.estimate_id] for u in a.used if u.estimate_id in estimates]
    egger, tf = _small_study_tests(a)
    pi = a.random if a.random is not None else None
    return Evidence(
        k=res.k,
        estimate=res.estimate,
        ci_lower=res.ci_lower,
        ci_upper=res.ci_upper,
        i2=res.I2,
        tau2=a.random.tau2 if a.random is not None else None,
        pi_lower=pi.pi_lower if pi is not None else None,
        pi_upper=pi.pi_upper if pi is not None else None,
        studies=tuple(rows),
        mixes=labelled_mixes(used, {u.study_id: u.label for u in a.used}),
        egger=egger,
        trim_and_fill=tf,
        target=target,
        missing=missing,
    )


def missing_results(
    a: AnalysisResult, studies: Mapping[str, Mapping[str, object]]
) -> tuple[MissingResult, ...]:
    """The analysis' known missing results: studies with a qualifying estimate that is pending
    (not found, incomplete) and no usable one, once per study."""
    used = {u.study_id for u in a.used}
    out: dict[str, MissingResult] = {}
    for p in a.pending:
        if p.status in PENDING and p.study_id not in used and p.study_id not in out:
            n = patients(studies.get(p.study_id, {}))
            out[p.study_id] = MissingResult(p.study_id, p.label, p.status, n)
    return tuple(out.values())


def labelled_mixes(
    estimates: Sequence[Mapping[str, object]], labels: Mapping[str, str]
) -> tuple[Mix, ...]:
    """The plan checks' mixes among ``estimates`` (evreg.data.validate.plan), each estimate
    named by its study's label ("baseline: Du 2024; on_treatment: Suzuki 2024")."""
    names = {
        str(e.get("estimate_id")): labels.get(str(e.get("study_id")), str(e.get("study_id")))
        for e in estimates
    }
    return tuple(
        Mix(m.field, m.what, {k: [names.get(i, i) for i in v] for k, v in m.groups.items()})
        for m in estimate_mixes([dict(e) for e in estimates])
    )


def quips_assessment(
    study_id: str,
    study: Mapping[str, object],
    estimates: Sequence[Mapping[str, object]],
    outcome: str,
    rob_rows: Sequence[Mapping[str, object]],
) -> StudyRisk:
    """A study's QUIPS assessment for ``outcome`` (:func:`evreg.review.certainty.quips.assess`)."""
    return assess(study, estimates, judged_rows(rob_rows, study_id, outcome))


def nos_total(study: Mapping[str, object]) -> int | None:
    """The Newcastle-Ottawa total: as recorded (the review's), else the sum of its three
    domains when all are given (a study added since, assessed by its contributor)."""
    total = _int(study.get("nos_score"))
    if total is not None:
        return total
    domains = [_int(study.get(k)) for k in NOS_DOMAINS]
    return sum(d for d in domains if d is not None) if None not in domains else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def labels_text(labels: Sequence[str], limit: int = 3) -> str:
    """ "Alpha 2020, Beta 2021 and 2 more" """
    shown = ", ".join(labels[:limit])
    more = len(labels) - limit
    return shown + (f" and {more} more" if more > 0 else "")
