"""The ``derivation`` block of an add-study estimate: inputs as printed, derived by the code.

An estimate whose source prints no hazard ratio may give, instead of hr/ci_lower/ci_upper::

    derivation:
      method: logrank            # logrank, oe, ci, p or km
      p: "0.004"                 # exactly as printed
      events: 80
      worse: high
      source_location: "Figure 2, log-rank test"

For ``km``: ``curves`` (label: file.csv, two) and ``at_risk`` (file.csv), paths relative to
the YAML file and inside its folder; they are copied to data/derivations/<estimate_id>/. An
issue form has no files: a km derivation from one is refused. The estimate is derived
with :func:`evreg.review.derived.derive` (what `evreg derive` and the build use), gets status
derived and the derived hr and CI; the inputs become a row of the derivations resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evreg.errors import EvregError

DERIVATION_KEY = "derivation"
KM_KEYS = ("curves", "at_risk")
LABEL = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass
class DerivationRows:
    """Derivations rows and the files (bytes) to add, keyed by package-relative path."""

    rows: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


def split_blocks(submission: Mapping[str, Any], key: str) -> tuple[dict[str, Any], dict[int, Any]]:
    """The submission without derivation blocks, and the blocks by estimate index."""
    blocks: dict[int, Any] = {}
    estimates = []
    for i, entry in enumerate(submission.get(key) or []):
        if isinstance(entry, dict) and DERIVATION_KEY in entry:
            entry = dict(entry)
            blocks[i] = entry.pop(DERIVATION_KEY)
        estimates.append(entry)
    return {**submission, key: estimates}, blocks


def _cells(block: Mapping[str, Any], columns: list[str], where: str) -> dict[str, str]:
    unknown = [str(k) for k in block if str(k) not in columns and str(k) not in KM_KEYS]
    if unknown or "estimate_id" in block:
        name = unknown[0] if unknown else "estimate_id"
        raise EvregError(f"{where}.{name}: unknown field (see `evreg add-study --template`)")
    out = {}
    for c in columns:
        value = block.get(c)
        if isinstance(value, dict | list):
            raise EvregError(f"{where}.{c}: expected a single value")
        out[c] = "" if value is None else str(value).strip()
    return out


def _beside(base: Path | None, rel: Any, where: str) -> Path:
    """A file named in the YAML: a relative path inside the YAML's folder (never an absolute
    path, never "..", never a file of an issue form, which has none)."""
    if base is None:
        raise EvregError(
            f"{where}: a Kaplan-Meier derivation needs its files: send it in a pull request "
            "(evreg add-study FILE.yaml, the files beside it)"
        )
    path = Path(str(rel))
    if path.is_absolute() or ".." in path.parts or path.suffix.lower() != ".csv":
        raise EvregError(f"{where}: {str(rel)!r}: a .csv file beside the YAML, e.g. fig2-low.csv")
    full = (base / path).resolve()
    if not full.is_relative_to(base.resolve()):
        raise EvregError(f"{where}: {str(rel)!r} is outside the YAML's folder")
    return full


def _km_files(
    block: Mapping[str, Any], base: Path | None, folder: str, where: str
) -> dict[str, Any]:
    curves = block.get("curves")
    if not isinstance(curves, dict) or len(curves) != 2:
        raise EvregError(f"{where}.curves: give two curves, label: file.csv")
    files: dict[str, Path] = {}
    for label, rel in curves.items():
        if not LABEL.match(str(label)):
            raise EvregError(f"{where}.curves.{label}: a label is letters, digits, - or _")
        files[f"{folder}/curve-{label}.csv"] = _beside(base, rel, f"{where}.curves.{label}")
    if not block.get("at_risk"):
        raise EvregError(f"{where}.at_risk: the numbers-at-risk file is required for km")
    files[f"{folder}/at-risk.csv"] = _beside(base, block["at_risk"], f"{where}.at_risk")
    return files


def apply_blocks(
    blocks: Mapping[int, Any],
    estimates: list[dict[str, str]],
    columns: list[str],
    base: Path | None,
    source: str,
    key: str,
) -> DerivationRows:
    """Derive each block's estimate in place (status derived, hr, CI) and return the
    derivations rows and files to add. A bad block: EvregError naming the YAML entry."""
    from evreg.review import derived

    out = DerivationRows()
    for i, block in sorted(blocks.items()):
        where = f"{source}: {key}[{i + 1}].{DERIVATION_KEY}"
        if not isinstance(block, dict):
            raise EvregError(f"{where}: expected a mapping (method, the inputs, source_location)")
        est = estimates[i]
        given = [n for n in ("hr", "ci_lower", "ci_upper") if est.get(n)]
        if given:
            raise EvregError(f"{where}: give a derivation or {given[0]}, not both")
        if est.get("status") not in ("", "derived"):
            raise EvregError(f"{where}: the estimate's status is {est['status']}; use derived")
        row = {**_cells(block, columns, where), "estimate_id": est["estimate_id"]}
        method = row.get("method", "")
        try:
            if method == "km":
                folder = f"{derived.DERIVATIONS_DIR}/{est['estimate_id']}"
                paths = _km_files(block, base, folder, where)
                result = derived.derive_km(_km_inputs(paths, row))[0]
                for rel, path in paths.items():
                    out.files[rel] = path.read_bytes()
            else:
                result = derived.derive(method, derived.row_inputs(row, Path())[1])
        except (EvregError, OSError) as exc:
            raise EvregError(f"{where}: {exc}") from None
        numbers = derived.stored_numbers(result)
        est.update({n: f"{numbers[n]:.{derived.DIGITS}f}" for n in ("hr", "ci_lower", "ci_upper")})
        est.update(status="derived", ci_level=f"{numbers['ci_level']:g}")
        out.rows.append(row)
        out.labels.append(f"{key}[{i + 1}].{DERIVATION_KEY}")
    return out


def _km_inputs(paths: dict[str, Path], row: Mapping[str, str]) -> dict[str, Any]:
    from evreg.review.derived import parse_pairs

    curves = {
        Path(rel).stem.removeprefix("curve-"): str(p)
        for rel, p in paths.items()
        if Path(rel).name.startswith("curve-")
    }
    at_risk = next(str(p) for rel, p in paths.items() if rel.endswith("at-risk.csv"))
    events = row.get("events_by_group")
    return {
        "curves": curves,
        "at_risk": at_risk,
        "reference": row.get("reference", ""),
        "events": parse_pairs(events, "events_by_group") if events else {},
    }
