"""Derived estimates: one entry point from inputs as printed to a hazard ratio, for
`evreg derive`, `evreg add-study` and the build alike (what `evreg derive` prints is
:mod:`evreg.cli.derive_output`).

Inputs are strings or numbers as the paper prints them, keyed as in the ``derivations``
resource (schemas/derivations.json): logrank (p or chisq, events, ratio, worse); oe
(o_minus_e, variance, worse); ci (hr, ci_lower, ci_upper) or p (hr, p); km (curve files per
label, an at-risk file, reference, events per label). Formulas are :mod:`evreg.stats.derive`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evreg.data.derivations import STAT_INPUTS, read_at_risk, read_curve
from evreg.stats import derive as d


def _given(inputs: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {n: inputs[n] for n in names if inputs.get(n) not in (None, "")}


def derive(method: str, inputs: Mapping[str, Any]) -> d.DerivedEstimate:
    """The derived estimate of ``method`` from ``inputs`` (raises DerivationError)."""
    if method == "logrank":
        return d.from_logrank(**_given(inputs, "p", "chisq", "events", "ratio", "worse"))
    if method == "oe":
        return d.from_o_minus_e(**_given(inputs, "o_minus_e", "variance", "worse"))
    if method == "ci":
        return d.from_hr_ci(**_given(inputs, "hr", "ci_lower", "ci_upper"))
    if method == "p":
        return d.from_hr_p(**_given(inputs, "hr", "p"))
    if method == "km":
        return derive_km(inputs)[0]
    raise d.DerivationError(f"method {method!r}: one of {', '.join(d.METHODS)}")


def parse_pairs(text: str | list[str], name: str) -> dict[str, str]:
    """``"low=85; high=46"`` or ``["low=85", "high=46"]`` -> {label: value}."""
    items = text if isinstance(text, list) else [t for t in str(text).split(";") if t.strip()]
    out: dict[str, str] = {}
    for item in items:
        label, sep, value = item.partition("=")
        if not sep or not label.strip() or not value.strip():
            raise d.DerivationError(f"{name} {item.strip()!r}: write LABEL=VALUE")
        if label.strip() in out:
            raise d.DerivationError(f"{name}: label {label.strip()!r} given twice")
        out[label.strip()] = value.strip()
    return out


def derive_km(
    inputs: Mapping[str, Any],
) -> tuple[d.DerivedEstimate, dict[str, d.GroupIPD]]:
    """Guyot 2012 from files: ``curves`` {label: path}, ``at_risk`` path, ``reference`` label,
    optional ``events`` {label: N} (printed totals)."""
    curves_in: dict[str, str] = dict(inputs["curves"])
    events = dict(inputs.get("events") or {})
    unknown = [label for label in events if label not in curves_in]
    if unknown:
        raise d.DerivationError(f"events: label {unknown[0]!r} is not a curve label")
    curves = []
    for label, path in curves_in.items():
        table = read_curve(path)
        total = None
        if label in events:
            total = int(d.positive(events[label], f"events {label}", integer=True))
        curves.append(
            d.CurveInput(
                label,
                table.columns["time"],
                table.columns["survival"],
                table.path,
                total,
                table.lines,
            )
        )
    risk = read_at_risk(inputs["at_risk"])
    groups = {k: v for k, v in risk.columns.items() if k != "time"}
    extra = [label for label in groups if label not in curves_in]
    if extra:
        raise d.DerivationError(
            f"{risk.path}:1: column {extra[0]!r} matches no curve label ({', '.join(curves_in)})"
        )
    plain = {
        "curves": {k: str(v) for k, v in curves_in.items()},
        "at_risk": str(inputs["at_risk"]),
        "reference": inputs["reference"],
        **({"events": {k: int(v) for k, v in events.items()}} if events else {}),
    }
    return d.derive_km(
        curves,
        risk.columns["time"],
        groups,
        risk.path,
        inputs["reference"],
        plain,
        at_risk_lines=risk.lines,
    )


def ipd_csv(groups: Mapping[str, d.GroupIPD]) -> str:
    """Reconstructed individual data: group,time,event (1 event, 0 censored)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", "time", "event"])
    for label, g in groups.items():
        for t, e in zip(g.time, g.event, strict=True):
            writer.writerow([label, f"{t:.6g}", int(e)])
    return out.getvalue()


