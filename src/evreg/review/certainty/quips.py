"""Risk of bias of one study for one outcome with QUIPS (Hayden et al., Ann Intern Med
2013;158:280-6): six domains, each judged low, moderate or high by a reviewer (the package's
``risk_of_bias`` resource) or, where no one has judged, prompted from the data; a domain neither
judged nor prompted is at unknown risk. The study's overall risk is its worst domain.

Computed prompts (each "at least moderate" in its domain, with the reason):

- a cut-off derived from the same data (ROC, X-tile, maximally selected...) — prognostic factor
  measurement (QUIPS: "appropriate cut-points (not data-dependent)"; Altman et al., J Natl
  Cancer Inst 1994;86:829-35, "dangers of using optimal cutpoints");
- a univariable model, or the model not stated — study confounding (QUIPS: confounders
  "accounted for in the analysis");
- the cohort (training, validation or all) not stated, an estimate extracted from an abstract
  only, or an estimate derived by the registry from other printed statistics — statistical
  analysis and reporting (QUIPS: "sufficient presentation of data to assess the adequacy of
  the analysis"; "no selective reporting");
- a design the source calls other than a cohort — study participation (QUIPS: the sample
  represents the population of interest; Huguet et al., Syst Rev 2013;2:71, Table 4: cohort
  designs for prognostic factors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evreg.stats.derive import METHOD_LABELS

# QUIPS's six domains in Hayden 2013's order, with their names as readers see them (reasons
# print these names whether or not the package declares the optional risk_of_bias resource;
# schemas/risk_of_bias.json's enumLabels are tested against them: tests/test_one_home.py).
QUIPS_DOMAINS = {
    "study_participation": "study participation",
    "study_attrition": "study attrition",
    "prognostic_factor_measurement": "prognostic factor measurement",
    "outcome_measurement": "outcome measurement",
    "study_confounding": "study confounding",
    "statistical_analysis": "statistical analysis and reporting",
}
# Worst last: an unknown risk is a concern (no one judged), below a stated moderate risk.
RISK_ORDER = ("low", "unknown", "moderate", "high")
# How a study set its cut-off (studies.cutoff_method; labels in the schema): searched for in the
# same data (a risk-of-bias prompt), or set in advance or externally (rating up needs one).
DATA_DERIVED_CUTOFFS = frozenset({"data_roc", "data_xtile", "data_maxstat", "data_other"})
CUTOFFS_IN_ADVANCE = frozenset({"prespecified", "external"})
ABSTRACT_ONLY = ("abstract",)  # source_checked values that start so: only an abstract was read
REFERENCE = (
    "Hayden et al., Ann Intern Med 2013;158:280-6 (QUIPS); Altman et al., J Natl Cancer Inst "
    "1994;86:829-35 (optimal cut-points); Huguet et al., Syst Rev 2013;2:71"
)


@dataclass(frozen=True)
class DomainRisk:
    """One QUIPS domain of one study: its risk, why, and who judged ("reviewer", "prompt" or
    "none")."""

    domain: str
    risk: str
    reason: str
    source: str
    assessed_by: str | None = None


@dataclass(frozen=True)
class StudyRisk:
    """A study's QUIPS assessment for one outcome: six domains and the overall (worst)."""

    domains: tuple[DomainRisk, ...]

    @property
    def overall(self) -> str:
        """The worst domain's risk (RISK_ORDER)."""
        return max((d.risk for d in self.domains), key=RISK_ORDER.index, default="unknown")

    def concerns(self) -> tuple[DomainRisk, ...]:
        """The domains at the overall risk, when that is not low."""
        worst = self.overall
        return tuple(d for d in self.domains if d.risk == worst and worst != "low")


def data_derived_cutoff(study: Mapping[str, object]) -> bool | None:
    """True when the study's cut-off came from its own data (searched for, or its median),
    False when set in advance or externally, None when not printed."""
    method = str(study.get("cutoff_method") or "")
    if method in DATA_DERIVED_CUTOFFS or method == "median":
        return True
    return False if method in CUTOFFS_IN_ADVANCE else None


def prompts(
    study: Mapping[str, object], estimates: Sequence[Mapping[str, object]]
) -> dict[str, list[str]]:
    """The computed prompts by QUIPS domain, from the study row and the estimates of the
    outcome it contributes (see the module docstring)."""
    out: dict[str, list[str]] = {}
    method = str(study.get("cutoff_method") or "")
    if method in DATA_DERIVED_CUTOFFS:
        out.setdefault("prognostic_factor_measurement", []).append(
            f"cut-off derived from the same data ({method})"
        )
    design = str(study.get("design") or "").lower()
    if design and ("cohort" not in design or "non-cohort" in design):
        out.setdefault("study_participation", []).append(f"design reported as {design}")
    models = {str(e.get("model")) for e in estimates}
    confounding = out.setdefault("study_confounding", [])
    if "univariable" in models:
        confounding.append("univariable model (no adjustment)")
    if "unknown" in models:
        confounding.append("model (uni- or multivariable) not stated")
    analysis = out.setdefault("statistical_analysis", [])
    if any(e.get("cohort") == "unknown" for e in estimates):
        analysis.append("cohort (training, validation or all) not stated")
    if str(study.get("source_checked") or "").lower().startswith(ABSTRACT_ONLY):
        analysis.append("extracted from the abstract only")
    for e in estimates:
        derived = e.get("derivation_method")  # hook: a ratio derived from printed statistics
        if derived:
            how = METHOD_LABELS.get(str(derived), str(derived))
            analysis.append(f"ratio computed by the registry, {how}")
    return {d: reasons for d, reasons in out.items() if reasons}


def assess(
    study: Mapping[str, object],
    estimates: Sequence[Mapping[str, object]],
    judged: Mapping[str, Mapping[str, object]],
) -> StudyRisk:
    """The study's QUIPS assessment: a reviewer's row for a domain (``judged``, by domain)
    decides it; else a prompt makes it moderate; else it is unknown."""
    found = prompts(study, estimates)
    domains = []
    for d in QUIPS_DOMAINS:
        row = judged.get(d)
        if row is not None:
            who = str(row.get("assessed_by") or "") or None
            reason = str(row.get("support") or "")
            domains.append(DomainRisk(d, str(row.get("judgement")), reason, "reviewer", who))
        elif d in found:
            domains.append(DomainRisk(d, "moderate", "; ".join(found[d]), "prompt"))
        else:
            domains.append(DomainRisk(d, "unknown", "not judged", "none"))
    return StudyRisk(tuple(domains))


def judged_rows(
    rows: Sequence[Mapping[str, object]], study_id: str, outcome: str
) -> dict[str, Mapping[str, object]]:
    """A study's reviewer rows for ``outcome`` by domain: a row for the outcome wins over one
    for every outcome (empty ``outcome``)."""
    out: dict[str, Mapping[str, object]] = {}
    for row in rows:
        if row.get("study_id") != study_id or row.get("outcome") not in (None, "", outcome):
            continue
        domain = str(row.get("domain"))
        if domain not in out or row.get("outcome") == outcome:
            out[domain] = row
    return out
