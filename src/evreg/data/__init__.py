"""The data stage: load the evidence data package, validate it, read it as pandas DataFrames.

Importing ``evreg.data`` is cheap (no pandas, no frictionless): the names below are imported on
first use (PEP 562), so ``evreg pool`` and the other commands start fast.

- ``read(path)``: every resource as a typed DataFrame, with the printed text alongside
  (:mod:`evreg.data.frames`); ``read_results(path)``: a built site's results.csv, typed.
- ``load_package(path)``: typed rows as plain dicts (:mod:`evreg.data.package`).
- ``validate_package(path)``: every finding of ``evreg validate`` (:mod:`evreg.data.validate`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evreg.data.frames import PackageFrames, read, read_results
    from evreg.data.package import Package, load_package
    from evreg.data.validate import Finding, validate_package

_LAZY = {
    "read": "evreg.data.frames",
    "read_results": "evreg.data.frames",
    "PackageFrames": "evreg.data.frames",
    "load_package": "evreg.data.package",
    "Package": "evreg.data.package",
    "validate_package": "evreg.data.validate",
    "Finding": "evreg.data.validate",
}

__all__ = [
    "Finding",
    "Package",
    "PackageFrames",
    "load_package",
    "read",
    "read_results",
    "validate_package",
]


def __getattr__(name: str) -> Any:
    """Import an exported name on first use (PEP 562) and keep it."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