def km_inputs_in(folder: Path, reference: str, events: str | None) -> dict[str, Any]:
    """KM inputs kept as files in the package: ``curve-<label>.csv`` and ``at-risk.csv``."""
    curves = {p.stem.removeprefix("curve-"): str(p) for p in sorted(folder.glob("curve-*.csv"))}
    return {
        "curves": curves,
        "at_risk": str(folder / "at-risk.csv"),
        "reference": reference,
        "events": parse_pairs(events, "events") if events else {},
    }


# ---- derived estimates of a package ---------------------------------------------------------

DIGITS = 4  # decimals of a derived hr and CI as stored in estimates.csv
DERIVATIONS_DIR = "data/derivations"


def row_inputs(raw: Mapping[str, str], root: Path) -> tuple[str, dict[str, Any]]:
    """(method, inputs) of a derivations row as printed (km: its files under
    data/derivations/<estimate_id>/)."""
    method = raw.get("method", "")
    if method == "km":
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", raw.get("estimate_id", "")):
            raise d.DerivationError(f"estimate_id {raw.get('estimate_id')!r}: not an estimate id")
        folder = root / DERIVATIONS_DIR / raw["estimate_id"]
        return method, km_inputs_in(folder, raw.get("reference", ""), raw.get("events_by_group"))
    return method, {k: raw[k] for k in STAT_INPUTS if raw.get(k, "") != ""}


def stored_numbers(est: d.DerivedEstimate) -> dict[str, float]:
    """The numbers a derived estimate keeps in estimates.csv (hr, ci_lower, ci_upper, level)."""
    return {
        "hr": round(est.hr, DIGITS),
        "ci_lower": round(est.ci_lower, DIGITS),
        "ci_upper": round(est.ci_upper, DIGITS),
        "ci_level": est.level,
    }


def derive_package(package: Any) -> dict[str, d.DerivedEstimate]:
    """Derive every row of the package's ``derivations`` resource and check that each derived
    estimate in estimates.csv holds the derived numbers. Raises EvregError naming the file,
    line and field of the first problem (inputs no formula can use, numbers that differ)."""
    from evreg.errors import EvregError

    file = package.resource_path("derivations") if package.derivations else ""
    raws = package.raw_tables.get("derivations", ())
    out: dict[str, d.DerivedEstimate] = {}
    for line, raw in zip(package.row_lines.get("derivations", ()), raws, strict=True):
        method, inputs = row_inputs(raw, package.root)
        try:
            out[raw["estimate_id"]] = derive(method, inputs)
        except EvregError as exc:
            raise EvregError(f"{file}:{line}: {raw['estimate_id']}: {exc}") from None
    _check_stored(package, out, file)
    return out


def _check_stored(package: Any, derived: dict[str, d.DerivedEstimate], file: str) -> None:
    from evreg.errors import EvregError

    est_file = package.resource_path("estimates")
    lines = package.row_lines.get("estimates", ())
    for line, est in zip(lines, package.estimates, strict=True):
        if est.get("status") != "derived":
            continue
        got = derived.get(est["estimate_id"])
        if got is None:
            raise EvregError(
                f"{est_file}:{line}: status: derived, but {file or 'the package'} has no "
                f"derivation for {est['estimate_id']}"
            )
        for name, value in stored_numbers(got).items():
            if est.get(name) is not None and abs(est[name] - value) > 0.6 * 10**-DIGITS:
                raise EvregError(
                    f"{est_file}:{line}: {name}: {est[name]:g}, but its derivation in {file} "
                    f"gives {value:.{DIGITS}f} (write that, or fix the inputs)"
                )
