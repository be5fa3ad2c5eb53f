"""The audit's finding type, the catalogue of checks (in the order the Audit page lists them),
(`evreg audit`'s text is :mod:`evreg.cli.audit_output`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from evreg.stats.rule import RULE_TEXT

SEVERITIES = ("error", "warning", "note")

# Check names, in the order the Audit page lists them, with what each compares.
CHECKS: dict[str, str] = {
    "reproduction": "each published result recomputed from the registry's usable estimates with "
    "the review's model (fixed effect or DerSimonian-Laird random effects)",
    "p_vs_ci": "printed p against the z implied by the printed 95% CI (both bounds with rounding)",
    "hr_vs_ci": "printed HR against the geometric midpoint of the printed CI",
    "q_p_vs_i2": "printed Q-test p against the Q implied by the printed I2 and k "
    "(Q = df / (1 - I2))",
    "i2_zero_vs_q_p": "an I2 printed as 0 needs Q <= df / 0.995, hence Q-test p >= P(chi2_df > Q)",
    "model_vs_rule": f"model used against the review's rule ({RULE_TEXT})",
    "subgroup_k_sum": "the k's of a subgroup analysis' levels against the overall analysis' k",
    "subgroup_q_partition": "the levels' Q's (from printed I2 and Q p) against the overall Q: "
    "Q_total = sum of Q_within + Q_between >= sum of Q_within",
    "k_vs_study_table": "each analysis' k against the studies the review's study table lists for "
    "that biomarker and outcome",
    "subgroup_k_vs_study_table": "each subgroup level's k against the studies the study table "
    "assigns to that level",
    "identical_characteristics": "studies with identical reported N, age and sex",
    "n_vs_source": "N as the review reports it against N confirmed in the primary source",
    "totals_vs_abstract": "number of studies and patients (sum of N) against the review's "
    "reported counts",
    "two_study_direction": "for a k = 2 result with one estimate held: which model and direction "
    "of that estimate admit any second study reproducing the printed result",
}


@dataclass(frozen=True)
class AuditFinding:
    """One audit result: what was printed, what the other printed numbers allow, and how.
    ``subgroup_level`` names the published result's level when the finding concerns one level
    (None: the whole analysis, a study, or the review)."""

    check: str
    severity: str
    analysis: str | None
    study_id: str | None
    printed: str
    expected: str
    message: str
    subgroup_level: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# What each check is called on pages (the names above stay in results and JSON output).
CHECK_LABELS: dict[str, str] = {
    "reproduction": "Reproduction from the registry's estimates",
    "p_vs_ci": "P value against the CI",
    "hr_vs_ci": "Ratio against its CI",
    "q_p_vs_i2": "Q-test P against I²",
    "i2_zero_vs_q_p": "An I² of 0 against the Q-test P",
    "model_vs_rule": "Model against the review's rule",
    "subgroup_k_sum": "Studies in the subgroups against the overall analysis",
    "subgroup_q_partition": "Q of the subgroups against the overall Q",
    "k_vs_study_table": "Number of studies against the study table",
    "subgroup_k_vs_study_table": "Studies in a subgroup against the study table",
    "identical_characteristics": "Identical study characteristics",
    "n_vs_source": "N against the primary source",
    "totals_vs_abstract": "Studies and patients against the review's totals",
    "two_study_direction": "Direction in a result of two studies",
}


def by_severity(findings: Sequence[AuditFinding]) -> list[AuditFinding]:
    """Errors first, then warnings, then notes (check order kept within each)."""
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
