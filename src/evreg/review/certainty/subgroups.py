"""Whether a subgroup level earns its own rating: only when the subgroup effect (effect
modification) is credible by ICEMAN's core questions for meta-analyses; otherwise the overall
result's rating applies, with the reasons (Schandelmaier et al., CMAJ 2020;192:E901-6; GRADE
guidance 36; GRADE guidelines 7, Guyatt et al., J Clin Epidemiol 2011;64:1294-302)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from evreg.data.formats import fmt_subgroup_differences
from evreg.review.certainty.model import Rule
from evreg.stats.core import Serialisable
from evreg.stats.dist import norm_ppf
from evreg.stats.engine import i2_percent
from evreg.stats.sensitivity import q_between

CHANCE_P = 0.05  # ICEMAN: the test for subgroup differences suggests chance above this

RULE = Rule(
    "subgroups",
    "A subgroup level is rated on its own only when the subgroup effect is credible. The "
    "registry's subgroup variables describe whole studies (all patients HBV-related, local "
    "treatment), so every comparison is between studies, which ICEMAN rates at most low "
    "credibility (confounded by everything else that differs between studies); no direction "
    "was stated in advance; the test for subgroup differences (from the levels' printed "
    f"ratios and CIs) is reported, p < {CHANCE_P:g} being required but not enough. Not credible: "
    "the level shows the overall result's rating, saying why.",
    "ICEMAN (Schandelmaier et al., CMAJ 2020;192:E901-6); GRADE guidance 36; GRADE "
    "guidelines 7 (Guyatt et al., J Clin Epidemiol 2011;64:1294-302)",
)


@dataclass(frozen=True)
class Credibility(Serialisable):
    """ICEMAN's verdict on a subgroup effect: ``credible``, the result whose rating applies
    otherwise (``applies``), and the reasons."""

    credible: bool
    applies: str | None
    reasons: tuple[str, ...]


def _log_and_se(p: Mapping[str, object]) -> tuple[float, float] | None:
    hr, lo, up = p.get("hr"), p.get("ci_lower"), p.get("ci_upper")
    if not all(isinstance(v, int | float) and v > 0 for v in (hr, lo, up)):
        return None
    z = float(norm_ppf(0.975))
    return math.log(hr), (math.log(up) - math.log(lo)) / (2 * z)  # type: ignore[arg-type]


def difference_test(levels: Sequence[Mapping[str, object]]) -> str:
    """ "test for subgroup differences: Chi² = 4.70, df = 1 (P = 0.03), I² = 79%; P below 0.05"
    from the printed levels (RevMan's layout, :mod:`evreg.data.formats`)."""
    pairs = [_log_and_se(p) for p in levels]
    usable = [x for x in pairs if x is not None and x[1] > 0]
    if len(usable) < 2 or len(usable) < len(pairs):
        return "test for subgroup differences not computable from the printed levels"
    q, df, p = q_between(np.array([y for y, _ in usable]), np.array([s for _, s in usable]))
    verdict = "compatible with chance" if p is None or p >= CHANCE_P else "P below 0.05"
    shown = fmt_subgroup_differences(q, df, p, i2_percent(q, df))
    return f"test for subgroup differences: {shown}; {verdict}"


def credibility(
    levels: Sequence[Mapping[str, object]], overall: str | None, variable: str
) -> Credibility:
    """ICEMAN on a study-level subgroup variable: between-study only, so not credible."""
    reasons = (
        f"between-study comparison only ({variable} describes whole "
        "studies): ICEMAN credibility at most low",
        "no direction of the subgroup effect stated in advance",
        difference_test(levels),
    )
    return Credibility(False, overall, reasons)
