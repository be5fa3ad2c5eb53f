"""The review stage: run the analysis plan, reproduce and audit the published review.

Importing ``evreg.review`` is cheap: ``results_frame`` (the results as a pandas DataFrame,
:mod:`evreg.review.frames`) is imported on first use (PEP 562). The plan is
:mod:`evreg.review.plan` (``run_plan``), its results :mod:`evreg.review.results`, the audit
:mod:`evreg.review.audit`, the certainty of the evidence (GRADE) :mod:`evreg.review.certainty`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evreg.review.frames import results_frame

__all__ = ["results_frame"]


def __getattr__(name: str) -> Any:
    """Import ``results_frame`` on first use (PEP 562) and keep it."""
    if name != "results_frame":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = importlib.import_module("evreg.review.frames").results_frame
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
