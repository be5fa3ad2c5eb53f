"""The result every derivation returns: a hazard ratio with its SE, method, inputs and notes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from evreg.errors import EvregError
from evreg.stats.core import to_plain
from evreg.stats.dist import norm_ppf

LEVEL = 0.95

# One label per method, as readers see it (site, tables, CLI text).
METHOD_LABELS = {
    "logrank": "derived from the log-rank test (Tierney 2007)",
    "oe": "derived from O\u2212E and its variance (Tierney 2007)",
    "ci": "SE derived from the printed confidence interval (Tierney 2007)",
    "p": "SE derived from the printed p-value (Tierney 2007)",
    "km": "reconstructed from Kaplan\u2013Meier curves (Guyot 2012)",
}
METHODS = tuple(METHOD_LABELS)


class DerivationError(EvregError):
    """An input a derivation cannot use; the message names the input (and row)."""


@dataclass(frozen=True)
class DerivedEstimate:
    """A hazard ratio derived from what a paper prints, on the log scale and as a ratio."""

    method: str
    log_hr: float
    se: float
    inputs: dict[str, Any]
    notes: tuple[str, ...] = ()
    level: float = LEVEL
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def z_crit(self) -> float:
        return float(norm_ppf(1.0 - (1.0 - self.level) / 2.0))

    @property
    def hr(self) -> float:
        return math.exp(self.log_hr)

    @property
    def ci_lower(self) -> float:
        return math.exp(self.log_hr - self.z_crit * self.se)

    @property
    def ci_upper(self) -> float:
        return math.exp(self.log_hr + self.z_crit * self.se)

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: hr, ci_lower, ci_upper, log_hr, se, level, method, inputs, notes."""
        return {
            "hr": self.hr,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "log_hr": self.log_hr,
            "se": self.se,
            "level": self.level,
            "method": self.method,
            "method_label": self.method_label,
            "inputs": to_plain(self.inputs),
            "notes": list(self.notes),
            **({"details": to_plain(self.details)} if self.details else {}),
        }
