"""Meta-analysis of ratio measures: plain functions over arrays returning frozen results.

Pure numpy, no I/O. Inverse-variance fixed effect and random effects (tau2 by FE, DL,
REML, PM, ML, SJ, HE, EB), Wald or Hartung-Knapp-Sidik-Jonkman intervals, prediction interval,
heterogeneity, the review's model rule, leave-one-out, cumulative and subgroup analyses,
Egger's test and trim-and-fill. Numbers agree with R metafor 3.8 (``rma.uni``) to relative
1e-6 (tests/stats/test_stats_metafor.py); iterative tau2 estimators converge or say so, also
where metafor's Fisher scoring fails (tests/stats/test_tau2_convergence.py). Modules: core
(pool, results), tau2 (estimators), solvers (Fisher scoring, roots, Brent), engine
(vectorised fits), downdate (leave-one-out in O(k)), metareg, sensitivity, bias, dist
(distribution functions without scipy.special, so that importing the engine is cheap).
"""

from evreg.stats.absolute import (
    AbsoluteEffect,
    absolute_effect,
    survival_from_median,
    survival_high,
)
from evreg.stats.bias import EggerResult, TrimFillResult, egger, trim_and_fill
from evreg.stats.core import (
    AS_PRINTED,
    FLIPPED,
    METHODS,
    PoolResult,
    RuleChoice,
    check_inputs,
    ci_from_se,
    ci_to_se,
    harmonise,
    pool,
)
from evreg.stats.engine import i2_percent
from evreg.stats.rule import review_rule
from evreg.stats.sensitivity import (
    CumulativeResult,
    CumulativeRow,
    LeaveOneOutResult,
    LeaveOneOutRow,
    SubgroupResult,
    cumulative,
    leave_one_out,
    subgroups,
)

__all__ = [
    "AS_PRINTED",
    "FLIPPED",
    "METHODS",
    "AbsoluteEffect",
    "CumulativeResult",
    "CumulativeRow",
    "EggerResult",
    "LeaveOneOutResult",
    "LeaveOneOutRow",
    "PoolResult",
    "RuleChoice",
    "SubgroupResult",
    "TrimFillResult",
    "absolute_effect",
    "check_inputs",
    "ci_from_se",
    "ci_to_se",
    "cumulative",
    "egger",
    "harmonise",
    "i2_percent",
    "leave_one_out",
    "pool",
    "review_rule",
    "subgroups",
    "survival_from_median",
    "survival_high",
    "trim_and_fill",
]
