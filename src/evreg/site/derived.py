"""How pages mark a derived estimate: its label in plots and tables, and the method with its
inputs as printed (study pages), so a reader sees it was derived and from what."""

from __future__ import annotations

from collections.abc import Mapping

from evreg.data.derivations import KM_INPUTS, STAT_INPUTS
from evreg.review.results import UsedEstimate
from evreg.stats.derive import METHOD_LABELS

DERIVED_MARK = " (derived)"
INPUT_ORDER = STAT_INPUTS + KM_INPUTS


def plot_label(u: UsedEstimate) -> str:
    """The study's label, marked "(derived)" when evreg derived its HR."""
    return u.label + (DERIVED_MARK if u.derived else "")


def method_text(method: str | None) -> str:
    """ "derived from the log-rank test (Tierney 2007)"; "" for an extracted estimate."""
    return METHOD_LABELS.get(method or "", "")


def inputs_text(row: Mapping[str, str], files: str = "") -> str:
    """The inputs of a derivation as printed: "chisq 25.42; events 74; ... (where)"."""
    parts = [f"{k.replace('_', ' ')} {row[k]}" for k in INPUT_ORDER if row.get(k)]
    if row.get("method") == "km" and files:
        parts.append(f"digitised curves and numbers at risk: {files}")
    where = row.get("source_location") or ""
    return "; ".join(parts) + (f" ({where})" if where else "")
